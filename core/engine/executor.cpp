#include "engine/executor.h"

#include <pthread.h>
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "engine/batch_store.h"
#include "engine/checkpoint.h"
#include "engine/queue.h"
#include "engine/rejects_writer.h"
#include "engine/thread_pool.h"
#include "report/console.h"
#include "report/html_report.h"
#include "report/progress.h"
#include "winnow/io.h"
#include "winnow/text.h"

namespace winnow::core {

namespace fs = std::filesystem;

namespace {

using BatchPtr = std::shared_ptr<Batch>;
using Queue = BoundedQueue<BatchPtr>;

int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Runs a plugin call, turning a stray exception into Status::Internal.
template <class F>
Status Guard(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("plugin threw an exception: ") + e.what());
  } catch (...) {
    return Status::Internal("plugin threw a non-standard exception");
  }
}

// Adds the calling thread's CPU time spent in `f` to `cpu_ns`.
template <class F>
auto Timed(std::atomic<int64_t>& cpu_ns, F&& f) {
  int64_t start = ThreadCpuNs();
  auto r = f();
  cpu_ns.fetch_add(ThreadCpuNs() - start, std::memory_order_relaxed);
  return r;
}

// A batch the caller may mutate: shared batches (fan-out) are copied.
BatchPtr Own(BatchPtr b) {
  if (b.use_count() > 1) return std::make_shared<Batch>(*b);
  return b;
}

struct StepRt {
  StepNode* node = nullptr;
  int index = 0;
  StepStats stats;
  std::unique_ptr<Communicator> comm;  // this step's own communicator (MPI)
  std::unique_ptr<StepContext> ctx;
  std::vector<std::unique_ptr<Queue>> inputs;  // one per `after` edge, owned by the consumer
  std::vector<Queue*> outputs;
  std::vector<BatchPtr> pending;  // per input, for joins
  std::unique_ptr<RejectsWriter> rejects;
  std::vector<std::string> written;
  uint32_t source_index = 0;
  std::unique_ptr<StepCheckpoint> checkpoint;  // null when this step is not checkpointed
  bool checkpoint_read = true;                 // false for --from / --no-cache
  std::atomic<int64_t> from_checkpoint{0};
  std::vector<std::string> sample_kept, sample_rejected;
  DataProfile profile;  // merged on the driver thread
};

// Adds the profile of a deterministic sample of `batch`'s rows to `p`.
void ProfileBatch(const Batch& batch, DataProfile* p) {
  std::string scratch;
  for (const Record& r : batch.rows) {
    if ((r.id().ordinal * 0x9E3779B97F4A7C15ull) >> 58 != 0) continue;  // ~1 row in 64
    ++p->sampled_rows;
    TextField lang = r.GetText("language", scratch);
    if (lang.state == FieldState::kPresent) p->languages[std::string(lang.text)]++;
    TextField text = r.GetText("text", scratch);
    if (text.state == FieldState::kPresent && p->text_chars.size() < 4096) {
      p->text_chars.push_back(static_cast<int64_t>(CountCodePoints(text.text)));
    }
    auto ratings = r.Get("ratings");
    if (ratings.ok() && ratings->has_value() && (*ratings)->is_array()) {
      for (const auto& v : (*ratings)->as_array()) p->ratings[v.is_null() ? "null" : v.ToJson()]++;
    }
    auto rating = r.Get("rating");
    if (rating.ok() && rating->has_value()) p->ratings[(*rating)->ToJson()]++;
    auto cluster = r.Get("cluster_size");
    if (cluster.ok() && cluster->has_value() && (*cluster)->is_int()) {
      p->cluster_sizes[(*cluster)->as_int()]++;
    }
  }
}

void MergeProfile(const DataProfile& from, DataProfile* into) {
  into->sampled_rows += from.sampled_rows;
  for (const auto& [k, n] : from.languages) into->languages[k] += n;
  for (int64_t v : from.text_chars) {
    if (into->text_chars.size() < 4096) into->text_chars.push_back(v);
  }
  for (const auto& [k, n] : from.ratings) into->ratings[k] += n;
  for (const auto& [k, n] : from.cluster_sizes) into->cluster_sizes[k] += n;
}

class Run {
 public:
  Run(Pipeline& p, const ExecOptions& opt)
      : p_(p),
        opt_(opt),
        threads_(opt.threads > 0 ? opt.threads : std::max(1u, std::thread::hardware_concurrency())),
        pool_(threads_) {
    cancelled_ = opt.cancelled ? opt.cancelled : &local_cancel_;
  }

  RunReport Go();

 private:
  void Fail(StepRt& s, const Status& st);
  void CloseAll();
  void Emit(StepRt& s, BatchPtr b);
  bool NextInputs(StepRt& s, bool block, std::vector<BatchPtr>* out, bool* ended);
  Result<BatchPtr> Prepare(StepRt& s, std::vector<BatchPtr> ins);
  void DriveSource(StepRt& s);
  void DriveStage(StepRt& s);
  void DriveGlobal(StepRt& s);
  void DriveExporter(StepRt& s);
  void Drive(StepRt& s);
  Result<LlmProvider*> GetLlm(std::string_view name);
  Status CombineRanks(RunReport* report);
  size_t window() const { return threads_ * 2 + 1; }
  bool stopping() const { return cancelled_->load(std::memory_order_relaxed); }

  Pipeline& p_;
  ExecOptions opt_;
  size_t threads_;
  ThreadPool pool_;
  std::atomic<bool> local_cancel_{false};
  std::atomic<bool>* cancelled_;
  std::mutex err_mu_;
  Status first_error_;
  bool failed_ = false;
  std::vector<std::unique_ptr<StepRt>> steps_;
  LocalCommunicator local_comm_;
  RunShared shared_;
  std::mutex llm_mu_;
  std::map<std::string, Status> llm_open_;
  // Each LLM's own context (logs and counters named "llm:<name>"), alive from
  // its Open to its Close.
  std::map<std::string, std::unique_ptr<StepStats>> llm_stats_;
  std::map<std::string, std::unique_ptr<StepContext>> llm_ctx_;
};

void Run::CloseAll() {
  for (auto& s : steps_) {
    for (auto& q : s->inputs) q->Close();
  }
}

void Run::Fail(StepRt& s, const Status& st) {
  {
    std::lock_guard lock(err_mu_);
    if (!failed_) {
      failed_ = true;
      first_error_ = st.WithContext("step '" + s.node->spec.name + "'");
    }
  }
  cancelled_->store(true);
  CloseAll();
  // Under MPI the other ranks would wait forever in a collective: end the job.
  if (opt_.dist && opt_.dist->world() > 1) opt_.dist->Abort(first_error_.message());
}

Result<LlmProvider*> Run::GetLlm(std::string_view name) {
  for (auto& llm : p_.llms) {
    if (llm.spec.name != name) continue;
    std::lock_guard lock(llm_mu_);
    auto it = llm_open_.find(llm.spec.name);
    if (it == llm_open_.end()) {
      // LLM logs and counters are attributed to a context named after the LLM.
      auto& stats = llm_stats_[llm.spec.name];
      stats = std::make_unique<StepStats>();
      auto& ctx = llm_ctx_[llm.spec.name];
      ctx = std::make_unique<StepContext>("llm:" + llm.spec.name, &shared_, stats.get());
      Status st = Guard([&] { return llm.provider->Open(*ctx); });
      it = llm_open_.emplace(llm.spec.name, st).first;
    }
    if (!it->second.ok()) return it->second;
    return llm.provider;
  }
  std::string known;
  for (auto& llm : p_.llms) known += " " + llm.spec.name;
  return Status::NotFound("no LLM named '" + std::string(name) +
                          "' under llms:" + (known.empty() ? " (none declared)" : known));
}

void Run::Emit(StepRt& s, BatchPtr b) {
  s.stats.batches.fetch_add(1);
  for (size_t i = 0; i < b->rows.size() && s.sample_kept.size() < 5; ++i) {
    std::string json;
    if (b->rows[i].AppendJson(json).ok()) s.sample_kept.push_back(Abbreviate(json, 4000));
  }
  for (size_t i = 0; i < b->rejects.size() && s.sample_rejected.size() < 5; ++i) {
    std::string line;
    AppendRejectLine(line, s.node->spec.name, b->rejects[i]);
    if (!line.empty()) line.pop_back();
    s.sample_rejected.push_back(Abbreviate(line, 4000));
  }
  if (!b->rejects.empty()) {
    int64_t dropped = 0, errors = 0;
    {
      std::lock_guard lock(s.stats.mu);
      for (const auto& r : b->rejects) {
        bool drop = r.kind == RejectKind::kDrop;
        (drop ? dropped : errors)++;
        s.stats.reasons[(drop ? "drop:" : "error:") + r.reason]++;
      }
    }
    s.stats.dropped += dropped;
    s.stats.errors += errors;
    if (s.rejects) {
      Status st = s.rejects->Write(b->rejects);
      if (!st.ok()) {
        Fail(s, st);
        return;
      }
    }
    b->rejects.clear();
  }
  s.stats.rows_out += static_cast<int64_t>(b->rows.size());
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    if (i + 1 == s.outputs.size()) {
      s.outputs[i]->Push(std::move(b));
    } else {
      s.outputs[i]->Push(b);
    }
  }
}

bool Run::NextInputs(StepRt& s, bool block, std::vector<BatchPtr>* out, bool* ended) {
  *ended = false;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    if (s.pending[i]) continue;
    std::optional<BatchPtr> b;
    if (block) {
      b = s.inputs[i]->Pop();
      if (!b) {
        *ended = true;
        return false;
      }
    } else {
      bool closed = false;
      b = s.inputs[i]->TryPop(&closed);
      if (closed) {
        *ended = true;
        return false;
      }
      if (!b) return false;
    }
    s.pending[i] = std::move(*b);
  }
  out->clear();
  for (auto& b : s.pending) out->push_back(std::move(b));
  for (auto& b : s.pending) b.reset();
  for (const auto& b : *out) {
    if (b->seq != (*out)[0]->seq) {
      *ended = true;
      Fail(s, Status::Internal("branches delivered batches out of step (seq " +
                               std::to_string(b->seq) + " vs " + std::to_string((*out)[0]->seq) +
                               ")"));
      return false;
    }
  }
  s.stats.rows_in += static_cast<int64_t>((*out)[0]->rows.size());
  return true;
}

Result<BatchPtr> Run::Prepare(StepRt& s, std::vector<BatchPtr> ins) {
  if (ins.size() == 1) return Own(std::move(ins[0]));
  std::vector<Batch> branches;
  branches.reserve(ins.size());
  for (auto& b : ins) branches.push_back(*Own(std::move(b)));
  auto out = std::make_shared<Batch>();
  out->seq = branches[0].seq;
  Status st = Guard([&] {
    return s.node->stage ? s.node->stage->Join(branches, *out, *s.ctx) : MergeJoin(branches, *out);
  });
  if (!st.ok()) return st;
  return out;
}

// A window of per-batch tasks whose results are emitted in submission order.
class Window {
 public:
  using Task = std::future<Result<BatchPtr>>;
  void Add(Task t) { q_.push_back(std::move(t)); }
  bool empty() const { return q_.empty(); }
  size_t size() const { return q_.size(); }
  bool FrontReady() const {
    return !q_.empty() && q_.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }
  Result<BatchPtr> TakeFront() {
    auto r = q_.front().get();
    q_.pop_front();
    return r;
  }
  void Drain() {
    while (!q_.empty()) {
      q_.front().wait();
      q_.pop_front();
    }
  }

 private:
  std::deque<Task> q_;
};

void Run::DriveSource(StepRt& s) {
  Source* src = s.node->source;
  Status st = Guard([&] { return src->Open(*s.ctx); });
  if (!st.ok()) return Fail(s, st);
  Window win;
  uint64_t seq = 0;
  int64_t rows_read = 0;
  bool more = true;
  size_t batch_size = static_cast<size_t>(p_.spec.run.batch_size);
  auto emit_front = [&]() -> bool {
    auto r = win.TakeFront();
    if (!r.ok()) {
      Fail(s, r.status());
      return false;
    }
    Emit(s, std::move(r).value());
    return true;
  };
  while (more && !stopping()) {
    auto b = std::make_shared<Batch>();
    b->seq = seq++;
    Result<bool> r = Timed(s.stats.cpu_ns, [&]() -> Result<bool> {
      try {
        return src->Read(*b, batch_size, *s.ctx);
      } catch (const std::exception& e) {
        return Status::Internal(std::string("plugin threw an exception: ") + e.what());
      }
    });
    if (!r.ok()) {
      win.Drain();
      return Fail(s, r.status());
    }
    more = *r;
    if (opt_.dry_run_rows > 0 &&
        rows_read + static_cast<int64_t>(b->rows.size()) >= opt_.dry_run_rows) {
      b->rows.resize(static_cast<size_t>(opt_.dry_run_rows - rows_read));
      more = false;
    }
    rows_read += static_cast<int64_t>(b->rows.size());
    s.stats.rows_in += static_cast<int64_t>(b->rows.size() + b->rejects.size());
    for (auto& row : b->rows) {
      RowId id = row.id();
      id.source = s.source_index;
      row.set_id(id);
    }
    win.Add(pool_.Submit([this, &s, b]() -> Result<BatchPtr> {
      Status st = Timed(s.stats.cpu_ns,
                        [&] { return Guard([&] { return s.node->source->Decode(*b, *s.ctx); }); });
      if (!st.ok()) return st;
      b->Compact();
      return b;
    }));
    while (win.size() >= window() || win.FrontReady()) {
      if (!emit_front()) return win.Drain();
    }
  }
  while (!win.empty()) {
    if (!emit_front()) return win.Drain();
  }
  st = Guard([&] { return src->Close(*s.ctx); });
  if (!st.ok()) Fail(s, st);
}

void Run::DriveStage(StepRt& s) {
  Stage* stage = s.node->stage;
  Status st = Guard([&] { return stage->Open(*s.ctx); });
  if (!st.ok()) return Fail(s, st);
  bool sequential = stage->mode() == StageMode::kSequential;
  // LLM tasks spend Process() waiting for answers: each batch runs on a thread
  // of its own, so the pool stays free for CPU work and the next batches'
  // requests are already queued while a batch's last answers arrive (on one
  // pool thread the provider's queue would drain at every batch boundary).
  // Output order is unchanged (the window emits in seq order).
  bool io_bound = s.node->kind == PluginKind::kTask;
  auto process = [this, &s](std::vector<BatchPtr> ins) -> Result<BatchPtr> {
    return Timed(s.stats.cpu_ns, [&]() -> Result<BatchPtr> {
      uint64_t seq = ins[0]->seq;
      if (s.checkpoint && s.checkpoint_read) {
        if (auto stored = s.checkpoint->Load(seq)) {
          s.from_checkpoint.fetch_add(1);
          return std::make_shared<Batch>(std::move(*stored));
        }
      }
      auto b = Prepare(s, std::move(ins));
      if (!b.ok()) return b.status();
      Status st = Guard([&] { return s.node->stage->Process(**b, *s.ctx); });
      if (!st.ok()) return st;
      (*b)->Compact();
      if (s.checkpoint && !stopping()) {
        Status saved = s.checkpoint->Save(**b);
        if (!saved.ok()) s.ctx->Warn("could not write a checkpoint: " + saved.message());
      }
      return b;
    });
  };
  Window win;
  std::vector<BatchPtr> ins;
  while (!stopping()) {
    bool ended = false;
    if (NextInputs(s, win.empty(), &ins, &ended)) {
      if (sequential) {
        auto r = process(std::move(ins));
        if (!r.ok()) return Fail(s, r.status());
        Emit(s, std::move(r).value());
        continue;
      }
      auto task = [process, ins = std::move(ins)]() mutable { return process(std::move(ins)); };
      win.Add(io_bound ? std::async(std::launch::async, std::move(task))
                       : pool_.Submit(std::move(task)));
      if (win.size() < window() && !win.FrontReady()) continue;
    } else if (ended && win.empty()) {
      break;
    } else if (win.empty()) {
      continue;
    }
    auto r = win.TakeFront();
    if (!r.ok()) {
      win.Drain();
      return Fail(s, r.status());
    }
    Emit(s, std::move(r).value());
  }
  win.Drain();
  if (stopping()) return;
  st = Guard([&] { return stage->Close(*s.ctx); });
  if (!st.ok()) Fail(s, st);
}

void Run::DriveGlobal(StepRt& s) {
  Stage* stage = s.node->stage;
  Status st = Guard([&] { return stage->Open(*s.ctx); });
  if (!st.ok()) return Fail(s, st);
  uint64_t budget = static_cast<uint64_t>(p_.spec.run.memory_mb) << 20;
  BatchStore store(s.ctx->temp_dir() / "spill.bin", budget);
  // Pass 1: observe every batch (in parallel), keep it in order.
  std::deque<std::pair<BatchPtr, std::future<Status>>> win;
  auto settle_front = [&]() -> bool {
    auto [b, fut] = std::move(win.front());
    win.pop_front();
    Status obs = fut.get();
    if (!obs.ok()) {
      Fail(s, obs);
      return false;
    }
    Status add = store.Add(std::move(b));
    if (!add.ok()) {
      Fail(s, add);
      return false;
    }
    return true;
  };
  auto drain = [&] {
    for (auto& [b, f] : win) f.wait();
    win.clear();
  };
  std::vector<BatchPtr> ins;
  while (!stopping()) {
    bool ended = false;
    if (NextInputs(s, win.empty(), &ins, &ended)) {
      auto b = Prepare(s, std::move(ins));
      if (!b.ok()) return drain(), Fail(s, b.status());
      BatchPtr batch = std::move(b).value();
      auto fut = pool_.Submit([this, &s, batch] {
        return Timed(s.stats.cpu_ns,
                     [&] { return Guard([&] { return s.node->stage->Observe(*batch, *s.ctx); }); });
      });
      win.emplace_back(batch, std::move(fut));
      if (win.size() < window()) continue;
    } else if (ended && win.empty()) {
      break;
    } else if (win.empty()) {
      continue;
    }
    if (!settle_front()) return drain();
  }
  if (stopping()) return drain();
  if (store.spilled_batches() > 0) {
    s.ctx->Info("spilled " + std::to_string(store.spilled_batches()) + " batches (" +
                std::to_string(store.spilled_bytes() >> 20) + " MB) to disk between passes");
  }
  st = Timed(s.stats.cpu_ns, [&] { return Guard([&] { return stage->Finish(*s.ctx); }); });
  if (!st.ok()) return Fail(s, st);
  // Pass 2: apply decisions in parallel, emit in order.
  Window out;
  for (size_t i = 0; i < store.size() && !stopping(); ++i) {
    auto b = store.Take(i);
    if (!b.ok()) return out.Drain(), Fail(s, b.status());
    BatchPtr batch = std::move(b).value();
    out.Add(pool_.Submit([this, &s, batch]() -> Result<BatchPtr> {
      Status st = Timed(s.stats.cpu_ns, [&] {
        return Guard([&] { return s.node->stage->Process(*batch, *s.ctx); });
      });
      if (!st.ok()) return st;
      batch->Compact();
      return batch;
    }));
    while (out.size() >= window() || out.FrontReady()) {
      auto r = out.TakeFront();
      if (!r.ok()) return out.Drain(), Fail(s, r.status());
      Emit(s, std::move(r).value());
    }
  }
  while (!out.empty()) {
    auto r = out.TakeFront();
    if (!r.ok()) return out.Drain(), Fail(s, r.status());
    Emit(s, std::move(r).value());
  }
  if (stopping()) return;
  st = Guard([&] { return stage->Close(*s.ctx); });
  if (!st.ok()) Fail(s, st);
}

void Run::DriveExporter(StepRt& s) {
  Exporter* ex = s.node->exporter;
  bool preview = opt_.dry_run_rows > 0;
  std::unique_ptr<AtomicFile> preview_file;
  int64_t previewed = 0;
  if (preview) {
    auto f = AtomicFile::Create(opt_.output_dir / (s.node->spec.name + ".jsonl"));
    if (!f.ok()) return Fail(s, f.status());
    preview_file = std::move(f).value();
  } else {
    Status st = Guard([&] { return ex->Open(*s.ctx); });
    if (!st.ok()) return Fail(s, st);
  }
  struct Encoded {
    BatchPtr batch;
    std::string bytes;
    DataProfile profile;
  };
  std::deque<std::future<Result<std::shared_ptr<Encoded>>>> win;
  auto write_front = [&]() -> Status {
    auto r = win.front().get();
    win.pop_front();
    if (!r.ok()) return r.status();
    auto& enc = **r;
    MergeProfile(enc.profile, &s.profile);
    if (preview) {
      WINNOW_RETURN_IF_ERROR(preview_file->Write(enc.bytes));
      for (const auto& row : enc.batch->rows) {
        if (previewed++ >= 3) break;
        std::string json;
        (void)row.AppendJson(json);
        s.ctx->Info("preview: " + Abbreviate(json, 300));
      }
    } else {
      WINNOW_RETURN_IF_ERROR(Timed(s.stats.cpu_ns, [&] {
        return Guard([&] { return s.node->exporter->Write(*enc.batch, enc.bytes, *s.ctx); });
      }));
    }
    Emit(s, std::move(enc.batch));
    return Status::Ok();
  };
  auto abort_all = [&](const Status& st) {
    for (auto& f : win) f.wait();
    win.clear();
    if (preview_file)
      preview_file->Abort();
    else
      ex->Abort(*s.ctx);
    if (!st.ok()) Fail(s, st);
  };
  std::vector<BatchPtr> ins;
  while (!stopping()) {
    bool ended = false;
    if (NextInputs(s, win.empty(), &ins, &ended)) {
      auto b = Prepare(s, std::move(ins));
      if (!b.ok()) return abort_all(b.status());
      BatchPtr batch = std::move(b).value();
      win.push_back(pool_.Submit([this, &s, batch, preview]() -> Result<std::shared_ptr<Encoded>> {
        auto enc = std::make_shared<Encoded>();
        enc->batch = batch;
        Status st = Timed(s.stats.cpu_ns, [&] {
          return Guard([&] {
            if (preview) return s.node->exporter->Exporter::Encode(*batch, enc->bytes, *s.ctx);
            return s.node->exporter->Encode(*batch, enc->bytes, *s.ctx);
          });
        });
        if (!st.ok()) return st;
        batch->Compact();  // rows the exporter could not represent become rejects
        ProfileBatch(*batch, &enc->profile);
        return enc;
      }));
      if (win.size() < window()) continue;
    } else if (ended && win.empty()) {
      break;
    } else if (win.empty()) {
      continue;
    }
    Status st = write_front();
    if (!st.ok()) return abort_all(st);
  }
  if (stopping()) return abort_all(Status::Ok());
  Status st = preview ? preview_file->Commit() : Guard([&] { return ex->Commit(*s.ctx); });
  if (!st.ok()) return abort_all(st);
  if (preview) {
    s.written.push_back((opt_.output_dir / (s.node->spec.name + ".jsonl")).string());
  } else {
    s.written = ex->Outputs();
  }
}

void Run::Drive(StepRt& s) {
  auto start = std::chrono::steady_clock::now();
  if (s.node->source) {
    DriveSource(s);
  } else if (s.node->exporter) {
    DriveExporter(s);
  } else if (s.node->stage->mode() == StageMode::kGlobal) {
    DriveGlobal(s);
  } else {
    DriveStage(s);
  }
  for (Queue* q : s.outputs) q->Close();
  for (auto& q : s.inputs) q->Close();  // upstream stops pushing to a finished step
  s.stats.wall_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
}

// Sums every rank's counts into rank 0's report (outputs are listed per rank).
Status Run::CombineRanks(RunReport* report) {
  Value mine = Value::MakeObject();
  Array steps;
  for (const auto& s : report->steps) {
    Value v = Value::MakeObject();
    v.set("rows_in", s.rows_in);
    v.set("rows_out", s.rows_out);
    v.set("dropped", s.dropped);
    v.set("errors", s.errors);
    Value reasons = Value::MakeObject();
    for (const auto& [k, n] : s.reasons) reasons.set(k, n);
    v.set("reasons", std::move(reasons));
    Value counters = Value::MakeObject();
    for (const auto& [k, n] : s.counters) counters.set(k, n);
    v.set("counters", std::move(counters));
    steps.push_back(std::move(v));
  }
  mine.set("steps", Value(std::move(steps)));
  Array outputs;
  for (const auto& o : report->outputs) outputs.emplace_back(o);
  mine.set("outputs", Value(std::move(outputs)));
  std::vector<std::string> all;
  WINNOW_RETURN_IF_ERROR(shared_.comm->AllGather(mine.ToJson(), &all));
  if (shared_.comm->rank() != 0) return Status::Ok();
  report->outputs.clear();
  for (auto& s : report->steps) {
    s.rows_in = s.rows_out = s.dropped = s.errors = 0;
    s.reasons.clear();
    s.counters.clear();
  }
  for (const auto& text : all) {
    auto v = Value::Parse(text);
    if (!v.ok()) return v.status();
    const Array& steps_v = v->find("steps")->as_array();
    for (size_t i = 0; i < steps_v.size() && i < report->steps.size(); ++i) {
      StepReport& s = report->steps[i];
      const Value& x = steps_v[i];
      s.rows_in += x.find("rows_in")->as_int();
      s.rows_out += x.find("rows_out")->as_int();
      s.dropped += x.find("dropped")->as_int();
      s.errors += x.find("errors")->as_int();
      for (const auto& [k, n] : x.find("reasons")->as_object()) s.reasons[k] += n.as_int();
      for (const auto& [k, n] : x.find("counters")->as_object()) s.counters[k] += n.as_int();
    }
    for (const auto& o : v->find("outputs")->as_array()) report->outputs.push_back(o.as_string());
  }
  return Status::Ok();
}

RunReport Run::Go() {
  RunReport report;
  report.threads = static_cast<int>(threads_);
  auto start = std::chrono::steady_clock::now();
  shared_.output_dir = opt_.output_dir;
  shared_.cache_dir = opt_.cache_dir;
  shared_.cancelled = cancelled_;
  std::unique_ptr<Communicator> world_comm;
  if (opt_.dist && !opt_.comm) world_comm = opt_.dist->NewStepCommunicator();
  shared_.comm = opt_.comm ? opt_.comm : world_comm ? world_comm.get() : &local_comm_;
  shared_.secrets = opt_.secrets;
  shared_.log_sink = opt_.log_sink;
  shared_.verbose = opt_.verbose;
  shared_.get_llm = [this](std::string_view n) { return GetLlm(n); };

  std::error_code ec;
  fs::create_directories(opt_.output_dir, ec);
  if (ec) {
    report.status = Status::IOError("cannot create output directory " + opt_.output_dir.string() +
                                    ": " + ec.message());
    return report;
  }
  RejectsWriter::Policy policy = p_.spec.run.rejects == "none"     ? RejectsWriter::Policy::kNone
                                 : p_.spec.run.rejects == "errors" ? RejectsWriter::Policy::kErrors
                                                                   : RejectsWriter::Policy::kAll;
  uint32_t sources = 0;
  for (size_t i = 0; i < p_.steps.size(); ++i) {
    auto rt = std::make_unique<StepRt>();
    rt->node = &p_.steps[i];
    rt->index = static_cast<int>(i);
    if (opt_.dist && opt_.dist->world() > 1) rt->comm = opt_.dist->NewStepCommunicator();
    rt->ctx =
        std::make_unique<StepContext>(rt->node->spec.name, &shared_, &rt->stats, rt->comm.get());
    std::string rejects_name = rt->node->spec.name;
    if (shared_.comm->world() > 1) {
      char suffix[32];
      std::snprintf(suffix, sizeof(suffix), ".rank%05d", shared_.comm->rank());
      rejects_name += suffix;
    }
    rt->rejects = std::make_unique<RejectsWriter>(
        opt_.output_dir / "rejects" / (rejects_name + ".jsonl"), rt->node->spec.name, policy);
    if (rt->node->source) rt->source_index = sources++;
    bool row_wise = rt->node->stage && rt->node->stage->mode() == StageMode::kRowWise;
    bool wanted = opt_.checkpoint_policy == "all" ||
                  (opt_.checkpoint_policy == "tasks" && rt->node->kind == PluginKind::kTask);
    if (!opt_.checkpoint_dir.empty() && row_wise && wanted) {
      rt->checkpoint = std::make_unique<StepCheckpoint>(opt_.checkpoint_dir / rt->node->signature);
      for (const auto& name : opt_.recompute_steps) {
        if (name == rt->node->spec.name) rt->checkpoint_read = false;
      }
    }
    for (size_t k = 0; k < rt->node->inputs.size(); ++k) {
      rt->inputs.push_back(std::make_unique<Queue>(static_cast<size_t>(p_.spec.run.queue_batches)));
    }
    rt->pending.resize(rt->node->inputs.size());
    steps_.push_back(std::move(rt));
  }
  for (auto& rt : steps_) {
    for (size_t k = 0; k < rt->node->inputs.size(); ++k) {
      steps_[rt->node->inputs[k]]->outputs.push_back(rt->inputs[k].get());
    }
  }

  ProgressReporter progress(opt_.progress);
  for (auto& rt : steps_) {
    progress.AddStep(rt->node->spec.name, rt->node->source != nullptr, &rt->stats);
  }
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread watcher([&] {
    std::unique_lock lock(done_mu);
    while (!done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) {
      if (cancelled_->load()) CloseAll();
      progress.Tick();
    }
  });
  std::vector<std::thread> drivers;
  for (int i : p_.topo_order) {
    drivers.emplace_back([this, i] {
      // "w:" + step name, for top -H, perf and debuggers (at most 15 characters).
      pthread_setname_np(pthread_self(), ("w:" + steps_[i]->node->spec.name).substr(0, 15).c_str());
      Drive(*steps_[i]);
    });
  }
  for (auto& t : drivers) t.join();
  {
    std::lock_guard lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
  watcher.join();
  progress.Finish();

  for (auto& llm : p_.llms) {
    std::lock_guard lock(llm_mu_);
    auto it = llm_open_.find(llm.spec.name);
    if (it != llm_open_.end() && it->second.ok()) {
      (void)Guard([&] { return llm.provider->Close(*llm_ctx_[llm.spec.name]); });
    }
  }

  for (auto& rt : steps_) {
    Status st = rt->rejects->Commit();
    if (!st.ok() && report.status.ok()) report.status = st;
    rt->ctx->Cleanup();
  }
  std::error_code rm_ec;
  fs::remove(opt_.output_dir / (".tmp-" + std::to_string(::getpid())), rm_ec);
  if (shared_.comm->world() > 1) {
    fs::remove(opt_.output_dir / (".tmp-" + std::to_string(::getpid()) + "-rank" +
                                  std::to_string(shared_.comm->rank())),
               rm_ec);
  }

  if (failed_) {
    report.status = first_error_;
  } else if (cancelled_->load()) {
    report.status = Status::Cancelled(
        "the run was interrupted; finished outputs were kept, "
        "unfinished ones were removed");
  }
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& rt : steps_) {
    StepReport sr;
    sr.name = rt->node->spec.name;
    sr.uses = rt->node->spec.kind + "/" + rt->node->spec.plugin;
    sr.rows_in = rt->stats.rows_in;
    sr.rows_out = rt->stats.rows_out;
    sr.dropped = rt->stats.dropped;
    sr.errors = rt->stats.errors;
    {
      std::lock_guard lock(rt->stats.mu);
      sr.reasons = rt->stats.reasons;
      sr.counters = rt->stats.counters;
    }
    sr.wall_s = static_cast<double>(rt->stats.wall_ns) / 1e9;
    sr.cpu_s = static_cast<double>(rt->stats.cpu_ns.load()) / 1e9;
    if (rt->rejects->written() > 0) sr.rejects_file = rt->rejects->path().string();
    for (int in : rt->node->inputs) sr.inputs.push_back(p_.steps[in].spec.name);
    sr.sample_kept = rt->sample_kept;
    sr.sample_rejected = rt->sample_rejected;
    sr.profile = rt->profile;
    sr.batches_from_checkpoint = rt->from_checkpoint.load();
    for (auto& w : rt->written) report.outputs.push_back(w);
    report.steps.push_back(std::move(sr));
  }
  if (shared_.comm->world() > 1) {
    Status st = CombineRanks(&report);
    if (!st.ok() && report.status.ok()) report.status = st;
  }
  report.stats_file = opt_.output_dir / "stats.json";
  if (shared_.comm->rank() == 0) {
    Status st = WriteStatsJson(p_, report, report.stats_file);
    if (!st.ok() && report.status.ok()) report.status = st;
    st = WriteFileAtomic(opt_.output_dir / "report.html", RenderHtmlReport(p_.spec.name, report));
    if (!st.ok() && report.status.ok()) report.status = st;
  }
  return report;
}

}  // namespace

RunReport Execute(Pipeline& pipeline, const ExecOptions& options) {
  Run run(pipeline, options);
  return run.Go();
}

Status WriteStatsJson(const Pipeline& pipeline, const RunReport& report, const fs::path& path) {
  Value root = Value::MakeObject();
  root.set("pipeline", pipeline.spec.name);
  root.set("status", report.status.ok() ? std::string("ok")
                                        : std::string(StatusCodeName(report.status.code())));
  if (!report.status.ok()) root.set("error", report.status.message());
  root.set("threads", report.threads);
  root.set("wall_s", report.wall_s);
  Array steps;
  for (size_t i = 0; i < report.steps.size(); ++i) {
    const StepReport& s = report.steps[i];
    Value v = Value::MakeObject();
    v.set("name", s.name);
    v.set("uses", s.uses);
    v.set("signature", pipeline.steps[i].signature);
    v.set("rows_in", s.rows_in);
    v.set("rows_out", s.rows_out);
    v.set("dropped", s.dropped);
    v.set("errors", s.errors);
    Value reasons = Value::MakeObject();
    for (const auto& [k, n] : s.reasons) reasons.set(k, n);
    v.set("reasons", std::move(reasons));
    Value counters = Value::MakeObject();
    for (const auto& [k, n] : s.counters) counters.set(k, n);
    v.set("counters", std::move(counters));
    v.set("wall_s", s.wall_s);
    v.set("cpu_s", s.cpu_s);
    v.set("rows_per_s", s.wall_s > 0 ? static_cast<double>(s.rows_in) / s.wall_s : 0.0);
    if (!s.rejects_file.empty()) v.set("rejects_file", s.rejects_file);
    if (s.batches_from_checkpoint > 0) v.set("batches_from_checkpoint", s.batches_from_checkpoint);
    steps.push_back(std::move(v));
  }
  root.set("steps", Value(std::move(steps)));
  Array outputs;
  for (const auto& o : report.outputs) outputs.emplace_back(o);
  root.set("outputs", Value(std::move(outputs)));
  std::string json = root.ToJson();
  json += "\n";
  return WriteFileAtomic(path, json);
}

}  // namespace winnow::core
