// core/report/html_report.h — report.html: one self-contained page per run.
//
// No external resources (no CDN, no fonts, no scripts): CSS is inline and
// charts are inline SVG, so the file can be mailed or archived as it is.
// Every string from the data (step names, reasons, sample rows) is escaped.
#pragma once

#include <string>

#include "engine/executor.h"

namespace winnow::core {

// Renders the report for a finished (or failed) run. Pure: no I/O.
std::string RenderHtmlReport(const std::string& pipeline_name, const RunReport& report);

}  // namespace winnow::core
