// qbench/core/table.h — the one reporter interface: a table of typed cells under named columns,
// written as aligned text (stdout), CSV, Markdown or JSON. `bench`, the lab's report and results.csv,
// `eval` and `sensitivity` build a Table and pick the writers they need, so quoting, escaping and
// alignment are written once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qbench {

enum class Align { kLeft, kRight };

/// One column. `key` is the machine name, snake_case with its unit suffix ("median_ms"): the CSV
/// header and the JSON key. `title` is what a reader sees in text and Markdown ("median ms"); the key
/// when empty. `align` places the cells in text (padding) and Markdown ("---" or "---:").
struct Column {
  std::string key;
  std::string title;
  Align align = Align::kRight;
  const std::string& Title() const { return title.empty() ? key : title; }
};

/// One cell: empty, text, an integer or a number. A number keeps its value (CSV and JSON write it in
/// full, the shortest text that reads back to the same double) and the text a reader sees (text and
/// Markdown: rounded, with its unit or "%"). A non-finite number is unknown: "" in CSV, null in JSON.
struct Cell {
  enum class Kind { kEmpty, kText, kInteger, kNumber };
  Kind kind = Kind::kEmpty;
  std::string shown;        ///< kText: the value; kInteger/kNumber: as a reader sees it
  double number = 0;        ///< kNumber
  std::int64_t integer = 0; ///< kInteger

  static Cell Empty() { return Cell{}; }
  static Cell Text(std::string s) { return Cell{Kind::kText, std::move(s), 0, 0}; }
  static Cell Integer(std::int64_t v) { return Cell{Kind::kInteger, std::to_string(v), 0, v}; }
  /// `shown` is the reader's text (e.g. FormatFixed(v, 3) or "12.5%").
  static Cell Number(double v, std::string shown) { return Cell{Kind::kNumber, std::move(shown), v, 0}; }
  /// The machine form: "" (empty, or non-finite number), the text, the integer's decimal, or the number
  /// in the shortest round-trip form ("0.75", "1e-05").
  std::string Exact() const;
};

/// `v` with `decimals` decimals ("%.*f"); "" when not finite.
std::string FormatFixed(double v, int decimals);

/// Columns and rows; a row shorter than `columns` is padded with empty cells, a longer one is an error.
struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;

  /// Appends a row. Throws Error(kInvalidArgument) when it has more cells than there are columns.
  void AddRow(std::vector<Cell> row);
  /// The column index of `key`, or -1.
  int ColumnIndex(const std::string& key) const;
};

/// Aligned text for a terminal: the titles, a rule of '-' under each, then the rows; each column as
/// wide as its widest cell (counted in UTF-8 code points, so "±" is one), two spaces between
/// columns, trailing blanks trimmed, '\n' after every line. Cells show `shown`.
std::string WriteText(const Table& table);

/// CSV (RFC 4180): a header of the keys, then one line per row of Cell::Exact(); a field holding a
/// comma, a quote or a line break is quoted, its quotes doubled. Lines end in '\n'.
std::string WriteCsv(const Table& table);

/// A GitHub Markdown table: "| title | … |", the rule ("---" left, "---:" right), one line per row of
/// `shown`; '|' in a cell is escaped as "\|" and a line break becomes a space.
std::string WriteMarkdown(const Table& table);

/// A JSON array with one object per row, keyed by column key in column order: integers and finite
/// numbers as JSON numbers, non-finite numbers and empty cells as null, text as strings.
nlohmann::ordered_json ToJson(const Table& table);

/// RFC 4180 field quoting (for CSV written outside a Table, e.g. a merged file's prefix columns).
std::string CsvField(const std::string& s);
/// Markdown cell escaping: '|' → "\|", line breaks → ' '.
std::string MarkdownCell(const std::string& s);

}  // namespace qbench
