// `qbench lab --models` with a file that is already int8: its scheme variants (static, dynamic) are
// "not applicable" (the quantizer refuses int8 content), not failures: exit 0, status "not_applicable"
// in results.json and results.csv, said once in report.md.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

using nlohmann::json;
using testing::RunCommand;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// x [N,3,8,8] → Conv 3→4 (3×3, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm 4→5.
std::string TinyFp32(const std::string& dir) {
  GraphBuilder g("tiny", 13);
  g.AddInput("x", DType::kFloat32, {"N", 3, 8, 8});
  std::vector<float> w(108), fw(20);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * static_cast<float>(static_cast<int>(i % 13) - 6);
  for (std::size_t i = 0; i < fw.size(); ++i) fw[i] = 0.1f * static_cast<float>(static_cast<int>(i % 7) - 3);
  g.AddInitializer("w", {4, 3, 3, 3}, w);
  g.AddInitializer("fw", {5, 4}, fw);
  g.AddNode("Conv", "conv", {"x", "w"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddNode("Relu", "relu", {"c"}, {"r"});
  g.AddNode("GlobalAveragePool", "gap", {"r"}, {"p"});
  g.AddNode("Flatten", "flatten", {"p"}, {"f"});
  g.AddNode("Gemm", "fc", {"f", "fw"}, {"y"}, {AttrInt("transB", 1)});
  g.AddOutput("y", DType::kFloat32, {"N", 5});
  const std::string path = dir + "/tiny.onnx";
  SaveModel(g.Build(), path);
  return path;
}

TEST(LabInt8Cli, SchemeVariantsOfAnInt8FileAreNotApplicableNotFailures) {
  const std::string dir = testing::TempDir() + "/lab_int8_na";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string fp32 = TinyFp32(dir), int8 = dir + "/tiny_int8.onnx", out = dir + "/lab";
  const auto q = RunCommand(testing::CliPath() + " quantize " + fp32 + " -o " + int8 + " --mode static --calibration-size 4");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const auto r = RunCommand(testing::CliPath() + " lab --models " + int8 +
                            " --variants fp32,static,dynamic --batch 1 --input-size 8 --threads 1 --repetitions 3 "
                            "--warmup-runs 1 --no-roofline --no-plots -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;  // nothing failed: the refused variants do not apply
  EXPECT_NE(r.out.find("3 point(s) recorded, 0 failed, 2 not applicable"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("point(s) failed"), std::string::npos) << r.err;

  const json j = json::parse(Read(out + "/results.json"));
  EXPECT_EQ(j["failed_points"], 0);
  EXPECT_EQ(j["not_applicable_points"], 2);
  std::map<std::string, std::string> status, error;
  for (const auto& p : j["points"]) {
    status[p["variant"].get<std::string>()] = p["status"].get<std::string>();
    error[p["variant"].get<std::string>()] = p.value("error", "");
  }
  EXPECT_EQ(status["fp32"], "ok");
  EXPECT_EQ(status["static"], "not_applicable");
  EXPECT_EQ(status["dynamic"], "not_applicable");
  EXPECT_EQ(error["static"], "not applicable: already int8 (QDQ)");
  for (const auto& m : j["models"]) {
    if (m["variant"] != "fp32") EXPECT_EQ(m["status"], "not_applicable") << m.dump();
    EXPECT_EQ(m["original_bits"], 8) << m.dump();  // the file given holds int8 weights, whatever the row
    EXPECT_EQ(m["content"], "int8 QDQ") << m.dump();   // not-applicable rows too: the file they'd be made from
    // The file as given has its int8 share of MACs, as it would as an external variant (issue 10 R9):
    // ORT fuses the QDQ Conv 3→4 (6912 MACs) and Gemm 4→5 (20 MACs) into integer kernels.
    if (m["variant"] == "fp32") EXPECT_DOUBLE_EQ(m["int8_mac_share"].get<double>(), 1.0) << m.dump();
  }
  for (const auto& a : j.value("accuracy", json::array())) EXPECT_EQ(a["variant"], "fp32") << a.dump();

  const std::string csv = Read(out + "/results.csv");
  EXPECT_EQ(Count(csv, ",not applicable,"), 2u) << csv;
  const std::string md = Read(out + "/report.md");
  EXPECT_EQ(Count(md, "not applicable: already int8 (QDQ)"), 1u) << md;
  EXPECT_NE(md.find("tiny_int8 dynamic, static: not applicable: already int8 (QDQ)"), std::string::npos) << md;
  EXPECT_EQ(md.find("## Failed points"), std::string::npos) << md;
  EXPECT_EQ(md.find("failed:"), std::string::npos) << md;
}

}  // namespace
}  // namespace qbench
