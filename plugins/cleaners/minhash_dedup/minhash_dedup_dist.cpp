#include "minhash_dedup_dist.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace winnow::cleaners {
namespace {

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <typename T>
T Get(const std::string& in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  return v;
}

constexpr size_t kEntryWire = 20;     // key u64, row source u32, row ordinal u64
constexpr size_t kEdgeWire = 32;      // row (12), holder u32, root (12), root holder u32
constexpr size_t kDecisionWire = 32;  // row (12), kept row (12), size u64

struct Node {
  RowId id;
  uint32_t holder;
  friend bool operator<(const Node& a, const Node& b) { return a.id < b.id; }
};

struct Forest {
  std::vector<uint32_t> parent;
  explicit Forest(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  uint32_t Find(uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
  void Union(uint32_t a, uint32_t b) {  // the smaller index (lower row id) is the root
    a = Find(a);
    b = Find(b);
    if (a < b) {
      parent[b] = a;
    } else if (b < a) {
      parent[a] = b;
    }
  }
};

uint32_t IndexOf(const std::vector<Node>& nodes, const RowId& id) {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), Node{id, 0});
  return static_cast<uint32_t>(it - nodes.begin());
}

Status Exchange(Communicator& comm, Context& ctx, const char* what, std::vector<std::string>* send,
                std::vector<std::string>* recv, size_t wire) {
  int64_t bytes = 0;
  for (int r = 0; r < comm.world(); ++r) {
    if (r != comm.rank()) bytes += static_cast<int64_t>((*send)[r].size());
  }
  if (bytes) ctx.Count("comm.bytes_sent", bytes);
  Status st = comm.AllToAll(*send, recv);
  for (auto& s : *send) std::string().swap(s);
  if (!st.ok()) return st.WithContext(std::string("minhash_dedup ") + what);
  for (int r = 0; r < comm.world(); ++r) {
    if ((*recv)[r].size() % wire != 0) {
      return Status::Internal(std::string("minhash_dedup: malformed ") + what + " from rank " +
                              std::to_string(r));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unordered_map<RowId, ClusterInfo, RowIdHash>> DistributedCluster(LshIndex& lsh,
                                                                             Context& ctx) {
  Communicator& comm = ctx.comm();
  const int world = comm.world();
  const size_t W = static_cast<size_t>(world);
  std::vector<std::string> send(W), recv;

  // 1. Band entries to their owners.
  WINNOW_RETURN_IF_ERROR(lsh.ForEachEntry([&](uint64_t key, const RowId& id) {
    std::string& out = send[static_cast<size_t>(OwnerOf(key, world))];
    Put(&out, key);
    Put(&out, id.source);
    Put(&out, id.ordinal);
  }));
  WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "band key exchange", &send, &recv, kEntryWire));

  // 2. Owner: group equal keys, local union-find, spanning forest to rank 0.
  struct Owned {
    uint64_t key;
    RowId id;
    uint32_t holder;
  };
  std::vector<Owned> owned;
  for (size_t r = 0; r < W; ++r) {
    const std::string& in = recv[r];
    owned.reserve(owned.size() + in.size() / kEntryWire);
    for (size_t at = 0; at < in.size(); at += kEntryWire) {
      owned.push_back(Owned{Get<uint64_t>(in, at),
                            RowId{Get<uint32_t>(in, at + 8), Get<uint64_t>(in, at + 12)},
                            static_cast<uint32_t>(r)});
    }
    std::string().swap(recv[r]);
  }
  std::sort(owned.begin(), owned.end(), [](const Owned& a, const Owned& b) {
    return a.key != b.key ? a.key < b.key : a.id < b.id;
  });
  std::vector<Node> nodes;
  for (size_t i = 0; i < owned.size();) {
    size_t j = i + 1;
    while (j < owned.size() && owned[j].key == owned[i].key) ++j;
    if (j - i >= 2) {
      for (size_t k = i; k < j; ++k) nodes.push_back(Node{owned[k].id, owned[k].holder});
    }
    i = j;
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end(),
                          [](const Node& a, const Node& b) { return a.id == b.id; }),
              nodes.end());
  {
    Forest forest(nodes.size());
    for (size_t i = 0; i < owned.size();) {
      size_t j = i + 1;
      while (j < owned.size() && owned[j].key == owned[i].key) ++j;
      if (j - i >= 2) {
        uint32_t first = IndexOf(nodes, owned[i].id);
        for (size_t k = i + 1; k < j; ++k) forest.Union(first, IndexOf(nodes, owned[k].id));
      }
      i = j;
    }
    std::vector<Owned>().swap(owned);
    for (uint32_t n = 0; n < nodes.size(); ++n) {
      uint32_t root = forest.Find(n);
      if (root == n) continue;
      std::string& out = send[0];
      Put(&out, nodes[n].id.source);
      Put(&out, nodes[n].id.ordinal);
      Put(&out, nodes[n].holder);
      Put(&out, nodes[root].id.source);
      Put(&out, nodes[root].id.ordinal);
      Put(&out, nodes[root].holder);
    }
    std::vector<Node>().swap(nodes);
  }
  WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "edge exchange", &send, &recv, kEdgeWire));

  // 3. Rank 0: components across ranks; decisions to the holders.
  if (comm.rank() == 0) {
    for (const std::string& in : recv) {
      for (size_t at = 0; at < in.size(); at += kEdgeWire) {
        nodes.push_back(Node{RowId{Get<uint32_t>(in, at), Get<uint64_t>(in, at + 4)},
                             Get<uint32_t>(in, at + 12)});
        nodes.push_back(Node{RowId{Get<uint32_t>(in, at + 16), Get<uint64_t>(in, at + 20)},
                             Get<uint32_t>(in, at + 28)});
      }
    }
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end(),
                            [](const Node& a, const Node& b) { return a.id == b.id; }),
                nodes.end());
    Forest forest(nodes.size());
    for (const std::string& in : recv) {
      for (size_t at = 0; at < in.size(); at += kEdgeWire) {
        forest.Union(IndexOf(nodes, RowId{Get<uint32_t>(in, at), Get<uint64_t>(in, at + 4)}),
                     IndexOf(nodes, RowId{Get<uint32_t>(in, at + 16), Get<uint64_t>(in, at + 20)}));
      }
    }
    for (auto& s : recv) std::string().swap(s);
    std::vector<uint64_t> size(nodes.size(), 0);
    for (uint32_t n = 0; n < nodes.size(); ++n) ++size[forest.Find(n)];
    for (uint32_t n = 0; n < nodes.size(); ++n) {
      uint32_t root = forest.Find(n);
      std::string& out = send[nodes[n].holder];
      Put(&out, nodes[n].id.source);
      Put(&out, nodes[n].id.ordinal);
      Put(&out, nodes[root].id.source);
      Put(&out, nodes[root].id.ordinal);
      Put(&out, size[root]);
    }
    std::vector<Node>().swap(nodes);
  }
  WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "decision exchange", &send, &recv, kDecisionWire));

  std::unordered_map<RowId, ClusterInfo, RowIdHash> out;
  for (const std::string& in : recv) {
    for (size_t at = 0; at < in.size(); at += kDecisionWire) {
      RowId row{Get<uint32_t>(in, at), Get<uint64_t>(in, at + 4)};
      RowId rep{Get<uint32_t>(in, at + 12), Get<uint64_t>(in, at + 16)};
      out.emplace(row, ClusterInfo{rep, Get<uint64_t>(in, at + 24)});
    }
  }
  return out;
}

}  // namespace winnow::cleaners
