// Tests for cleaner/minhash_dedup: datatrove compatibility of the kernels
// (reference values computed with datatrove's own code path: numpy
// RandomState(1), simplify_text, NLTK word_tokenize, xxhash.xxh64), the
// vectorised kernels against the scalar loop, and the plugin through the
// PluginHarness (clusters, determinism, spilling, bad input).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "harness/plugin_harness.h"
#include "minhash.h"
#include "minhash_dedup_fast.h"
#include "minhash_dedup_lsh.h"
#include "minhash_dedup_xxh64.h"
#include "near_dup_gen.h"
#include "text_norm.h"

using winnow::RejectKind;
using winnow::cleaners::MinHasher;
using winnow::cleaners::Shingler;
using winnow::cleaners::Signer;
using winnow::cleaners::Tokenizer;
using winnow::cleaners::Tokens;
using winnow::testing::HarnessOutput;
using winnow::testing::PluginHarness;

namespace {

std::string Row(const std::string& text) {
  std::string json = "{\"text\":";
  winnow::AppendJsonString(json, text);
  return json + "}";
}

HarnessOutput Run(const std::string& config, const std::vector<std::string>& rows,
                  size_t batch_size = 1000) {
  auto h = PluginHarness::Create("cleaner/minhash_dedup", config);
  if (!h.ok()) FAIL(h.status().ToString());
  auto out = (*h)->RunStage(rows, batch_size);
  if (!out.ok()) FAIL(out.status().ToString());
  return std::move(out).value();
}

std::vector<std::string> Words(Tokenizer& tok, const std::string& text) {
  Tokens t;
  tok.Tokenize(text, &t);
  std::vector<std::string> out;
  for (size_t i = 0; i < t.size(); ++i) out.emplace_back(t.Word(i));
  return out;
}

std::string Para(uint64_t seed, size_t words) {
  winnow::bench::TextMaker maker(seed);
  std::string s;
  while (std::count(s.begin(), s.end(), ' ') < static_cast<long>(words)) {
    s += maker.Sentence() + " ";
  }
  return s;
}

}  // namespace

TEST_CASE("numpy RandomState(1) permutation parameters", "[minhash]") {
  MinHasher mh(112, 1);
  CHECK(mh.a()[0] == 775169054918279404ULL);
  CHECK(mh.a()[1] == 1758426461858698313ULL);
  CHECK(mh.a()[2] == 2109959069025162ULL);
  CHECK(mh.a()[111] == 223865076026037746ULL);
  CHECK(mh.b()[0] == 1062448801025099917ULL);
  CHECK(mh.b()[1] == 1324811268927594100ULL);
  CHECK(mh.b()[111] == 1097409548522419201ULL);
}

TEST_CASE("tokenisation matches datatrove simplify_text + NLTK", "[minhash]") {
  Tokenizer tok;
  using V = std::vector<std::string>;
  CHECK(Words(tok, "The quick brown fox. It can't be 3.14 or 1,000 times!") ==
        V{"the", "quick", "brown", "fox", "it", "cant", "be", "0", "or", "0", "times"});
  CHECK(Words(tok, "we cannot stop, gonna go") == V{"we", "can", "not", "stop", "gon", "na", "go"});
  CHECK(Words(tok, "Ça va très bien, naïve café; 2024 — really?") ==
        V{"ca", "va", "tres", "bien", "naive", "cafe", "0", "really"});
  CHECK(Words(tok, "") == V{});
  CHECK(Words(tok, "!!! ... ??? --- ;;;") == V{});
  CHECK(Words(tok,
              "ab\xFF"
              "cd ef") == V{"ab\xEF\xBF\xBD"
                            "cd",
                            "ef"});
  // Scripts without spaces are split into words by ICU.
  auto ja = Words(tok, "東京都に住んでいます。");
  CHECK(ja.size() >= 3);
  auto zh = Words(tok, "我们今天去北京大学。");
  CHECK(zh.size() >= 3);
  auto th = Words(tok, "ภาษาไทยง่ายนิดเดียว");
  CHECK(th.size() >= 2);
}

TEST_CASE("shingle hashes and signatures match datatrove", "[minhash]") {
  Tokenizer tok;
  Tokens t;
  std::vector<uint64_t> sh;
  tok.Tokenize("The quick brown fox jumps over the lazy dog. It can't be 3.14 or 1,000 times!", &t);
  winnow::cleaners::ShingleHashes(t, 5, false, &sh);
  REQUIRE(sh.size() == 12);  // 16 words -> 12 five-grams
  // xxhash.xxh64_intdigest("the quick brown fox jumps")
  CHECK(sh[0] == 7797000677988824208ULL);
  MinHasher mh(112, 1);
  std::vector<uint64_t> sig(112);
  tok.Tokenize("The quick brown fox jumps over the lazy dog. It can't be 3.14 or 1,000 times!", &t);
  winnow::cleaners::ShingleHashes(t, 5, false, &sh);
  mh.Sign(sh.data(), sh.size(), sig.data());
  CHECK(sig[0] == 85330943174081874ULL);
  CHECK(sig[1] == 125357541746059797ULL);
  CHECK(sig[2] == 194719379395631936ULL);
  // Fewer words than n: no shingle (datatrove), or one with whole_if_short.
  tok.Tokenize("short text", &t);
  winnow::cleaners::ShingleHashes(t, 5, false, &sh);
  CHECK(sh.empty());
  winnow::cleaners::ShingleHashes(t, 5, true, &sh);
  CHECK(sh.size() == 1);
}

TEST_CASE("vectorised kernels equal the scalar loop", "[minhash]") {
  std::mt19937_64 rng(7);
  for (int perms : {112, 128, 9, 20, 1}) {
    MinHasher mh(perms, static_cast<uint32_t>(perms));
    for (size_t n : {size_t{1}, size_t{3}, size_t{17}, size_t{500}}) {
      std::vector<uint64_t> x(n);
      for (auto& v : x) v = rng();
      x[0] = UINT64_MAX;  // extremes of the modular reduction
      if (n > 1) x[1] = 0;
      std::vector<uint64_t> want(static_cast<size_t>(perms)), got(want.size());
      mh.SignScalar(x.data(), n, want.data());
      for (bool v4 : {false, true}) {
        mh.ForceKernelForTesting(v4);
        mh.Sign(x.data(), n, got.data());
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("fast shingling equals the reference tokenizer + ShingleHashes", "[minhash][fast]") {
  Tokenizer tok;
  Tokens t;
  Shingler fast;
  std::vector<uint64_t> want, got;
  auto check = [&](const std::string& text) {
    tok.Tokenize(text, &t);
    for (int n : {1, 2, 5, 9}) {
      for (bool whole : {false, true}) {
        winnow::cleaners::ShingleHashes(t, n, whole, &want);
        fast.Shingles(text, n, whole, &got);
        if (got != want) {
          INFO("text: " << text << " n=" << n << " whole=" << whole);
          CHECK(got == want);
          return false;
        }
      }
    }
    if (!fast.last_was_reference()) {
      // The words themselves, not only their hashes.
      const Tokens& f = fast.last_tokens();
      if (f.text != t.text || f.starts != t.starts) {
        INFO("text: " << text);
        CHECK(f.text == t.text);
        CHECK(f.starts == t.starts);
        return false;
      }
    }
    return true;
  };
  for (const std::string& s :
       {std::string(), std::string(" "), std::string("a"), std::string("!!! ... ???"),
        std::string("  \t\n lead and trail  \r\n"),
        std::string("The quick brown fox. It can't be 3.14!"),
        std::string("we cannot stop, gonna go; wanna lemme gimme gotta CANNOT Cannot"),
        std::string("cannot"), std::string("x cannot"), std::string("cannotx gonnaa annot"),
        std::string("1,000,000 and 12 34 a1b2 007x 9"),
        std::string("a\x1c b\x1f c\x0b d\x7f e\x01f"),
        std::string(31, 'a') + " " + std::string(40, '9') + ",, ,," + std::string(33, ' ') + "Z",
        std::string("ascii, then caf\xC3\xA9 and na\xC3\xAFve"),
        std::string("ab\xFF"
                    "cd ef")}) {
    REQUIRE(check(s));
  }
  // Random ASCII over a biased alphabet (every class, runs of each), all lengths
  // around the 32-byte blocks.
  std::mt19937_64 rng(11);
  const std::string alphabet =
      "aAbBzZ09 5 \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f.,;:!?'\"-()[]{}@#$%^&*_+=<>/\\|`~\x01\x7f";
  for (int k = 0; k < 3000; ++k) {
    std::string s(rng() % 200, ' ');
    for (auto& ch : s) {
      uint64_t r = rng() % 100;
      ch = r < 60 ? static_cast<char>('a' + rng() % 26) : alphabet[rng() % alphabet.size()];
    }
    if (k % 7 == 0) s += " cannot gonna ";
    REQUIRE(check(s));
  }
  for (uint64_t seed = 1; seed <= 50; ++seed) REQUIRE(check(Para(seed, 400)));
  // More n-grams than one hashing chunk (65,536): chunk edges.
  REQUIRE(check(Para(9, 140000)));
  // A non-ASCII character anywhere (first byte, block edges, tail) sends the
  // document to the reference tokenizer.
  for (size_t at :
       {size_t{0}, size_t{31}, size_t{32}, size_t{63}, size_t{64}, size_t{100}, size_t{300}}) {
    std::string s = Para(7, 60);
    s.insert(std::min(at, s.size()), "\xC3\x9F");  // sharp s: not folded
    REQUIRE(check(s));
    CHECK(fast.last_was_reference());
    s.back() = static_cast<char>(0x80);
    REQUIRE(check(s));
    CHECK(fast.last_was_reference());
  }
  // Contractions (and near misses) at every offset around the 32-byte blocks.
  for (size_t pad = 0; pad < 70; ++pad) {
    const std::string lead(pad, 'x');
    for (const char* c : {"cannot", "gimme", "gonna", "gotta", "lemme", "wanna", "annot", "cannott",
                          "xgonna", "summer"}) {
      REQUIRE(check(lead + " " + c + " tail words here"));
      REQUIRE(check(lead.substr(0, pad / 2) + " " + lead.substr(pad / 2) + " " + c));
      REQUIRE(check(std::string(c) + " " + lead));
    }
  }
}

TEST_CASE("fast signer equals the scalar loop, including the unreduced range", "[minhash][fast]") {
  std::mt19937_64 rng(5);
  // 112 and 128 (blocks of 14 permutations and every remainder 0..13), and
  // small counts that only take the remainder.
  std::vector<int> perm_counts = {112, 128, 126, 127};
  for (int k = 1; k <= 29; ++k) perm_counts.push_back(k);
  for (int perms : perm_counts) {
    MinHasher mh(perms, static_cast<uint32_t>(perms) + 3);
    Signer signer(mh);
    signer.ForceAvx2ForTesting();
    // x with (x * a_j + b_j) mod 2^64 == target for an odd a_j (Newton inverse).
    auto preimage = [&](size_t j, uint64_t target) {
      uint64_t a = mh.a()[j], inv = a;
      for (int it = 0; it < 6; ++it) inv *= 2 - a * inv;
      return (target - mh.b()[j]) * inv;
    };
    for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{17}, size_t{500}}) {
      std::vector<uint64_t> x(n);
      for (auto& v : x) v = rng();
      if (n > 1) {
        x[0] = UINT64_MAX;
        x[1] = 0;
      }
      // Values v = x*a+b whose partial reduction (v & p) + (v >> 61) lands in
      // [p, p+7] (reduced: 0..7), with v & p == p, with v + 1 wrapping, and
      // values that reduce to small numbers the ordinary way, on both sides of
      // the kernel's recomputation threshold (reduced 6 and 7).
      for (size_t j = 0; j + 2 < n && j < static_cast<size_t>(perms); ++j) {
        if ((mh.a()[j] & 1) == 0) continue;
        const uint64_t p = winnow::cleaners::kMersenne61;
        const uint64_t targets[] = {p,
                                    (uint64_t{7} << 61) | p,
                                    (uint64_t{3} << 61) | (p - 2),
                                    3,
                                    (uint64_t{1} << 61) | (p - 1),
                                    UINT64_MAX,
                                    6,
                                    7,
                                    (uint64_t{2} << 61) | 5,
                                    (uint64_t{5} << 61) | (p - 9),
                                    0};
        x[j + 2] = preimage(j, targets[(j + n) % 11]);
      }
      std::vector<uint64_t> want(static_cast<size_t>(perms)), got(want.size());
      mh.SignScalar(x.data(), n, want.data());
      signer.Sign(x.data(), n, got.data());
      CHECK(got == want);
    }
  }
  // The plugin's default: one more real document against the reference kernel.
  MinHasher mh(112, 1);
  Signer signer(mh);
  Shingler sh;
  std::vector<uint64_t> x, want(112), got(112);
  sh.Shingles(Para(3, 500), 5, false, &x);
  mh.SignScalar(x.data(), x.size(), want.data());
  signer.Sign(x.data(), x.size(), got.data());
  CHECK(got == want);
}

TEST_CASE("length-specialised XXH64 equals the library", "[minhash][fast]") {
  std::mt19937_64 rng(13);
  std::string bytes(512, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  for (size_t len = 0; len <= 200; ++len) {
    for (size_t at : {size_t{0}, size_t{1}, size_t{7}, size_t{250}}) {
      const char* ptr = bytes.data() + at;
      if (winnow::cleaners::Xxh64Dispatch(ptr, len) != XXH64(ptr, len, 0)) {
        INFO("len " << len << " offset " << at);
        CHECK(winnow::cleaners::Xxh64Dispatch(ptr, len) == XXH64(ptr, len, 0));
      }
    }
  }
  // HashNgrams over word layouts like Tokens: random word lengths (n-grams of
  // 0..~250 bytes, so every length class, runs of one class and the generic
  // class), n = 1..9, counts around the 4-way interleave.
  for (int round = 0; round < 300; ++round) {
    const size_t words = rng() % 60;
    std::string text;
    std::vector<uint32_t> starts;
    const size_t max_word = round % 3 == 0 ? 3 : (round % 3 == 1 ? 12 : 40);
    for (size_t w = 0; w < words; ++w) {
      if (w) text.push_back(' ');
      starts.push_back(static_cast<uint32_t>(text.size()));
      const size_t len = 1 + rng() % max_word;
      for (size_t k = 0; k < len; ++k) text.push_back(static_cast<char>('a' + rng() % 26));
    }
    for (size_t ng = 1; ng <= 9; ++ng) {
      if (words < ng) continue;
      const size_t count = words - ng + 1;
      std::vector<uint64_t> got(count), want(count);
      std::vector<uint32_t> scratch(2 * count);
      winnow::cleaners::HashNgrams(text.data(), starts.data(), words, ng, text.size(), got.data(),
                                   scratch.data());
      for (size_t i = 0; i < count; ++i) {
        const size_t end = i + ng < words ? starts[i + ng] - 1 : text.size();
        want[i] = XXH64(text.data() + starts[i], end - starts[i], 0);
      }
      if (got != want) {
        INFO("round " << round << " words " << words << " n " << ng);
        REQUIRE(got == want);
      }
    }
  }
}

TEST_CASE("band entries sort like std::sort", "[minhash]") {
  using winnow::cleaners::BandEntry;
  std::mt19937_64 rng(17);
  auto less = [](const BandEntry& a, const BandEntry& b) {
    return a.key != b.key ? a.key < b.key : a.doc < b.doc;
  };
  for (size_t n : {size_t{0}, size_t{1}, size_t{32}, size_t{33}, size_t{100}, size_t{8192},
                   size_t{50000}, size_t{300001}}) {
    std::vector<BandEntry> v(n);
    for (size_t i = 0; i < n; ++i) {
      // Repeated keys (near duplicates share band keys), keys crowded in one
      // radix bucket, and the extremes.
      const uint64_t r = rng();
      v[i].key = i % 7 == 0 && i > 0 ? v[rng() % i].key : (i % 11 == 0 ? r >> 40 : r);
      if (i % 101 == 0) v[i].key = UINT64_MAX;
      v[i].doc = static_cast<uint32_t>(rng() % (n / 3 + 1));
    }
    std::vector<BandEntry> want = v;
    std::sort(want.begin(), want.end(), less);
    winnow::cleaners::SortBandEntries(v);
    bool same = v.size() == want.size();
    for (size_t i = 0; same && i < n; ++i)
      same = v[i].key == want[i].key && v[i].doc == want[i].doc;
    INFO("n = " << n);
    CHECK(same);
  }
}

TEST_CASE("minhash_dedup drops near duplicates and keeps the lowest row", "[minhash_dedup]") {
  std::string a = Para(1, 200), b = Para(2, 200), c = Para(3, 200);
  std::string a2 = "Breaking news. " + a + " Share this article.";
  std::vector<std::string> rows = {Row(b), Row(a), Row(c), Row(a2), Row(a), Row("tiny")};
  auto out = Run("{}", rows);
  REQUIRE(out.rows.size() == 4);
  REQUIRE(out.rejects.size() == 2);
  for (const auto& r : out.rejects) {
    CHECK(r.kind == RejectKind::kDrop);
    CHECK(r.reason == "near_duplicate");
    CHECK(r.detail.find("row 0:1") != std::string::npos);
    CHECK(r.detail.find("3 rows") != std::string::npos);
  }
  CHECK(out.rejects[0].id.ordinal == 3);
  CHECK(out.rejects[1].id.ordinal == 4);
  CHECK(out.counters["too_short"] == 1);
  CHECK(out.counters["near_duplicates"] == 2);

  auto ann = Run(R"({"mode": "annotate"})", rows);
  REQUIRE(ann.rows.size() == 6);
  CHECK(ann.rows[1].find(R"("cluster_id":"0:1","cluster_size":3)") != std::string::npos);
  CHECK(ann.rows[3].find(R"("cluster_id":"0:1","cluster_size":3)") != std::string::npos);
  CHECK(ann.rows[0].find(R"("cluster_id":"0:0","cluster_size":1)") != std::string::npos);
}

TEST_CASE("minhash_dedup is independent of batch size and spills", "[minhash_dedup]") {
  winnow::bench::NearDupOptions opt;
  opt.originals = 150;
  opt.words_per_doc = 120;
  opt.seed = 5;
  auto corpus = winnow::bench::GenerateNearDuplicates(opt);
  std::vector<std::string> rows;
  for (const auto& t : corpus.texts) rows.push_back(Row(t));
  auto ref = Run("{}", rows, 1000);
  CHECK(ref.rejects.size() > 20);
  for (size_t batch : {1, 7, 64}) {
    auto out = Run("{}", rows, batch);
    CHECK(out.row_ids == ref.row_ids);
  }
  // memory_mb: 1 holds ~87k band entries (6k rows); 30 copies of the corpus
  // (~11k rows) spill at least one sorted run.
  std::vector<std::string> many;
  for (int rep = 0; rep < 30; ++rep) {
    for (const auto& r : rows) many.push_back(r);
  }
  auto small = Run(R"({"memory_mb": 1})", many, 256);
  auto big = Run("{}", many, 256);
  CHECK(small.row_ids == big.row_ids);
  CHECK(small.counters["spilled_runs"] > 0);
  CHECK(big.counters.count("spilled_runs") == 0);
}

TEST_CASE("minhash_dedup quality on a generated corpus", "[minhash_dedup]") {
  winnow::bench::NearDupOptions opt;
  opt.originals = 300;
  opt.words_per_doc = 150;
  opt.seed = 11;
  auto corpus = winnow::bench::GenerateNearDuplicates(opt);
  std::vector<std::string> rows;
  for (const auto& t : corpus.texts) rows.push_back(Row(t));
  for (double verify : {0.0, 0.6}) {
    auto out =
        Run(R"({"mode": "annotate", "jaccard_threshold": )" + std::to_string(verify) + "}", rows);
    REQUIRE(out.rows.size() == rows.size());
    size_t high = 0, high_found = 0, low = 0, low_found = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (corpus.similarity[i] >= 1.0) continue;  // originals
      bool clustered = out.rows[i].find("\"cluster_size\":1}") == std::string::npos;
      if (corpus.similarity[i] >= 0.85) {
        ++high;
        high_found += clustered;
      } else if (corpus.similarity[i] <= 0.45) {
        ++low;
        low_found += clustered;
      }
    }
    INFO("verify " << verify << ": high " << high_found << "/" << high << ", low " << low_found
                   << "/" << low);
    REQUIRE(high > 20);
    REQUIRE(low > 20);
    CHECK(high_found >= high * 95 / 100);
    CHECK(low_found <= low / 10);
  }
}

TEST_CASE("minhash_dedup bad input", "[minhash_dedup]") {
  const std::string doc = Para(9, 100);
  SECTION("missing, null and non-string fields are rejected by default") {
    auto out = Run("{}", {R"({"other": 1})", R"({"text": null})", R"({"text": 42})", Row(doc)});
    REQUIRE(out.rows.size() == 1);
    REQUIRE(out.rejects.size() == 3);
    CHECK(out.rejects[0].reason == "minhash_dedup:missing_field");
    CHECK(out.rejects[1].reason == "minhash_dedup:missing_field");
    CHECK(out.rejects[2].reason == "minhash_dedup:not_a_string");
    CHECK(out.rejects[2].kind == RejectKind::kError);
  }
  SECTION("on_missing: pass keeps them") {
    auto out = Run(R"({"on_missing": "pass"})",
                   {R"({"other": 1})", R"({"text": 42})", Row(doc), Row(doc)});
    CHECK(out.rows.size() == 3);
  }
  SECTION("empty and all-punctuation texts pass, or cluster with short_documents: whole") {
    std::vector<std::string> rows = {Row(""), Row(""), Row("!!! ??? ..."), Row("a b"), Row("a b")};
    CHECK(Run("{}", rows).rows.size() == 5);
    auto whole = Run(R"({"short_documents": "whole"})", rows);
    CHECK(whole.rows.size() == 4);  // the two "a b" are one shingle each, equal
  }
  SECTION("scripts without spaces") {
    std::string ja =
        "東京都は日本の首都であり、世界でも有数の大都市です。多くの人々が毎日電車で通勤しています。"
        "美しい公園や歴史的な寺院もたくさんあります。";
    std::string ja2 = ja + "今日は晴れです。";
    std::string th = "ภาษาไทยเป็นภาษาที่มีเสียงวรรณยุกต์และใช้อักษรไทยในการเขียนโดยไม่เว้นวรรคระหว่างคำ";
    auto out = Run("{}", {Row(ja), Row(th), Row(ja2)});
    CHECK(out.rows.size() == 2);
    CHECK(out.counters["signed"] == 3);
  }
  SECTION("a 100 MB document") {
    std::string big;
    big.reserve(100u << 20);
    winnow::bench::TextMaker maker(3);
    std::vector<std::string> sentences;
    for (int i = 0; i < 2000; ++i) sentences.push_back(maker.Sentence() + " ");
    while (big.size() < (100u << 20)) big += sentences[big.size() % sentences.size()];
    auto out = Run("{}", {Row(big), Row(doc)});
    CHECK(out.rows.size() == 2);
    CHECK(out.counters["signed"] == 2);
  }
}

TEST_CASE("minhash_dedup config validation", "[minhash_dedup]") {
  CHECK_FALSE(PluginHarness::Create("cleaner/minhash_dedup", R"({"bands": 0})").ok());
  CHECK_FALSE(PluginHarness::Create("cleaner/minhash_dedup", R"({"jaccard_threshold": 2})").ok());
  CHECK_FALSE(PluginHarness::Create("cleaner/minhash_dedup", R"({"mode": "delete"})").ok());
  CHECK(PluginHarness::Create("cleaner/minhash_dedup", R"({"bands": 20, "rows": 5, "ngram": 3})")
            .ok());
}

TEST_CASE("text that is ASCII apart from white space and punctuation takes the fast shingler",
          "[minhash][fast]") {
  Tokenizer tok;
  Tokens t;
  Shingler fast;
  std::vector<uint64_t> want, got;
  // Pieces: ASCII classes, code points FoldSimpleUnicode folds (white space:
  // NEL, NBSP, thin space, ideographic space; datatrove punctuation: curly
  // quotes, dashes, ellipsis, guillemets, acute accent, C1 control), and ones
  // it must refuse (left single quote is not in PUNCTUATION, letters, invalid
  // UTF-8).
  const std::vector<std::string> folded = {
      "\xC2\x85",     "\xC2\xA0",     "\xE2\x80\x89", "\xE3\x80\x80", "\xE2\x80\x99",
      "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x94", "\xE2\x80\x93", "\xE2\x80\xA6",
      "\xC2\xAB",     "\xC2\xBB",     "\xC2\xB4",     "\xC2\x81"};
  const std::vector<std::string> refused = {"\xE2\x80\x98", "\xC3\x9F", "\xC3\xA6", "\xC2\xA9",
                                            "\xC3\x97",     "\xD0\xB4", "\xFF",     "\xE4\xB8\xAD"};
  const std::vector<std::string> ascii = {"a", "Word", " ",      "  ",    "\n", "0", "12",
                                          ",", "'",    "cannot", "gonna", "x",  "-", "."};
  // Latin-1 letters NFD turns into an ASCII letter plus marks, and bare
  // combining marks (acute, diaeresis).
  std::vector<std::string> folded_all = folded;
  for (int c = 0xC0; c <= 0xFF; ++c) {
    if (c == 0xC6 || c == 0xD0 || c == 0xD7 || c == 0xD8 || c == 0xDE || c == 0xDF || c == 0xE6 ||
        c == 0xF0 || c == 0xF7 || c == 0xF8 || c == 0xFE) {
      continue;
    }
    folded_all.push_back(
        std::string{static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))});
  }
  folded_all.push_back("\xCC\x81");
  folded_all.push_back("\xCC\x88");
  uint64_t state = 99;
  auto next = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  size_t fast_docs = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text;
    const size_t pieces = next() % 120;
    const bool refuse = next() % 4 == 0;
    for (size_t p = 0; p < pieces; ++p) {
      const size_t r = next() % 10;
      if (r < 7) {
        text += ascii[next() % ascii.size()];
      } else {
        text += folded_all[next() % folded_all.size()];
      }
    }
    if (refuse) text.insert(next() % (text.size() + 1), refused[next() % refused.size()]);
    tok.Tokenize(text, &t);
    for (int n : {1, 5}) {
      winnow::cleaners::ShingleHashes(t, n, true, &want);
      fast.Shingles(text, n, true, &got);
      INFO("text: " << text << " n=" << n);
      REQUIRE(got == want);
    }
    if (!fast.last_was_reference()) {
      ++fast_docs;
      REQUIRE(fast.last_tokens().text == t.text);
      REQUIRE(fast.last_tokens().starts == t.starts);
    }
  }
  CHECK(fast_docs > 2000);  // the folded documents took the fast path
  // A refused character sends the document to the reference tokenizer.
  fast.Shingles("it\xE2\x80\x98s caf\xC3\xA9", 1, true, &got);
  CHECK(fast.last_was_reference());
  fast.Shingles(
      "it\xE2\x80\x99s \xE2\x80\x9C"
      "fine\xE2\x80\x9D\xC2\xA0now",
      1, true, &got);
  CHECK_FALSE(fast.last_was_reference());
  CHECK(fast.last_tokens().text == "its fine now");
  fast.Shingles(
      "\xC3\x89t\xC3\xA9 \xC3\xA0 Z\xC3\xBCrich, Espa\xC3\xB1"
      "a",
      1, true, &got);
  CHECK_FALSE(fast.last_was_reference());
  CHECK(fast.last_tokens().text == "ete a zurich espana");
}

TEST_CASE("fast shingler equals the reference on the real dataset cards", "[minhash][fast]") {
  const std::filesystem::path dir = winnow::testing::SharedDataDir() / "hf-dataset-cards";
  if (!std::filesystem::is_directory(dir)) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  Tokenizer tok;
  Tokens t;
  Shingler fast;
  std::vector<uint64_t> want, got;
  size_t files = 0, fast_docs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    tok.Tokenize(text, &t);
    winnow::cleaners::ShingleHashes(t, 5, false, &want);
    fast.Shingles(text, 5, false, &got);
    INFO(entry.path());
    REQUIRE(got == want);
    ++files;
    if (!fast.last_was_reference()) ++fast_docs;
  }
  CHECK(files > 100);
  CHECK(fast_docs > files / 2);
}
