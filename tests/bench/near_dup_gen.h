// near_dup_gen.h — synthetic corpora with known near-duplicate clusters.
//
// Used by tests/bench/dedup_bench.cpp (precision/recall of minhash_dedup) and
// tests/plugins/cleaner_minhash_dedup_test.cpp. Deterministic for a seed.
//
// Originals are English-like documents (Zipf-distributed pseudo-words from a
// fixed syllable set, capitalised sentences with punctuation). Each original
// gets 0..max_copies copies; a copy is edited (word insertions and deletions,
// swapped sentences, added boilerplate sentences) until the exact Jaccard
// similarity of its word-5-gram shingle set (datatrove tokenisation) with the
// original drops to a target drawn uniformly from [min_similarity, 1].
// Documents are then shuffled; `group` tells which original each came from
// and `similarity` the measured Jaccard with it (1 for originals).
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "minhash.h"
#include "text_norm.h"

namespace winnow::bench {

struct NearDupOptions {
  size_t originals = 1000;
  size_t max_copies = 3;
  size_t words_per_doc = 300;
  double min_similarity = 0.3;
  uint64_t seed = 42;
};

struct NearDupCorpus {
  std::vector<std::string> texts;
  std::vector<uint32_t> group;     // index of the original each document derives from
  std::vector<double> similarity;  // Jaccard with that original
};

// Sorted unique 5-gram shingle hashes, as minhash_dedup computes them.
inline std::vector<uint64_t> ShingleSet(cleaners::Tokenizer& tok, const std::string& text,
                                        int ngram = 5) {
  cleaners::Tokens t;
  tok.Tokenize(text, &t);
  std::vector<uint64_t> s;
  cleaners::ShingleHashes(t, ngram, false, &s);
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

class TextMaker {
 public:
  explicit TextMaker(uint64_t seed) : rng_(seed) {
    static const char* kSyl[] = {"ka", "to", "ri", "an", "el", "mo", "su", "ne", "li", "ra",
                                 "ve", "po", "di", "sa", "te", "lo", "mi", "ga", "nu", "be",
                                 "th", "er", "in", "on", "st", "re", "al", "or", "ed", "es"};
    std::uniform_int_distribution<int> syl(0, 29), len(1, 3);
    for (int i = 0; i < 20000; ++i) {
      std::string w;
      int n = len(rng_);
      for (int k = 0; k < n; ++k) w += kSyl[syl(rng_)];
      vocab_.push_back(w);
    }
    // Zipf-like weights.
    std::vector<double> weights(vocab_.size());
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
    zipf_ = std::discrete_distribution<size_t>(weights.begin(), weights.end());
  }
  std::string Word() { return vocab_[zipf_(rng_)]; }
  // One sentence of 6-20 words, capitalised, with an occasional comma or number.
  std::string Sentence() {
    std::uniform_int_distribution<int> n(6, 20), coin(0, 19);
    int words = n(rng_);
    std::string s;
    for (int i = 0; i < words; ++i) {
      std::string w = Word();
      if (i == 0) w[0] = static_cast<char>(w[0] - 32);
      if (!s.empty()) s += ' ';
      s += w;
      if (coin(rng_) == 0) s += ',';
      if (coin(rng_) == 1) s += " " + std::to_string(rng_() % 1000);
    }
    return s + (coin(rng_) == 2 ? "?" : ".");
  }
  std::vector<std::string> Sentences(size_t words) {
    std::vector<std::string> out;
    size_t total = 0;
    while (total < words) {
      out.push_back(Sentence());
      total += static_cast<size_t>(std::count(out.back().begin(), out.back().end(), ' ')) + 1;
    }
    return out;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> vocab_;
  std::discrete_distribution<size_t> zipf_;
};

inline std::string Join(const std::vector<std::string>& sentences) {
  std::string out;
  for (const auto& s : sentences) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

inline NearDupCorpus GenerateNearDuplicates(const NearDupOptions& opt) {
  TextMaker maker(opt.seed);
  auto& rng = maker.rng();
  cleaners::Tokenizer tok;
  const std::vector<std::string> boilerplate = {
      "Subscribe to our newsletter for more updates.", "All rights reserved.",
      "Click here to read the full story.", "Share this article with your friends."};
  struct Doc {
    std::string text;
    uint32_t group;
    double sim;
  };
  std::vector<Doc> docs;
  std::uniform_int_distribution<size_t> ncopies(0, opt.max_copies);
  std::uniform_real_distribution<double> target(opt.min_similarity, 1.0);
  for (size_t g = 0; g < opt.originals; ++g) {
    std::vector<std::string> sentences = maker.Sentences(opt.words_per_doc);
    std::string original = Join(sentences);
    docs.push_back({original, static_cast<uint32_t>(g), 1.0});
    auto base_set = ShingleSet(tok, original);
    size_t copies = ncopies(rng);
    for (size_t c = 0; c < copies; ++c) {
      double want = target(rng);
      std::vector<std::string> s = sentences;
      double sim = 1.0;
      std::string text = original;
      for (int step = 0; step < 2000 && sim > want; ++step) {
        int op = static_cast<int>(rng() % 5);
        size_t i = rng() % s.size();
        if (op == 0 && s.size() > 1) {  // swap two sentences
          std::swap(s[i], s[rng() % s.size()]);
        } else if (op == 1) {  // insert a word
          size_t pos = s[i].find(' ', rng() % std::max<size_t>(1, s[i].size()));
          if (pos != std::string::npos) s[i].insert(pos, " " + maker.Word());
        } else if (op == 2) {  // delete a word
          size_t pos = s[i].find(' ', rng() % std::max<size_t>(1, s[i].size()));
          if (pos != std::string::npos) {
            size_t end = s[i].find(' ', pos + 1);
            s[i].erase(pos, end == std::string::npos ? std::string::npos : end - pos);
          }
        } else if (op == 3) {  // boilerplate at the start or the end
          const std::string& b = boilerplate[rng() % boilerplate.size()];
          if (rng() & 1) {
            s.insert(s.begin(), b);
          } else {
            s.push_back(b);
          }
        } else {  // replace a sentence
          s[i] = maker.Sentence();
        }
        text = Join(s);
        auto set = ShingleSet(tok, text);
        sim = cleaners::JaccardSorted(base_set.data(), base_set.size(), set.data(), set.size());
      }
      docs.push_back({text, static_cast<uint32_t>(g), sim});
    }
  }
  std::shuffle(docs.begin(), docs.end(), rng);
  NearDupCorpus out;
  for (auto& d : docs) {
    out.texts.push_back(std::move(d.text));
    out.group.push_back(d.group);
    out.similarity.push_back(d.sim);
  }
  return out;
}

}  // namespace winnow::bench
