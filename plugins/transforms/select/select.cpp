// transform/select — keep, drop and rename top-level fields.
//
// Contract: applied in the order rename, then drop, then keep. `keep` lists the
// fields to keep (others are removed; the record's own field order is kept);
// `drop` lists fields to remove; `rename` maps old names to new ones (the
// renamed field moves to the end of the record). Missing fields are ignored,
// unless `on_missing: reject`, which fails the row with reason
// select:missing_field naming the field. Untouched fields keep their bytes.
// Row-wise and thread-safe.
#include <set>

#include "winnow/stage.h"

namespace winnow {
namespace {

struct SelectConfig {
  std::vector<std::string> keep;
  std::vector<std::string> drop;
  Value rename = Value::MakeObject();
  std::string on_missing = "ignore";
};

const ConfigSchema& SelectSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<SelectConfig>()
          .StringList("keep", &SelectConfig::keep,
                      "Fields to keep; every other field is removed. Empty = keep all.")
          .StringList("drop", &SelectConfig::drop, "Fields to remove.")
          .Any("rename", &SelectConfig::rename, "Mapping of old field name to new field name.")
          .Enum("on_missing", &SelectConfig::on_missing, {"ignore", "reject"},
                "What to do when a field named in keep, drop or rename is absent.")
          .Build();
  return schema;
}

class SelectStage final : public Stage {
 public:
  explicit SelectStage(SelectConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (!config_.rename.is_object()) {
      return ConfigError("rename", "expected a mapping of old name to new name");
    }
    for (const auto& [from, to] : config_.rename.as_object()) {
      if (!to.is_string() || to.as_string().empty()) {
        return ConfigError("rename." + from, "the new name must be a non-empty string");
      }
      renames_.emplace_back(from, to.as_string());
    }
    keep_.insert(config_.keep.begin(), config_.keep.end());
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    bool reject_missing = config_.on_missing == "reject";
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      Record& r = batch.rows[i];
      std::string missing;
      for (const auto& [from, to] : renames_) {
        auto v = r.Get(from);
        if (!v.ok()) return FailRow(batch, i, v.status());
        if (!v->has_value()) {
          if (missing.empty()) missing = from;
          continue;
        }
        r.Remove(from);
        r.Set(to, std::move(**v));
      }
      for (const auto& f : config_.drop) {
        if (reject_missing && missing.empty() && !r.Has(f)) missing = f;
        r.Remove(f);
      }
      if (!keep_.empty()) {
        auto keys = r.Keys();
        if (!keys.ok()) {
          batch.Fail(i, "malformed_json", keys.status().message());
          continue;
        }
        std::set<std::string> present(keys->begin(), keys->end());
        for (const auto& k : *keys) {
          if (!keep_.count(k)) r.Remove(k);
        }
        if (reject_missing && missing.empty()) {
          for (const auto& k : config_.keep) {
            if (!present.count(k)) {
              missing = k;
              break;
            }
          }
        }
      }
      if (reject_missing && !missing.empty()) {
        batch.Fail(i, "select:missing_field", "field '" + missing + "' is missing");
      }
    }
    (void)ctx;
    return Status::Ok();
  }

 private:
  Status FailRow(Batch& batch, size_t i, const Status& st) {
    batch.Fail(i, "malformed_json", st.message());
    return Status::Ok();
  }
  SelectConfig config_;
  std::vector<std::pair<std::string, std::string>> renames_;
  std::set<std::string> keep_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "select", "1.0.0",
              "Keeps, drops and renames top-level fields.", winnow::SelectConfig,
              winnow::SelectStage, winnow::SelectSchema)
