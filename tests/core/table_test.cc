// The reporter interface's writers (core/table.h) against hand-written output: text alignment (UTF-8
// counted as one column per code point), CSV quoting (RFC 4180), Markdown escaping, JSON types.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "qbench/core/error.h"
#include "qbench/core/table.h"

namespace qbench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Table, TextAlignsLeftAndRightAndCountsCodePoints) {
  Table t;
  t.columns = {{"name", "", Align::kLeft}, {"value_ms", "value ms", Align::kRight}, {"note", "", Align::kLeft}};
  t.AddRow({Cell::Text("alpha"), Cell::Number(1.5, FormatFixed(1.5, 3)), Cell::Text("ok")});
  t.AddRow({Cell::Text("µs"), Cell::Integer(12)});  // short row: the note is empty
  EXPECT_EQ(WriteText(t),
            "name   value ms  note\n"
            "-----  --------  ----\n"
            "alpha     1.500  ok\n"
            "µs           12\n");
}

TEST(Table, CsvQuotesCommasQuotesAndLineBreaksAndWritesExactNumbers) {
  Table t;
  t.columns = {{"name", "Name", Align::kLeft}, {"value_ms", "", Align::kRight}, {"note", "", Align::kLeft}};
  t.AddRow({Cell::Text("a,b"), Cell::Number(1.5, "1.500"), Cell::Text("say \"hi\"")});
  t.AddRow({Cell::Text("plain"), Cell::Number(kNaN, ""), Cell::Text("two\nlines")});
  t.AddRow({Cell::Text("x"), Cell::Integer(7), Cell::Empty()});
  t.AddRow({Cell::Text("small"), Cell::Number(1e-5, "0.000"), Cell::Number(0.1 + 0.2, "0.3")});
  EXPECT_EQ(WriteCsv(t),
            "name,value_ms,note\n"
            "\"a,b\",1.5,\"say \"\"hi\"\"\"\n"
            "plain,,\"two\nlines\"\n"
            "x,7,\n"
            "small,1e-05,0.30000000000000004\n");
}

TEST(Table, MarkdownEscapesPipesAndLineBreaksAndAlignsByColumn) {
  Table t;
  t.columns = {{"name", "", Align::kLeft}, {"value_ms", "value ms", Align::kRight}};
  t.AddRow({Cell::Text("a|b"), Cell::Number(1.5, "1.500")});
  t.AddRow({Cell::Text("two\nlines"), Cell::Number(kNaN, "")});
  EXPECT_EQ(WriteMarkdown(t),
            "| name | value ms |\n"
            "| --- | ---: |\n"
            "| a\\|b | 1.500 |\n"
            "| two lines |  |\n");
}

TEST(Table, JsonKeepsTypesAndWritesUnknownAsNull) {
  Table t;
  t.columns = {{"name", "", Align::kLeft}, {"n", "", Align::kRight}, {"median_ms", "", Align::kRight}};
  t.AddRow({Cell::Text("a"), Cell::Integer(3), Cell::Number(2.25, "2.250")});
  t.AddRow({Cell::Text("b"), Cell::Empty(), Cell::Number(kNaN, "")});
  const auto j = ToJson(t);
  EXPECT_EQ(j.dump(), R"([{"name":"a","n":3,"median_ms":2.25},{"name":"b","n":null,"median_ms":null}])");
}

TEST(Table, RejectsARowWiderThanItsColumnsAndFindsColumns) {
  Table t;
  t.columns = {{"a", "", Align::kLeft}};
  EXPECT_THROW(t.AddRow({Cell::Text("1"), Cell::Text("2")}), Error);
  EXPECT_EQ(t.ColumnIndex("a"), 0);
  EXPECT_EQ(t.ColumnIndex("b"), -1);
  EXPECT_EQ(FormatFixed(kNaN, 3), "");
  EXPECT_EQ(FormatFixed(2.0 / 3, 2), "0.67");
}

}  // namespace
}  // namespace qbench
