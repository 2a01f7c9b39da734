// language_bench — speed and accuracy of cleaner/language's detectors.
//
// 1. Throughput on ~2 KB English documents (the AlpacaEval answers in
//    ../shared/data/instructions, written to a JSONL file and repeated), next
//    to a raw simdjson on-demand scan of the same file in the same run.
// 2. Accuracy per language and text length (1-3, 4-10, 11-30, 31+ words) for
//    CLD2 alone and for the combined detector, on a labelled multilingual set
//    built here: the translated messages of every gettext catalogue installed
//    under /usr/share/locale (label = the catalogue's locale), English
//    instruction texts (../shared/data/instructions) and windows of the real web
//    pages in ../shared/data/web/article-extraction-ground-truth.json (label =
//    CLD2 on the whole page, kept only when CLD2 calls it reliable).
// 3. One 100 MB document, sampled (default max_detect_bytes) and whole.
//
// Usage: language_bench [--docs N] [--per-cell N] [--wordlists LANG:PATH,...] [--table]
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "language_codes.h"
#include "language_detect.h"
#include "winnow/hash.h"
#include "winnow/io.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace fs = std::filesystem;
using winnow::langid::Detection;
using winnow::langid::Detector;
using winnow::langid::DetectorOptions;
using winnow::langid::Engine;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

fs::path SharedData() {
  if (const char* e = std::getenv("WINNOW_SHARED_DATA")) return e;
  for (fs::path p : {"../shared/data", "../../shared/data", "/work/shared/data"}) {
    if (fs::exists(p)) return p;
  }
  return "../shared/data";
}

std::unique_ptr<Detector> Make(Engine e,
                               const std::vector<std::pair<std::string, std::string>>& wl = {}) {
  DetectorOptions o;
  o.engine = e;
  o.wordlists = wl;
  auto d = Detector::Create(o);
  if (!d.ok()) {
    std::fprintf(stderr, "detector: %s\n", d.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(d).value();
}

// Strings under `key` in a JSON array of objects, or the `key` member of each
// value of an object (simdjson DOM; the files are small).
std::vector<std::string> JsonStrings(const fs::path& path, const char* key) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(path.string()).get(root)) return out;
  auto take = [&](simdjson::dom::element e) {
    std::string_view s;
    if (!e[key].get_string().get(s)) out.emplace_back(s);
  };
  simdjson::dom::array arr;
  simdjson::dom::object obj;
  if (!root.get_array().get(arr)) {
    for (auto e : arr) take(e);
  } else if (!root.get_object().get(obj)) {
    for (auto f : obj) take(f.value);
  }
  return out;
}

// ---- labelled data -------------------------------------------------------

struct Sample {
  std::string lang;
  std::string text;
  std::string source;  // "gettext", "instructions", "web"
};

uint32_t Le32(const std::string& b, size_t off) {
  uint32_t v = 0;
  if (off + 4 <= b.size()) std::memcpy(&v, b.data() + off, 4);
  return v;
}

// Cleans a UI message: drops format directives, mnemonics, markup and escapes.
std::string CleanMessage(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {  // printf directive
      size_t j = i + 1;
      while (j < s.size() && std::strchr("0123456789$-+ #.'*lhzjtLI", s[j])) ++j;
      if (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) {
        i = j;
        out.push_back(' ');
        continue;
      }
    }
    if (c == '{' || c == '<') {  // {0}, ${var}, <b>
      char close = c == '{' ? '}' : '>';
      size_t j = s.find(close, i);
      if (j != std::string::npos && j - i < 40) {
        i = j;
        out.push_back(' ');
        continue;
      }
    }
    if ((c == '_' || c == '&') && i + 1 < s.size() &&
        !std::isspace(static_cast<unsigned char>(s[i + 1])))
      continue;
    if (c == '\\' || c == '\t' || c == '\n') c = ' ';
    out.push_back(c);
  }
  // collapse spaces
  std::string r;
  for (char c : out) {
    if (c == ' ' && (r.empty() || r.back() == ' ')) continue;
    r.push_back(c);
  }
  while (!r.empty() && r.back() == ' ') r.pop_back();
  return r;
}

std::string LocaleToLang(std::string loc) {
  loc = loc.substr(0, loc.find_first_of("_@."));
  if (loc == "nb") return "no";
  return winnow::langid::NormalizeLabel(loc);
}

void LoadGettext(std::vector<Sample>& out) {
  const fs::path root = "/usr/share/locale";
  std::error_code ec;
  if (!fs::exists(root, ec)) return;
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().extension() == ".mo") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string loc = f.lexically_relative(root).begin()->string();
    if (loc.rfind("en", 0) == 0) continue;  // English catalogues are mostly msgid copies
    std::string lang = LocaleToLang(loc);
    if (lang == "und") continue;
    auto bytes = winnow::ReadFile(f, 64 << 20);
    if (!bytes.ok()) continue;
    const std::string& b = *bytes;
    if (Le32(b, 0) != 0x950412de) continue;
    uint32_t n = Le32(b, 8), orig = Le32(b, 12), trans = Le32(b, 16);
    for (uint32_t k = 0; k < n; ++k) {
      uint32_t ol = Le32(b, orig + 8 * k), oo = Le32(b, orig + 8 * k + 4);
      uint32_t tl = Le32(b, trans + 8 * k), to = Le32(b, trans + 8 * k + 4);
      if (ol == 0 || oo + ol > b.size() || to + tl > b.size()) continue;
      std::string id(b.data() + oo, strnlen(b.data() + oo, ol));
      std::string str(b.data() + to, strnlen(b.data() + to, tl));
      if (auto p = id.find('\x04'); p != std::string::npos) id = id.substr(p + 1);
      if (str.empty() || str == id || !winnow::IsValidUtf8(str)) continue;
      std::string text = CleanMessage(str);
      if (text.size() < 2) continue;
      if (winnow::langid::AnalyzeScripts(text).letters < 2) continue;
      if (!seen.insert({lang, text}).second) continue;
      out.push_back({lang, std::move(text), "gettext"});
    }
  }
}

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> w;
  std::istringstream in(s);
  std::string t;
  while (in >> t) w.push_back(t);
  return w;
}

// Windows of 1-3, 4-10, 11-30 and 31-60 words from a text in a known language.
void AddWindows(const std::string& lang, const std::string& text, const char* source,
                std::vector<Sample>& out) {
  auto w = Words(text);
  static const int kLens[] = {1, 2, 3, 5, 8, 10, 15, 25, 40, 60};
  uint64_t h = winnow::Hash64(text);
  for (int len : kLens) {
    if (static_cast<int>(w.size()) < len) break;
    for (int rep = 0; rep < 3; ++rep) {
      h = h * 6364136223846793005ULL + 1442695040888963407ULL;
      size_t start = (h >> 33) % (w.size() - len + 1);
      std::string s;
      for (int k = 0; k < len; ++k) s += (k ? " " : "") + w[start + k];
      out.push_back({lang, s, source});
    }
  }
}

void LoadInstructions(std::vector<Sample>& out) {
  auto ins =
      JsonStrings(SharedData() / "instructions/alpaca-eval-gpt4_1106_preview.json", "instruction");
  for (size_t k = 0; k < ins.size(); k += 4) AddWindows("en", ins[k], "instructions", out);
}

void LoadWeb(std::vector<Sample>& out, const Detector& cld2) {
  for (const auto& body :
       JsonStrings(SharedData() / "web/article-extraction-ground-truth.json", "articleBody")) {
    Detection d = cld2.Detect(body);
    if (d.language == "und" || d.score < 0.9) continue;
    AddWindows(d.language, body, "web", out);
  }
}

int Bucket(int64_t words) {
  return words <= 3 ? 0 : words <= 10 ? 1 : words <= 30 ? 2 : 3;
}

bool Same(const std::string& want, const std::string& got) {
  if (want == got) return true;
  // Norwegian: CLD2 says "no" for Bokmål.
  if ((want == "no" || want == "nb") && (got == "no" || got == "nb")) return true;
  return false;
}

// ---- throughput ------------------------------------------------------------

std::string MakeEnglishJsonl(size_t docs) {
  std::vector<std::string> outs;
  for (auto& o :
       JsonStrings(SharedData() / "instructions/alpaca-eval-gpt4_1106_preview.json", "output")) {
    if (o.size() > 200) outs.push_back(std::move(o));
  }
  if (outs.empty())
    outs.push_back(std::string(40, 'x') + " The quick brown fox jumps over the lazy dog.");
  std::string jsonl;
  for (size_t i = 0; i < docs; ++i) {
    winnow::Value row = winnow::Value::MakeObject();
    row.set("id", winnow::Value(static_cast<int64_t>(i)));
    row.set("text", winnow::Value(outs[i % outs.size()]));
    row.AppendJson(jsonl);
    jsonl.push_back('\n');
  }
  return jsonl;
}

}  // namespace

int main(int argc, char** argv) {
  size_t docs = 20000, per_cell = 400;
  std::vector<std::pair<std::string, std::string>> wordlists;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--docs" && i + 1 < argc)
      docs = std::stoul(argv[++i]);
    else if (a == "--per-cell" && i + 1 < argc)
      per_cell = std::stoul(argv[++i]);
    else if (a == "--wordlists" && i + 1 < argc) {
      std::string s = argv[++i];
      size_t pos = 0;
      while (pos < s.size()) {
        size_t end = s.find(',', pos);
        if (end == std::string::npos) end = s.size();
        std::string e = s.substr(pos, end - pos);
        size_t c = e.find(':');
        if (c != std::string::npos) wordlists.emplace_back(e.substr(0, c), e.substr(c + 1));
        pos = end + 1;
      }
    }
  }
  auto cld2 = Make(Engine::kCld2);
  auto combined = Make(Engine::kCombined);
  std::unique_ptr<Detector> with_lists;
  if (!wordlists.empty()) with_lists = Make(Engine::kCombined, wordlists);

  // ---- 1. throughput
  {
    std::string jsonl = MakeEnglishJsonl(docs);
    simdjson::padded_string padded(jsonl);
    std::printf("== throughput: %zu English docs, %.1f MB (avg %.0f bytes/doc), 1 thread\n", docs,
                jsonl.size() / 1e6, static_cast<double>(jsonl.size()) / docs);
    auto scan = [&](auto&& fn) {
      simdjson::ondemand::parser parser;
      simdjson::ondemand::document_stream stream;
      if (parser.iterate_many(padded, 1 << 20).get(stream)) std::abort();
      size_t n = 0;
      for (auto doc : stream) {
        std::string_view text;
        if (doc["text"].get_string().get(text)) continue;
        fn(text);
        ++n;
      }
      return n;
    };
    struct Row {
      const char* name;
      std::function<void(std::string_view)> fn;
    };
    size_t sink = 0;
    std::vector<Row> rows = {
        {"simdjson scan (baseline)", [&](std::string_view t) { sink += t.size(); }},
        {"scan + CLD2 alone", [&](std::string_view t) { sink += cld2->Detect(t).language.size(); }},
        {"scan + combined (default)",
         [&](std::string_view t) { sink += combined->Detect(t).language.size(); }},
    };
    if (with_lists) {
      rows.push_back({"scan + combined + word lists",
                      [&](std::string_view t) { sink += with_lists->Detect(t).language.size(); }});
    }
    for (auto& r : rows) {
      double best = 1e9;
      size_t n = 0;
      for (int rep = 0; rep < 3; ++rep) {
        double t0 = Now();
        n = scan(r.fn);
        best = std::min(best, Now() - t0);
      }
      std::printf("  %-30s %10.0f docs/s  %8.1f MB/s\n", r.name, n / best,
                  jsonl.size() / best / 1e6);
    }
    std::fprintf(stderr, "(sink %zu)\n", sink);
  }

  // ---- 2. accuracy
  std::vector<Sample> all;
  LoadGettext(all);
  LoadInstructions(all);
  LoadWeb(all, *cld2);
  // Balance: at most per_cell samples per (source, language, bucket), chosen by hash.
  std::map<std::tuple<std::string, std::string, int>, std::vector<const Sample*>> cells;
  for (const auto& s : all) {
    int64_t words = winnow::langid::AnalyzeScripts(s.text).words;
    cells[{s.source, s.lang, Bucket(words)}].push_back(&s);
  }
  struct Acc {
    int n = 0, ok_cld2 = 0, ok_comb = 0, ok_lists = 0;
  };
  std::map<std::pair<std::string, std::string>, std::array<Acc, 4>>
      acc;  // (source, lang) -> bucket
  std::array<Acc, 4> total_gettext{}, total_web{};
  size_t evaluated = 0;
  double t_cld2 = 0, t_comb = 0;
  for (auto& [key, v] : cells) {
    std::sort(v.begin(), v.end(), [](const Sample* a, const Sample* b) {
      return winnow::Hash64(a->text) < winnow::Hash64(b->text);
    });
    if (v.size() > per_cell) v.resize(per_cell);
    auto& [source, lang, bucket] = key;
    for (const Sample* s : v) {
      double t0 = Now();
      bool a = Same(lang, cld2->Detect(s->text).language);
      double t1 = Now();
      bool b = Same(lang, combined->Detect(s->text).language);
      t_cld2 += t1 - t0;
      t_comb += Now() - t1;
      bool c = with_lists ? Same(lang, with_lists->Detect(s->text).language) : false;
      for (Acc* x : {&acc[{source, lang}][bucket],
                     source != "gettext" ? &total_web[bucket] : &total_gettext[bucket]}) {
        x->n++;
        x->ok_cld2 += a;
        x->ok_comb += b;
        x->ok_lists += c;
      }
      ++evaluated;
    }
  }
  std::printf("\n== accuracy (%zu samples; %% correct, CLD2 alone -> combined%s)\n", evaluated,
              with_lists ? " -> combined+word lists" : "");
  auto cell = [&](const Acc& a) {
    if (a.n == 0) return std::string("    -     ");
    char buf[64];
    if (with_lists) {
      std::snprintf(buf, sizeof buf, "%3.0f→%3.0f→%3.0f", 100.0 * a.ok_cld2 / a.n,
                    100.0 * a.ok_comb / a.n, 100.0 * a.ok_lists / a.n);
    } else {
      std::snprintf(buf, sizeof buf, "%3.0f → %3.0f", 100.0 * a.ok_cld2 / a.n,
                    100.0 * a.ok_comb / a.n);
    }
    return std::string(buf);
  };
  std::printf(
      "| source | lang | n | 1-3 words | 4-10 | 11-30 | 31+ |\n|---|---|---|---|---|---|---|\n");
  for (const auto& [k, b] : acc) {
    int n = b[0].n + b[1].n + b[2].n + b[3].n;
    if (n < 100) continue;
    std::printf("| %s | %s | %d | %s | %s | %s | %s |\n", k.first.c_str(), k.second.c_str(), n,
                cell(b[0]).c_str(), cell(b[1]).c_str(), cell(b[2]).c_str(), cell(b[3]).c_str());
  }
  for (auto* t : {&total_gettext, &total_web}) {
    int n = (*t)[0].n + (*t)[1].n + (*t)[2].n + (*t)[3].n;
    std::printf("| **all %s** | | %d | %s | %s | %s | %s |\n",
                t == &total_web ? "web+instr" : "gettext", n, cell((*t)[0]).c_str(),
                cell((*t)[1]).c_str(), cell((*t)[2]).c_str(), cell((*t)[3]).c_str());
  }
  std::printf("(detection time on this set: CLD2 %.2f s, combined %.2f s)\n", t_cld2, t_comb);

  // ---- 3. one 100 MB document
  {
    std::string big;
    big.reserve(100u << 20);
    const std::string para =
        "Language identification of very long documents samples the text instead of reading all "
        "of it, which keeps the cost of one row bounded. ";
    while (big.size() < (100u << 20)) big += para;
    double t0 = Now();
    Detection d = combined->Detect(big);
    double t1 = Now();
    DetectorOptions o;
    o.engine = Engine::kCombined;
    o.max_detect_bytes = 0;
    auto whole = Make(Engine::kCombined);
    auto w = Detector::Create(o);
    Detection d2 = (*w)->Detect(big);
    double t2 = Now();
    std::printf(
        "\n== one %.0f MB document: sampled (64 KB) %s in %.4f s; whole text %s in %.2f s\n",
        big.size() / 1e6, d.language.c_str(), t1 - t0, d2.language.c_str(), t2 - t1);
  }
  return 0;
}
