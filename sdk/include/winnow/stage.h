// winnow/stage.h — a step between sources and exporters: cleaner, transform or task.
//
// Every stage turns input batch k into exactly one output batch k (rows may be
// marked dropped or failed, edited, or added). How the engine calls it depends
// on mode():
//
//   kRowWise    Process() runs on pool threads, concurrently for different
//               batches; the engine restores order. Must be thread-safe.
//   kSequential Process() is called for batch 0, 1, 2, ... in order, one at a
//               time (stateful streaming: exact dedup keeping first occurrences).
//   kGlobal     Two passes. Observe() sees every batch (concurrently, each
//               once, any order; sort by batch.seq if order matters), then
//               Finish() runs once (exchange with other ranks via ctx.comm()),
//               then Process() is called for every batch again, concurrently,
//               to apply the decisions. The engine keeps or spills the batches
//               between the passes within the run's memory budget.
//
// Fan-in: a stage listed after several steps receives, for each seq, one
// batch per branch (in `after:` order) in Join(); rows are matched by row id.
// The default Join keeps rows present in every branch and merges their fields
// (later branches override earlier ones); transform/combine overrides it.
#pragma once

#include <vector>

#include "winnow/batch.h"
#include "winnow/context.h"
#include "winnow/plugin.h"

namespace winnow {

enum class StageMode { kRowWise, kSequential, kGlobal };

class Stage : public Plugin {
 public:
  virtual StageMode mode() const { return StageMode::kRowWise; }

  virtual Status Open(Context& ctx) {
    (void)ctx;
    return Status::Ok();
  }

  virtual Status Process(Batch& batch, Context& ctx) = 0;

  // Global stages only (see above).
  virtual Status Observe(const Batch& batch, Context& ctx) {
    (void)batch;
    (void)ctx;
    return Status::Ok();
  }
  virtual Status Finish(Context& ctx) {
    (void)ctx;
    return Status::Ok();
  }

  // Fan-in: combine the branches' batches (same seq) into `out` (out.seq set).
  virtual Status Join(std::vector<Batch>& branches, Batch& out, Context& ctx);

  virtual Status Close(Context& ctx) {
    (void)ctx;
    return Status::Ok();
  }
};

// The default join: rows present in every branch, fields merged in branch order.
Status MergeJoin(std::vector<Batch>& branches, Batch& out);

}  // namespace winnow
