// transform/uppercase — an example plugin: upper-cases ASCII letters of one field.
//
// Contract: for each row, the string field `field` is upper-cased (ASCII only).
// A row without the field is passed through unchanged, or failed with reason
// "uppercase:missing_field" when `require: true`. A non-string field fails the
// row with reason "uppercase:not_a_string". Row-wise and thread-safe.
#include <cctype>

#include "winnow/stage.h"

namespace {

struct UppercaseConfig {
  std::string field = "text";
  bool require = false;
};

const winnow::ConfigSchema& UppercaseSchema() {
  static const winnow::ConfigSchema schema =
      winnow::SchemaBuilder<UppercaseConfig>()
          .String("field", &UppercaseConfig::field, "The string field to upper-case.")
          .Bool("require", &UppercaseConfig::require, "Fail rows that lack the field.")
          .Build();
  return schema;
}

class Uppercase final : public winnow::Stage {
 public:
  explicit Uppercase(UppercaseConfig config) : config_(std::move(config)) {}

  winnow::Status Process(winnow::Batch& batch, winnow::Context& ctx) override {
    std::string scratch;
    int64_t changed = 0;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      winnow::TextField f = batch.rows[i].GetText(config_.field, scratch);
      if (f.state == winnow::FieldState::kMissing) {
        if (config_.require) batch.Fail(i, "uppercase:missing_field", "no field " + config_.field);
        continue;
      }
      if (f.state != winnow::FieldState::kPresent) {
        batch.Fail(i, "uppercase:not_a_string", config_.field + " is not a string");
        continue;
      }
      std::string upper(f.text);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      batch.rows[i].Set(config_.field, winnow::Value(std::move(upper)));
      ++changed;
    }
    ctx.Count("uppercased", changed);
    return winnow::Status::Ok();
  }

 private:
  UppercaseConfig config_;
};

}  // namespace

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "uppercase", "1.0.0",
              "Upper-cases the ASCII letters of one string field (an example plugin).",
              UppercaseConfig, Uppercase, UppercaseSchema)
