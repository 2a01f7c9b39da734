// cleaner/pii — replace e-mail addresses, public IP addresses and phone numbers
// with placeholders.
//
// Contract
//   Input    rows with string fields `fields` (default ["text"]).
//   Scan     hand-written linear scanners (pii_scan.h): e-mails as datatrove's
//            PIIFormatter regex finds them, public IPv4 and IPv6 addresses
//            (private and reserved ranges stay), phone numbers written in
//            international form (+CC ...) or as North American numbers with
//            separators. Kinds are chosen with `kinds`.
//   Edits    mode replace: each match becomes its kind's placeholder
//            (email@example.com, 0.0.0.0, ::, 000-000-0000 by default); a match
//            equal to the placeholder is left alone (re-running is a no-op).
//            mode annotate: the text is not changed; `annotate_field` (default
//            "pii") receives {"email": n, "ip": n, "phone": n} summed over fields.
//   Errors   "missing_field" (a field missing or null, with on_missing: reject),
//            "wrong_type" (not a string), "invalid_utf8", "malformed_record".
//   Counters "pii.email", "pii.ip", "pii.phone" (matches), "pii.rows" (rows with
//            at least one match), "missing_passed".
// Thread-safety: row-wise; Process() runs concurrently (no shared mutable state).
// Determinism: each row's result depends only on its fields and the config.
#include <algorithm>
#include <string>
#include <vector>

#include "pii_scan.h"
#include "winnow/plugin.h"
#include "winnow/stage.h"
#include "winnow/text.h"

namespace {

using winnow::Batch;
using winnow::ConfigError;
using winnow::Context;
using winnow::Status;
using winnow::Value;
using winnow::pii::Kind;

struct PiiConfig {
  std::vector<std::string> fields = {"text"};
  std::string mode = "replace";
  std::vector<std::string> kinds = {"email", "ip", "phone"};
  std::string email_placeholder = "email@example.com";
  std::string ip_placeholder = "0.0.0.0";
  std::string ipv6_placeholder = "::";
  std::string phone_placeholder = "000-000-0000";
  std::string annotate_field = "pii";
  std::string on_missing = "reject";
};

const winnow::ConfigSchema& PiiSchema() {
  static const auto schema =
      winnow::SchemaBuilder<PiiConfig>()
          .StringList("fields", &PiiConfig::fields, "String fields to scan, in order.")
          .Enum("mode", &PiiConfig::mode, {"replace", "annotate"},
                "replace rewrites each match with its placeholder; annotate leaves the text "
                "unchanged and writes the number of matches per kind into annotate_field.")
          .StringList("kinds", &PiiConfig::kinds,
                      "Kinds of personal data to find: email, ip (public IPv4 and IPv6 "
                      "addresses) and phone.")
          .String("email_placeholder", &PiiConfig::email_placeholder,
                  "Replacement for e-mail addresses (datatrove's first default; example.com is "
                  "reserved for examples).")
          .String("ip_placeholder", &PiiConfig::ip_placeholder,
                  "Replacement for public IPv4 addresses (0.0.0.0 is not a public address, so "
                  "the output is stable when cleaned again).")
          .String("ipv6_placeholder", &PiiConfig::ipv6_placeholder,
                  "Replacement for public IPv6 addresses.")
          .String("phone_placeholder", &PiiConfig::phone_placeholder,
                  "Replacement for phone numbers.")
          .String("annotate_field", &PiiConfig::annotate_field,
                  "Field receiving the counts per kind in mode annotate.")
          .Enum("on_missing", &PiiConfig::on_missing, {"reject", "pass"},
                "What to do with rows where one of the fields is missing or null: reject them "
                "as errors (reason missing_field), or skip that field.")
          .Build();
  return schema;
}

class PiiCleaner final : public winnow::Stage {
 public:
  explicit PiiCleaner(PiiConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.fields.empty()) return ConfigError("fields", "List at least one field to scan.");
    for (size_t i = 0; i < config_.fields.size(); ++i) {
      if (config_.fields[i].empty()) {
        return ConfigError("fields." + std::to_string(i), "Field names must not be empty.");
      }
    }
    options_ = winnow::pii::ScanOptions{false, false, false};
    const std::vector<std::string> valid = {"email", "ip", "phone"};
    for (size_t i = 0; i < config_.kinds.size(); ++i) {
      const std::string& k = config_.kinds[i];
      if (k == "email") {
        options_.email = true;
      } else if (k == "ip") {
        options_.ip = true;
      } else if (k == "phone") {
        options_.phone = true;
      } else {
        std::string msg = "unknown kind '" + k + "'";
        std::string close = winnow::ClosestMatch(k, valid);
        if (!close.empty()) msg += " (did you mean '" + close + "'?)";
        return ConfigError("kinds." + std::to_string(i), msg + "; valid kinds: email, ip, phone.");
      }
    }
    if (config_.kinds.empty()) return ConfigError("kinds", "List at least one kind.");
    if (config_.mode == "annotate" && config_.annotate_field.empty()) {
      return ConfigError("annotate_field", "mode annotate needs a field name to write to.");
    }
    for (const auto& [key, value] : {std::pair<const char*, const std::string*>{
                                         "email_placeholder", &config_.email_placeholder},
                                     {"ip_placeholder", &config_.ip_placeholder},
                                     {"ipv6_placeholder", &config_.ipv6_placeholder},
                                     {"phone_placeholder", &config_.phone_placeholder}}) {
      if (!winnow::IsValidUtf8(*value)) return ConfigError(key, "must be valid UTF-8.");
    }
    annotate_ = config_.mode == "annotate";
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    std::vector<winnow::pii::Span> spans;
    std::string scratch, out;
    int64_t total[4] = {0, 0, 0, 0};
    int64_t rows_with_pii = 0, missing_passed = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch.IsMarked(i)) continue;
      auto& row = batch.rows[i];
      int64_t counts[4] = {0, 0, 0, 0};
      // Replacements are applied after every field was checked, so a row that
      // fails on a later field is rejected unchanged.
      std::vector<std::pair<const std::string*, std::string>> edits;
      bool failed = false;
      for (const auto& field : config_.fields) {
        winnow::TextField tf = row.GetText(field, scratch);
        if (tf.state == winnow::FieldState::kMissing || tf.state == winnow::FieldState::kNull) {
          if (config_.on_missing == "pass") {
            ++missing_passed;
            continue;
          }
          batch.Fail(i, "missing_field",
                     "The field '" + field + "' is " +
                         (tf.state == winnow::FieldState::kNull ? "null." : "missing."));
          failed = true;
          break;
        }
        if (tf.state == winnow::FieldState::kWrongType) {
          batch.Fail(i, "wrong_type",
                     "The field '" + field + "' is " +
                         std::string(winnow::ValueTypeName(tf.found_type)) +
                         ", expected a string.");
          failed = true;
          break;
        }
        if (tf.state == winnow::FieldState::kMalformed) {
          batch.Fail(i, "malformed_record", "The record is not valid JSON.");
          failed = true;
          break;
        }
        if (!winnow::IsValidUtf8(tf.text)) {
          batch.Fail(i, "invalid_utf8", "The field '" + field + "' is not valid UTF-8.");
          failed = true;
          break;
        }
        spans.clear();
        winnow::pii::FindPii(tf.text, options_, &spans);
        if (spans.empty()) continue;
        out.clear();
        size_t pos = 0;
        bool changed = false;
        for (const auto& s : spans) {
          const std::string& ph = Placeholder(s.kind);
          std::string_view match = tf.text.substr(s.begin, s.end - s.begin);
          if (match == ph) continue;  // already a placeholder
          ++counts[static_cast<int>(s.kind)];
          out.append(tf.text.substr(pos, s.begin - pos));
          out.append(ph);
          pos = s.end;
          changed = true;
        }
        if (changed && !annotate_) {
          out.append(tf.text.substr(pos));
          edits.emplace_back(&field, out);
        }
      }
      if (failed) continue;
      for (auto& [field, text] : edits) row.Set(*field, Value(std::move(text)));
      int64_t emails = counts[static_cast<int>(Kind::kEmail)];
      int64_t ips = counts[static_cast<int>(Kind::kIpv4)] + counts[static_cast<int>(Kind::kIpv6)];
      int64_t phones = counts[static_cast<int>(Kind::kPhone)];
      if (emails + ips + phones > 0) ++rows_with_pii;
      for (int k = 0; k < 4; ++k) total[k] += counts[k];
      if (annotate_) {
        Value a = Value::MakeObject();
        if (options_.email) a.set("email", Value(emails));
        if (options_.ip) a.set("ip", Value(ips));
        if (options_.phone) a.set("phone", Value(phones));
        row.Set(config_.annotate_field, std::move(a));
      }
    }
    if (options_.email) ctx.Count("pii.email", total[static_cast<int>(Kind::kEmail)]);
    if (options_.ip) {
      ctx.Count("pii.ip",
                total[static_cast<int>(Kind::kIpv4)] + total[static_cast<int>(Kind::kIpv6)]);
    }
    if (options_.phone) ctx.Count("pii.phone", total[static_cast<int>(Kind::kPhone)]);
    ctx.Count("pii.rows", rows_with_pii);
    if (missing_passed) ctx.Count("missing_passed", missing_passed);
    return Status::Ok();
  }

 private:
  const std::string& Placeholder(Kind k) const {
    switch (k) {
      case Kind::kEmail:
        return config_.email_placeholder;
      case Kind::kIpv4:
        return config_.ip_placeholder;
      case Kind::kIpv6:
        return config_.ipv6_placeholder;
      case Kind::kPhone:
        return config_.phone_placeholder;
    }
    return config_.email_placeholder;
  }

  PiiConfig config_;
  winnow::pii::ScanOptions options_;
  bool annotate_ = false;
};

}  // namespace

WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "pii", "1.0.0",
              "Replace e-mail addresses, public IP addresses and phone numbers with placeholders.",
              PiiConfig, PiiCleaner, PiiSchema)
