// report.md's models and latency tables are core/table.h tables (WriteMarkdown): a cell holding '|'
// or a line break cannot break a row, and every row has as many cells as the header.
#include <gtest/gtest.h>

#include <sstream>

#include "qbench/report/study_report.h"

namespace qbench {
namespace {

// Cells of a Markdown row: '|' not preceded by a backslash separates them.
int CellCount(const std::string& line) {
  int bars = 0;
  for (std::size_t i = 0; i < line.size(); ++i) bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
  return bars - 1;
}

TEST(StudyMarkdownTables, EscapedCellsKeepEveryRowsShape) {
  LabStudy study;
  study.has_environment = true;
  ModelRecord m;
  m.model = "net", m.variant = "static", m.ok = false, m.error = "bad | input\nsecond line";
  study.models = {m};
  PointResult ok;
  ok.point = SweepPoint{"net", "fp32", 1, 32, 1};
  ok.ok = true;
  ok.samples_ms = {4, 2, 3};
  ok.latency = ComputeStatistics(ok.samples_ms);
  PointResult failed;
  failed.point = SweepPoint{"net", "static", 1, 32, 1};
  failed.error = "cannot run | batch 1";
  study.points = {ok, failed};
  const std::string md = StudyMarkdown(study, {});
  EXPECT_NE(md.find("| failed: bad \\| input second line |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| static | 1 | 32 | 1 | failed: cannot run \\| batch 1 |  |  |  |  |  |\n"), std::string::npos) << md;
  // Every row of the latency table has the header's 10 cells.
  std::istringstream in(md.substr(md.find("| variant | batch | input | threads |")));
  std::string line;
  int rows = 0;
  while (std::getline(in, line) && !line.empty()) {
    EXPECT_EQ(CellCount(line), 10) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 4);  // header, rule, two points
}

}  // namespace
}  // namespace qbench
