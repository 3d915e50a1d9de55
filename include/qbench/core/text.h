// qbench/core/text.h — shortening text for table cells and one-line messages.
#pragma once

#include <cstddef>
#include <string>

namespace qbench {

/// `s` shortened to at most `max` bytes (UTF-8; the "…" appended counts as one of them, `max` >= 8)
/// at a word boundary: after the last space, or else after the last '/', '-', '_', '.', ',', ';' or
/// ':' in the second half of the allowed length; only a text without any such boundary there is cut
/// inside a word, and then never inside a UTF-8 character. Trailing spaces and ",;:" before the cut
/// are dropped, and "…" (U+2026) marks it. Unchanged when it fits. Pure; never throws.
/// Example: Abbreviate("cannot open the model file", 20) == "cannot open the…".
std::string Abbreviate(const std::string& s, std::size_t max);

}  // namespace qbench
