// language_codes.h — normalising detector labels to ISO 639 codes.
//
// Detectors speak different dialects: CLD2 says "iw", "jw", "zh-Hant",
// "xx-Olck"; lid.176 says "__label__en"; GlotLID and NLLB-style models say
// "__label__eng_Latn". NormalizeLabel turns any of them into one code: ISO 639-1
// where the language has one ("he", "jv", "zh", "en"), otherwise the ISO 639-3
// code ("ceb", "sat"), or "und" when nothing is known. Thread-safe (tables are
// built once, on first use, from ICU's locale data).
#pragma once

#include <string>
#include <string_view>

namespace winnow::langid {

// "__label__eng_Latn" -> "en", "zh-Hant" -> "zh", "iw" -> "he", "xx-Olck" -> "sat",
// "un"/"xxx"/"" -> "und". Unknown but well-formed codes are returned lower-cased.
std::string NormalizeLabel(std::string_view label);

// The language conventionally written in a script used (almost) only by it, by
// ISO 15924 code ("Olck" -> "sat", "Hang" -> "ko"); "" when the script is
// shared by many languages (Latn, Cyrl, Arab, ...) or unknown.
std::string_view LanguageOfScript(std::string_view script);

// ISO 639-3 -> ISO 639-1 ("deu" -> "de"); "" when there is no two-letter code.
std::string_view Iso639_1FromIso639_3(std::string_view three);

}  // namespace winnow::langid
