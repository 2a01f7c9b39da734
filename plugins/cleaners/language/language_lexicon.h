// language_lexicon.h — built-in frequent-word lists (see language_lexicon.cpp).
#pragma once

#include <string_view>
#include <vector>

namespace winnow::langid {

struct LexiconList {
  std::string_view language;  // ISO 639-1
  std::string_view words;     // lower-case words separated by single spaces
};

const std::vector<LexiconList>& BuiltinLexicon();

}  // namespace winnow::langid
