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

void PutRow(std::string* out, const RowId& id) {
  Put(out, id.source);
  Put(out, id.ordinal);
}
RowId GetRow(const std::string& in, size_t at) {
  return RowId{Get<uint32_t>(in, at), Get<uint64_t>(in, at + 4)};
}

constexpr size_t kEntryWire = 20;  // key u64, row (12)
constexpr size_t kEdgeWire = 28;   // row (12), neighbour row (12), neighbour's holder u32
constexpr size_t kLabelWire = 28;  // row (12), label row (12), label's holder u32
constexpr size_t kCountWire = 20;  // label row (12), count u64
constexpr size_t kSizeWire = 20;   // label row (12), component size u64
// Label rounds after which pointer jumping starts (typical near-duplicate
// data converges in fewer, without the extra messages).
constexpr int64_t kJumpFrom = 4;

// A row together with the rank that holds it.
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

template <typename T>
uint32_t IndexOf(const std::vector<T>& sorted, const RowId& id) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), id,
                             [](const T& n, const RowId& r) { return n.id < r; });
  return static_cast<uint32_t>(it - sorted.begin());
}

Status Exchange(Communicator& comm, Context& ctx, const char* what, std::vector<std::string>* send,
                std::vector<std::string>* recv, size_t wire) {
  int64_t bytes = 0;
  for (int r = 0; r < comm.world(); ++r) {
    if (r != comm.rank()) bytes += static_cast<int64_t>((*send)[static_cast<size_t>(r)].size());
  }
  if (bytes) ctx.Count("comm.bytes_sent", bytes);
  Status st = comm.AllToAll(*send, recv);
  for (auto& s : *send) std::string().swap(s);
  if (!st.ok()) return st.WithContext(std::string("minhash_dedup ") + what);
  for (int r = 0; r < comm.world(); ++r) {
    if ((*recv)[static_cast<size_t>(r)].size() % wire != 0) {
      return Status::Internal(std::string("minhash_dedup: malformed ") + what + " from rank " +
                              std::to_string(r));
    }
  }
  return Status::Ok();
}

// One clustered row held by this rank: its neighbours (CSR) and its label,
// the lowest row id seen so far in its component.
struct Local {
  RowId id;
  Node label;
  uint32_t first = 0, last = 0;  // neighbours [first, last) in `adjacency`
};

}  // namespace

Result<std::unordered_map<RowId, ClusterInfo, RowIdHash>> DistributedCluster(LshIndex& lsh,
                                                                             Context& ctx) {
  Communicator& comm = ctx.comm();
  const int world = comm.world();
  const size_t W = static_cast<size_t>(world);
  const uint32_t me = static_cast<uint32_t>(comm.rank());
  std::vector<std::string> send(W), recv;

  // 1. Band entries to their owners.
  WINNOW_RETURN_IF_ERROR(lsh.ForEachEntry([&](uint64_t key, const RowId& id) {
    std::string& out = send[static_cast<size_t>(OwnerOf(key, world))];
    Put(&out, key);
    PutRow(&out, id);
  }));
  WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "band key exchange", &send, &recv, kEntryWire));

  // 2. Owner: group equal keys, local union-find; every edge of the local
  //    spanning forest (row, root of its local component) goes to the ranks
  //    holding both ends, as an adjacency entry of each.
  {
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
        owned.push_back(Owned{Get<uint64_t>(in, at), GetRow(in, at + 8), static_cast<uint32_t>(r)});
      }
      std::string().swap(recv[r]);
    }
    std::sort(owned.begin(), owned.end(), [](const Owned& a, const Owned& b) {
      return a.key != b.key ? a.key < b.key : a.id < b.id;
    });
    std::vector<Node> nodes;
    auto for_each_group = [&owned](auto&& fn) {
      for (size_t i = 0; i < owned.size();) {
        size_t j = i + 1;
        while (j < owned.size() && owned[j].key == owned[i].key) ++j;
        if (j - i >= 2) fn(i, j);
        i = j;
      }
    };
    for_each_group([&](size_t i, size_t j) {
      for (size_t k = i; k < j; ++k) nodes.push_back(Node{owned[k].id, owned[k].holder});
    });
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end(),
                            [](const Node& a, const Node& b) { return a.id == b.id; }),
                nodes.end());
    Forest forest(nodes.size());
    for_each_group([&](size_t i, size_t j) {
      const uint32_t first = IndexOf(nodes, owned[i].id);
      for (size_t k = i + 1; k < j; ++k) forest.Union(first, IndexOf(nodes, owned[k].id));
    });
    std::vector<Owned>().swap(owned);
    for (uint32_t n = 0; n < nodes.size(); ++n) {
      const uint32_t root = forest.Find(n);
      if (root == n) continue;
      const Node& a = nodes[n];
      const Node& b = nodes[root];
      std::string& to_a = send[a.holder];
      PutRow(&to_a, a.id);
      PutRow(&to_a, b.id);
      Put(&to_a, b.holder);
      std::string& to_b = send[b.holder];
      PutRow(&to_b, b.id);
      PutRow(&to_b, a.id);
      Put(&to_b, a.holder);
    }
  }
  WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "edge exchange", &send, &recv, kEdgeWire));

  // 3. Holder: adjacency lists of its clustered rows.
  std::vector<Local> rows;
  std::vector<Node> adjacency;
  {
    struct Edge {
      RowId id;
      Node neighbour;
    };
    std::vector<Edge> edges;
    for (const std::string& in : recv) {
      for (size_t at = 0; at < in.size(); at += kEdgeWire) {
        edges.push_back(
            Edge{GetRow(in, at), Node{GetRow(in, at + 12), Get<uint32_t>(in, at + 24)}});
      }
    }
    for (auto& s : recv) std::string().swap(s);
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
      return a.id != b.id ? a.id < b.id : a.neighbour.id < b.neighbour.id;
    });
    adjacency.reserve(edges.size());
    for (size_t i = 0; i < edges.size(); ++i) {
      if (i == 0 || !(edges[i].id == edges[i - 1].id)) {
        rows.push_back(
            Local{edges[i].id, Node{edges[i].id, me}, static_cast<uint32_t>(adjacency.size()), 0});
      }
      if (adjacency.size() > rows.back().first && adjacency.back().id == edges[i].neighbour.id) {
        continue;  // the same edge from two owners
      }
      adjacency.push_back(edges[i].neighbour);
      rows.back().last = static_cast<uint32_t>(adjacency.size());
    }
  }

  // 4. Min-label propagation: a row's label starts as the lowest of itself
  //    and its neighbours; a row whose label dropped sends it to its
  //    neighbours' holders, until no label changes anywhere. Labels only
  //    decrease and always name a row of the same component, so this ends
  //    with every row labelled by its component's lowest row (the row one
  //    process keeps). Plain propagation needs diameter + 1 rounds; from
  //    round kJumpFrom on (long chains), every row also asks its label's
  //    holder for that row's label and takes it (pointer jumping), which
  //    halves the remaining distance each round.
  std::vector<uint8_t> dirty(rows.size(), 0);
  for (size_t v = 0; v < rows.size(); ++v) {
    Local& row = rows[v];
    for (uint32_t k = row.first; k < row.last; ++k) {
      if (adjacency[k].id < row.label.id) row.label = adjacency[k];
    }
    dirty[v] = !(row.label.id == row.id);
  }
  // Takes every (row, label, label's holder) in `recv` that lowers a label.
  auto apply_labels = [&]() -> Status {
    for (const std::string& in : recv) {
      for (size_t at = 0; at < in.size(); at += kLabelWire) {
        const RowId id = GetRow(in, at);
        const uint32_t v = IndexOf(rows, id);
        if (v >= rows.size() || !(rows[v].id == id)) {
          return Status::Internal("minhash_dedup: label for a row this rank does not hold");
        }
        const RowId label = GetRow(in, at + 12);
        if (label < rows[v].label.id) {
          rows[v].label = Node{label, Get<uint32_t>(in, at + 24)};
          dirty[v] = 1;
        }
      }
    }
    return Status::Ok();
  };
  int64_t rounds = 0;
  for (;;) {
    std::vector<int64_t> changed = {0};
    for (size_t v = 0; v < rows.size(); ++v) changed[0] += dirty[v];
    WINNOW_RETURN_IF_ERROR(comm.AllReduceSum(&changed));
    if (changed[0] == 0) break;
    ++rounds;
    for (size_t v = 0; v < rows.size(); ++v) {
      if (!dirty[v]) continue;
      dirty[v] = 0;
      const Local& row = rows[v];
      for (uint32_t k = row.first; k < row.last; ++k) {
        if (adjacency[k].id < row.label.id) continue;  // has a label at least as low
        std::string& out = send[adjacency[k].holder];
        PutRow(&out, adjacency[k].id);
        PutRow(&out, row.label.id);
        Put(&out, row.label.holder);
      }
    }
    WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "label exchange", &send, &recv, kLabelWire));
    WINNOW_RETURN_IF_ERROR(apply_labels());
    if (rounds < kJumpFrom) continue;
    // Pointer jumping: (label row, asking row, asking rank) to the label's
    // holder, which answers (asking row, label of the label row, its holder).
    for (const Local& row : rows) {
      if (row.label.id == row.id) continue;
      std::string& out = send[row.label.holder];
      PutRow(&out, row.label.id);
      PutRow(&out, row.id);
      Put(&out, me);
    }
    WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "label query", &send, &recv, kLabelWire));
    for (const std::string& in : recv) {
      for (size_t at = 0; at < in.size(); at += kLabelWire) {
        const RowId asked = GetRow(in, at);
        const uint32_t v = IndexOf(rows, asked);
        if (v >= rows.size() || !(rows[v].id == asked)) {
          return Status::Internal("minhash_dedup: label query for a row this rank does not hold");
        }
        std::string& out = send[Get<uint32_t>(in, at + 24)];
        PutRow(&out, GetRow(in, at + 12));
        PutRow(&out, rows[v].label.id);
        Put(&out, rows[v].label.holder);
      }
    }
    WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "label answer", &send, &recv, kLabelWire));
    WINNOW_RETURN_IF_ERROR(apply_labels());
  }
  std::vector<uint8_t>().swap(dirty);
  std::vector<Node>().swap(adjacency);
  if (comm.rank() == 0) {
    ctx.Info("minhash_dedup: connected components in " + std::to_string(rounds) +
             " label rounds across " + std::to_string(world) + " ranks");
  }

  // 5. Component sizes: counts per label to the label's holder, which sums
  //    them and answers every rank that counted.
  {
    std::vector<std::pair<Node, uint64_t>> counts;  // sorted by label
    std::vector<const Local*> by_label(rows.size());
    for (size_t v = 0; v < rows.size(); ++v) by_label[v] = &rows[v];
    std::sort(by_label.begin(), by_label.end(),
              [](const Local* a, const Local* b) { return a->label.id < b->label.id; });
    for (const Local* row : by_label) {
      if (counts.empty() || !(counts.back().first.id == row->label.id)) {
        counts.push_back({row->label, 0});
      }
      ++counts.back().second;
    }
    for (const auto& [label, n] : counts) {
      PutRow(&send[label.holder], label.id);
      Put(&send[label.holder], n);
    }
  }
  WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "size exchange", &send, &recv, kCountWire));
  {
    struct Total {
      RowId id;
      uint64_t size;
    };
    std::vector<Total> totals;
    for (const std::string& in : recv) {
      for (size_t at = 0; at < in.size(); at += kCountWire) {
        totals.push_back(Total{GetRow(in, at), Get<uint64_t>(in, at + 12)});
      }
    }
    std::sort(totals.begin(), totals.end(),
              [](const Total& a, const Total& b) { return a.id < b.id; });
    std::vector<Total> sums;
    for (const Total& t : totals) {
      if (sums.empty() || !(sums.back().id == t.id)) {
        sums.push_back(Total{t.id, 0});
      }
      sums.back().size += t.size;
    }
    for (size_t r = 0; r < W; ++r) {
      const std::string& in = recv[r];
      for (size_t at = 0; at < in.size(); at += kCountWire) {
        const RowId label = GetRow(in, at);
        PutRow(&send[r], label);
        Put(&send[r], sums[IndexOf(sums, label)].size);
      }
    }
  }
  WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, "size answer", &send, &recv, kSizeWire));
  std::unordered_map<RowId, uint64_t, RowIdHash> sizes;
  for (const std::string& in : recv) {
    for (size_t at = 0; at < in.size(); at += kSizeWire) {
      sizes[GetRow(in, at)] = Get<uint64_t>(in, at + 12);
    }
  }
  std::unordered_map<RowId, ClusterInfo, RowIdHash> out;
  out.reserve(rows.size());
  for (const Local& row : rows) {
    auto it = sizes.find(row.label.id);
    if (it == sizes.end()) {
      return Status::Internal("minhash_dedup: no component size for " + row.label.id.ToString());
    }
    out.emplace(row.id, ClusterInfo{row.label.id, it->second});
  }
  return out;
}

}  // namespace winnow::cleaners
