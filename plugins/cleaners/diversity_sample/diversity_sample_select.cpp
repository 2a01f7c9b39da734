#include "diversity_sample_select.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

namespace winnow::diversity {

float MinHashDistance(const uint32_t* a, const uint32_t* b, size_t n) {
  if (n == 0) return 0.0f;
  size_t eq = 0;
  for (size_t i = 0; i < n; ++i) eq += a[i] == b[i];  // vectorises (AVX2 compare + count)
  return 1.0f - static_cast<float>(eq) / static_cast<float>(n);
}

float CosineDistance(const Sketch& a, const Sketch& b) {
  if (a.terms.empty() && b.terms.empty()) return 0.0f;
  double dot = 0;
  size_t i = 0, j = 0;
  while (i < a.terms.size() && j < b.terms.size()) {
    if (a.terms[i] < b.terms[j]) {
      ++i;
    } else if (a.terms[i] > b.terms[j]) {
      ++j;
    } else {
      dot += static_cast<double>(a.weights[i]) * b.weights[j];
      ++i;
      ++j;
    }
  }
  return static_cast<float>(std::clamp(1.0 - dot, 0.0, 1.0));
}

DocFreq::DocFreq() : counts_(kBuckets, 0) {}

void DocFreq::Add(const std::vector<uint32_t>& unique_terms) {
  for (uint32_t t : unique_terms) {
    std::atomic_ref<uint32_t>(counts_[t & (kBuckets - 1)]).fetch_add(1, std::memory_order_relaxed);
  }
}
uint32_t DocFreq::Get(uint32_t term) const {
  return counts_[term & (kBuckets - 1)];
}
std::vector<uint32_t> DocFreq::Snapshot() const {
  return counts_;
}
void DocFreq::AddCounts(const std::vector<uint32_t>& counts) {
  for (size_t i = 0; i < counts.size() && i < counts_.size(); ++i) counts_[i] += counts[i];
}

void ApplyIdf(Sketch& s, const DocFreq& df, uint64_t n_docs) {
  double norm = 0;
  for (size_t i = 0; i < s.terms.size(); ++i) {
    double tf = 1.0 + std::log(std::max(1.0f, s.weights[i]));
    double idf = std::log((1.0 + static_cast<double>(n_docs)) / (1.0 + df.Get(s.terms[i]))) + 1.0;
    s.weights[i] = static_cast<float>(tf * idf);
    norm += static_cast<double>(s.weights[i]) * s.weights[i];
  }
  if (norm > 0) {
    float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& w : s.weights) w *= inv;
  }
}

namespace {

// Runs fn(begin, end) over [0, n) split into `threads` contiguous chunks.
template <class Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  if (threads <= 1 || n < 4096) {
    fn(size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  size_t chunk = (n + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
  for (int t = 0; t < threads; ++t) {
    size_t b = static_cast<size_t>(t) * chunk, e = std::min(n, b + chunk);
    if (b >= e) break;
    pool.emplace_back([&fn, b, e] { fn(b, e); });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

SelectResult Select(const std::vector<Sketch>& sk, const std::vector<uint64_t>& keys,
                    const SelectOptions& opt) {
  SelectResult r;
  const size_t n = sk.size();
  r.cluster.assign(n, 0);
  r.selected.assign(n, 0);
  if (n == 0) return r;
  const size_t k = std::min(opt.k, n);
  const size_t c = std::clamp<size_t>(opt.clusters, 1, n);
  const size_t centres_needed = opt.stratified ? c : std::max(c, k);

  auto dist = [&](size_t i, size_t j) -> float {
    if (opt.representation == Representation::kMinHash) {
      return MinHashDistance(sk[i].sig.data(), sk[j].sig.data(),
                             std::min(sk[i].sig.size(), sk[j].sig.size()));
    }
    return CosineDistance(sk[i], sk[j]);
  };

  // Farthest-point traversal. order[t] = the t-th centre.
  std::vector<size_t> order;
  order.reserve(centres_needed);
  size_t first = 0;
  for (size_t i = 1; i < n; ++i) {
    if (keys[i] < keys[first]) first = i;
  }
  std::vector<float> mind(n, 2.0f);
  std::vector<uint32_t> nearest(n, 0);
  std::vector<uint8_t> chosen(n, 0);
  size_t next = first;
  while (order.size() < centres_needed) {
    if (opt.cancelled && opt.cancelled()) {
      r.cancelled = true;
      return r;
    }
    const size_t centre = next;
    const auto centre_id = static_cast<uint32_t>(order.size());
    order.push_back(centre);
    chosen[centre] = 1;
    ParallelFor(n, opt.threads, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        float d = i == centre ? 0.0f : dist(i, centre);
        if (d < mind[i]) {  // strict: ties keep the earlier centre
          mind[i] = d;
          nearest[i] = centre_id;
        }
      }
    });
    if (order.size() >= centres_needed) break;
    // Next centre: the farthest row not yet chosen (ties: smallest key, then
    // smallest index). Duplicates have distance 0 but still count as rows.
    size_t best = n;
    for (size_t i = 0; i < n; ++i) {
      if (chosen[i]) continue;
      if (best == n || mind[i] > mind[best] || (mind[i] == mind[best] && keys[i] < keys[best])) {
        best = i;
      }
    }
    next = best;
  }

  // Reference clusters: nearest among the first c centres.
  if (centres_needed == c) {
    r.cluster = nearest;
  } else {
    // Recompute assignment restricted to the first c centres.
    std::vector<float> md(n, 2.0f);
    for (size_t t = 0; t < c; ++t) {
      const size_t centre = order[t];
      ParallelFor(n, opt.threads, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          float d = i == centre ? 0.0f : dist(i, centre);
          if (d < md[i]) {
            md[i] = d;
            r.cluster[i] = static_cast<uint32_t>(t);
          }
        }
      });
    }
  }
  r.clusters_total = c;

  if (!opt.stratified) {
    for (size_t t = 0; t < k; ++t) r.selected[order[t]] = 1;
  } else {
    // Members of each cluster in ascending key order.
    std::vector<std::vector<size_t>> members(c);
    for (size_t i = 0; i < n; ++i) members[r.cluster[i]].push_back(i);
    for (auto& m : members) {
      std::sort(m.begin(), m.end(),
                [&](size_t a, size_t b) { return keys[a] != keys[b] ? keys[a] < keys[b] : a < b; });
    }
    std::vector<size_t> quota(c, 0);
    size_t left = k;
    // Clusters by size (descending), then traversal order: who gets the first seats.
    std::vector<size_t> by_size(c);
    std::iota(by_size.begin(), by_size.end(), size_t{0});
    std::stable_sort(by_size.begin(), by_size.end(),
                     [&](size_t a, size_t b) { return members[a].size() > members[b].size(); });
    for (size_t t : by_size) {  // one seat each while k allows
      if (left == 0) break;
      if (!members[t].empty()) {
        quota[t] = 1;
        --left;
      }
    }
    if (left > 0) {  // the rest proportionally to the remaining members (largest remainder)
      size_t rest_total = 0;
      for (size_t t = 0; t < c; ++t) rest_total += members[t].size() - quota[t];
      std::vector<std::pair<double, size_t>> remainders;
      size_t given = 0;
      for (size_t t = 0; t < c; ++t) {
        double exact = rest_total ? static_cast<double>(left) *
                                        static_cast<double>(members[t].size() - quota[t]) /
                                        static_cast<double>(rest_total)
                                  : 0.0;
        auto whole = static_cast<size_t>(std::floor(exact));
        whole = std::min(whole, members[t].size() - quota[t]);
        quota[t] += whole;
        given += whole;
        remainders.push_back({exact - std::floor(exact), t});
      }
      std::stable_sort(remainders.begin(), remainders.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      size_t still = left - given;
      for (size_t pass = 0; still > 0 && pass < 2; ++pass) {
        for (const auto& [rem, t] : remainders) {
          if (still == 0) break;
          if (quota[t] < members[t].size()) {
            ++quota[t];
            --still;
          }
        }
      }
      // Any seats still left (tiny clusters full): walk clusters in size order.
      for (size_t t : by_size) {
        while (still > 0 && quota[t] < members[t].size()) {
          ++quota[t];
          --still;
        }
      }
    }
    for (size_t t = 0; t < c; ++t) {
      for (size_t q = 0; q < quota[t]; ++q) r.selected[members[t][q]] = 1;
    }
  }
  std::vector<uint8_t> covered(c, 0);
  for (size_t i = 0; i < n; ++i) {
    if (r.selected[i]) covered[r.cluster[i]] = 1;
  }
  r.clusters_covered = static_cast<size_t>(std::count(covered.begin(), covered.end(), 1));
  return r;
}

}  // namespace winnow::diversity
