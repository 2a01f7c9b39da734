// winnow/source.h — a step that produces records.
//
// Call sequence (one thread unless noted):
//   Open(ctx) -> Read(batch) ... until it returns false -> Close(ctx)
// and, for each batch Read filled, Decode(batch) on a pool thread (concurrently
// for different batches). Read does the sequential part (I/O, splitting into
// rows); Decode does per-row work that can run in parallel (validating JSON,
// converting values) and may mark rows failed.
//
// Sharding: under MPI each rank opens the same source with ctx.rank()/world()
// and must read a disjoint part so that every row is read by exactly one rank.
// Row ids must not depend on the sharding (use file index and line/offset).
#pragma once

#include <cstddef>

#include "winnow/batch.h"
#include "winnow/context.h"
#include "winnow/plugin.h"

namespace winnow {

class Source : public Plugin {
 public:
  virtual Status Open(Context& ctx) = 0;

  // Appends up to `max_rows` rows to `batch.rows` (and rejects for input that
  // could not become a row). Returns false when the input is exhausted (the
  // batch may still hold rows). A non-OK Status stops the run (I/O failure).
  virtual Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) = 0;

  // Per-row work, run concurrently for different batches. Mark bad rows with
  // batch.Fail(i, reason, detail).
  virtual Status Decode(Batch& batch, Context& ctx) {
    (void)batch;
    (void)ctx;
    return Status::Ok();
  }

  virtual Status Close(Context& ctx) {
    (void)ctx;
    return Status::Ok();
  }
};

}  // namespace winnow
