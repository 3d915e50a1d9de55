// `qbench inspect --per-node` keeps its columns aligned when node names are long (PyTorch exports name
// nodes by their module path, 80+ characters): a long name keeps its end, the part that tells two
// such nodes apart (core/text.h Abbreviate, TextKeep::kEnd), and --json keeps the full names.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

using ::qbench::testing::CliPath;
using ::qbench::testing::RunCommand;

const std::string kLong1 = "/model/backbone/encoder/layers.11/attention/output_projection/dense/MatMul";  // 76
const std::string kLong2 = "/model/backbone/encoder/layers.11/attention/output_projection/dense/MatMul_1";

// x[1,4] → MatMul (long name) → MatMul (long name, differing at the end) → Relu ("relu").
std::string LongNames(const std::string& dir) {
  GraphBuilder b("long_names");
  b.AddInput("x", DType::kFloat32, {1, 4});
  const auto w = b.AddInitializer("w", {4, 4}, std::vector<float>(16, 0.5f));
  const auto w2 = b.AddInitializer("w2", {4, 3}, std::vector<float>(12, 0.25f));
  b.AddNode("MatMul", kLong1, {"x", w}, {"m"});
  b.AddNode("MatMul", kLong2, {"m", w2}, {"m2"});
  b.AddNode("Relu", "relu", {"m2"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {1, 3});
  const std::string p = dir + "/long_names.onnx";
  SaveModel(b.Build(), p);
  return p;
}

// The number of characters (UTF-8 code points) before byte `pos` of `s`.
std::size_t Column(const std::string& s, std::size_t pos) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < pos && i < s.size(); ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}

TEST(InspectPerNode, LongNodeNamesKeepTheColumnsAligned) {
  const std::string m = LongNames(testing::TempDir());
  const auto r = RunCommand(CliPath() + " inspect " + m + " --per-node");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<std::string> rows;
  bool table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#    node", 0) == 0) table = true;
    if (table) rows.push_back(line);
  }
  ASSERT_EQ(rows.size(), 4u) << r.out;
  // The names keep their ends ("…" then from a separator), in at most 33 bytes ("…" is 3) with a space
  // before "op"; MatMul [1,4]x[4,4]: 16 MACs, 16 parameters; [1,4]x[4,3]: 12 and 12.
  EXPECT_EQ(rows[1], "0    \xE2\x80\xA6_projection/dense/MatMul         MatMul              1x4                               16          16");
  EXPECT_EQ(rows[2], "1    \xE2\x80\xA6_projection/dense/MatMul_1       MatMul              1x3                               12          12");
  EXPECT_EQ(rows[3], "2    relu                              Relu                1x3                                -           -");
  // Every row's op column starts where the header's does (character 39), and all rows are as wide.
  for (const auto& row : rows) {
    EXPECT_EQ(Column(row, row.find_first_not_of(' ', row.find(' ', 5))), 39u) << row;
    EXPECT_EQ(Column(row, row.size()), Column(rows[0], rows[0].size())) << row;
  }
  // --json keeps the full names.
  const auto j = RunCommand(CliPath() + " inspect " + m + " --json -");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto json = nlohmann::json::parse(j.out);
  EXPECT_EQ(json["nodes"][0]["name"], kLong1);
  EXPECT_EQ(json["nodes"][1]["name"], kLong2);
}

}  // namespace
}  // namespace qbench
