#include "report/plugin_doc.h"

namespace winnow::core {

namespace {
std::string Escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += " ";
    else out += c;
  }
  return out;
}
}  // namespace

std::string PluginMarkdown(const PluginDescriptor& d) {
  std::string kind(PluginKindName(d.kind));
  std::string md = "# " + kind + "/" + d.name + "\n\n" + d.summary + "\n\nVersion " + d.version +
                   ". Generated from the plugin's schema by `winnow plugins docs`.\n\n";
  const ConfigSchema& schema = d.schema();
  if (schema.fields().empty()) {
    md += "This plugin takes no configuration.\n";
    return md;
  }
  md += "| key | type | default | description |\n|---|---|---|---|\n";
  for (const auto& f : schema.fields()) {
    std::string type(FieldTypeName(f.type));
    if (f.type == FieldType::kEnum) {
      type = "";
      for (const auto& c : f.choices) type += (type.empty() ? "" : " \\| ") + c;
    }
    if (f.min || f.max) {
      std::string range = " (";
      if (f.min) {
        std::string m;
        AppendJsonDouble(m, *f.min);
        range += ">= " + m;
      }
      if (f.max) {
        std::string m;
        AppendJsonDouble(m, *f.max);
        range += std::string(f.min ? ", " : "") + "<= " + m;
      }
      type += range + ")";
    }
    std::string def = f.required ? "**required**"
                      : f.default_value.is_null() ? ""
                                                  : "`" + Escape(f.default_value.ToJson()) + "`";
    md += "| `" + f.key + "` | " + type + " | " + def + " | " + Escape(f.description) + " |\n";
  }
  md += "\nExample:\n\n```yaml\n- name: my_" + std::string(d.name) + "\n  uses: " + kind + "/" +
        d.name + "\n  with:\n";
  bool any = false;
  for (const auto& f : schema.fields()) {
    if (f.required || (!f.default_value.is_null() && f.type != FieldType::kAny)) {
      md += "    " + f.key + ": " + (f.required ? std::string("...") : f.default_value.ToJson()) +
            "\n";
      any = true;
    }
  }
  if (!any) md += "    {}\n";
  md += "```\n";
  return md;
}

}  // namespace winnow::core
