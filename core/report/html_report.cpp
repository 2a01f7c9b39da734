#include "report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "report/progress.h"

namespace winnow::core {

namespace {

std::string Esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    std::string s = buf, out;
    int n = 0;
    for (auto it = s.rbegin(); it != s.rend(); ++it) {
      if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
      out.insert(out.begin(), *it);
      ++n;
    }
    return out;
  }
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

// Horizontal bar chart of label -> value.
std::string Bars(const std::vector<std::pair<std::string, double>>& items, const char* color) {
  if (items.empty()) return "<p class=note>No data.</p>";
  double max = 0;
  for (const auto& [k, v] : items) max = std::max(max, v);
  int row_h = 22, width = 760, label_w = 260;
  std::string svg = "<svg class=chart width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(row_h * items.size() + 4) + "\" role=img>";
  int y = 2;
  for (const auto& [label, v] : items) {
    int w = max > 0 ? static_cast<int>((width - label_w - 90) * v / max) : 0;
    svg += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y + 15) +
           "\" text-anchor=end>" + Esc(label.size() > 40 ? label.substr(0, 37) + "..." : label) +
           "</text><rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) +
           "\" width=\"" + std::to_string(std::max(w, 1)) + "\" height=\"" +
           std::to_string(row_h - 6) + "\" fill=\"" + color + "\"/><text x=\"" +
           std::to_string(label_w + w + 6) + "\" y=\"" + std::to_string(y + 15) + "\">" + Num(v) +
           "</text>";
    y += row_h;
  }
  return svg + "</svg>";
}

// Vertical histogram of values in log-spaced bins.
std::string Histogram(const std::vector<int64_t>& values) {
  if (values.empty()) return "<p class=note>No text lengths were sampled.</p>";
  int64_t max_v = *std::max_element(values.begin(), values.end());
  int bins = 20;
  double top = std::log10(static_cast<double>(std::max<int64_t>(max_v, 1)) + 1);
  std::vector<int64_t> counts(bins, 0);
  for (int64_t v : values) {
    int b = top > 0 ? static_cast<int>(std::log10(static_cast<double>(v) + 1) / top * (bins - 1))
                    : 0;
    counts[std::clamp(b, 0, bins - 1)]++;
  }
  int64_t max_c = *std::max_element(counts.begin(), counts.end());
  int w = 760, h = 180, bw = (w - 40) / bins;
  std::string svg = "<svg class=chart width=\"" + std::to_string(w) + "\" height=\"" +
                    std::to_string(h + 40) + "\" role=img>";
  for (int b = 0; b < bins; ++b) {
    int bh = max_c ? static_cast<int>(h * counts[b] / max_c) : 0;
    double lo = std::pow(10.0, top * b / (bins - 1)) - 1;
    svg += "<rect x=\"" + std::to_string(20 + b * bw) + "\" y=\"" + std::to_string(h - bh) +
           "\" width=\"" + std::to_string(bw - 2) + "\" height=\"" + std::to_string(bh) +
           "\" fill=\"#4c78a8\"><title>&ge; " + Num(std::round(lo)) + " chars: " +
           Num(static_cast<double>(counts[b])) + " rows</title></rect>";
    if (b % 4 == 0) {
      svg += "<text x=\"" + std::to_string(20 + b * bw) + "\" y=\"" + std::to_string(h + 16) +
             "\">" + Num(std::round(lo)) + "</text>";
    }
  }
  svg += "<text x=\"20\" y=\"" + std::to_string(h + 34) +
         "\">characters per text (log scale), " + Num(static_cast<double>(values.size())) +
         " sampled rows</text>";
  return svg + "</svg>";
}

// The pipeline as boxes in layers (layer = longest path from a source).
std::string Graph(const RunReport& r) {
  std::map<std::string, int> index;
  for (size_t i = 0; i < r.steps.size(); ++i) index[r.steps[i].name] = static_cast<int>(i);
  std::vector<int> layer(r.steps.size(), 0);
  for (size_t pass = 0; pass < r.steps.size(); ++pass) {
    for (size_t i = 0; i < r.steps.size(); ++i) {
      for (const auto& in : r.steps[i].inputs) {
        auto it = index.find(in);
        if (it != index.end()) layer[i] = std::max(layer[i], layer[it->second] + 1);
      }
    }
  }
  std::map<int, int> per_layer;
  std::vector<int> slot(r.steps.size());
  for (size_t i = 0; i < r.steps.size(); ++i) slot[i] = per_layer[layer[i]]++;
  int max_slots = 1, max_layer = 0;
  for (auto [l, n] : per_layer) {
    max_slots = std::max(max_slots, n);
    max_layer = std::max(max_layer, l);
  }
  int bw = 190, bh = 54, gx = 60, gy = 24;
  int w = (max_layer + 1) * (bw + gx) + 20, h = max_slots * (bh + gy) + 20;
  auto x_of = [&](size_t i) { return 10 + layer[i] * (bw + gx); };
  auto y_of = [&](size_t i) { return 10 + slot[i] * (bh + gy); };
  std::string svg = "<svg class=graph width=\"" + std::to_string(w) + "\" height=\"" +
                    std::to_string(h) + "\" role=img aria-label=\"pipeline graph\">";
  for (size_t i = 0; i < r.steps.size(); ++i) {
    for (const auto& in : r.steps[i].inputs) {
      auto it = index.find(in);
      if (it == index.end()) continue;
      size_t j = static_cast<size_t>(it->second);
      svg += "<line x1=\"" + std::to_string(x_of(j) + bw) + "\" y1=\"" +
             std::to_string(y_of(j) + bh / 2) + "\" x2=\"" + std::to_string(x_of(i)) + "\" y2=\"" +
             std::to_string(y_of(i) + bh / 2) + "\" stroke=\"#888\" stroke-width=\"2\"/>";
    }
  }
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const StepReport& s = r.steps[i];
    std::string name = s.name.size() > 24 ? s.name.substr(0, 21) + "..." : s.name;
    std::string uses = s.uses.size() > 28 ? s.uses.substr(0, 25) + "..." : s.uses;
    bool bad = s.errors > 0;
    svg += "<g><rect x=\"" + std::to_string(x_of(i)) + "\" y=\"" + std::to_string(y_of(i)) +
           "\" width=\"" + std::to_string(bw) + "\" height=\"" + std::to_string(bh) +
           "\" rx=\"6\" fill=\"" + (bad ? "#fde8e8" : "#eef4fb") + "\" stroke=\"" +
           (bad ? "#c0392b" : "#4c78a8") + "\"/><text x=\"" + std::to_string(x_of(i) + 8) +
           "\" y=\"" + std::to_string(y_of(i) + 18) + "\" font-weight=\"bold\">" + Esc(name) +
           "</text><text x=\"" + std::to_string(x_of(i) + 8) + "\" y=\"" +
           std::to_string(y_of(i) + 33) + "\" fill=\"#555\">" + Esc(uses) + "</text><text x=\"" +
           std::to_string(x_of(i) + 8) + "\" y=\"" + std::to_string(y_of(i) + 48) + "\">" +
           Num(static_cast<double>(s.rows_out)) + " rows out</text></g>";
  }
  return svg + "</svg>";
}

std::string Samples(const std::vector<std::string>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += "<pre>" + Esc(r.size() > 1500 ? r.substr(0, 1500) + " ..." : r) + "</pre>";
  }
  return out.empty() ? "<p class=note>none</p>" : out;
}

// What the written rows look like they are for, and how many recipes use.
std::string SizeHint(const RunReport& r) {
  std::string hints;
  for (const auto& s : r.steps) {
    if (s.uses.rfind("exporter/", 0) != 0 || s.sample_kept.empty()) continue;
    const std::string& row = s.sample_kept[0];
    auto has = [&](const char* f) { return row.find(std::string("\"") + f + "\"") != std::string::npos; };
    std::string purpose;
    int64_t typical = 0;
    if (has("chosen") && has("rejected")) {
      purpose = "preference pairs (DPO/ORPO)";
      typical = 3000;
    } else if (has("label") && has("completion")) {
      purpose = "KTO examples";
      typical = 3000;
    } else if (has("messages") || (has("prompt") && has("completion"))) {
      purpose = "SFT examples";
      typical = 10000;
    }
    if (typical == 0 || s.rows_in >= typical) continue;
    hints += "<p class=hint>Step <b>" + Esc(s.name) + "</b> wrote " +
             Num(static_cast<double>(s.rows_in)) + " " + purpose +
             ". Common open recipes use roughly 10k rows for SFT, 7k for ORPO, 3k for DPO and 2k "
             "for SPIN; this output may be small for training on its own.</p>";
  }
  return hints;
}

}  // namespace

std::string RenderHtmlReport(const std::string& pipeline_name, const RunReport& r) {
  std::string h =
      "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>winnow report: " +
      Esc(pipeline_name) +
      "</title><style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;"
      "margin:24px auto;max-width:1100px;color:#222;padding:0 16px}h1{font-size:1.6em}"
      "h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:4px}"
      "table{border-collapse:collapse;width:100%;font-size:.92em}td,th{border-bottom:1px solid "
      "#eee;padding:4px 8px;text-align:right}td:first-child,th:first-child,td.l{text-align:left}"
      "svg text{font-size:12px;font-family:inherit}.error{background:#fde8e8;border:1px solid "
      "#c0392b;padding:10px;border-radius:6px}.ok{color:#2e7d32}.note{color:#777}"
      ".hint{background:#fff8e1;border:1px solid #f0c36d;padding:8px;border-radius:6px}"
      "pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:6px;"
      "font-size:.85em;max-height:12em;overflow:auto}details{margin:6px 0}"
      ".graph{overflow:visible}</style></head><body>";
  h += "<h1>winnow run: " + Esc(pipeline_name) + "</h1>";
  h += "<p>" + std::string(r.status.ok() ? "<span class=ok>finished</span>" : "stopped") +
       " in " + Esc(ProgressReporter::Duration(r.wall_s)) + " with " + std::to_string(r.threads) +
       " threads.</p>";
  if (!r.status.ok()) h += "<div class=error><b>Error:</b> " + Esc(r.status.message()) + "</div>";
  h += SizeHint(r);
  h += "<h2>Pipeline</h2>" + Graph(r);

  h += "<h2>Steps</h2><table><tr><th>step</th><th>plugin</th><th>rows in</th><th>rows out</th>"
       "<th>dropped</th><th>errors</th><th>wall s</th><th>CPU s</th><th>rows/s</th>"
       "<th>resumed batches</th></tr>";
  for (const auto& s : r.steps) {
    h += "<tr><td>" + Esc(s.name) + "</td><td class=l>" + Esc(s.uses) + "</td><td>" +
         Num(static_cast<double>(s.rows_in)) + "</td><td>" + Num(static_cast<double>(s.rows_out)) +
         "</td><td>" + Num(static_cast<double>(s.dropped)) + "</td><td>" +
         Num(static_cast<double>(s.errors)) + "</td><td>" + Num(s.wall_s) + "</td><td>" +
         Num(s.cpu_s) + "</td><td>" +
         Num(s.wall_s > 0 ? std::round(static_cast<double>(s.rows_in) / s.wall_s) : 0) +
         "</td><td>" + Num(static_cast<double>(s.batches_from_checkpoint)) + "</td></tr>";
  }
  h += "</table>";

  h += "<h2>Why rows were removed</h2>";
  std::vector<std::pair<std::string, double>> reasons;
  for (const auto& s : r.steps) {
    for (const auto& [k, n] : s.reasons) reasons.emplace_back(s.name + ": " + k, static_cast<double>(n));
  }
  std::sort(reasons.begin(), reasons.end(), [](auto& a, auto& b) { return a.second > b.second; });
  if (reasons.size() > 40) reasons.resize(40);
  h += Bars(reasons, "#e45756");

  h += "<h2>Time per step</h2>";
  std::vector<std::pair<std::string, double>> times;
  for (const auto& s : r.steps) times.emplace_back(s.name, std::round(s.cpu_s * 100) / 100);
  h += Bars(times, "#72b7b2") + "<p class=note>CPU seconds per step.</p>";

  // Data profiles of the written rows (exporter steps).
  DataProfile all;
  for (const auto& s : r.steps) {
    if (s.uses.rfind("exporter/", 0) != 0) continue;
    all.sampled_rows += s.profile.sampled_rows;
    for (const auto& [k, n] : s.profile.languages) all.languages[k] += n;
    all.text_chars.insert(all.text_chars.end(), s.profile.text_chars.begin(), s.profile.text_chars.end());
    for (const auto& [k, n] : s.profile.ratings) all.ratings[k] += n;
    for (const auto& [k, n] : s.profile.cluster_sizes) all.cluster_sizes[k] += n;
  }
  h += "<h2>Written data</h2><p class=note>From a sample of " +
       Num(static_cast<double>(all.sampled_rows)) + " written rows (about one in 64).</p>";
  std::vector<std::pair<std::string, double>> langs(all.languages.begin(), all.languages.end());
  std::sort(langs.begin(), langs.end(), [](auto& a, auto& b) { return a.second > b.second; });
  if (langs.size() > 30) langs.resize(30);
  h += "<h3>Languages</h3>" + (langs.empty() ? std::string("<p class=note>No language field.</p>")
                                             : Bars(langs, "#4c78a8"));
  h += "<h3>Text length</h3>" + Histogram(all.text_chars);
  std::vector<std::pair<std::string, double>> clusters;
  for (const auto& [k, n] : all.cluster_sizes) clusters.emplace_back("size " + std::to_string(k), static_cast<double>(n));
  h += "<h3>Duplicate cluster sizes</h3>" +
       (clusters.empty() ? std::string("<p class=note>No cluster_size field.</p>")
                         : Bars(clusters, "#f58518"));
  std::vector<std::pair<std::string, double>> ratings(all.ratings.begin(), all.ratings.end());
  h += "<h3>Ratings</h3>" + (ratings.empty() ? std::string("<p class=note>No ratings.</p>")
                                             : Bars(ratings, "#54a24b"));

  h += "<h2>LLM usage</h2>";
  std::string llm_rows;
  for (const auto& s : r.steps) {
    for (const auto& [k, n] : s.counters) {
      if (k.rfind("llm.", 0) == 0) {
        llm_rows += "<tr><td>" + Esc(s.name) + "</td><td class=l>" + Esc(k) + "</td><td>" +
                    Num(static_cast<double>(n)) + "</td></tr>";
      }
    }
  }
  h += llm_rows.empty() ? "<p class=note>No LLM calls in this run.</p>"
                        : "<table><tr><th>step</th><th>counter</th><th>value</th></tr>" +
                              llm_rows + "</table>";

  h += "<h2>Samples</h2>";
  for (const auto& s : r.steps) {
    h += "<details><summary>" + Esc(s.name) + ": kept</summary>" + Samples(s.sample_kept) +
         "</details>";
    if (!s.sample_rejected.empty()) {
      h += "<details><summary>" + Esc(s.name) + ": removed</summary>" +
           Samples(s.sample_rejected) + "</details>";
    }
  }
  if (!r.outputs.empty()) {
    h += "<h2>Outputs</h2><ul>";
    for (const auto& o : r.outputs) h += "<li><code>" + Esc(o) + "</code></li>";
    h += "</ul>";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace winnow::core
