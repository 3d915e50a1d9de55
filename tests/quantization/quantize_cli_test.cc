// `qbench quantize` end to end: outputs, report JSON, exit codes, refusals, input never modified.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::CliPath;
using testing::RunCommand;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

TEST(QuantizeCli, StaticWithReportAndInputUntouched) {
  QBENCH_REQUIRE_SHARED(model, "cases/c13_clip_min_max_inputs/model.onnx");
  QBENCH_REQUIRE_SHARED(data, "cases/c13_clip_min_max_inputs/input.npy");
  const std::string dir = testing::TempDir();
  const std::string before = ReadFileBytes(model);
  const auto r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/q.onnx --mode static --per-channel" +
                            " --calibration-data " + Quote(data) + " --calibration-method minmax --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFileBytes(model), before);
  EXPECT_NE(r.out.find("Conv"), std::string::npos);
  EXPECT_NE(r.out.find("int8 share of MACs after ORT optimization"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("size:"), std::string::npos);
  EXPECT_EQ(r.err.find("int8 share"), std::string::npos);  // results on stdout only
  const auto j = nlohmann::json::parse(ReadFileBytes(dir + "/r.json"));
  EXPECT_EQ(j["scheme"], "static");
  EXPECT_TRUE(j["runtime"]["analyzed"].get<bool>());
  // conv1 and conv2 run as QLinearConv; conv3 writes the graph output, which stays float, so ORT
  // runs it in float: 4·8·8 outputs × 8 inputs × 1×1 = 2048 MACs of 52,736.
  EXPECT_EQ(j["runtime"]["op_histogram"]["QLinearConv"], 2);
  EXPECT_EQ(j["runtime"]["float_macs"].get<std::int64_t>(), 2048);
  EXPECT_NEAR(j["runtime"]["int8_mac_share"].get<double>(), 1.0 - 2048.0 / 52736.0, 1e-9);
  ASSERT_EQ(j["runtime"]["float_mac_nodes"].size(), 1u);
  EXPECT_NE(j["runtime"]["float_mac_nodes"][0].get<std::string>().find("conv3"), std::string::npos);
  bool clip_folded = false;
  for (const auto& n : j["nodes"])
    if (n["name"] == "relu6_clip") clip_folded = n["quantized"].get<bool>();
  EXPECT_TRUE(clip_folded);
  EXPECT_GT(j["files"]["output_file_size_bytes"].get<std::uint64_t>(), 0u);

  // The quantized output cannot be quantized again.
  const auto again = RunCommand(CliPath() + " quantize " + dir + "/q.onnx -o " + dir + "/qq.onnx --mode dynamic");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already quantized"), std::string::npos) << again.err;
}

// --weight-range is parsed, honoured and reported (stdout header and --json); a bad value is a usage
// error; u8 weights with s8 activations are refused with one line naming the flags.
TEST(QuantizeCli, WeightRangeParsedAndReported) {
  QBENCH_REQUIRE_SHARED(model, "cases/c04_gemm_transb/model.onnx");
  const std::string dir = testing::TempDir();
  auto r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/r.onnx --mode dynamic --weight-range reduced" +
                      " --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("weight range: reduced (s8 weights, 7 bits [-64, 64] (--weight-range reduced))"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(ReadFileBytes(dir + "/r.json"));
  EXPECT_EQ(j["weight_range"], "reduced");
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/u.onnx --mode dynamic --weight-range u8 --json " +
                 dir + "/u.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(ReadFileBytes(dir + "/u.json"));
  EXPECT_EQ(j["weight_range"], "u8");
  EXPECT_EQ(j["weight_range_reason"], "u8 weights, zero point 128 (--weight-range u8)");
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/a.onnx --mode dynamic --json " + dir + "/a.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(ReadFileBytes(dir + "/a.json"));
  EXPECT_NE(j["weight_range"], "auto");  // resolved by the CPU, with its reason
  EXPECT_FALSE(j["weight_range_reason"].get<std::string>().empty());
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --mode dynamic --weight-range 7bit");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--weight-range"), std::string::npos) << r.err;
}

TEST(QuantizeCli, UsageErrors) {
  QBENCH_REQUIRE_SHARED(model, "cases/c04_gemm_transb/model.onnx");
  const std::string dir = testing::TempDir();
  auto r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + Quote(model) + " --mode dynamic");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is also the input model"), std::string::npos) << r.err;
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --mode int4");
  EXPECT_EQ(r.exit_code, 2);
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --mode dynamic --exclude 're:('");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("invalid regular expression"), std::string::npos) << r.err;
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --mode dynamic --per-channel --per-tensor");
  EXPECT_EQ(r.exit_code, 2);
  // Output folders are checked before any work: nothing is written when --json's folder is missing.
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/early.onnx --mode dynamic --json /nonexistent/r.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--json '/nonexistent/r.json'"), std::string::npos) << r.err;
  EXPECT_NE(::access((dir + "/early.onnx").c_str(), F_OK), 0) << "no model may be written when the report path is bad";
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o /nonexistent/q.onnx --mode dynamic");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-o '/nonexistent/q.onnx'"), std::string::npos) << r.err;
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --mode dynamic --equalize relu");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("apply to --mode static"), std::string::npos) << r.err;
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --equalize yes");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown --equalize value 'yes'"), std::string::npos) << r.err;
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --auto --bias-correction");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("drop --equalize/--bias-correction"), std::string::npos) << r.err;
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --max-drop 1 --equalize relu");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("do not combine with --max-drop/--fallback-top"), std::string::npos) << r.err;
  // The calibration checks plain quantize and --auto share (CheckCalibrationFlags), before any work.
  for (const std::string mode : {"", " --auto"}) {
    r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --percentile 0" + mode);
    EXPECT_EQ(r.exit_code, 2) << mode;
    EXPECT_NE(r.err.find("--percentile 0 is out of range; expected (0, 100]"), std::string::npos) << mode << r.err;
    r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/x.onnx --calibration-size 0" + mode);
    EXPECT_EQ(r.exit_code, 2) << mode;
    EXPECT_NE(r.err.find("--calibration-size must be >= 1"), std::string::npos) << mode << r.err;
  }
  r = RunCommand(CliPath() + " quantize --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("dynamic"), std::string::npos);
  EXPECT_NE(r.out.find("[calibrated]"), std::string::npos);  // from the scheme table
}

TEST(QuantizeCli, EqualizeAndBiasCorrectionAreReported) {
  QBENCH_REQUIRE_SHARED(model, "cases/c13_clip_min_max_inputs/model.onnx");
  QBENCH_REQUIRE_SHARED(data, "cases/c13_clip_min_max_inputs/input.npy");
  const std::string dir = testing::TempDir();
  const auto r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/q.onnx --equalize relu6 --bias-correction" +
                            " --calibration-data " + Quote(data) + " --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(ReadFileBytes(dir + "/r.json"));
  std::string hygiene, notes;
  for (const auto& h : j["hygiene"]) hygiene += h.get<std::string>() + "\n";
  for (const auto& n : j["notes"]) notes += n.get<std::string>() + "\n";
  EXPECT_NE(hygiene.find("cross-layer equalization: "), std::string::npos) << hygiene;
  EXPECT_NE(notes.find("bias correction: "), std::string::npos) << notes;
  EXPECT_NE(r.out.find("bias correction: "), std::string::npos) << r.out;
}

TEST(QuantizeCli, DynamicExcludeAndSizes) {
  QBENCH_REQUIRE_SHARED(model, "cases/c04_gemm_transb/model.onnx");
  const std::string dir = testing::TempDir();
  const auto r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/d.onnx --mode dynamic --exclude fc1_transB1" +
                            " --json " + dir + "/d.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(ReadFileBytes(dir + "/d.json"));
  for (const auto& n : j["nodes"]) {
    if (n["name"] == "fc1_transB1") EXPECT_EQ(n["reason"], "excluded by --exclude fc1_transB1");
    if (n["name"] == "fc2_transB0_nobias") EXPECT_TRUE(n["quantized"].get<bool>());
  }
  EXPECT_GT(j["runtime"]["float_macs"].get<std::int64_t>(), 0);
  EXPECT_GT(j["runtime"]["int8_macs"].get<std::int64_t>(), 0);

  // Flags only --auto reads are refused without it (F12), before any work: nothing written.
  const auto ignored = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/d2.onnx --mode dynamic" +
                                  " --time-budget 5 --keep-best");
  EXPECT_EQ(ignored.exit_code, 2) << ignored.err;
  EXPECT_EQ(ignored.err, "qbench: error: --time-budget, --keep-best are used only with --auto; add --auto or drop them\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/d2.onnx"));
}

// A model ONNX Runtime cannot load: refused in one line (file, node, fix) before any progress line,
// with no output written, in both modes; the raw ORT message only with --verbose.
TEST(QuantizeCli, ModelOrtRefusesIsOneLineBeforeAnyProgress) {
  const std::string dir = testing::TempDir();
  GraphBuilder g("broken", 13);
  g.AddInput("x", DType::kFloat32, {"N", 4});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  g.AddNode("NoSuchOp", "mystery", {"x"}, {"y"});
  SaveModel(g.Build(), dir + "/broken.onnx");
  for (const char* mode : {"dynamic", "static"}) {
    const auto r = RunCommand(CliPath() + " quantize " + dir + "/broken.onnx -o " + dir + "/q.onnx --mode " + mode);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err, "qbench: error: node 'mystery' of '" + dir + "/broken.onnx' uses operator NoSuchOp, which ONNX "
                     "Runtime 1.30.0 does not know in domain ai.onnx at opset 13: re-export the model with standard ONNX "
                     "operators (or the opset that defines NoSuchOp)\n")
        << mode;
    EXPECT_FALSE(std::filesystem::exists(dir + "/q.onnx")) << mode;
  }
  const auto v = RunCommand(CliPath() + " --verbose quantize " + dir + "/broken.onnx -o " + dir + "/q.onnx --mode dynamic");
  EXPECT_NE(v.err.find("No Op registered for NoSuchOp"), std::string::npos) << v.err;
}

}  // namespace
}  // namespace qbench
