// Tests for source/feedback: value conversion and presets directly, the plugin over
// SQLite files, and over a real throw-away PostgreSQL server (initdb in a temp dir;
// skipped with a WARN when the PostgreSQL server binaries are not installed).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "feedback_db.h"
#include "feedback_presets.h"
#include "harness/plugin_harness.h"
#include "source_test_driver.h"
#include "winnow/value.h"

#ifdef WINNOW_HAVE_SQLITE
#include <sqlite3.h>
#endif
#ifdef WINNOW_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

using namespace winnow;
using namespace winnow::testing;
using namespace winnow::feedback;
namespace fs = std::filesystem;

namespace {

Value Parse(const std::string& json) {
  auto v = Value::Parse(json);
  INFO(json);
  REQUIRE(v.ok());
  return *v;
}

// `{"driver":"sqlite","path":P, ...extra}`
std::string SqliteConfig(const fs::path& db, const std::string& extra) {
  return "{\"driver\":\"sqlite\",\"path\":" + Value(db.string()).ToJson() + "," + extra + "}";
}

}  // namespace

TEST_CASE("feedback value conversion helpers", "[feedback]") {
  CHECK(Base64("") == "");
  CHECK(Base64("f") == "Zg==");
  CHECK(Base64("fo") == "Zm8=");
  CHECK(Base64("foo") == "Zm9v");
  CHECK(Base64(std::string("\x00\xff\x10", 3)) == "AP8Q");
  std::string bytes;
  CHECK(DecodeByteaHex("\\x00ff10", &bytes));
  CHECK(bytes == std::string("\x00\xff\x10", 3));
  CHECK_FALSE(DecodeByteaHex("\\x0", &bytes));
  CHECK_FALSE(DecodeByteaHex("00ff", &bytes));
  std::string err;
  CHECK(PgTextToValue("t", kPgBool, &err) == Value(true));
  CHECK(PgTextToValue("-12", kPgInt8, &err) == Value(-12));
  CHECK(PgTextToValue("12.50", kPgNumeric, &err) == Value(12.5));
  CHECK(PgTextToValue("12", kPgNumeric, &err) == Value(12));
  CHECK(PgTextToValue("123456789012345678901234567890", kPgNumeric, &err) ==
        Value(1.2345678901234568e29));
  CHECK(PgTextToValue("NaN", kPgFloat8, &err) == Value("NaN"));
  CHECK(PgTextToValue("-Infinity", kPgFloat8, &err) == Value("-Infinity"));
  CHECK(PgTextToValue("{\"a\": [1, null]}", kPgJsonb, &err) == Parse(R"({"a":[1,null]})"));
  CHECK(PgTextToValue("2024-05-01", 1082, &err) == Value("2024-05-01"));  // date: text
  CHECK(err.empty());
  CHECK(PgTextToValue("{1,NULL,3}", 1007, &err) == Parse("[1,null,3]"));
  CHECK(PgTextToValue("{{1,2},{3,4}}", 1007, &err) == Parse("[[1,2],[3,4]]"));
  CHECK(PgTextToValue("{\"a b\",\"say \\\"hi\\\"\",NULL,\"NULL\",plain}", 1009, &err) ==
        Parse(R"(["a b","say \"hi\"",null,"NULL","plain"])"));
  CHECK(PgTextToValue("{}", 1009, &err) == Parse("[]"));
  CHECK(PgTextToValue("[0:1]={5,6}", 1007, &err) == Parse("[5,6]"));
  CHECK(err.empty());
  CHECK(PgTextToValue("{\"unterminated}", 1009, &err) == Value("{\"unterminated}"));
  CHECK(err.find("does not parse") != std::string::npos);
  CHECK(QuoteIdent("we\"ird") == "\"we\"\"ird\"");
  CHECK(QuoteIdent("public.t", true) == "\"public\".\"t\"");
  CHECK(QueryForMessage("SELECT *\n  FROM  t") == "the query `SELECT * FROM t`");
  std::string renamed;
  CHECK(UniqueColumnNames({"a", "b", "a", "a_2", "a"}, &renamed) ==
        std::vector<std::string>{"a", "b", "a_3", "a_2", "a_4"});
  CHECK(renamed == "a -> a_3, a -> a_4");
}

TEST_CASE("feedback presets map rows or give reasons", "[feedback]") {
  PresetOptions o;
  o.positive_values = {"up", "1", "\xF0\x9F\x91\x8D"};
  o.negative_values = {"down", "0", "-1"};
  o.choice_a_values = {"a", "1"};
  o.choice_b_values = {"b", "2"};
  Value out;
  std::string reason, detail;
  auto apply = [&](Preset p, const std::string& row) {
    o.preset = p;
    reason.clear();
    detail.clear();
    return ApplyPreset(o, Parse(row), &out, &reason, &detail);
  };
  REQUIRE(apply(Preset::kThumbsKto, R"({"prompt":"p","response":"r","rating":" UP "})"));
  CHECK(out == Parse(R"({"prompt":"p","completion":"r","label":true})"));
  REQUIRE(apply(Preset::kThumbsKto, R"({"prompt":"p","response":"r","rating":-1})"));
  CHECK(*out.find("label") == Value(false));
  REQUIRE(apply(Preset::kThumbsKto, R"({"prompt":"p","response":"r","rating":1.0})"));
  CHECK(*out.find("label") == Value(true));
  REQUIRE(apply(Preset::kThumbsKto, R"({"prompt":"p","response":"r","rating":false})"));
  CHECK(*out.find("label") == Value(false));
  CHECK_FALSE(apply(Preset::kThumbsKto, R"({"prompt":"p","response":"r","rating":"meh"})"));
  CHECK(reason == "unknown_rating");
  CHECK(detail.find("'meh'") != std::string::npos);
  CHECK_FALSE(apply(Preset::kThumbsKto, R"({"prompt":null,"response":"r","rating":1})"));
  CHECK(reason == "null_value");
  CHECK(detail == "the prompt column 'prompt' is NULL");
  CHECK_FALSE(apply(Preset::kThumbsKto, R"({"prompt":"p","response":"","rating":1})"));
  CHECK(detail == "the response column 'response' is empty");
  CHECK_FALSE(apply(Preset::kThumbsKto, R"({"prompt":5,"response":"r","rating":1})"));
  CHECK(reason == "not_text");

  REQUIRE(apply(Preset::kPairwiseDpo,
                R"({"prompt":"p","response_a":"A","response_b":"B","choice":"b"})"));
  CHECK(out == Parse(R"({"prompt":"p","chosen":"B","rejected":"A"})"));
  REQUIRE(apply(
      Preset::kPairwiseDpo,
      R"({"prompt":[{"role":"user","content":"hi"}],"response_a":"A","response_b":"B","choice":1})"));
  CHECK(out == Parse(R"({"prompt":[{"role":"user","content":"hi"}],"chosen":"A","rejected":"B"})"));
  CHECK_FALSE(apply(Preset::kPairwiseDpo,
                    R"({"prompt":"p","response_a":"A","response_b":"B","choice":"tie"})"));
  CHECK(reason == "unknown_choice");
  CHECK_FALSE(apply(Preset::kPairwiseDpo,
                    R"({"prompt":"p","response_a":"A","response_b":"B","choice":null})"));
  CHECK(reason == "null_value");

  o.keep_columns = {"id", "prompt"};
  REQUIRE(apply(Preset::kEditsSft,
                R"({"id":7,"prompt":"p","response":"r","edited_response":"better"})"));
  CHECK(out == Parse(R"({"prompt":"p","completion":"better","id":7})"));
  CHECK_FALSE(
      apply(Preset::kEditsSft, R"({"id":8,"prompt":"p","response":"r","edited_response":null})"));
  CHECK(reason == "no_edit");
  CHECK(RequiredColumns(o) ==
        std::vector<std::string>{"prompt", "edited_response", "id", "prompt"});
}

TEST_CASE("source/feedback configuration errors", "[feedback]") {
  auto both =
      PluginHarness::Create("source/feedback", R"({"path":"x.db","query":"SELECT 1","table":"t"})");
  REQUIRE(!both.ok());
  CHECK(both.status().message().find("exactly one of query") != std::string::npos);
  auto none = PluginHarness::Create("source/feedback", R"({"path":"x.db"})");
  REQUIRE(!none.ok());
  auto pg = PluginHarness::Create("source/feedback", R"({"driver":"postgres","table":"t"})");
  REQUIRE(!pg.ok());
  CHECK(pg.status().message().find("dsn_env") != std::string::npos);
  auto preset =
      PluginHarness::Create("source/feedback", R"({"path":"x.db","table":"t","preset":"thumbs"})");
  REQUIRE(!preset.ok());
  CHECK(preset.status().message().find("preset") != std::string::npos);
  auto order = PluginHarness::Create("source/feedback",
                                     R"({"path":"x.db","query":"SELECT 1","order_by":"id"})");
  REQUIRE(!order.ok());
  CHECK(order.status().message().find("order_by") != std::string::npos);
}

#ifdef WINNOW_HAVE_SQLITE

namespace {

class SqliteDb {
 public:
  explicit SqliteDb(const fs::path& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
  }
  ~SqliteDb() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  // Inserts a row with a text value that is not valid UTF-8.
  void InsertRawText(const std::string& sql, const std::string& bytes) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_text(st, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

TEST_CASE("source/feedback over SQLite: column types, NULLs and bad values", "[feedback][sqlite]") {
  TempDir dir;
  fs::path path = dir / "fb.db";
  {
    SqliteDb db(path);
    db.Exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n, "
        "flag BOOLEAN, meta JSON);"
        "INSERT INTO t VALUES (1, 42, 0.5, 'h\xC3\xA9llo', x'00ff10', NULL, 1, '{\"k\":[1,2]}');"
        "INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
        "INSERT INTO t VALUES (3, -1, 1e300, '', x'', 'x', 0, 'not json');");
    db.InsertRawText("INSERT INTO t (id, s) VALUES (4, ?)", "caf\xE9");
  }
  auto out = DriveSource("feedback", SqliteConfig(path, R"("table": "t", "order_by": "id")"));
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(
      Parse(out->rows[0]) ==
      Parse(
          R"({"id":1,"i":42,"r":0.5,"s":"h\u00e9llo","b":"AP8Q","n":null,"flag":true,"meta":{"k":[1,2]}})"));
  CHECK(Parse(out->rows[1]) ==
        Parse(R"({"id":2,"i":null,"r":null,"s":null,"b":null,"n":null,"flag":null,"meta":null})"));
  CHECK(out->ids[1].ordinal == 1);  // position in the result
  CHECK(out->locations[1] == path.string() + ":2");
  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "invalid_json");
  CHECK(out->rejects[0].detail.find("'meta'") != std::string::npos);
  CHECK(out->rejects[0].location == path.string() + ":3");
  CHECK(out->rejects[1].reason == "invalid_utf8");
  CHECK(out->rejects[1].detail.find("'s'") != std::string::npos);
  CHECK(out->counters["rows_read"] == 4);

  // Repeated column names (legal in SQL) are renamed, with a warning.
  auto dup = DriveSource(
      "feedback", SqliteConfig(path, R"("query": "SELECT id, i AS id, id FROM t WHERE id = 1")"));
  REQUIRE(dup.ok());
  CHECK(dup->rows == std::vector<std::string>{R"({"id":1,"id_2":42,"id_3":1})"});
  bool warned = false;
  for (const auto& l : dup->log)
    warned |= l.starts_with("WARN") && l.find("id -> id_2") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("source/feedback over SQLite: presets through the engine", "[feedback][sqlite]") {
  TempDir dir;
  fs::path path = dir / "fb.db";
  {
    SqliteDb db(path);
    db.Exec(
        "CREATE TABLE thumbs (id INTEGER, prompt TEXT, response TEXT, rating);"
        "INSERT INTO thumbs VALUES (1, 'p1', 'r1', 'up'), (2, 'p2', 'r2', 'DOWN'),"
        " (3, 'p3', 'r3', 1), (4, 'p4', 'r4', -1), (5, NULL, 'r5', 'up'), (6, 'p6', 'r6', 'meh'),"
        " (7, 'p7', '', 'up'), (8, 'p8', 'r8', '\xF0\x9F\x91\x8D');"
        "CREATE TABLE pairs (id INTEGER, prompt TEXT, response_a TEXT, response_b TEXT, winner);"
        "INSERT INTO pairs VALUES (1, 'p', 'A1', 'B1', 'a'), (2, 'p', 'A2', 'B2', 'model_b'),"
        " (3, 'p', 'A3', 'B3', 'tie'), (4, 'p', 'A4', NULL, 'a');"
        "CREATE TABLE edits (id INTEGER, prompt JSON, response TEXT, correction TEXT);"
        "INSERT INTO edits VALUES (1, '[{\"role\":\"user\",\"content\":\"hi\"}]', 'helo', 'hello'),"
        " (2, '\"q\"', 'fine', NULL);");
  }
  auto kto = PluginHarness::Create(
      "source/feedback",
      SqliteConfig(path, R"("query": "SELECT * FROM thumbs ORDER BY id;", "preset": "thumbs_kto",
                            "id_column": "id", "keep_columns": ["id"])"));
  REQUIRE(kto.ok());
  auto out = (*kto)->RunSource(3);
  REQUIRE(out.ok());
  CHECK(out->rows ==
        std::vector<std::string>{R"({"prompt":"p1","completion":"r1","label":true,"id":1})",
                                 R"({"prompt":"p2","completion":"r2","label":false,"id":2})",
                                 R"({"prompt":"p3","completion":"r3","label":true,"id":3})",
                                 R"({"prompt":"p4","completion":"r4","label":false,"id":4})",
                                 R"({"prompt":"p8","completion":"r8","label":true,"id":8})"});
  CHECK(out->row_ids[4].ordinal == 8);  // id_column
  REQUIRE(out->rejects.size() == 3);
  CHECK(out->rejects[0].reason == "null_value");
  CHECK(out->rejects[0].id.ordinal == 5);
  CHECK(out->rejects[0].location == path.string() + ":5");
  CHECK(Parse(out->rejects[0].record_json) ==
        Parse(R"({"id":5,"prompt":null,"response":"r5","rating":"up"})"));
  CHECK(out->rejects[1].reason == "unknown_rating");
  CHECK(out->rejects[2].reason == "null_value");
  CHECK(out->rejects[2].detail.find("'response' is empty") != std::string::npos);

  auto dpo = DriveSource("feedback", SqliteConfig(path, R"("table": "pairs", "order_by": "id",
      "preset": "pairwise_dpo", "choice_column": "winner")"));
  REQUIRE(dpo.ok());
  CHECK(dpo->rows == std::vector<std::string>{R"({"prompt":"p","chosen":"A1","rejected":"B1"})",
                                              R"({"prompt":"p","chosen":"B2","rejected":"A2"})"});
  REQUIRE(dpo->rejects.size() == 2);
  CHECK(dpo->rejects[0].reason == "unknown_choice");
  CHECK(dpo->rejects[1].reason == "null_value");

  auto sft = DriveSource("feedback", SqliteConfig(path, R"("table": "edits",
      "preset": "edits_sft", "edited_column": "correction")"));
  REQUIRE(sft.ok());
  CHECK(sft->rows == std::vector<std::string>{
                         R"({"prompt":[{"role":"user","content":"hi"}],"completion":"hello"})"});
  REQUIRE(sft->rejects.size() == 1);
  CHECK(sft->rejects[0].reason == "no_edit");
}

TEST_CASE("source/feedback over SQLite: errors name the query", "[feedback][sqlite]") {
  TempDir dir;
  fs::path path = dir / "fb.db";
  {
    SqliteDb db(path);
    db.Exec("CREATE TABLE t (id INTEGER, prompt TEXT); INSERT INTO t VALUES (1, 'x');");
  }
  auto bad = DriveSource("feedback", SqliteConfig(path, R"("query": "SELEC id FROM t")"));
  REQUIRE(!bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("`SELEC id FROM t`") != std::string::npos);
  CHECK(bad.status().message().find("syntax error") != std::string::npos);

  auto no_table = DriveSource("feedback", SqliteConfig(path, R"("table": "missing")"));
  REQUIRE(!no_table.ok());
  CHECK(no_table.status().message().find("no such table: missing") != std::string::npos);
  CHECK(no_table.status().message().find("SELECT * FROM \"missing\"") != std::string::npos);

  auto two = DriveSource("feedback", SqliteConfig(path, R"("query": "SELECT 1; DROP TABLE t")"));
  REQUIRE(!two.ok());
  CHECK(two.status().message().find("more than one SQL statement") != std::string::npos);

  auto column =
      DriveSource("feedback", SqliteConfig(path, R"("table": "t", "preset": "thumbs_kto")"));
  REQUIRE(!column.ok());
  CHECK(column.status().message().find("no column 'response'") != std::string::npos);
  CHECK(column.status().message().find("its columns: id, prompt") != std::string::npos);

  auto missing = DriveSource("feedback", SqliteConfig(dir / "absent.db", R"("table": "t")"));
  REQUIRE(!missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("absent.db") != std::string::npos);
}

TEST_CASE("source/feedback over SQLite: shard_by splits rows among ranks", "[feedback][sqlite]") {
  TempDir dir;
  fs::path path = dir / "fb.db";
  {
    SqliteDb db(path);
    std::string sql = "CREATE TABLE t (id INTEGER, v TEXT); INSERT INTO t VALUES ";
    for (int i = -5; i < 95; ++i)
      sql += std::string(i > -5 ? "," : "") + "(" + std::to_string(i) + ",'v" + std::to_string(i) +
             "')";
    db.Exec(sql);
  }
  std::string config = SqliteConfig(path, R"("query": "SELECT * FROM t", "shard_by": "id")");
  auto whole = DriveSource("feedback", config);
  REQUIRE(whole.ok());
  REQUIRE(whole->rows.size() == 100);
  std::map<uint64_t, std::string> expected;
  for (size_t i = 0; i < whole->rows.size(); ++i) expected[whole->ids[i].ordinal] = whole->rows[i];
  CHECK(expected.count(static_cast<uint64_t>(int64_t{-5})) == 1);  // ids are the column values
  std::map<uint64_t, std::string> got;
  for (int rank = 0; rank < 3; ++rank) {
    auto part = DriveSource("feedback", config, Sharded(rank, 3, 7));
    REQUIRE(part.ok());
    CHECK(part->rows.size() >= 33);
    for (size_t i = 0; i < part->rows.size(); ++i) {
      CHECK(got.emplace(part->ids[i].ordinal, part->rows[i]).second);
    }
  }
  CHECK(got == expected);
  // Without shard_by only rank 0 reads.
  std::string plain = SqliteConfig(path, R"("query": "SELECT * FROM t ORDER BY id")");
  auto r0 = DriveSource("feedback", plain, Sharded(0, 2));
  auto r1 = DriveSource("feedback", plain, Sharded(1, 2));
  REQUIRE(r0.ok());
  REQUIRE(r1.ok());
  CHECK(r0->rows.size() == 100);
  CHECK(r1->rows.empty());
}

#else
TEST_CASE("source/feedback over SQLite", "[feedback][sqlite]") {
  WARN("skipping: this build has no SQLite client library");
}
#endif  // WINNOW_HAVE_SQLITE

#ifdef WINNOW_HAVE_POSTGRES

namespace {

std::string Shell(const std::string& cmd, int* rc) {
  std::string out;
  *rc = RunCommand(cmd, &out);
  return out;
}

// A throw-away PostgreSQL server: initdb in a temp dir (as the postgres user when
// running as root), password authentication, Unix socket only. Started once per
// process, stopped at exit.
class PgServer {
 public:
  static PgServer* Get() {
    static std::unique_ptr<PgServer> server = Start();
    return server.get();
  }
  static std::string skip_reason;

  ~PgServer() {
    int rc;
    Shell(As() + "'" + bindir_ + "/pg_ctl' -D '" + data_ + "' -m immediate -w stop", &rc);
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string Dsn(const std::string& user = "postgres", const std::string& password = "secret",
                  const std::string& db = "postgres") const {
    return "host=" + socket_dir_ + " port=5432 user=" + user + " password=" + password +
           " dbname=" + db;
  }

  // Runs SQL as the superuser; returns the first value of the first row ("" if none).
  std::string Exec(const std::string& sql) {
    PGconn* c = PQconnectdb(Dsn().c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    INFO(sql << ": " << PQresultErrorMessage(r));
    CHECK((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK));
    std::string v = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(c);
    return v;
  }

 private:
  std::string As() const { return as_postgres_ ? "runuser -u postgres -- " : ""; }

  static std::unique_ptr<PgServer> Start() {
    auto s = std::unique_ptr<PgServer>(new PgServer());
    int rc;
    std::string bindir = Shell("pg_config --bindir 2>/dev/null", &rc);
    while (!bindir.empty() && (bindir.back() == '\n' || bindir.back() == ' ')) bindir.pop_back();
    if (rc != 0 || !fs::exists(bindir + "/initdb")) {
      bindir.clear();
      std::error_code ec;
      for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        if (fs::exists(e.path() / "bin" / "initdb")) bindir = (e.path() / "bin").string();
      }
    }
    if (bindir.empty()) {
      skip_reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed";
      return nullptr;
    }
    s->bindir_ = bindir;
    s->as_postgres_ = ::geteuid() == 0;
    char tmpl[] = "/tmp/winnow-pg-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    s->root_ = tmpl;
    fs::permissions(s->root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
    std::string home = s->root_ + "/pg";
    fs::create_directories(home);
    WriteText(s->root_ + "/pw", "secret\n");
    if (s->as_postgres_) {
      std::string out = Shell("chown postgres '" + home + "' '" + s->root_ + "/pw' 2>&1", &rc);
      if (rc != 0) {
        skip_reason = "running as root and cannot hand a directory to the postgres user: " + out;
        return nullptr;
      }
    }
    s->data_ = home + "/data";
    s->socket_dir_ = home;
    std::string out = Shell(s->As() + "'" + bindir + "/initdb' -D '" + s->data_ +
                                "' -A scram-sha-256 --pwfile='" + s->root_ +
                                "/pw' -U postgres -E UTF8 --no-locale -N 2>&1",
                            &rc);
    if (rc != 0) {
      skip_reason = "initdb failed: " + out;
      return nullptr;
    }
    out = Shell(s->As() + "'" + bindir + "/pg_ctl' -D '" + s->data_ + "' -w -l '" + home +
                    "/log' -o \"-p 5432 -k '" + home +
                    "' -c listen_addresses= -c fsync=off -c full_page_writes=off\" start 2>&1",
                &rc);
    if (rc != 0) {
      skip_reason = "pg_ctl start failed: " + out;
      return nullptr;
    }
    return s;
  }

  std::string bindir_, root_, data_, socket_dir_;
  bool as_postgres_ = false;
};
std::string PgServer::skip_reason;

PgServer* Server() {
  PgServer* s = PgServer::Get();
  if (!s) WARN("skipping the PostgreSQL part: " << PgServer::skip_reason);
  return s;
}

DriveOptions WithDsn(const std::string& dsn) {
  DriveOptions o;
  o.secrets["FEEDBACK_DSN"] = dsn;
  return o;
}

const char* kPgConfig = R"({"driver":"postgres","dsn_env":"FEEDBACK_DSN",)";

}  // namespace

TEST_CASE("source/feedback over PostgreSQL: types, NULLs, cursor streaming, presets",
          "[feedback][postgres]") {
  PgServer* pg = Server();
  if (!pg) return;
  pg->Exec(
      "DROP TABLE IF EXISTS kinds; CREATE TABLE kinds (id int PRIMARY KEY, i2 smallint, "
      "i8 bigint, num numeric, num_frac numeric, f8 float8, f4 real, b bool, t text, "
      "vc varchar(10), j json, jb jsonb, bin bytea, ts timestamptz, d date, u uuid, "
      "tags text[], nums int[], nothing text);"
      "INSERT INTO kinds VALUES (1, 7, 9007199254740993, 12, 12.5, 0.1, 1.5, true, 'h\xC3\xA9llo', "
      "'v', '{\"a\": [1, 2]}', '{\"b\": null}', '\\x00ff10', '2024-05-01 12:00:00+02', "
      "'2024-05-01', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"x y\",NULL,z}', "
      "'{{1,2},{3,4}}', NULL);"
      "INSERT INTO kinds (id) VALUES (2);");
  auto out =
      DriveSource("feedback", std::string(kPgConfig) + R"("table": "kinds", "order_by": "id"})",
                  WithDsn(pg->Dsn()));
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(Parse(out->rows[0]) == Parse(R"({"id":1,"i2":7,"i8":9007199254740993,"num":12,
      "num_frac":12.5,"f8":0.1,"f4":1.5,"b":true,"t":"h\u00e9llo","vc":"v","j":{"a":[1,2]},
      "jb":{"b":null},"bin":"AP8Q","ts":"2024-05-01 10:00:00+00","d":"2024-05-01",
      "u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","tags":["x y",null,"z"],"nums":[[1,2],[3,4]],
      "nothing":null})"));
  Value nulls = Parse(out->rows[1]);
  CHECK(*nulls.find("id") == Value(2));
  for (const auto& [k, v] : nulls.as_object()) {
    if (k != "id") CHECK(v.is_null());
  }
  CHECK(out->locations[0] == "postgresql:1");

  // 2,500 rows through a cursor fetched 97 at a time, in batches of 1,000.
  pg->Exec(
      "DROP TABLE IF EXISTS thumbs; CREATE TABLE thumbs (id bigint, prompt text, response text, "
      "rating text); INSERT INTO thumbs SELECT g, 'p' || g, 'r' || g, CASE WHEN g % 50 = 0 THEN "
      "NULL WHEN g % 2 = 0 THEN 'up' ELSE 'down' END FROM generate_series(1, 2500) g;");
  auto kto = DriveSource("feedback",
                         std::string(kPgConfig) + R"("query": "SELECT * FROM thumbs ORDER BY id",
                           "fetch_rows": 97, "preset": "thumbs_kto", "id_column": "id"})",
                         WithDsn(pg->Dsn()));
  REQUIRE(kto.ok());
  CHECK(kto->rows.size() == 2450);
  CHECK(kto->rejects.size() == 50);
  CHECK(kto->rejects[0].reason == "null_value");
  CHECK(kto->rejects[0].id.ordinal == 50);
  CHECK(kto->rows[0] == R"({"prompt":"p1","completion":"r1","label":false})");
  CHECK(kto->ids.back().ordinal == 2499);
  CHECK(kto->counters["rows_read"] == 2500);

  // shard_by on the server: every row once, ids from the column.
  std::set<uint64_t> ids;
  size_t total = 0;
  for (int rank = 0; rank < 3; ++rank) {
    DriveOptions o = WithDsn(pg->Dsn());
    o.rank = rank;
    o.world = 3;
    auto part = DriveSource("feedback",
                            std::string(kPgConfig) + R"("table": "thumbs", "shard_by": "id"})", o);
    REQUIRE(part.ok());
    total += part->rows.size();
    for (const auto& id : part->ids) ids.insert(id.ordinal);
  }
  CHECK(total == 2500);
  CHECK(ids.size() == 2500);
}

TEST_CASE("source/feedback over PostgreSQL: errors are clear and never hang",
          "[feedback][postgres]") {
  PgServer* pg = Server();
  if (!pg) return;
  pg->Exec(
      "DROP TABLE IF EXISTS big; CREATE TABLE big AS SELECT g AS id, repeat('x', 100) AS t "
      "FROM generate_series(1, 20000) g;");

  SECTION("a bad query names the query and the server's error") {
    auto bad = DriveSource("feedback", std::string(kPgConfig) + R"("query": "SELEC * FROM big"})",
                           WithDsn(pg->Dsn()));
    REQUIRE(!bad.ok());
    CHECK(bad.status().code() == StatusCode::kInvalidArgument);
    CHECK(bad.status().message().find("PostgreSQL rejected the query `SELEC * FROM big`") !=
          std::string::npos);
    CHECK(bad.status().message().find("syntax error") != std::string::npos);
    auto missing =
        DriveSource("feedback", std::string(kPgConfig) + R"("table": "nope"})", WithDsn(pg->Dsn()));
    REQUIRE(!missing.ok());
    CHECK(missing.status().message().find("relation \"nope\" does not exist") != std::string::npos);
    // An error raised while rows are produced (not at parse time).
    auto div = DriveSource("feedback",
                           std::string(kPgConfig) + R"("query": "SELECT 1 / (id - 5) FROM big"})",
                           WithDsn(pg->Dsn()));
    REQUIRE(!div.ok());
    CHECK(div.status().message().find("division by zero") != std::string::npos);
  }

  SECTION("a connection terminated mid-stream fails with a clear error") {
    DriveOptions o = WithDsn(pg->Dsn());
    o.batch_size = 100;
    o.after_read = 1;
    o.between_reads = [pg] {
      std::string n = pg->Exec(
          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
          "WHERE application_name = 'winnow' AND state = 'idle in transaction'");
      CHECK(n == "1");
    };
    auto cut = DriveSource("feedback",
                           std::string(kPgConfig) + R"("table": "big", "fetch_rows": 100})", o);
    REQUIRE(!cut.ok());
    CHECK(cut.status().code() == StatusCode::kIOError);
    CHECK(cut.status().message().find("connection was lost") != std::string::npos);
    CHECK(cut.status().message().find("after 100 rows") != std::string::npos);
    CHECK(cut.status().message().find("SELECT * FROM \"big\"") != std::string::npos);
  }

  SECTION("a wrong or expired password, or a missing variable, is refused") {
    auto wrong = DriveSource("feedback", std::string(kPgConfig) + R"("table": "big"})",
                             WithDsn(pg->Dsn("postgres", "wrong-pass-123")));
    REQUIRE(!wrong.ok());
    CHECK(wrong.status().code() == StatusCode::kPermissionDenied);
    CHECK(wrong.status().message().find("password authentication failed") != std::string::npos);
    CHECK(wrong.status().message().find("wrong-pass-123") == std::string::npos);

    pg->Exec(
        "DROP ROLE IF EXISTS old_user; CREATE ROLE old_user LOGIN PASSWORD 'old-pass' "
        "VALID UNTIL '2001-01-01'");
    auto expired = DriveSource("feedback", std::string(kPgConfig) + R"("table": "big"})",
                               WithDsn(pg->Dsn("old_user", "old-pass")));
    REQUIRE(!expired.ok());
    CHECK(expired.status().code() == StatusCode::kPermissionDenied);

    auto unset = DriveSource("feedback", std::string(kPgConfig) + R"("table": "big"})");
    REQUIRE(!unset.ok());
    CHECK(unset.status().message().find("FEEDBACK_DSN") != std::string::npos);
    CHECK(unset.status().message().find("dsn_env") != std::string::npos);
  }
}

TEST_CASE("source/feedback over PostgreSQL: a malformed connection string is not echoed",
          "[feedback][postgres]") {
  // No server needed: libpq refuses the string before connecting.
  for (const char* dsn :
       {"postgresql://u:p%zzsecretzz@localhost/db", "host=localhost password=qq hiddenqq"}) {
    auto out = DriveSource("feedback", std::string(kPgConfig) + R"("table": "t"})", WithDsn(dsn));
    REQUIRE(!out.ok());
    CHECK(out.status().code() == StatusCode::kInvalidArgument);
    CHECK(out.status().message().find("does not parse") != std::string::npos);
    CHECK(out.status().message().find("zzsecretzz") == std::string::npos);
    CHECK(out.status().message().find("hiddenqq") == std::string::npos);
  }
}

TEST_CASE("source/feedback over PostgreSQL through the engine", "[feedback][postgres]") {
  PgServer* pg = Server();
  if (!pg) return;
  pg->Exec(
      "DROP TABLE IF EXISTS pairs; CREATE TABLE pairs (id int, prompt text, a text, b text, "
      "pick int); INSERT INTO pairs VALUES (1, 'p', 'A', 'B', 2), (2, 'q', 'C', 'D', 1), "
      "(3, 'r', 'E', 'F', NULL);");
  auto h = PluginHarness::Create(
      "source/feedback",
      std::string(kPgConfig) + R"("table": "pairs", "order_by": "id", "preset": "pairwise_dpo",
        "response_a_column": "a", "response_b_column": "b", "choice_column": "pick"})");
  REQUIRE(h.ok());
  (*h)->SetSecret("FEEDBACK_DSN", pg->Dsn());
  auto out = (*h)->RunSource();
  REQUIRE(out.ok());
  CHECK(out->rows == std::vector<std::string>{R"({"prompt":"p","chosen":"B","rejected":"A"})",
                                              R"({"prompt":"q","chosen":"C","rejected":"D"})"});
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "null_value");
  CHECK(out->rejects[0].location == "postgresql:3");
  for (const auto& line : out->log) CHECK(line.find("secret") == std::string::npos);

  // Server notices go to the step's log, not to stderr.
  pg->Exec(
      "CREATE OR REPLACE FUNCTION noisy() RETURNS int LANGUAGE plpgsql AS "
      "$$ BEGIN RAISE NOTICE 'hello from noisy'; RETURN 1; END $$;");
  auto noisy = PluginHarness::Create("source/feedback",
                                     std::string(kPgConfig) + R"("query": "SELECT noisy() AS n"})");
  REQUIRE(noisy.ok());
  (*noisy)->SetSecret("FEEDBACK_DSN", pg->Dsn());
  auto n = (*noisy)->RunSource();
  REQUIRE(n.ok());
  CHECK(n->rows == std::vector<std::string>{R"({"n":1})"});
  bool logged = false;
  for (const auto& line : n->log)
    logged |= line.find("NOTICE: hello from noisy") != std::string::npos;
  CHECK(logged);
}

#else
TEST_CASE("source/feedback over PostgreSQL", "[feedback][postgres]") {
  WARN("skipping the PostgreSQL part: this build has no libpq");
}
#endif  // WINNOW_HAVE_POSTGRES
