// minhash_dedup_dist.h — the distributed Finish() of cleaner/minhash_dedup (issue 7).
//
// 1. Every band entry (key, row id) goes to its owner rank, key % world
//    (AllToAll, 20 bytes per entry).
// 2. Each owner groups equal keys, unions the rows of every group with a
//    local union-find, and sends its spanning forest (one edge per non-root
//    row: row, root row and the ranks holding them; 32 bytes) to rank 0.
// 3. Rank 0 unions all forests (connected components across ranks), and
//    sends every clustered row's decision (kept row = lowest row id of the
//    component, component size; 32 bytes) to the rank holding it.
// The components are those of the single-process run (rows sharing any band
// key), so cluster ids and sizes are identical. Rank 0 holds one node per
// clustered row (~40 bytes) during step 3: the simple path, documented in
// docs/distributed.md. Exact Jaccard verification is not distributed.
#pragma once

#include <unordered_map>

#include "minhash_dedup_lsh.h"
#include "winnow/comm.h"
#include "winnow/context.h"

namespace winnow::cleaners {

Result<std::unordered_map<RowId, ClusterInfo, RowIdHash>> DistributedCluster(LshIndex& lsh,
                                                                             Context& ctx);

}  // namespace winnow::cleaners
