// language_lexicon.cpp — built-in lists of very frequent words per language.
//
// Each list holds a language's function words and most frequent short words
// (articles, pronouns, prepositions, conjunctions, auxiliaries, negation,
// greetings), lower-cased. They were written for this plugin from general
// knowledge of each language; they are deliberately small (roughly 60-150
// words) so that they stay exact: a hit is strong evidence on texts of a few
// words, where CLD2's n-gram statistics have too little to go on.
#include "language_lexicon.h"

namespace winnow::langid {

const std::vector<LexiconList>& BuiltinLexicon() {
  static const std::vector<LexiconList> kLists = {
      {"en",
       "the of and to in is that for it with as was on be at by this had not are but from or have "
       "an they which you one were all we when there can been has more if will no would what so "
       "out up about into than them only other its some could these may then do first any my now "
       "such like our over also did new just where most should well because each those how me "
       "very through while here after being why does she he his her him who i am your yes thank "
       "thanks please hello good morning night new cannot don't isn't it's "
       "i'm doesn't won't can't let's what's there's"},
      {"de",
       "der die das und ist nicht ein eine einen einem einer eines zu den dem des mit sich auf für "
       "von im sie es ich du er wir ihr sind war auch als an nach wie bei aus noch nur wird werden "
       "kann können hat haben oder aber wenn dann so schon mehr sehr über unter vor durch um zum "
       "zur bis gegen ohne mein dein sein ihre unser was wer wo warum ja nein danke bitte guten "
       "morgen tag abend gut nichts alle diese dieser dieses "
       "jetzt heute hier dort immer kein keine keinen ob weil dass daß mir mich dir dich uns euch"},
      {"fr",
       "le la les de des du un une et est à en que qui dans pour pas sur au aux avec ce cette ces "
       "il elle ils elles nous vous je tu on ne se sa son ses leur leurs mais ou où plus par être "
       "avoir fait été sont était comme tout tous toute bien très aussi sans sous entre vers chez "
       "mon ton notre votre quoi quand comment pourquoi oui non merci bonjour bonsoir "
       "impossible rien peut peu déjà encore y c'est n'est qu'il d'un "
       "d'une l'on j'ai"},
      {"es",
       "el la los las de del un una unos unas y es en que por para con no se su sus al lo como "
       "más pero o sí ya este esta estos estas ese esa eso muy también fue ha han hay son está "
       "están ser estar tiene sin sobre entre hasta desde donde cuando porque qué quién cómo "
       "yo tú él ella nosotros vosotros ellos ellas me te le les nos mi mis tu tus gracias hola "
       "buenos buenas días noches nada todo todos otra otro puede"},
      {"it",
       "il lo la i gli le di del della dei delle un una uno e è in che per con non si sono da al "
       "alla nel nella sul sulla ma o anche come più questo questa questi quello quella ha hanno "
       "essere avere era molto tutto tutti io tu lui lei noi voi loro mi ti ci vi suo sua mio mia "
       "dove quando perché cosa chi sì grazie ciao buongiorno buonasera "
       "niente ancora già solo può stato fatto nessun nessuna"},
      {"pt",
       "o a os as de do da dos das um uma uns umas e é em no na nos nas que para por com não se "
       "seu sua seus suas ao aos à às mais mas ou como foi são está estão ser estar tem têm "
       "muito também este esta isso isto esse essa eu tu ele ela nós vocês eles elas me te lhe "
       "meu minha onde quando porque porquê quem sim obrigado obrigada olá bom boa dia noite "
       "nada todo todos pode já ainda você"},
      {"nl",
       "de het een en van in is dat op te zijn met voor niet aan er die dit als bij ook maar om "
       "uit naar dan nog wel geen worden wordt werd kan kunnen heeft hebben was waren zal zou "
       "ik jij je hij zij ze wij we jullie u mijn jouw zijn haar ons onze wat wie waar waarom "
       "hoe ja nee dank bedankt alstublieft hallo goedemorgen goedenavond "
       "niets alle alles deze door over tot zo nu hier daar moet"},
      {"sv",
       "och att det som en ett på är av för med till den inte har de jag om var vi så men från "
       "eller vid kan ska skulle när där här nu också bara efter under över mot hade blir blev "
       "han hon du ni dem oss mig dig sig min din sin vår er vad vem varför hur ja nej tack hej "
       "god morgon kväll ingenting alla denna detta dessa mycket inga "
       "någon något"},
      {"da",
       "og at det som en et på er af for med til den ikke har de jeg om var vi så men fra eller "
       "ved kan skal skulle når der her nu også kun efter under over mod havde bliver blev han "
       "hun du i dem os mig dig sig min din sin vores hvad hvem hvorfor hvordan ja nej tak hej "
       "god morgen aften intet ingen alle denne dette disse "
       "meget nogen noget"},
      {"no",
       "og at det som en et på er av for med til den ikke har de jeg om var vi så men fra eller "
       "ved kan skal skulle når der her nå også bare etter under over mot hadde blir ble han hun "
       "du dere dem oss meg deg seg min din sin vår hva hvem hvorfor hvordan ja nei takk hei god "
       "morgen kveld ingenting ingen alle denne dette disse mye noen noe"},
      {"fi",
       "ja on ei se että oli hän ovat olla kun mutta tai myös kuin niin nyt vain jo sen sitä "
       "siitä tämä tämän tässä tätä nämä ne he me te minä sinä mikä mitä kuka miksi miten missä "
       "kyllä kiitos hei huomenta hyvää päivää iltaa ei mitään "
       "kaikki voi voida olen olet olemme ole ollut jos sekä kanssa mukaan vielä koska"},
      {"pl",
       "i w na z do że się nie to jest jak o a co po od za przez dla jego jej ich ale lub tak "
       "już tylko może być był była było są jestem jesteś ten ta te tego tej tym który która "
       "które ja ty on ona my wy oni mnie ci mu gdzie kiedy dlaczego jak tak nie dziękuję proszę "
       "dzień dobry wieczór nic wszystko wszystkie bardzo jeszcze "
       "można też oraz czy"},
      {"cs",
       "a v na se je že s z do to o k i by jako ale nebo tak už jen může být byl byla bylo jsou "
       "jsem jsi ten ta to toho tom který která které já ty on ona my vy oni mě mi mu kde kdy "
       "proč jak ano ne děkuji prosím dobrý den ráno večer nic "
       "všechno všechny velmi ještě také jeho její jejich pro při po od"},
      {"sk",
       "a v na sa je že s z do to o k i by ako ale alebo tak už len môže byť bol bola bolo sú "
       "som si ten tá to toho tom ktorý ktorá ktoré ja ty on ona my vy oni ma mi mu kde kedy "
       "prečo ako áno nie ďakujem prosím dobrý deň ráno večer nič "
       "všetko všetky veľmi ešte tiež jeho jej ich pre pri po od"},
      {"hu",
       "a az és hogy nem is egy van volt de meg ez azt csak már még mint vagy ha el ki be le "
       "fel én te ő mi ti ők engem téged nekem neked mit ki hol mikor miért hogyan igen nem "
       "köszönöm kérem jó reggelt napot estét semmi minden "
       "nagyon lesz lehet kell ezt azok ezek után alatt felett"},
      {"ro",
       "și în de la a al ale cu pe pentru nu se că este sunt era fost un o unei unui care ce "
       "din mai dar sau ca cum când unde de ce cine eu tu el ea noi voi ei ele mă te îl îi ne "
       "vă meu mea tău ta lui lor da mulțumesc vă rog bună ziua seara dimineața "
       "nimic tot toate foarte încă și acest această aceasta"},
      {"tr",
       "ve bir bu da de için ile ne o mi mı mu mü değil var yok ben sen biz siz onlar gibi daha "
       "çok en ama veya ya kadar sonra önce şey her bütün nasıl neden nerede ne zaman kim evet "
       "hayır teşekkürler teşekkür ederim lütfen merhaba günaydın iyi akşamlar "
       "hiçbir hiç olarak olan oldu olur ise şu bunu bunun"},
      {"id",
       "yang dan di ke dari ini itu untuk dengan tidak ada pada adalah dalam akan juga saya "
       "kamu anda dia kami kita mereka atau tetapi sudah belum bisa dapat karena jika seperti "
       "oleh sebagai lebih sangat apa siapa mengapa kenapa bagaimana kapan dimana ya terima "
       "kasih tolong selamat pagi malam semua hanya masih harus telah"},
      {"ca",
       "el la els les de del dels un una i és en que per amb no es seu seva al als més però o "
       "com va ha han hi són està estan ser tenir molt també aquest aquesta això jo tu ell ella "
       "nosaltres vosaltres ells elles em et li ens us meu meva on quan perquè què qui sí "
       "gràcies hola bon dia bona nit res tot tots pot"},
      {"hr",
       "i u na je se da su za od s sa do iz ne to kao ali ili što koji koja koje bi biti bio "
       "bila bilo sam si smo ste ja ti on ona mi vi oni me te mu joj ga ih gdje kada zašto "
       "kako da ne hvala molim dobar dan jutro večer ništa sve "
       "svi jako još također njegov njezin"},
      {"vi",
       "và của là có không được cho trong với các một những này đã người để khi từ ra đến "
       "như thì tôi bạn anh chị chúng họ nó gì ai đâu tại sao thế nào vâng cảm ơn xin chào "
       "tất cả rất cũng còn nếu nhưng hoặc đang sẽ"},
      {"et",
       "ja on ei see et oli ta nad olla kui aga või ka nagu nii nüüd ainult juba selle seda "
       "sellest mina sina tema meie teie mis kes miks kuidas kus jah tänan aitäh palun tere "
       "hommikust head päeva õhtut midagi kõik väga veel kuna"},
      {"lt",
       "ir yra kad į iš su ne tai o bet ar kaip jis ji jie mes jūs aš tu buvo bus būti labai "
       "dar jau tik kas kur kada kodėl taip ačiū prašau labas rytas vakaras "
       "nieko viskas visi šis ši šie apie prie per"},
      {"lv",
       "un ir ka uz no ar ne tas tā bet vai kā viņš viņa viņi mēs jūs es tu bija būs būt ļoti "
       "vēl jau tikai kas kur kad kāpēc jā nē paldies lūdzu labdien labrīt vakars "
       "nekas viss visi šis šī par pie pēc"},
      {"sl",
       "in v na je se da so za od s z do iz ne to kot ali ki bi biti bil bila bilo sem si smo "
       "ste jaz ti on ona mi vi oni me te mu ji ga jih kje kdaj zakaj kako da ne hvala prosim "
       "dober dan jutro večer nič vse vsi zelo še tudi"},
      {"ru",
       "и в не на я что он с как а то все она так его но да ты к у же вы за бы по только ее "
       "мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни "
       "быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут "
       "где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под "
       "будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой "
       "тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть "
       "после над больше тот через эти нас про всего них какая много разве три эту моя "
       "впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда "
       "конечно всю между спасибо пожалуйста привет здравствуйте"},
      {"uk",
       "і й в у не на я що він з як а то все вона так його але так ти к до же ви за би по "
       "тільки її мені було ось від мене ще немає о з йому тепер коли навіть чи якщо вже або "
       "ні бути був нього вас там потім себе нічого їй може вони тут де є треба для ми тебе "
       "їх ніж була сам без також буде тоді хто цей того тому цього який цілком тут цьому "
       "один мій дуже дякую будь ласка привіт це ці"},
      {"bg",
       "и в не на аз че той с как а то все тя така го но да ти към за би по само я ми беше ето "
       "от мен още няма за от му сега когато дори ли ако вече или ни бъде беше него до вас там "
       "после себе си нищо може те тук къде има трябва ние теб тях от без също ще тогава кой "
       "този това тези който много благодаря моля здравей здравейте"},
      {"sr",
       "и у на је се да су за од с са до из не то као али или што који која које би бити био "
       "била било сам си смо сте ја ти он она ми ви они ме те му јој га их где када зашто "
       "како да не хвала молим добар дан јутро вече ништа све "
       "сви врло још такође"},
      {"mk",
       "и во на е се да се за од со до од не тоа како но или што кој која кое би биде беше "
       "сум си сме сте јас ти тој таа ние вие тие ме те му ѝ го ги каде кога зошто како да не "
       "благодарам ве молам добар ден утро вечер ништо сè "
       "сите многу уште исто"},
      {"be",
       "і ў у не на я што ён з як а то усё яна так яго але ты да за б па толькі яе мне было "
       "вось ад мяне яшчэ няма аб з яму цяпер калі нават ці калі ўжо або ні быць быў яго там "
       "потым сябе нічога ёй можа яны тут дзе ёсць трэба для мы цябе іх без таксама будзе "
       "тады хто гэты гэта дзякуй калі ласка прывітанне"},
      {"ar",
       "في من على إلى عن مع هذا هذه ذلك التي الذي الذين كان كانت هو هي هم أن إن لا لم لن ما "
       "ماذا متى أين كيف لماذا نعم شكرا من فضلك مرحبا صباح الخير مساء كل "
       "بعض أو ثم قد لقد عند بين كما أيضا"},
      {"fa",
       "و در به از که این آن با را است برای تا یک هم بر شود می نمی بود باشد شد کرد کنید "
       "خود او ما شما آنها من تو چه چرا کجا کی چطور بله نه خیر ممنون متشکرم لطفا سلام صبح "
       "بخیر همه هیچ یا اما"},
      {"ur",
       "اور کے کی کا میں سے کو پر ہے ہیں تھا تھی تھے یہ وہ کہ نہیں بھی ایک لیے ساتھ کیا "
       "کر ہو جو تو ہم آپ میرا تمہارا کیوں کہاں کب کیسے ہاں جی شکریہ براہ کرم سلام "
       "سب کچھ یا لیکن"},
      {"hi",
       "और का की के में से को पर है हैं था थी थे यह वह कि नहीं भी एक लिए साथ क्या कर हो "
       "जो तो हम आप मेरा तुम्हारा क्यों कहाँ कब कैसे हाँ जी धन्यवाद कृपया नमस्ते "
       "सब कुछ या लेकिन"},
      {"mr",
       "आणि च्या ची चा चे मध्ये ला ने आहे आहेत होते होता होती हा ही हे की नाही पण एक साठी "
       "सह काय करा जे तर आम्ही तुम्ही माझा का कुठे केव्हा कसे हो धन्यवाद कृपया नमस्कार "
       "सर्व काही किंवा"},
      {"ne",
       "र को का की मा बाट लाई छ छन् थियो थिए यो त्यो कि छैन पनि एक लागि साथ के गर्नुहोस् "
       "जो तर हामी तपाईं मेरो किन कहाँ कहिले कसरी हो धन्यवाद कृपया नमस्ते "
       "सबै केही वा"},
  };
  return kLists;
}

}  // namespace winnow::langid
