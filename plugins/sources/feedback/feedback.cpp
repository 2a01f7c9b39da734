// source/feedback — user feedback from SQLite or PostgreSQL, optionally shaped into
// KTO / DPO / SFT training rows.
//
// Contract
// - Input: one SQL `query` (a single SELECT) or a `table` name, run against a
//   SQLite file (`path`, opened read-only) or PostgreSQL (connection string in
//   the environment variable named by `dsn_env`, read with ctx.GetSecret and
//   never logged). Rows are streamed: SQLite steps the statement; PostgreSQL
//   reads a server-side cursor (DECLARE ... NO SCROLL CURSOR, FETCH FORWARD
//   fetch_rows) inside a read-only REPEATABLE READ transaction, so the whole
//   read sees one snapshot. Memory holds one batch.
// - Output: one record per result row; values mapped as in feedback_db.h; then
//   the preset (feedback_presets.h). Record::Location() is "<db>:<row>" with
//   <db> the SQLite path or "postgresql" and <row> the 1-based row number in
//   the result.
// - Row ids: ordinal = the row's 0-based position in the result, or the value
//   of `id_column` (an integer column; defaults to shard_by when that is set).
//   Give the query an ORDER BY (or `order_by` with `table`) for a stable order:
//   SQL results have no order otherwise. With `table` and no order_by,
//   PostgreSQL sessions turn synchronize_seqscans off so a table scan starts at
//   the table's beginning.
// - Sharding: without shard_by, rank 0 reads everything and other ranks read
//   nothing. With shard_by: COLUMN (an integer column) every rank runs
//   SELECT * FROM (<query>) AS winnow_q WHERE ((COLUMN % world) + world) % world
//   = rank ORDER BY COLUMN, so each row is read by exactly one rank, and row ids
//   are the column's values (the same for any world size).
// - Rejects (the run continues): null_value, not_text,
//   unknown_rating, unknown_choice, no_edit (preset
//   mapping), invalid_utf8, invalid_json, bad_value
//   (a value that does not convert), bad_id (id_column not an integer).
// - Errors that stop the run, each naming the query: the environment variable
//   is not set; connecting or authenticating fails (PermissionDenied); the
//   database rejects the query (InvalidArgument); the query lacks a column
//   the preset, keep_columns, id_column or shard_by needs; the connection is
//   lost mid-stream (IOError: "... after N rows"), which never hangs (libpq
//   connect_timeout and TCP keepalives).
// - Threads: Read runs on one thread; Decode does nothing.
#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "feedback_db.h"
#include "feedback_presets.h"
#include "winnow/plugin.h"
#include "winnow/source.h"
#include "winnow/value.h"

namespace winnow::feedback {
namespace {

struct FeedbackConfig {
  std::string driver = "sqlite";
  std::string path;
  std::string dsn_env;
  std::string query;
  std::string table;
  std::string order_by;
  std::string shard_by;
  std::string id_column;
  int64_t fetch_rows = 1000;
  int64_t connect_timeout_s = 10;
  std::string preset = "none";
  std::string prompt_column = "prompt";
  std::string response_column = "response";
  std::string rating_column = "rating";
  std::vector<std::string> positive_values = {
      "up", "thumbs_up", "positive", "good", "like", "yes", "true", "1", "+1", "\xF0\x9F\x91\x8D"};
  std::vector<std::string> negative_values = {
      "down", "thumbs_down", "negative", "bad", "dislike",
      "no",   "false",       "0",        "-1",  "\xF0\x9F\x91\x8E"};
  std::string response_a_column = "response_a";
  std::string response_b_column = "response_b";
  std::string choice_column = "choice";
  std::vector<std::string> choice_a_values = {"a", "1", "response_a", "model_a", "left", "first"};
  std::vector<std::string> choice_b_values = {"b", "2", "response_b", "model_b", "right", "second"};
  std::string edited_column = "edited_response";
  std::vector<std::string> keep_columns;
};

const ConfigSchema& FeedbackSchema() {
  static const auto schema =
      SchemaBuilder<FeedbackConfig>()
          .Enum("driver", &FeedbackConfig::driver, {"sqlite", "postgres"},
                "The database: a SQLite file (path) or a PostgreSQL server (dsn_env).")
          .String("path", &FeedbackConfig::path,
                  "SQLite only: the database file, opened read-only.")
          .String("dsn_env", &FeedbackConfig::dsn_env,
                  "PostgreSQL only: the name of the environment variable holding the connection "
                  "string (postgresql://user:password@host:port/db or \"host=... "
                  "dbname=...\"). The string itself never goes in the pipeline file.")
          .String("query", &FeedbackConfig::query,
                  "One SELECT statement whose rows become records. Give it an ORDER BY for a "
                  "stable row order. Exactly one of query and table is required.")
          .String("table", &FeedbackConfig::table,
                  "A table (or view) to read whole, as SELECT * FROM table; schema.table works.")
          .String("order_by", &FeedbackConfig::order_by,
                  "With table: the column that orders the rows (defaults to id_column when set).")
          .String("shard_by", &FeedbackConfig::shard_by,
                  "An integer column that splits the rows among ranks in a distributed run "
                  "(column % world = rank). Without it rank 0 reads every row.")
          .String("id_column", &FeedbackConfig::id_column,
                  "An integer column whose value becomes the row id (ordinal). Defaults to "
                  "shard_by; otherwise the row's position in the result is used.")
          .Int("fetch_rows", &FeedbackConfig::fetch_rows,
               "PostgreSQL only: rows fetched from the server-side cursor per round trip.")
          .Range(1, 1000000)
          .Int("connect_timeout_s", &FeedbackConfig::connect_timeout_s,
               "PostgreSQL only: seconds to wait for a connection before failing.")
          .Range(1, 3600)
          .Enum("preset", &FeedbackConfig::preset,
                {"none", "thumbs_kto", "pairwise_dpo", "edits_sft"},
                "How rows become training rows: none keeps every column; thumbs_kto gives "
                "prompt, completion and label (true for thumbs up); pairwise_dpo gives prompt, "
                "chosen and rejected from two responses and a choice; edits_sft gives prompt "
                "and completion, the user's corrected response.")
          .String("prompt_column", &FeedbackConfig::prompt_column,
                  "Presets: the column holding the prompt (text, or a list of messages).")
          .String("response_column", &FeedbackConfig::response_column,
                  "thumbs_kto: the column holding the rated response.")
          .String("rating_column", &FeedbackConfig::rating_column,
                  "thumbs_kto: the column holding the thumbs up/down (bool, number or text).")
          .StringList("positive_values", &FeedbackConfig::positive_values,
                      "thumbs_kto: ratings meaning thumbs up (compared as text, ignoring case).")
          .StringList("negative_values", &FeedbackConfig::negative_values,
                      "thumbs_kto: ratings meaning thumbs down (compared as text, ignoring case).")
          .String("response_a_column", &FeedbackConfig::response_a_column,
                  "pairwise_dpo: the column holding the first response.")
          .String("response_b_column", &FeedbackConfig::response_b_column,
                  "pairwise_dpo: the column holding the second response.")
          .String("choice_column", &FeedbackConfig::choice_column,
                  "pairwise_dpo: the column saying which response the user preferred.")
          .StringList("choice_a_values", &FeedbackConfig::choice_a_values,
                      "pairwise_dpo: choices meaning the first response won (ignoring case).")
          .StringList("choice_b_values", &FeedbackConfig::choice_b_values,
                      "pairwise_dpo: choices meaning the second response won (ignoring case).")
          .String("edited_column", &FeedbackConfig::edited_column,
                  "edits_sft: the column holding the user's corrected response.")
          .StringList("keep_columns", &FeedbackConfig::keep_columns,
                      "Presets: further columns copied into each training row (an id, a "
                      "timestamp).")
          .Build();
  return schema;
}

std::string StripQuery(std::string q) {
  while (!q.empty() && (q.back() == ';' || q.back() == ' ' || q.back() == '\n' ||
                        q.back() == '\r' || q.back() == '\t')) {
    q.pop_back();
  }
  return q;
}

bool ParseOrdinal(const Value& v, uint64_t* out) {
  if (v.is_int()) {
    *out = static_cast<uint64_t>(v.as_int());
    return true;
  }
  if (v.is_double()) {
    double d = v.as_double();
    if (d != static_cast<double>(static_cast<int64_t>(d))) return false;
    *out = static_cast<uint64_t>(static_cast<int64_t>(d));
    return true;
  }
  if (v.is_string()) {
    const std::string& s = v.as_string();
    int64_t i;
    auto r = std::from_chars(s.data(), s.data() + s.size(), i);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return false;
    *out = static_cast<uint64_t>(i);
    return true;
  }
  return false;
}

class FeedbackSource final : public Source {
 public:
  explicit FeedbackSource(FeedbackConfig config) : config_(std::move(config)) {}

  Status Init() override {
    const bool sqlite = config_.driver == "sqlite";
    if (sqlite && config_.path.empty()) {
      return ConfigError("path", "driver sqlite needs path: the SQLite database file");
    }
    if (!sqlite && config_.dsn_env.empty()) {
      return ConfigError("dsn_env",
                         "driver postgres needs dsn_env: the name of the environment variable "
                         "holding the connection string");
    }
    if (sqlite && !config_.dsn_env.empty()) {
      return ConfigError("dsn_env", "dsn_env is for driver postgres; SQLite reads path");
    }
    if (!sqlite && !config_.path.empty()) {
      return ConfigError("path", "path is for driver sqlite; PostgreSQL reads dsn_env");
    }
    if (config_.query.empty() == config_.table.empty()) {
      return ConfigError(config_.query.empty() ? "query" : "table",
                         "give exactly one of query (a SELECT) and table");
    }
    if (!config_.order_by.empty() && config_.table.empty()) {
      return ConfigError("order_by", "order_by goes with table; put ORDER BY in the query");
    }
    if (config_.id_column.empty()) config_.id_column = config_.shard_by;
    presets_.preset = config_.preset == "thumbs_kto"     ? Preset::kThumbsKto
                      : config_.preset == "pairwise_dpo" ? Preset::kPairwiseDpo
                      : config_.preset == "edits_sft"    ? Preset::kEditsSft
                                                         : Preset::kNone;
    presets_.prompt_column = config_.prompt_column;
    presets_.response_column = config_.response_column;
    presets_.rating_column = config_.rating_column;
    presets_.positive_values = config_.positive_values;
    presets_.negative_values = config_.negative_values;
    presets_.response_a_column = config_.response_a_column;
    presets_.response_b_column = config_.response_b_column;
    presets_.choice_column = config_.choice_column;
    presets_.choice_a_values = config_.choice_a_values;
    presets_.choice_b_values = config_.choice_b_values;
    presets_.edited_column = config_.edited_column;
    presets_.keep_columns = config_.keep_columns;
    if (!config_.keep_columns.empty() && presets_.preset == Preset::kNone) {
      return ConfigError("keep_columns",
                         "keep_columns goes with a preset; preset none keeps "
                         "every column already");
    }
    return Status::Ok();
  }

  // The SQL this rank runs.
  std::string BuildQuery(int rank, int world) const {
    std::string base;
    if (!config_.table.empty()) {
      base = "SELECT * FROM " + QuoteIdent(config_.table, /*dotted=*/true);
      std::string order = !config_.order_by.empty() ? config_.order_by : config_.id_column;
      if (!order.empty() && config_.shard_by.empty()) base += " ORDER BY " + QuoteIdent(order);
    } else {
      base = StripQuery(config_.query);
    }
    if (config_.shard_by.empty()) return base;
    std::string col = QuoteIdent(config_.shard_by);
    std::string w = std::to_string(world), r = std::to_string(rank);
    return "SELECT * FROM (" + base + ") AS winnow_q WHERE (((" + col + " % " + w + ") + " + w +
           ") % " + w + ") = " + r + " ORDER BY " + col;
  }

  Status Open(Context& ctx) override {
    rows_seen_ = 0;
    done_ = false;
    const int rank = ctx.rank(), world = std::max(1, ctx.world());
    if (config_.shard_by.empty() && rank != 0) {
      ctx.Info("rank " + std::to_string(rank) +
               " reads no feedback rows: rank 0 reads the whole query (set shard_by to split it)");
      done_ = true;
      return Status::Ok();
    }
    query_ = BuildQuery(rank, world);
    if (config_.driver == "sqlite") {
      label_ = config_.path;
      WINNOW_ASSIGN_OR_RETURN(cursor_, OpenSqlite(config_.path, query_));
    } else {
      label_ = "postgresql";
      auto secret = ctx.GetSecret(config_.dsn_env);
      if (!secret.ok()) {
        return Status(secret.status().code(),
                      "dsn_env: " + secret.status().message() +
                          "; it must hold the PostgreSQL connection string");
      }
      if (secret->empty()) {
        return Status::InvalidArgument("dsn_env: the environment variable " + config_.dsn_env +
                                       " is empty; it must hold the PostgreSQL connection string");
      }
      PostgresOptions opt;
      opt.conninfo = std::move(secret).value();
      opt.connect_timeout_s = static_cast<int>(config_.connect_timeout_s);
      opt.fetch_rows = static_cast<size_t>(config_.fetch_rows);
      opt.stable_scan = true;
      WINNOW_ASSIGN_OR_RETURN(cursor_, OpenPostgres(opt, query_));
    }
    for (const auto& notice : cursor_->TakeNotices()) ctx.Info(notice);
    if (!cursor_->renamed_columns().empty()) {
      ctx.Warn("the result of " + QueryForMessage(query_) +
               " repeats column names; renamed: " + cursor_->renamed_columns());
    }
    // Every column we need must be in the result.
    const auto& cols = cursor_->columns();
    auto check = [&](const std::string& col, const char* key) -> Status {
      if (col.empty() || std::find(cols.begin(), cols.end(), col) != cols.end())
        return Status::Ok();
      std::string list;
      for (const auto& c : cols) list += (list.empty() ? "" : ", ") + c;
      return ConfigError(key, "the result of " + QueryForMessage(query_) + " has no column '" +
                                  col + "' (its columns: " + list + ")");
    };
    if (presets_.preset != Preset::kNone) {
      WINNOW_RETURN_IF_ERROR(check(presets_.prompt_column, "prompt_column"));
      if (presets_.preset == Preset::kThumbsKto) {
        WINNOW_RETURN_IF_ERROR(check(presets_.response_column, "response_column"));
        WINNOW_RETURN_IF_ERROR(check(presets_.rating_column, "rating_column"));
      } else if (presets_.preset == Preset::kPairwiseDpo) {
        WINNOW_RETURN_IF_ERROR(check(presets_.response_a_column, "response_a_column"));
        WINNOW_RETURN_IF_ERROR(check(presets_.response_b_column, "response_b_column"));
        WINNOW_RETURN_IF_ERROR(check(presets_.choice_column, "choice_column"));
      } else {
        WINNOW_RETURN_IF_ERROR(check(presets_.edited_column, "edited_column"));
      }
      for (const auto& k : presets_.keep_columns) WINNOW_RETURN_IF_ERROR(check(k, "keep_columns"));
    }
    WINNOW_RETURN_IF_ERROR(check(config_.shard_by, "shard_by"));
    WINNOW_RETURN_IF_ERROR(check(config_.id_column, "id_column"));
    ctx.ReportProgress(0, 0);
    return Status::Ok();
  }

  Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) override {
    if (done_ || !cursor_) return false;
    if (ctx.cancelled()) return Status::Cancelled("the run was cancelled");
    rows_.clear();
    WINNOW_ASSIGN_OR_RETURN(size_t got, cursor_->Fetch(max_rows, &rows_));
    if (got < max_rows) done_ = true;
    std::string json;
    struct Pending {
      size_t offset, length;
      uint64_t ordinal, line;
    };
    std::vector<Pending> pending;
    int64_t rejected = 0;
    for (auto& row : rows_) {
      uint64_t n = rows_seen_++;
      uint64_t ordinal = n;
      std::string reason = std::move(row.reason), detail = std::move(row.detail);
      if (reason.empty() && !config_.id_column.empty()) {
        const Value* id = row.object.find(config_.id_column);
        if (!id || !ParseOrdinal(*id, &ordinal)) {
          reason = "bad_id";
          detail = "the id column '" + config_.id_column + "' holds " +
                   (id ? id->ToJson() : std::string("nothing")) + ", not an integer";
        }
      }
      Value mapped;
      const Value* out = &row.object;  // preset none: the row as read, not copied
      if (reason.empty() && presets_.preset != Preset::kNone) {
        ApplyPreset(presets_, row.object, &mapped, &reason, &detail);
        out = &mapped;
      }
      if (!reason.empty()) {
        Reject r;
        r.kind = RejectKind::kError;
        r.reason = std::move(reason);
        r.detail = std::move(detail);
        r.location = label_ + ":" + std::to_string(n + 1);
        r.id = RowId{0, ordinal};
        r.record_json = row.object.ToJson();
        r.record_is_json = true;
        batch.AddReject(std::move(r));
        ++rejected;
        continue;
      }
      size_t offset = json.size();
      out->AppendJson(json);
      pending.push_back(Pending{offset, json.size() - offset, ordinal, n + 1});
    }
    if (!pending.empty()) {
      auto arena = std::make_shared<Arena>();
      arena->origin = label_;
      json.append(Arena::kPadding, ' ');
      arena->bytes = std::move(json);
      const char* base = arena->bytes.data();
      std::shared_ptr<const Arena> shared = std::move(arena);
      for (const auto& p : pending) {
        batch.rows.emplace_back(RowId{0, p.ordinal}, shared,
                                std::string_view(base + p.offset, p.length), p.line);
      }
    }
    for (const auto& notice : cursor_->TakeNotices()) ctx.Info(notice);
    ctx.Count("rows_read", static_cast<int64_t>(got));
    ctx.ReportProgress(rows_seen_, 0);
    if (done_) {
      WINNOW_RETURN_IF_ERROR(cursor_->Close());
    }
    return !done_;
  }

  Status Close(Context& ctx) override {
    if (cursor_) {
      Status s = cursor_->Close();
      cursor_.reset();
      return s;
    }
    return Status::Ok();
  }

 private:
  FeedbackConfig config_;
  PresetOptions presets_;
  std::unique_ptr<DbCursor> cursor_;
  std::vector<DbRow> rows_;
  std::string query_, label_;
  uint64_t rows_seen_ = 0;
  bool done_ = false;
};

}  // namespace
}  // namespace winnow::feedback

WINNOW_PLUGIN(winnow::PluginKind::kSource, "feedback", "1.0.0",
              "Reads user feedback from SQLite or PostgreSQL and shapes it into KTO, DPO or SFT "
              "training rows.",
              winnow::feedback::FeedbackConfig, winnow::feedback::FeedbackSource,
              winnow::feedback::FeedbackSchema)
