// Tests for source/csv: the RFC 4180 splitter directly, then the plugin through the
// engine (PluginHarness) and through the driver (sharding, row ids, progress).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "csv_parser.h"
#include "harness/plugin_harness.h"
#include "source_test_driver.h"
#include "winnow/io.h"
#include "winnow/value.h"

using namespace winnow;
using namespace winnow::testing;
using winnow::csv::CsvDialect;
using winnow::csv::CsvRecord;
using winnow::csv::CsvSplitter;
using winnow::csv::CsvStep;

namespace {

struct Split {
  std::vector<std::vector<std::string>> records;
  std::vector<uint64_t> lines;
  std::vector<bool> bad_quote;
  CsvStep last = CsvStep::kEnd;
  uint64_t error_line = 0;
};

// Feeds `input` to a splitter `chunk` bytes at a time (0 = all at once).
Split SplitAll(std::string_view input, size_t chunk = 0, CsvDialect d = {}) {
  CsvSplitter s(d);
  CsvRecord rec;
  std::string buf;
  size_t fed = 0, pos = 0;
  Split out;
  auto feed = [&] {
    size_t n = chunk == 0 ? input.size() - fed : std::min(chunk, input.size() - fed);
    buf.erase(0, pos);
    pos = 0;
    buf.append(input.substr(fed, n));
    fed += n;
  };
  feed();
  while (true) {
    CsvStep st = s.Next(buf, pos, fed == input.size(), true, rec);
    if (st == CsvStep::kNeedMore) {
      REQUIRE(fed < input.size());
      feed();
      continue;
    }
    if (st == CsvStep::kBlank) continue;
    if (st != CsvStep::kRecord) {
      out.last = st;
      out.error_line = s.error_line();
      return out;
    }
    std::vector<std::string> fields;
    for (size_t i = 0; i < rec.size(); ++i) fields.emplace_back(rec.field(i));
    out.records.push_back(fields);
    out.lines.push_back(rec.line);
    out.bad_quote.push_back(rec.bad_quote);
  }
}

using Rows = std::vector<std::vector<std::string>>;

Value Parse(const std::string& json) {
  auto v = Value::Parse(json);
  REQUIRE(v.ok());
  return *v;
}

std::string Config(const std::string& path, const std::string& extra = "") {
  Value paths = Value::MakeArray();
  paths.push_back(path);
  std::string c = "{\"paths\":" + paths.ToJson();
  if (!extra.empty()) c += "," + extra;
  return c + "}";
}

}  // namespace

TEST_CASE("csv splitter: RFC 4180 quoting, CRLF and embedded newlines", "[csv]") {
  const std::string input =
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "2,\"line1\r\nline2\",\r\n"
      "3,,\"\"\n"
      "\n"
      "4,last,row";
  Rows expected = {{"a", "b", "c"},
                   {"1", "x, y", "say \"hi\""},
                   {"2", "line1\r\nline2", ""},
                   {"3", "", ""},
                   {"4", "last", "row"}};
  for (size_t chunk : {0, 1, 2, 3, 7, 64}) {
    INFO("chunk " << chunk);
    Split s = SplitAll(input, chunk);
    CHECK(s.last == CsvStep::kEnd);
    CHECK(s.records == expected);
    CHECK(s.lines == std::vector<uint64_t>{1, 2, 3, 5, 7});
  }
}

TEST_CASE("csv splitter: lone CR, trailing delimiter, quoting off, other delimiters", "[csv]") {
  CHECK(SplitAll("a,b\rc,d\r").records == Rows{{"a", "b"}, {"c", "d"}});
  CHECK(SplitAll("a,b,\n").records == Rows{{"a", "b", ""}});
  CHECK(SplitAll("a,b,").records == Rows{{"a", "b", ""}});
  CsvDialect tsv;
  tsv.delimiter = '\t';
  tsv.quoting = false;
  CHECK(SplitAll("x\t\"y\tz\n", 1, tsv).records == Rows{{"x", "\"y", "z"}});
  CsvDialect single;
  single.delimiter = ';';
  single.quote = '\'';
  CHECK(SplitAll("'a;b';'it''s'\n", 2, single).records == Rows{{"a;b", "it's"}});
}

TEST_CASE("csv splitter: lenient stray quotes are flagged", "[csv]") {
  Split s = SplitAll("ab\"c,\"x\"y,z\nok,\"fine\",1\n");
  REQUIRE(s.records.size() == 2);
  CHECK(s.records[0] == std::vector<std::string>{"ab\"c", "xy", "z"});
  CHECK(s.bad_quote == std::vector<bool>{true, false});
}

TEST_CASE("csv splitter: unterminated quote names the line where it opened", "[csv]") {
  for (size_t chunk : {0, 1, 5}) {
    Split s = SplitAll("a,b\n1,2\n3,\"open\nmore\nstill open", chunk);
    CHECK(s.records.size() == 2);
    CHECK(s.last == CsvStep::kUnterminated);
    CHECK(s.error_line == 3);
  }
  // The quote opens on the second line of a record whose first line is 2.
  Split s = SplitAll("h1,h2\n\"ok\nok\",\"never closed\n", 4);
  CHECK(s.last == CsvStep::kUnterminated);
  CHECK(s.error_line == 3);
}

TEST_CASE("csv splitter: records above max_record_bytes stop with kTooLarge", "[csv]") {
  CsvDialect d;
  d.max_record_bytes = 16;
  Split s = SplitAll("a,b\n\"" + std::string(100, 'x') + "\"\n", 8, d);
  CHECK(s.last == CsvStep::kTooLarge);
  CHECK(s.error_line == 2);
}

TEST_CASE("csv splitter: skipping (materialize=false) finds the same boundaries", "[csv]") {
  std::string input = "h\n\"a\nb\",1\n\"c\"\"\",2\r\nd,3\n";
  CsvSplitter s({});
  CsvRecord rec;
  size_t pos = 0;
  std::vector<size_t> ends;
  std::vector<uint64_t> lines;
  while (true) {
    CsvStep st = s.Next(input, pos, true, false, rec);
    if (st != CsvStep::kRecord) break;
    ends.push_back(pos);
    lines.push_back(s.line());
  }
  CHECK(ends == std::vector<size_t>{2, 10, 19, 23});
  CHECK(lines == std::vector<uint64_t>{2, 4, 5, 6});
}

TEST_CASE("csv type inference", "[csv]") {
  auto infer = [](std::string_view s) {
    std::string out;
    csv::AppendInferred(out, s);
    return out;
  };
  CHECK(infer("") == "null");
  CHECK(infer("42") == "42");
  CHECK(infer("-7") == "-7");
  CHECK(infer("+7") == "7");
  CHECK(infer("007") == "\"007\"");
  CHECK(infer("0") == "0");
  CHECK(infer("3.5") == "3.5");
  CHECK(infer(".5") == "0.5");
  CHECK(infer("1e3") == "1000.0");
  CHECK(infer("1e") == "\"1e\"");
  CHECK(infer("TRUE") == "true");
  CHECK(infer("false") == "false");
  CHECK(infer("nan") == "\"nan\"");
  CHECK(infer("12abc") == "\"12abc\"");
  CHECK(infer("99999999999999999999") == "1e+20");
  CHECK(csv::CountLineBreaks("a\r\nb\rc\n\r") == 4);
}

TEST_CASE("source/csv reads a file with a header through the engine", "[csv]") {
  TempDir dir;
  WriteText(dir / "in.csv",
            "\xEF\xBB\xBFid,text,score\r\n"
            "1,\"hello, world\",0.5\r\n"
            "2,\"multi\nline \"\"quoted\"\"\",\r\n"
            "\r\n"
            "3,plain,7\r\n");
  auto h = PluginHarness::Create("source/csv", Config((dir / "in.csv").string()));
  REQUIRE(h.ok());
  auto out = (*h)->RunSource();
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 3);
  CHECK(out->rows[0] == R"({"id":"1","text":"hello, world","score":"0.5"})");
  CHECK(out->rows[1] == R"({"id":"2","text":"multi\nline \"quoted\"","score":""})");
  CHECK(out->rows[2] == R"({"id":"3","text":"plain","score":"7"})");
  CHECK(out->rejects.empty());
  // Ordinals: file index 0, record index 0, 1, 2 (header and blank lines not counted).
  CHECK(out->row_ids[0].ordinal == 0);
  CHECK(out->row_ids[2].ordinal == 2);
}

TEST_CASE("source/csv: locations, infer_types, path_field and row ids across files", "[csv]") {
  TempDir dir;
  WriteText(dir / "a.csv", "n,flag\n1,true\n\"2\",\n");
  WriteText(dir / "b.csv", "n,flag\n\n10,FALSE\n");
  auto out = DriveSource(
      "csv", Config((dir / "*.csv").string(), R"("infer_types": true, "path_field": "file")"));
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 3);
  std::string a = (dir / "a.csv").string(), b = (dir / "b.csv").string();
  CHECK(Parse(out->rows[0]) == Parse(R"({"n":1,"flag":true,"file":")" + a + "\"}"));
  CHECK(Parse(out->rows[1]) == Parse(R"({"n":2,"flag":null,"file":")" + a + "\"}"));
  CHECK(Parse(out->rows[2]) == Parse(R"({"n":10,"flag":false,"file":")" + b + "\"}"));
  CHECK(out->locations == std::vector<std::string>{a + ":2", a + ":3", b + ":3"});
  CHECK(out->ids[0].ordinal == 0);
  CHECK(out->ids[1].ordinal == 1);
  CHECK(out->ids[2].ordinal == (uint64_t{1} << 40));
  CHECK(out->counters["files_opened"] == 2);
  CHECK(out->counters["bytes_read"] ==
        static_cast<int64_t>(std::filesystem::file_size(a) + std::filesystem::file_size(b)));
  REQUIRE(!out->progress.empty());
  CHECK(out->progress.back().first == out->progress.back().second);
  CHECK(out->progress.back().second > 0);
}

TEST_CASE("source/csv: a row with the wrong number of fields is rejected with a reason", "[csv]") {
  TempDir dir;
  WriteText(dir / "in.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
  auto h = PluginHarness::Create("source/csv", Config((dir / "in.csv").string()));
  REQUIRE(h.ok());
  auto out = (*h)->RunSource();
  REQUIRE(out.ok());
  CHECK(out->rows.size() == 2);
  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "field_count");
  CHECK(out->rejects[0].detail == "expected 3 fields (as in the header row), found 2");
  CHECK(out->rejects[0].location == (dir / "in.csv").string() + ":3");
  CHECK(out->rejects[0].record_json == "4,5");
  CHECK(out->rejects[1].detail.find("found 4") != std::string::npos);
  CHECK(out->rejects[1].location == (dir / "in.csv").string() + ":4");
}

TEST_CASE("source/csv: an unterminated quote is a reject naming file:line; next file goes on",
          "[csv]") {
  TempDir dir;
  WriteText(dir / "1.csv", "a,b\nx,y\nz,\"never closed\nmore text\n");
  WriteText(dir / "2.csv", "a,b\nok,fine\n");
  auto out = DriveSource("csv", Config(dir.path().string()));
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(out->rows[0] == R"({"a":"x","b":"y"})");
  CHECK(out->rows[1] == R"({"a":"ok","b":"fine"})");
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "unterminated_quote");
  CHECK(out->rejects[0].location == (dir / "1.csv").string() + ":3");
  CHECK(out->rejects[0].detail.find("opened at line 3") != std::string::npos);
}

TEST_CASE("source/csv: invalid UTF-8 rejects the row by line; latin1 converts", "[csv]") {
  TempDir dir;
  WriteText(dir / "in.csv", "name,city\nJos\xE9,Paris\nAnn,Z\xFCrich\nBob,Rome\n");
  auto out = DriveSource("csv", Config((dir / "in.csv").string()));
  REQUIRE(out.ok());
  CHECK(out->rows == std::vector<std::string>{R"({"name":"Bob","city":"Rome"})"});
  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "invalid_utf8");
  CHECK(out->rejects[0].location == (dir / "in.csv").string() + ":2");
  CHECK(out->rejects[0].detail.find("'name'") != std::string::npos);
  CHECK(out->rejects[1].location == (dir / "in.csv").string() + ":3");
  CHECK(out->rejects[1].detail.find("'city'") != std::string::npos);

  auto latin = DriveSource("csv", Config((dir / "in.csv").string(), R"("encoding": "latin1")"));
  REQUIRE(latin.ok());
  REQUIRE(latin->rows.size() == 3);
  CHECK(latin->rows[0] == "{\"name\":\"Jos\xC3\xA9\",\"city\":\"Paris\"}");
  CHECK(latin->rows[1] == "{\"name\":\"Ann\",\"city\":\"Z\xC3\xBCrich\"}");
  CHECK(latin->rejects.empty());

  // A UTF-8 sequence cut by the delimiter is caught too.
  WriteText(dir / "cut.csv", "a,b\n\xC3,\xA9\n");
  auto cut = DriveSource("csv", Config((dir / "cut.csv").string()));
  REQUIRE(cut.ok());
  CHECK(cut->rows.empty());
  REQUIRE(cut->rejects.size() == 1);
  CHECK(cut->rejects[0].reason == "invalid_utf8");
}

TEST_CASE("source/csv: header, columns, delimiter and quote options", "[csv]") {
  TempDir dir;
  WriteText(dir / "semi.txt", "x;'a;b'\ny;'it''s'\n");
  auto out = DriveSource("csv", Config((dir / "semi.txt").string(),
                                       R"("header": false, "columns": ["k","v"],
                                          "delimiter": ";", "quote": "'")"));
  REQUIRE(out.ok());
  CHECK(out->rows == std::vector<std::string>{R"({"k":"x","v":"a;b"})", R"({"k":"y","v":"it's"})"});
  CHECK(out->locations[0].ends_with(":1"));

  WriteText(dir / "t.tsv", "1\t\"q\n2\tr\n");
  auto tsv = DriveSource("csv", Config((dir / "t.tsv").string(),
                                       R"("header": false, "delimiter": "tab", "quote": "")"));
  REQUIRE(tsv.ok());
  CHECK(tsv->rows == std::vector<std::string>{R"({"column_1":"1","column_2":"\"q"})",
                                              R"({"column_1":"2","column_2":"r"})"});

  WriteText(dir / "dup.csv", "a,a,,b\n1,2,3,4\n");
  auto dup = DriveSource("csv", Config((dir / "dup.csv").string()));
  REQUIRE(dup.ok());
  CHECK(dup->rows == std::vector<std::string>{R"({"a":"1","a_2":"2","column_3":"3","b":"4"})"});
  bool warned = std::any_of(dup->log.begin(), dup->log.end(), [](const std::string& l) {
    return l.starts_with("WARN") && l.find("a -> a_2") != std::string::npos;
  });
  CHECK(warned);

  auto renamed =
      DriveSource("csv", Config((dir / "dup.csv").string(), R"("columns": ["w","x","y","z"])"));
  REQUIRE(renamed.ok());
  CHECK(renamed->rows == std::vector<std::string>{R"({"w":"1","x":"2","y":"3","z":"4"})"});

  auto mismatch = DriveSource("csv", Config((dir / "dup.csv").string(), R"("columns": ["w","x"])"));
  REQUIRE(!mismatch.ok());
  CHECK(mismatch.status().message().find((dir / "dup.csv").string() + ":1") != std::string::npos);
  CHECK(mismatch.status().message().find("has 4 fields but `columns` names 2") !=
        std::string::npos);
}

TEST_CASE("source/csv: strict_quotes rejects stray quotes", "[csv]") {
  TempDir dir;
  WriteText(dir / "q.csv", "a,b\nab\"c,1\nok,2\n");
  auto lenient = DriveSource("csv", Config((dir / "q.csv").string()));
  REQUIRE(lenient.ok());
  CHECK(lenient->rows.size() == 2);
  auto strict = DriveSource("csv", Config((dir / "q.csv").string(), R"("strict_quotes": true)"));
  REQUIRE(strict.ok());
  CHECK(strict->rows.size() == 1);
  REQUIRE(strict->rejects.size() == 1);
  CHECK(strict->rejects[0].reason == "bad_quote");
}

TEST_CASE("source/csv: gzip and zstd input", "[csv]") {
  TempDir dir;
  std::string body = "id,text\n";
  for (int i = 0; i < 2000; ++i)
    body += std::to_string(i) + ",\"row " + std::to_string(i) + "\nsecond line\"\n";
  for (const char* name : {"in.csv.gz", "in.csv.zst"}) {
    auto f = AtomicFile::Create(dir / name);
    REQUIRE(f.ok());
    REQUIRE((*f)->Write(body).ok());
    REQUIRE((*f)->Commit().ok());
  }
  for (const char* name : {"in.csv.gz", "in.csv.zst"}) {
    INFO(name);
    auto out = DriveSource("csv", Config((dir / name).string()), Batched(333));
    REQUIRE(out.ok());
    REQUIRE(out->rows.size() == 2000);
    CHECK(out->rows[1999] == R"({"id":"1999","text":"row 1999\nsecond line"})");
    CHECK(out->locations[1999] == (dir / name).string() + ":" + std::to_string(2 + 2 * 1999));
  }
  // A truncated gzip file stops the run with its name.
  std::string gz = ReadText(dir / "in.csv.gz");
  WriteText(dir / "cut.csv.gz", gz.substr(0, gz.size() / 2));
  auto cut = DriveSource("csv", Config((dir / "cut.csv.gz").string()));
  REQUIRE(!cut.ok());
  CHECK(cut.status().message().find("cut.csv.gz") != std::string::npos);
}

TEST_CASE("source/csv: errors that stop the run", "[csv]") {
  TempDir dir;
  auto missing = DriveSource("csv", Config((dir / "nope.csv").string()));
  REQUIRE(!missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("nope.csv") != std::string::npos);

  WriteText(dir / "big.csv", "a,b\n1,\"" + std::string(5000, 'x') + "\n");
  auto big = DriveSource("csv", Config((dir / "big.csv").string(), R"("max_record_bytes": 1000)"));
  REQUIRE(!big.ok());
  CHECK(big.status().message().find((dir / "big.csv").string() + ":2") != std::string::npos);
  CHECK(big.status().message().find("max_record_bytes") != std::string::npos);

  WriteText(dir / "badhead.csv", "n\xFF,b\n1,2\n");
  auto head = DriveSource("csv", Config((dir / "badhead.csv").string()));
  REQUIRE(!head.ok());
  CHECK(head.status().message().find("badhead.csv:1") != std::string::npos);
  CHECK(head.status().message().find("encoding: latin1") != std::string::npos);

  auto delim = PluginHarness::Create("source/csv", Config("x.csv", R"("delimiter": "ab")"));
  REQUIRE(!delim.ok());
  CHECK(delim.status().message().find("delimiter") != std::string::npos);
  auto quote = PluginHarness::Create("source/csv", Config("x.csv", R"("quote": ",")"));
  REQUIRE(!quote.ok());
  CHECK(quote.status().message().find("quote") != std::string::npos);
}

TEST_CASE("source/csv: output does not depend on batch size; limit stops early", "[csv]") {
  TempDir dir;
  std::string body = "a,b\n";
  for (int i = 0; i < 500; ++i) body += std::to_string(i) + ",\"x\ny\"\n";
  WriteText(dir / "in.csv", body);
  auto one = DriveSource("csv", Config((dir / "in.csv").string()), Batched(1));
  auto many = DriveSource("csv", Config((dir / "in.csv").string()), Batched(1000));
  REQUIRE(one.ok());
  REQUIRE(many.ok());
  CHECK(one->rows == many->rows);
  CHECK(one->ids == many->ids);
  CHECK(one->locations == many->locations);
  auto limited = DriveSource("csv", Config((dir / "in.csv").string(), R"("limit": 7)"), Batched(3));
  REQUIRE(limited.ok());
  CHECK(limited->rows.size() == 7);
}

TEST_CASE("source/csv: shards by rank, every row read once, same row ids", "[csv]") {
  TempDir dir;
  // Three small files (dealt by index) and one large file split in parts of 64 KB,
  // with quoted newlines and quotes everywhere so that part boundaries fall inside
  // quoted fields.
  for (int f = 0; f < 3; ++f) {
    WriteText(dir / ("small" + std::to_string(f) + ".csv"),
              "k,v\n" + std::to_string(f) + ",\"a\nb\"\n" + std::to_string(f) + ",c\n");
  }
  std::string big = "id,text,n\n";
  for (int i = 0; i < 6000; ++i) {
    big += std::to_string(i) + ",\"row " + std::to_string(i) + " says \"\"hi\"\"\r\nand, more\"," +
           std::to_string(i % 7) + "\r\n";
    if (i == 4000) big += "bad,row\n";  // a reject, read by exactly one rank
  }
  WriteText(dir / "big.csv", big);
  std::string config = Config(dir.path().string(), R"("split_bytes": 65536)");

  auto all = DriveSource("csv", config);
  REQUIRE(all.ok());
  REQUIRE(all->rows.size() == 6 + 6000);
  REQUIRE(all->rejects.size() == 1);
  std::map<uint64_t, std::string> expected;
  for (size_t i = 0; i < all->rows.size(); ++i) expected[all->ids[i].ordinal] = all->rows[i];
  REQUIRE(expected.size() == all->rows.size());

  for (int world : {2, 3, 5}) {
    INFO("world " << world);
    std::map<uint64_t, std::string> got;
    size_t rejects = 0;
    for (int rank = 0; rank < world; ++rank) {
      auto part = DriveSource("csv", config, Sharded(rank, world, 100));
      REQUIRE(part.ok());
      rejects += part->rejects.size();
      for (size_t i = 0; i < part->rows.size(); ++i) {
        CHECK(got.emplace(part->ids[i].ordinal, part->rows[i]).second);  // read once
      }
      // Each rank reads part of the big file, not all of it.
      CHECK(part->rows.size() < all->rows.size());
    }
    CHECK(rejects == 1);
    CHECK(got == expected);
  }
}
