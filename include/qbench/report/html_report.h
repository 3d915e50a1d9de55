// qbench/report/html_report.h — report.html: the lab report as one self-contained page to attach or
// open offline (plots embedded as data URIs, tables sortable by an inline script, no network).
#pragma once

#include <string>

namespace qbench {

/// Renders `markdown` — the text of report.md (StudyMarkdown), so both reports state the same
/// numbers from one source — as one self-contained HTML5 page:
///  - `#`/`##`/`###` headings, paragraphs, `- ` bullet lists, pipe tables (`\|` is a literal bar),
///    `**bold**` and `` `code` `` spans; every other character is HTML-escaped;
///  - an image line `![title](relative/path.png)` becomes an <img> whose src is the file
///    `base_dir`/path embedded as a base64 data URI (image/png, image/jpeg, image/svg+xml by the
///    extension); a file that cannot be read becomes a visible "plot missing" note instead;
///  - every table gets clickable headers sorted by a small inline script (numbers by value,
///    ignoring units such as "ms", "x", "%", "MiB"; text otherwise; click again to reverse);
///  - inline CSS only: no external resource, font, script or stylesheet is referenced.
/// `title` is the page's <title>.
std::string MarkdownToHtmlPage(const std::string& markdown, const std::string& base_dir, const std::string& title);

/// RFC 4648 base64 of `bytes` (with '=' padding), as used in data URIs.
std::string Base64Encode(const std::string& bytes);

}  // namespace qbench
