// The reporter interface's writers (qbench/core/table.h): text, CSV, Markdown, JSON.
#include "qbench/core/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "qbench/core/error.h"

namespace qbench {
namespace {

// Display width: UTF-8 code points (continuation bytes 10xxxxxx do not count).
std::size_t Width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Pad(const std::string& s, std::size_t width, Align align) {
  const std::size_t w = Width(s);
  if (w >= width) return s;
  const std::string fill(width - w, ' ');
  return align == Align::kRight ? fill + s : s + fill;
}

const Cell& At(const std::vector<Cell>& row, std::size_t c) {
  static const Cell kEmpty;
  return c < row.size() ? row[c] : kEmpty;
}

}  // namespace

std::string Cell::Exact() const {
  switch (kind) {
    case Kind::kEmpty: return "";
    case Kind::kText: return shown;
    case Kind::kInteger: return std::to_string(integer);
    case Kind::kNumber: return std::isfinite(number) ? fmt::format("{}", number) : "";
  }
  return "";
}

std::string FormatFixed(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void Table::AddRow(std::vector<Cell> row) {
  if (row.size() > columns.size())
    throw Error(ErrorCode::kInvalidArgument, fmt::format("table row has {} cells for {} columns", row.size(), columns.size()));
  rows.push_back(std::move(row));
}

int Table::ColumnIndex(const std::string& key) const {
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c].key == key) return static_cast<int>(c);
  return -1;
}

std::string WriteText(const Table& t) {
  std::vector<std::size_t> width(t.columns.size());
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    width[c] = Width(t.columns[c].Title());
    for (const auto& r : t.rows) width[c] = std::max(width[c], Width(At(r, c).shown));
  }
  std::string out;
  auto line = [&](auto cell_text) {
    std::string l;
    for (std::size_t c = 0; c < t.columns.size(); ++c) l += (c ? "  " : "") + Pad(cell_text(c), width[c], t.columns[c].align);
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line([&](std::size_t c) { return t.columns[c].Title(); });
  line([&](std::size_t c) { return std::string(width[c], '-'); });
  for (const auto& r : t.rows) line([&](std::size_t c) { return At(r, c).shown; });
  return out;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string MarkdownCell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string WriteCsv(const Table& t) {
  std::string out;
  for (std::size_t c = 0; c < t.columns.size(); ++c) out += (c ? "," : "") + CsvField(t.columns[c].key);
  out += "\n";
  for (const auto& r : t.rows) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) out += (c ? "," : "") + CsvField(At(r, c).Exact());
    out += "\n";
  }
  return out;
}

std::string WriteMarkdown(const Table& t) {
  std::string out = "|";
  for (const auto& col : t.columns) out += " " + MarkdownCell(col.Title()) + " |";
  out += "\n|";
  for (const auto& col : t.columns) out += col.align == Align::kRight ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& r : t.rows) {
    out += "|";
    for (std::size_t c = 0; c < t.columns.size(); ++c) out += " " + MarkdownCell(At(r, c).shown) + " |";
    out += "\n";
  }
  return out;
}

nlohmann::ordered_json ToJson(const Table& t) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& r : t.rows) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const Cell& cell = At(r, c);
      auto& v = o[t.columns[c].key];
      switch (cell.kind) {
        case Cell::Kind::kEmpty: v = nullptr; break;
        case Cell::Kind::kText: v = cell.shown; break;
        case Cell::Kind::kInteger: v = cell.integer; break;
        case Cell::Kind::kNumber: v = std::isfinite(cell.number) ? nlohmann::ordered_json(cell.number) : nlohmann::ordered_json(); break;
      }
    }
    rows.push_back(std::move(o));
  }
  return rows;
}

}  // namespace qbench
