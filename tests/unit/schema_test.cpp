// ConfigSchema: validation messages, binding, JSON schema.
#include <catch2/catch.hpp>

#include "winnow/schema.h"

using namespace winnow;

namespace {
struct Cfg {
  std::string field = "text";
  int64_t min_words = 50;
  double ratio = 0.1;
  bool flag = false;
  std::vector<std::string> langs;
  std::string mode = "drop";
};
const ConfigSchema& S() {
  static const ConfigSchema s = SchemaBuilder<Cfg>()
                                    .String("field", &Cfg::field, "Text field.")
                                    .Int("min_words", &Cfg::min_words, "Minimum words.")
                                    .Min(0)
                                    .Double("ratio", &Cfg::ratio, "A ratio.")
                                    .Range(0, 1)
                                    .Bool("flag", &Cfg::flag, "A flag.")
                                    .StringList("langs", &Cfg::langs, "Languages.")
                                    .Enum("mode", &Cfg::mode, {"drop", "annotate"}, "Mode.")
                                    .Build();
  return s;
}
Value V(const char* json) { return Value::Parse(json).value(); }
}  // namespace

TEST_CASE("binding fills the struct and keeps defaults") {
  Cfg c;
  REQUIRE(S().Bind(V(R"({"min_words": 10, "ratio": 1, "langs": "en"})"), &c).ok());
  CHECK(c.min_words == 10);
  CHECK(c.ratio == 1.0);
  CHECK(c.langs == std::vector<std::string>{"en"});
  CHECK(c.field == "text");
}

TEST_CASE("unknown keys get a did-you-mean and the valid keys") {
  auto issues = S().Validate(V(R"({"min_word": 3})"));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].key_path == "min_word");
  CHECK_THAT(issues[0].message, Catch::Contains("did you mean 'min_words'"));
  CHECK_THAT(issues[0].message, Catch::Contains("valid keys: field min_words ratio flag langs mode"));
}

TEST_CASE("wrong types, ranges and enum values are reported") {
  auto issues = S().Validate(V(R"({"min_words": "ten", "ratio": 2, "mode": "dorp", "flag": 1})"));
  REQUIRE(issues.size() == 4);
  CHECK_THAT(issues[0].message, Catch::Contains("expected an integer"));
  CHECK_THAT(issues[1].message, Catch::Contains("must be <= 1"));
  CHECK_THAT(issues[2].message, Catch::Contains("did you mean 'drop'"));
  CHECK_THAT(issues[3].message, Catch::Contains("expected a boolean"));
}

TEST_CASE("config errors from plugins carry their key") {
  Status st = ConfigError("where.all.0.regex", "invalid regular expression");
  std::string key, message;
  REQUIRE(ParseConfigError(st, &key, &message));
  CHECK(key == "where.all.0.regex");
  CHECK(message == "invalid regular expression");
  CHECK_FALSE(ParseConfigError(Status::InvalidArgument("plain"), &key, &message));
}

TEST_CASE("the JSON schema lists every key") {
  Value js = S().ToJsonSchema();
  CHECK(js.find("properties")->size() == 6);
  CHECK(js.find("properties")->find("mode")->find("enum")->size() == 2);
}
