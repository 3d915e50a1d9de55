#include "qbench/core/text.h"

#include <algorithm>
#include <cstring>

namespace qbench {

std::string Abbreviate(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  static const std::string kEllipsis = "\xE2\x80\xA6";  // "…", 3 bytes
  const std::size_t room = std::max<std::size_t>(max, 8) - kEllipsis.size();  // bytes of text kept at most
  auto starts_char = [&](std::size_t i) { return i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80; };
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

}  // namespace qbench
