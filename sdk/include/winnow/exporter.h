// winnow/exporter.h — a step that writes records out.
//
// Call sequence: Open(ctx); for each batch in order: Encode(batch) on a pool
// thread (concurrently for different batches) then Write(batch, encoded) on
// one thread in seq order; finally Commit(ctx) on success or Abort(ctx) on
// failure or Ctrl-C. Outputs must appear atomically: write to a temporary name
// and rename in Commit (or per finished shard), so a reader never sees a
// partial file under the final name.
#pragma once

#include <string>
#include <vector>

#include "winnow/batch.h"
#include "winnow/context.h"
#include "winnow/plugin.h"

namespace winnow {

class Exporter : public Plugin {
 public:
  virtual Status Open(Context& ctx) = 0;

  // Serialises `batch` into `out` (cleared by the caller). Thread-safe. The
  // default writes one JSON object per line. A row this exporter cannot
  // represent is marked with batch.Fail(i, reason, detail) and left out of
  // `out`; the host then removes it from the batch (it becomes a reject row)
  // before Write sees the batch.
  virtual Status Encode(Batch& batch, std::string& out, Context& ctx);

  virtual Status Write(const Batch& batch, std::string_view encoded, Context& ctx) = 0;
  virtual Status Commit(Context& ctx) = 0;
  virtual void Abort(Context& ctx) { (void)ctx; }

  // Final paths or URLs written, for the run summary.
  virtual std::vector<std::string> Outputs() const { return {}; }
};

}  // namespace winnow
