// What results.json and results.csv say where a figure does not exist or a file is not fp32 (issue 10
// R5): no top-1 is null / empty (never 0 % in [0, 1]); the baseline's agreement with itself is null
// (never -1); an int8 file given with --models is recorded as what it holds, in the models records
// (not-applicable ones too) and in results.csv's "content" column.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "lab/fake_backend.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/results.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

using nlohmann::json;

TEST(ResultsContent, NoTop1AndTheBaselinesOwnAgreementAreNull) {
  // A model whose first output is not class scores: label-free fidelity, no top-1.
  AccuracyRecord f;
  f.model = "feat", f.variant = "static", f.ok = true, f.samples = 50, f.metric = "fidelity", f.sqnr_db = 39.0;
  f.cosine = 0.9999;
  const json fj = ToJson(f);
  for (const char* k : {"top1", "top1_ci95_low", "top1_ci95_high", "top5", "top1_agreement", "top1_agreement_ci95_low",
                        "top1_agreement_ci95_high"})
    EXPECT_TRUE(fj.at(k).is_null()) << k << ": " << fj.dump();
  const AccuracyRecord fb = AccuracyRecordFromJson(json::parse(fj.dump()));
  EXPECT_EQ(fb.metric, "fidelity");
  EXPECT_DOUBLE_EQ(fb.top1_agreement, -1);  // not measured, as in memory
  EXPECT_DOUBLE_EQ(fb.sqnr_db, 39.0);

  // The baseline of a classifier: its top-1 is a figure, its agreement with itself is not.
  AccuracyRecord b;
  b.model = "m", b.variant = "fp32", b.ok = true, b.samples = 100, b.top1 = 0.87, b.top1_ci95_low = 0.79;
  b.top1_ci95_high = 0.922, b.top5 = 0.97;
  const json bj = ToJson(b);
  EXPECT_DOUBLE_EQ(bj.at("top1").get<double>(), 0.87);
  EXPECT_DOUBLE_EQ(bj.at("top1_ci95_high").get<double>(), 0.922);
  EXPECT_DOUBLE_EQ(bj.at("top5").get<double>(), 0.97);
  EXPECT_TRUE(bj.at("top1_agreement").is_null()) << bj.dump();
  EXPECT_TRUE(bj.at("top1_agreement_ci95_low").is_null());
  EXPECT_TRUE(bj.at("top1_agreement_ci95_high").is_null());
  EXPECT_DOUBLE_EQ(AccuracyRecordFromJson(json::parse(bj.dump())).top1_agreement, -1);

  // Files written before: -1.0 and [0, 1] still read as "not measured".
  json old = bj;
  old["top1_agreement"] = -1.0, old["top1_agreement_ci95_low"] = 0.0, old["top1_agreement_ci95_high"] = 1.0;
  EXPECT_DOUBLE_EQ(AccuracyRecordFromJson(old).top1_agreement, -1);
  EXPECT_DOUBLE_EQ(AccuracyRecordFromJson(old).top1, 0.87);
}

// Column index of `name` in the CSV header line.
std::size_t Column(const std::string& header, const std::string& name) {
  std::istringstream in(header);
  std::string cell;
  for (std::size_t i = 0; std::getline(in, cell, ','); ++i)
    if (cell == name) return i;
  return std::string::npos;
}

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

TEST(ResultsContent, AnInt8FileGivenWithModelsIsRecordedAsWhatItHolds) {
  const std::string out = testing::TempDir() + "/results_content";
  std::filesystem::remove_all(out);
  testing::FakeLabBackend backend;
  backend.contents["zoo:q8"] = "int8 QOperator";
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:q8"};
  c.variants = {"fp32", "dynamic"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "32");
  c.threads = ParseSweepAxis("threads", "1");
  c.repetitions = 3;
  c.output_dir = out;
  const LabStudy s = RunLab(c, backend);
  const ModelRecord* given = s.FindModel("q8", "fp32");
  const ModelRecord* na = s.FindModel("q8", "dynamic");
  ASSERT_TRUE(given && na);
  EXPECT_EQ(given->content, "int8 QOperator");
  EXPECT_TRUE(na->not_applicable);
  EXPECT_EQ(na->error, "not applicable: already int8 (QOperator)");
  // Not "fp32": the facts of the file it would have been made from.
  EXPECT_EQ(na->content, "int8 QOperator");
  EXPECT_EQ(na->weight_precision, given->weight_precision);
  EXPECT_EQ(na->activation_precision, given->activation_precision);

  // results.csv: a "content" column on every row, "int8 QOperator" for the file as given.
  const std::string csv = StudyCsv(s);
  std::istringstream lines(csv);
  std::string header, row;
  ASSERT_TRUE(std::getline(lines, header));
  const std::size_t col = Column(header, "content"), variant = Column(header, "variant");
  ASSERT_NE(col, std::string::npos) << header;
  int rows = 0;
  while (std::getline(lines, row)) {
    const auto cells = Cells(row);
    ASSERT_GT(cells.size(), col) << row;
    EXPECT_EQ(cells[col], "int8 QOperator") << cells[variant] << ": " << row;
    ++rows;
  }
  EXPECT_EQ(rows, 2);  // the file as given (measured) and dynamic (not applicable)
}

TEST(ResultsContent, ACsvRowOfAModelWithNoTop1LeavesTheTop1CellEmpty) {
  LabStudy s;
  PointResult p;
  p.point = {"feat", "fp32", 1, 32, 1};
  p.ok = false, p.error = "x";
  s.points = {p};
  ModelRecord m;
  m.model = "feat", m.variant = "fp32", m.ok = true;
  s.models = {m};
  AccuracyRecord a;
  a.model = "feat", a.variant = "fp32", a.ok = true, a.metric = "fidelity";
  s.accuracy = {a};
  std::istringstream lines(StudyCsv(s));
  std::string header, row;
  ASSERT_TRUE(std::getline(lines, header) && std::getline(lines, row));
  const auto cells = Cells(row);
  const std::size_t top1 = Column(header, "top1");
  ASSERT_GT(cells.size(), top1);
  EXPECT_EQ(cells[top1], "") << row;  // not 0.000
  EXPECT_EQ(cells[Column(header, "content")], "fp32");
  s.accuracy[0].metric = "top1", s.accuracy[0].top1 = 0.5;
  std::istringstream again(StudyCsv(s));
  ASSERT_TRUE(std::getline(again, header) && std::getline(again, row));
  EXPECT_EQ(Cells(row)[top1], "0.5") << row;
}

}  // namespace
}  // namespace qbench
