// language_detect.h — language identification kernels for cleaner/language.
//
// Three engines behind one interface:
//   kCld2      CLD2 as most tools call it (flags 0): "und" on text too short
//              or too mixed to call. The baseline.
//   kCombined  (default) ICU script analysis first: text in a script written
//              by essentially one language (Hangul, Greek, Thai, Ol Chiki,
//              Tifinagh, ...) gets that language, also where CLD2 has no model
//              for it. Other scripts go to CLD2; on texts of up to
//              `short_words` words, CLD2's best-effort guess is combined with
//              a vote of built-in frequent-word lists (and optional word
//              lists from disk), which fixes most short-text errors.
//   kFastText  A fastText `__label__` model (lid.176, GlotLID, your own); the
//              script rule above still answers for scripts the model returns
//              nothing useful for.
// Long documents are detected on a bounded sample (`max_detect_bytes`: the
// head, middle and tail thirds, cut at code point boundaries).
//
// Thread-safety: a Detector is immutable after Create(); Detect() may be
// called concurrently from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "winnow/status.h"

namespace winnow::langid {

enum class Engine { kCld2, kCombined, kFastText };

struct DetectorOptions {
  Engine engine = Engine::kCombined;
  std::string model_path;               // fastText model (engine kFastText)
  size_t max_detect_bytes = 64 * 1024;  // 0 = whole text
  int64_t short_words = 30;             // combined: texts up to this many words get the vote
  // Extra word lists: language code -> file with one word per line (hunspell
  // .dic files are accepted: the count line and "/FLAGS" suffixes are skipped).
  std::vector<std::pair<std::string, std::string>> wordlists;
};

struct Detection {
  std::string language = "und";  // ISO 639-1 where one exists, else 639-3; "und" = unknown
  std::string label = "un";  // the deciding detector's own label ("zh-Hant", "__label__eng_Latn")
  double score = 0.0;        // confidence in [0, 1]
  const char* method = "none";  // which evidence decided: cld2|script|lexicon|fasttext|none
};

// Letters per ISO 15924 script in a text.
struct ScriptStats {
  std::string dominant;  // "Latn", "Olck", ... ("" when no letters)
  int64_t dominant_letters = 0;
  int64_t letters = 0;  // all letters (Common/Inherited excluded)
  int64_t words = 0;    // maximal runs of letters/marks/apostrophes
  bool has_kana = false;
  bool has_hangul = false;
  // Every code point is "interchange valid" for CLD2 (valid UTF-8 without C0/C1
  // controls other than \t \n \f \r, DEL or non-characters): CLD2 may then be
  // called without its own UTF-8 check, with the same result.
  bool interchange_valid = false;
};
ScriptStats AnalyzeScripts(std::string_view utf8);

// At most `max_bytes` of `text` for detection: the whole text when it fits,
// else head + middle + tail (each a third, cut at code point boundaries,
// joined by newlines) in `scratch`.
std::string_view SampleText(std::string_view text, size_t max_bytes, std::string& scratch);

class Detector {
 public:
  // Loads the fastText model / word lists. NotFound for a missing file,
  // InvalidArgument (naming the file) for one that is not a fastText model.
  static Result<std::unique_ptr<Detector>> Create(const DetectorOptions& options);
  ~Detector();

  // `utf8` must be valid UTF-8 (callers sanitise first). Never throws.
  Detection Detect(std::string_view utf8) const;

  Engine engine() const { return options_.engine; }
  // Number of words in the lexicon (built-in + word lists), for logs.
  size_t lexicon_words() const { return lexicon_.size(); }
  const std::vector<std::string>& lexicon_languages() const { return lexicon_langs_; }

  struct FastTextModel;  // opaque (fastText headers stay in the .cpp)

 private:
  explicit Detector(DetectorOptions options);
  Status AddWords(std::string_view language, std::string_view words_text, bool dic_format);
  Detection DetectCld2(std::string_view text, bool best_effort, bool known_valid) const;
  Detection DetectCombined(std::string_view text, const ScriptStats& stats) const;
  Detection DetectFastText(std::string_view text) const;

  DetectorOptions options_;
  std::unordered_map<std::string, uint64_t> lexicon_;  // lower-cased word -> language bit mask
  std::vector<std::string> lexicon_langs_;             // bit index -> language
  std::unique_ptr<FastTextModel> fasttext_;
};

}  // namespace winnow::langid
