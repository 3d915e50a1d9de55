// qbench/core/text.h — shortening text for table cells and one-line messages; "did you mean …" for a
// mistyped name (a flag, subcommand, or a value from a fixed list: variants, modes, presets, zoo models).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace qbench {

/// `s` shortened to at most `max` bytes (UTF-8; the "…" appended counts as one of them, `max` >= 8)
/// at a word boundary: after the last space, or else after the last '/', '-', '_', '.', ',', ';' or
/// ':' in the second half of the allowed length; only a text without any such boundary there is cut
/// inside a word, and then never inside a UTF-8 character. Trailing spaces and ",;:" before the cut
/// are dropped, and "…" (U+2026) marks it. Unchanged when it fits. Pure; never throws.
/// Example: Abbreviate("cannot open the model file", 20) == "cannot open the…".
/// With `keep` = kEnd the end is kept instead (names whose distinguishing part is their end, such as
/// PyTorch's node names "/model/layer4/layer4.1/conv2/Conv"): "…" then the text from the first space
/// (after it), else the first '/', '-', '_', '.', ',', ';' or ':' (at it) in the first half of what
/// must go, else from a character boundary; leading spaces dropped.
/// Example: Abbreviate("/model/layer4/layer4.1/conv2/Conv", 24, TextKeep::kEnd) == "…/layer4.1/conv2/Conv".
enum class TextKeep { kStart, kEnd };
std::string Abbreviate(const std::string& s, std::size_t max, TextKeep keep = TextKeep::kStart);

/// Edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of two adjacent
/// characters, each cost 1 (optimal string alignment, Damerau–Levenshtein without repeated edits).
/// Pure; never throws.
std::size_t EditDistance(const std::string& a, const std::string& b);

/// The candidate closest to `word` by EditDistance, when it is close enough to be a typo: at most
/// max(1, min(3, |word| / 3)) edits (so "--thread" → "--threads", "lba" → "lab", but "--x" → none),
/// or `word` is a prefix of exactly one candidate ("--calibration-d" → "--calibration-data").
/// Ties go to the first candidate. "" when none.
std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates);

/// The one-line message for a value outside a fixed list, with the nearest choice when it is a typo
/// (ClosestMatch): UnknownChoice("variant", "dynamc", {"fp32", "dynamic"}) ==
/// "unknown variant 'dynamc'; did you mean 'dynamic'? expected one of: fp32, dynamic"; without a close
/// choice "unknown variant 'x'; expected one of: fp32, dynamic". Pure; never throws.
std::string UnknownChoice(const std::string& what, const std::string& value, const std::vector<std::string>& choices);

}  // namespace qbench
