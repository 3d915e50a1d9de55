#include "qbench/core/text.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace qbench {

std::string Abbreviate(const std::string& s, std::size_t max, TextKeep keep) {
  if (s.size() <= max) return s;
  static const std::string kEllipsis = "\xE2\x80\xA6";  // "…", 3 bytes
  const std::size_t room = std::max<std::size_t>(max, 8) - kEllipsis.size();  // bytes of text kept at most
  auto starts_char = [&](std::size_t i) { return i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80; };
  if (keep == TextKeep::kEnd) {  // the mirror image: keep s[start, end) of at most `room` bytes
    const std::size_t first = s.size() - room;  // the earliest start that fits
    std::size_t start = std::string::npos;
    for (std::size_t i = first; i <= first + room / 2 && i < s.size(); ++i)
      if (s[i - 1] == ' ') {  // whole words after it
        start = i;
        break;
      }
    if (start == std::string::npos)  // a path or identifier: from a separator
      for (std::size_t i = first; i <= first + room / 2 && i < s.size(); ++i)
        if (std::strchr("/-_.,;:", s[i]) != nullptr) {
          start = i;
          break;
        }
    if (start == std::string::npos) {  // one long word: cut it, at a character boundary
      start = first;
      while (start < s.size() && !starts_char(start)) ++start;
    }
    while (start < s.size() && s[start] == ' ') ++start;
    return kEllipsis + s.substr(start);
  }
  std::size_t cut = std::string::npos;
  // A space at `room` or before (the text up to it is whole words).
  for (std::size_t i = room; i >= room / 2 && i > 0; --i)
    if (s[i] == ' ') {
      cut = i;
      break;
    }
  if (cut == std::string::npos)  // a path or identifier: after a separator
    for (std::size_t i = room; i >= room / 2 && i > 0; --i)
      if (std::strchr("/-_.,;:", s[i - 1]) != nullptr) {
        cut = i;
        break;
      }
  if (cut == std::string::npos) {  // one long word: cut it, at a character boundary
    cut = room;
    while (cut > 0 && !starts_char(cut)) --cut;
  }
  while (cut > 0 && std::strchr(" ,;:", s[cut - 1]) != nullptr) --cut;
  return s.substr(0, cut) + kEllipsis;
}

std::size_t EditDistance(const std::string& a, const std::string& b) {
  // Optimal string alignment: Levenshtein's dynamic programme (Wagner–Fischer) plus Damerau's swap
  // of two adjacent characters as one edit ("lba" → "lab").
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates) {
  if (word.empty()) return "";
  const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, word.size() / 3));
  std::string best;
  std::size_t best_d = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (!best.empty()) return best;
  std::string prefixed;
  for (const auto& c : candidates) {
    if (c.size() > word.size() && c.compare(0, word.size(), word) == 0) {
      if (!prefixed.empty()) return "";  // ambiguous
      prefixed = c;
    }
  }
  return prefixed;
}

std::string UnknownChoice(const std::string& what, const std::string& value, const std::vector<std::string>& choices) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  const std::string match = ClosestMatch(value, choices);
  return "unknown " + what + " '" + value + "'; " + (match.empty() ? "" : "did you mean '" + match + "'? ") +
         "expected one of: " + list;
}

}  // namespace qbench
