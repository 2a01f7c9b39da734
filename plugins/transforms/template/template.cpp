// transform/template — set a field from a `{{field}}` template.
//
// Contract: `fields` maps output field names to templates (see winnow/template.h:
// `{{ path }}` with nested access "a.b.0", `{{ path | json }}` for JSON text).
// Templates are parsed once at configuration time (a syntax error is a
// configuration error naming the key). Per row, a template that needs a field
// the row lacks (or that is null) fails the row with reason
// template:missing_field and a detail naming the field and row — unless
// `on_missing: empty` (insert "") is set. Fields are set in the order listed.
// Row-wise and thread-safe.
#include "winnow/stage.h"
#include "winnow/template.h"

namespace winnow {
namespace {

struct TemplateConfig {
  Value fields = Value::MakeObject();
  std::string on_missing = "reject";
};

const ConfigSchema& TemplateSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<TemplateConfig>()
          .Any("fields", &TemplateConfig::fields,
               "Mapping of output field name to template, e.g. {prompt: \"Summarise: {{text}}\"}.")
          .Required()
          .Enum("on_missing", &TemplateConfig::on_missing, {"reject", "empty"},
                "A row lacking a field the template needs is rejected, or gets an empty string "
                "in its place.")
          .Build();
  return schema;
}

class TemplateStage final : public Stage {
 public:
  explicit TemplateStage(TemplateConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (!config_.fields.is_object() || config_.fields.size() == 0) {
      return ConfigError("fields", "expected a mapping of output field name to template");
    }
    for (const auto& [name, text] : config_.fields.as_object()) {
      if (!text.is_string()) return ConfigError("fields." + name, "expected a template string");
      auto t = Template::Parse(text.as_string());
      if (!t.ok()) return ConfigError("fields." + name, t.status().message());
      templates_.emplace_back(name, std::move(t).value());
    }
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    bool empty_on_missing = config_.on_missing == "empty";
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      Record& r = batch.rows[i];
      for (const auto& [name, tmpl] : templates_) {
        Result<std::string> text =
            empty_on_missing
                ? tmpl.Render(
                      [&](std::string_view path) -> Result<std::optional<Value>> {
                        auto v = r.GetPath(path);
                        if (v.ok() && (!v->has_value() || (*v)->is_null())) {
                          return std::optional<Value>(Value(""));
                        }
                        return v;
                      },
                      r.id().ToString())
                : tmpl.Render(r);
        if (!text.ok()) {
          bool malformed = text.status().code() == StatusCode::kCorruption;
          batch.Fail(i, malformed ? "malformed_json" : "template:missing_field",
                     text.status().message());
          break;
        }
        r.Set(name, Value(std::move(text).value()));
      }
    }
    (void)ctx;
    return Status::Ok();
  }

 private:
  TemplateConfig config_;
  std::vector<std::pair<std::string, Template>> templates_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "template", "1.0.0",
              "Sets fields from {{field}} templates with nested access.", winnow::TemplateConfig,
              winnow::TemplateStage, winnow::TemplateSchema)
