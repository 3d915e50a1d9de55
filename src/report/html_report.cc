// report.html: report.md rendered as one self-contained page (html_report.h).
#include "qbench/report/html_report.h"

#include <cstdint>
#include <vector>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"

namespace qbench {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// `code` spans first (their text is literal), then **bold**; everything HTML-escaped.
std::string Inline(const std::string& text) {
  std::string out;
  bool bold = false;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '`') {
      const std::size_t end = text.find('`', i + 1);
      if (end != std::string::npos) {
        out += "<code>" + Escape(text.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    }
    if (text.compare(i, 2, "**") == 0 && (bold || text.find("**", i + 2) != std::string::npos)) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      i += 2;
      continue;
    }
    out += Escape(std::string(1, text[i]));
    ++i;
  }
  if (bold) out += "</strong>";
  return out;
}

// Cells of a pipe-table row "| a | b \| c |" → {"a", "b | c"}.
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  std::size_t i = 0;
  const std::size_t n = line.size();
  if (i < n && line[i] == '|') ++i;
  for (; i < n; ++i) {
    if (line[i] == '\\' && i + 1 < n && line[i + 1] == '|') {
      cur += '|';
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(cur);
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  if (cur.find_first_not_of(" \t") != std::string::npos) cells.push_back(cur);
  for (auto& c : cells) {
    const auto a = c.find_first_not_of(" \t");
    const auto b = c.find_last_not_of(" \t");
    c = a == std::string::npos ? std::string() : c.substr(a, b - a + 1);
  }
  return cells;
}

bool IsSeparatorRow(const std::vector<std::string>& cells) {
  if (cells.empty()) return false;
  for (const auto& c : cells)
    if (c.empty() || c.find_first_not_of("-: ") != std::string::npos) return false;
  return true;
}

std::string MimeType(const std::string& path) {
  auto ends = [&](const char* ext) {
    const std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".jpg") || ends(".jpeg")) return "image/jpeg";
  if (ends(".svg")) return "image/svg+xml";
  return "image/png";
}

std::string ImageHtml(const std::string& title, const std::string& path, const std::string& base_dir) {
  std::string bytes;
  try {
    bytes = ReadFileBytes(base_dir.empty() ? path : base_dir + "/" + path);
  } catch (const Error&) {
  }
  if (bytes.empty())
    return "<p class=\"missing\">plot missing: " + Escape(path) + " (" + Escape(title) + ")</p>\n";
  return "<figure><img alt=\"" + Escape(title) + "\" src=\"data:" + MimeType(path) + ";base64," + Base64Encode(bytes) +
         "\"><figcaption>" + Escape(title) + "</figcaption></figure>\n";
}

// Sorts a table by the clicked column: numbers by value (units such as ms, s, MiB, %, x scaled or
// ignored), other text alphabetically, empty and "—" cells last; a second click reverses.
const char* kSortScript = R"JS(
(function () {
  var scale = {'µs': 1e-3, 'us': 1e-3, 'ms': 1, 's': 1e3, 'min': 6e4, 'B': 1, 'KiB': 1024, 'MiB': 1048576,
               'GiB': 1073741824, 'kB': 1e3, 'MB': 1e6, 'GB': 1e9, 'k': 1e3, 'M': 1e6, 'G': 1e9};
  function key(text) {
    var m = text.replace(/[,\u00a0]/g, '').trim()
        .match(/^([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(µs|us|ms|min|s|KiB|MiB|GiB|kB|MB|GB|B|k|M|G)?/i);
    if (!m) return null;
    var v = parseFloat(m[1]);
    return m[2] && scale[m[2]] ? v * scale[m[2]] : v;
  }
  function sortBy(table, col, ascending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col] ? a.cells[col].textContent.trim() : '';
      var y = b.cells[col] ? b.cells[col].textContent.trim() : '';
      var kx = key(x), ky = key(y), r;
      if (kx !== null && ky !== null) r = kx - ky;
      else if (kx !== null) return -1;
      else if (ky !== null) return 1;
      else if (!x || x === '\u2014') return y && y !== '\u2014' ? 1 : 0;
      else if (!y || y === '\u2014') return -1;
      else r = x.localeCompare(y);
      return ascending ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.title = 'sort by this column';
      th.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        sortBy(table, col, ascending);
      });
    });
  });
})();
)JS";

const char* kStyle = R"CSS(
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #1d1d1f; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d0d0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \25B2"; } th[aria-sort=descending]::after { content: " \25BC"; }
tbody tr:nth-child(even) { background: #fafafa; }
code { background: #f2f2f2; padding: 0 3px; border-radius: 3px; font-size: 90%; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; } .missing { color: #b00; }
)CSS";

}  // namespace

std::string Base64Encode(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<std::uint8_t>(bytes[i]) << 16) | (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string MarkdownToHtmlPage(const std::string& markdown, const std::string& base_dir, const std::string& title) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : markdown) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);

  std::string body;
  std::string paragraph;
  auto flush_paragraph = [&] {
    if (!paragraph.empty()) body += "<p>" + Inline(paragraph) + "</p>\n";
    paragraph.clear();
  };
  for (std::size_t i = 0; i < lines.size();) {
    const std::string& line = lines[i];
    if (line.find_first_not_of(" \t") == std::string::npos) {
      flush_paragraph();
      ++i;
      continue;
    }
    std::size_t level = 0;
    while (level < line.size() && line[level] == '#') ++level;
    if (level >= 1 && level <= 6 && level < line.size() && line[level] == ' ') {
      flush_paragraph();
      const std::string h = std::to_string(level);
      body += "<h" + h + ">" + Inline(line.substr(level + 1)) + "</h" + h + ">\n";
      ++i;
      continue;
    }
    if (line.rfind("![", 0) == 0 && line.back() == ')') {
      const std::size_t mid = line.find("](");
      if (mid != std::string::npos) {
        flush_paragraph();
        body += ImageHtml(line.substr(2, mid - 2), line.substr(mid + 2, line.size() - mid - 3), base_dir);
        ++i;
        continue;
      }
    }
    if (line.rfind("- ", 0) == 0) {
      flush_paragraph();
      body += "<ul>\n";
      for (; i < lines.size() && lines[i].rfind("- ", 0) == 0; ++i) body += "<li>" + Inline(lines[i].substr(2)) + "</li>\n";
      body += "</ul>\n";
      continue;
    }
    if (line[0] == '|' && i + 1 < lines.size() && IsSeparatorRow(Cells(lines[i + 1]))) {
      flush_paragraph();
      body += "<table class=\"sortable\">\n<thead><tr>";
      for (const auto& c : Cells(line)) body += "<th>" + Inline(c) + "</th>";
      body += "</tr></thead>\n<tbody>\n";
      for (i += 2; i < lines.size() && !lines[i].empty() && lines[i][0] == '|'; ++i) {
        body += "<tr>";
        for (const auto& c : Cells(lines[i])) body += "<td>" + Inline(c) + "</td>";
        body += "</tr>\n";
      }
      body += "</tbody>\n</table>\n";
      continue;
    }
    paragraph += (paragraph.empty() ? "" : " ") + line;
    ++i;
  }
  flush_paragraph();
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         Escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" + body + "<script>" + kSortScript +
         "</script>\n</body>\n</html>\n";
}

}  // namespace qbench
