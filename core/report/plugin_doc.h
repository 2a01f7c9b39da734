// core/report/plugin_doc.h — a plugin's Markdown page, generated from its descriptor and schema.
#pragma once

#include <string>

#include "winnow/plugin.h"

namespace winnow::core {

std::string PluginMarkdown(const PluginDescriptor& descriptor);

}  // namespace winnow::core
