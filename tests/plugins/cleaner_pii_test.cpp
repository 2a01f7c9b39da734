// Tests of cleaner/pii: each scanner directly (including Dolma's expected e-mail
// spans from ../shared/data), then the plugin through the harness.
#include <zlib.h>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "harness/plugin_harness.h"
#include "pii_scan.h"
#include "winnow/value.h"

using winnow::Value;
using winnow::pii::Kind;
using winnow::pii::Span;
using winnow::testing::PluginHarness;

namespace {

using Finder = void (*)(std::string_view, std::vector<Span>*);

std::vector<std::string> Find(Finder f, std::string_view text) {
  std::vector<Span> spans;
  f(text, &spans);
  std::vector<std::string> out;
  for (const auto& s : spans) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

using V = std::vector<std::string>;

std::vector<std::string> GzLines(const std::string& path) {
  std::vector<std::string> lines;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return lines;
  std::string all;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) all.append(buf, static_cast<size_t>(n));
  gzclose(f);
  size_t start = 0;
  for (size_t i = 0; i <= all.size(); ++i) {
    if (i == all.size() || all[i] == '\n') {
      if (i > start) lines.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  }
  return lines;
}

std::unique_ptr<PluginHarness> Make(const std::string& config) {
  auto h = PluginHarness::Create("cleaner/pii", config);
  REQUIRE(h.ok());
  return std::move(h).value();
}

std::string Row(std::string_view text) {
  std::string out = "{\"text\":";
  winnow::AppendJsonString(out, text);
  return out + "}";
}

Value Parse(const std::string& json) {
  auto v = Value::Parse(json);
  REQUIRE(v.ok());
  return std::move(v).value();
}

}  // namespace

TEST_CASE("e-mail scanner follows datatrove's regex", "[pii][email]") {
  auto f = &winnow::pii::FindEmails;
  CHECK(Find(f, "Contact john.doe@example.com today") == V{"john.doe@example.com"});
  CHECK(Find(f, "user+tag@mail.co.uk. Next") == V{"user+tag@mail.co.uk"});
  CHECK(Find(f, "a@b and x.@y.com and @handle") == V{});
  CHECK(Find(f, "foo..bar@x.com") == V{"bar@x.com"});
  CHECK(Find(f, "write to first-last@sub-domain.example.org, thanks") ==
        V{"first-last@sub-domain.example.org"});
  CHECK(Find(f, "#tag@x.com") == V{"tag@x.com"});  // \b before the first word character
  CHECK(Find(f,
             "caf\xC3\xA9"
             "foo@bar.com") == V{});                 // no \b after a non-ASCII letter
  CHECK(Find(f, "a@b.c-d.e- x") == V{"a@b.c-d.e"});  // labels do not end with '-'
  CHECK(Find(f, "one@a.io two@b.io") == V{"one@a.io", "two@b.io"});
  CHECK(Find(f, "x@y.com@z.org") == V{"x@y.com"});
  CHECK(Find(f, std::string(100000, '@')) == V{});
}

TEST_CASE("e-mail spans match Dolma's expected output", "[pii][email][shared]") {
  auto dir = winnow::testing::SharedDataDir() / "web" / "dolma-tests";
  if (!std::filesystem::exists(dir / "expected_email-spans.json.gz")) {
    WARN("skipped: " << dir.string() << " is absent");
    return;
  }
  auto provided = GzLines((dir / "provided_documents_000.json.gz").string());
  auto expected = GzLines((dir / "expected_email-spans.json.gz").string());
  REQUIRE(provided.size() == 10);
  REQUIRE(expected.size() == provided.size());
  size_t total = 0;
  for (size_t d = 0; d < provided.size(); ++d) {
    Value in = Parse(provided[d]);
    Value exp = Parse(expected[d]);
    std::string text = in.find("text")->as_string();
    // Dolma marks kept e-mail spans with [B-EMAIL]...[E-EMAIL] in the expected text.
    std::string tagged = exp.find("text")->as_string();
    V want;
    for (size_t b = tagged.find("[B-EMAIL]"); b != std::string::npos;
         b = tagged.find("[B-EMAIL]", b + 1)) {
      size_t e = tagged.find("[E-EMAIL]", b);
      REQUIRE(e != std::string::npos);
      want.push_back(tagged.substr(b + 9, e - b - 9));
    }
    INFO("document " << in.find("id")->as_string());
    CHECK(Find(&winnow::pii::FindEmails, text) == want);
    total += want.size();
  }
  CHECK(total == 3);
}

TEST_CASE("IPv4: only public addresses", "[pii][ip]") {
  auto f = &winnow::pii::FindIpv4;
  CHECK(Find(f, "Server 8.8.8.8 and 192.168.1.1 and 10.0.0.1.") == V{"8.8.8.8"});
  CHECK(Find(f, "172.15.0.1 172.16.0.1 100.64.1.1 127.0.0.1 169.254.3.4") == V{"172.15.0.1"});
  CHECK(Find(f, "203.0.113.5 198.51.100.7 192.0.2.1 224.0.0.1 255.255.255.255 0.0.0.0") == V{});
  CHECK(Find(f, "version 1.2.3.4.5 and 256.1.1.1 and 01.2.3.4 and 1.2.3") == V{});
  CHECK(Find(f, "(93.184.216.34), 93.184.216.34:80") == V{"93.184.216.34", "93.184.216.34"});
  CHECK(Find(f, "a93.184.216.34") == V{});
  CHECK(winnow::pii::IsPublicIpv4(0x08080808));
  CHECK_FALSE(winnow::pii::IsPublicIpv4(0xC0A80101));
}

TEST_CASE("IPv6: only public addresses", "[pii][ip]") {
  auto f = &winnow::pii::FindIpv6;
  CHECK(Find(f, "dns 2001:4860:4860::8888 here") == V{"2001:4860:4860::8888"});
  CHECK(Find(f, "host 2a00:1450:4001:82a::200e.") == V{"2a00:1450:4001:82a::200e"});
  CHECK(Find(f, "[2606:4700:4700::1111]:443") == V{"2606:4700:4700::1111"});
  CHECK(Find(f, "2001:0db8:85a3:0000:0000:8a2e:0370:7334") == V{});  // documentation
  CHECK(Find(f, "fe80::1 ::1 :: fc00::5 ff02::1 ::ffff:8.8.8.8") == V{});
  CHECK(Find(f, "at 12:30:45, std::vector and de:ad:be:ef:00:01") == V{});
  CHECK(Find(f, "2001:4860:4860:0:0:0:0:8888 2001:4860::1::2") == V{"2001:4860:4860:0:0:0:0:8888"});
  CHECK(Find(f, "2400:cb00::1.2.3.4") == V{"2400:cb00::1.2.3.4"});
  CHECK(Find(f, std::string(50000, ':')) == V{});
}

TEST_CASE("phone numbers", "[pii][phone]") {
  auto f = &winnow::pii::FindPhones;
  CHECK(Find(f, "Call +1 415-555-0132 or (415) 555-0132 or 415.555.0132.") ==
        V{"+1 415-555-0132", "(415) 555-0132", "415.555.0132"});
  CHECK(Find(f, "Fax: +32 (0)2 790 75 85 info") == V{"+32 (0)2 790 75 85"});
  CHECK(Find(f, "UK +44 20 7946 0958, DE +4915112345678") ==
        V{"+44 20 7946 0958", "+4915112345678"});
  CHECK(Find(f, "1-800-555-0199 toll free") == V{"1-800-555-0199"});
  CHECK(Find(f, "ids 1234567890 123-456-7890 415-555-01325 415-555.0132 2019-2020 +123") == V{});
  CHECK(Find(f, "ISBN +9780306406157 and x415-555-0132") == V{});
  CHECK(Find(f, std::string(100000, '+')) == V{});
  // At most 15 digits: the number stops before a group that would exceed it.
  CHECK(Find(f, "+44 20 7946 0958 1234 5678") == V{"+44 20 7946 0958"});
}

TEST_CASE("FindPii: priority and no overlaps", "[pii]") {
  std::string text = "mail 8.8.8.8@example.com, ip 8.8.4.4, tel +1 415 555 0132";
  std::vector<Span> spans;
  winnow::pii::FindPii(text, {}, &spans);
  REQUIRE(spans.size() == 3);
  CHECK(spans[0].kind == Kind::kEmail);
  CHECK(text.substr(spans[0].begin, spans[0].end - spans[0].begin) == "8.8.8.8@example.com");
  CHECK(spans[1].kind == Kind::kIpv4);
  CHECK(spans[2].kind == Kind::kPhone);
  // A phone number running into an IP address is cut before it.
  std::string run_on = "+44 20 7946 0958 1.1.1.1";
  spans.clear();
  winnow::pii::FindPii(run_on, {}, &spans);
  REQUIRE(spans.size() == 2);
  CHECK(run_on.substr(spans[0].begin, spans[0].end - spans[0].begin) == "+44 20 7946 0958");
  CHECK(spans[1].kind == Kind::kIpv4);
  spans.clear();
  winnow::pii::FindPii(text, {false, true, false}, &spans);
  CHECK(spans.size() == 2);  // 8.8.8.8 inside the e-mail counts when e-mails are off
}

TEST_CASE("plugin replaces and counts", "[pii][plugin]") {
  auto h = Make(R"({})");
  auto out = h->RunStage({Row("Mail jane@corp.example.net or call (415) 555-0132 from 8.8.8.8 "
                              "(LAN 192.168.0.1, v6 2001:4860::8888)."),
                          Row("nothing here"), Row("again email@example.com and 0.0.0.0")});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 3);
  CHECK(Parse(out->rows[0]).find("text")->as_string() ==
        "Mail email@example.com or call 000-000-0000 from 0.0.0.0 (LAN 192.168.0.1, v6 ::).");
  CHECK(Parse(out->rows[1]).find("text")->as_string() == "nothing here");
  CHECK(Parse(out->rows[2]).find("text")->as_string() == "again email@example.com and 0.0.0.0");
  CHECK(out->counters["pii.email"] == 1);
  CHECK(out->counters["pii.ip"] == 2);
  CHECK(out->counters["pii.phone"] == 1);
  CHECK(out->counters["pii.rows"] == 1);
}

TEST_CASE("plugin annotate mode, fields, kinds and placeholders", "[pii][plugin]") {
  auto h =
      Make(R"({"mode": "annotate", "fields": ["prompt", "answer"], "kinds": ["email", "ip"]})");
  std::string row =
      R"({"prompt": "ask a@b.io", "answer": "from 1.1.1.1 and c@d.io, +1 415 555 0132"})";
  auto out = h->RunStage({row});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  Value v = Parse(out->rows[0]);
  CHECK(v.find("prompt")->as_string() == "ask a@b.io");
  CHECK(v.find("pii")->find("email")->as_int() == 2);
  CHECK(v.find("pii")->find("ip")->as_int() == 1);
  CHECK(v.find("pii")->find("phone") == nullptr);

  auto custom = Make(R"({"email_placeholder": "<EMAIL>", "phone_placeholder": "<PHONE>",
                         "ip_placeholder": "<IP>"})");
  auto out2 = custom->RunStage({Row("x@y.org +44 20 7946 0958 1.1.1.1")});
  REQUIRE(out2.ok());
  CHECK(Parse(out2->rows[0]).find("text")->as_string() == "<EMAIL> <PHONE> <IP>");
}

TEST_CASE("plugin bad input and config errors", "[pii][plugin]") {
  auto h = Make(R"({"fields": ["text", "title"]})");
  // The invalid UTF-8 row is rejected by the source (malformed_json) before the plugin.
  auto out =
      h->RunStage({R"({"text": "a@b.io"})", R"({"text": 1, "title": "x"})",
                   "{\"text\": \"\xFF\", \"title\": \"t\"}", R"({"text": "", "title": ""})"});
  REQUIRE(out.ok());
  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "missing_field");
  CHECK(out->rejects[1].reason == "wrong_type");
  REQUIRE(out->rows.size() == 1);

  auto pass = Make(R"({"fields": ["text", "title"], "on_missing": "pass"})");
  auto out2 = pass->RunStage({R"({"text": "a@b.io"})"});
  REQUIRE(out2.ok());
  REQUIRE(out2->rows.size() == 1);
  CHECK(Parse(out2->rows[0]).find("text")->as_string() == "email@example.com");

  auto bad = PluginHarness::Create("cleaner/pii", R"({"kinds": ["emial"]})");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("did you mean 'email'"));
  CHECK_FALSE(PluginHarness::Create("cleaner/pii", R"({"mode": "drop"})").ok());
}
