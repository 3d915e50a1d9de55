// `qbench quantize --fallback-top K / --max-drop P` end to end on the Fashion-MNIST SqueezeNet 1.1
// (26 Conv, 32x32 inputs: small enough to rank every layer in a few seconds), and the --exclude
// syntax (#INDEX of unnamed nodes, comma-separated lists) on the ImageNet SqueezeNet 1.1, whose
// nodes have no names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "qbench/core/fs.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::CliPath;
using testing::RunCommand;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Conv/Gemm nodes of a QDQ file that run in fp32: their weight (input 1) is not the output of a
// DequantizeLinear. (Every Conv stays a "Conv" node in QDQ format; the weight says which is which.)
int FloatConvGemmCount(const std::string& path) {
  const Model m = LoadModel(path);
  std::set<std::string> dequantized;
  for (const auto& n : m.proto.graph().node()) {
    if (n.op_type() == "DequantizeLinear") dequantized.insert(n.output(0));
  }
  int count = 0;
  for (const auto& n : m.proto.graph().node()) {
    if ((n.op_type() == "Conv" || n.op_type() == "Gemm") && n.input_size() > 1 && !dequantized.count(n.input(1))) ++count;
  }
  return count;
}

int OpCount(const std::string& path, const std::string& op_type) {
  const Model m = LoadModel(path);
  return static_cast<int>(std::count_if(m.proto.graph().node().begin(), m.proto.graph().node().end(),
                                        [&](const onnx::NodeProto& n) { return n.op_type() == op_type; }));
}

struct FashionSqueezeNet {
  std::string model, data, quantize;  // quantize: the common part of the command line
};

#define QBENCH_REQUIRE_FASHION(var)                                                              \
  QBENCH_REQUIRE_SHARED(var##_model, "models/fmnist/squeezenet1_1.onnx");                       \
  QBENCH_REQUIRE_SHARED(var##_data, "data/fashion-mnist/test-1000.u8");                         \
  const FashionSqueezeNet var{var##_model, var##_data,                                           \
                              CliPath() + " quantize " + Quote(var##_model) + " --mode static" + \
                                  " --calibration-data " + Quote(var##_data) + " --calibration-size 64"}

TEST(QuantizeFallbackCli, FallbackTopKeepsTheTwoMostSensitiveLayersAndTimesThem) {
  QBENCH_REQUIRE_FASHION(f);
  const std::string dir = testing::TempDir();
  const auto plain = RunCommand(f.quantize + " -o " + dir + "/plain.onnx");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto r = RunCommand(f.quantize + " -o " + dir + "/fb.onnx --fallback-top 2 --eval-limit 64 --threads 2 --json " + dir +
                            "/fb.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The written model has exactly 2 more fp32 Conv than the plain static one (which has none).
  EXPECT_EQ(FloatConvGemmCount(dir + "/plain.onnx"), 0);
  EXPECT_EQ(FloatConvGemmCount(dir + "/fb.onnx"), 2);

  const auto j = nlohmann::json::parse(ReadFileBytes(dir + "/fb.json"));
  ASSERT_TRUE(j.contains("fallback")) << j.dump(1);
  const auto& fb = j["fallback"];
  EXPECT_EQ(fb["criterion"], "fallback_top");
  EXPECT_EQ(fb["fallback_top"], 2);
  EXPECT_TRUE(fb["target_met"].get<bool>());
  EXPECT_EQ(fb["eval_samples"], 64);
  EXPECT_TRUE(fb["eval_on_calibration_data"].get<bool>());
  // The ranking covers the 26 Conv, most sensitive (lowest single-layer SQNR) first, and the kept
  // layers are its first two, excluded by name in the written model's report.
  const auto& ranked = fb["sensitivity"];
  ASSERT_EQ(ranked.size(), 26u);
  for (std::size_t i = 1; i < ranked.size(); ++i) {
    EXPECT_LE(ranked[i - 1]["sqnr_db"].get<double>(), ranked[i]["sqnr_db"].get<double>()) << i;
  }
  ASSERT_EQ(fb["kept_float"].size(), 2u);
  std::int64_t kept_macs = 0;
  for (int i = 0; i < 2; ++i) {
    const auto& k = fb["kept_float"][i];
    EXPECT_EQ(k["name"], ranked[i]["name"]);
    EXPECT_EQ(k["op_type"], "Conv");
    EXPECT_EQ(k["alone"]["sqnr_db"], ranked[i]["sqnr_db"]);
    EXPECT_NE(r.out.find(k["name"].get<std::string>()), std::string::npos) << r.out;
    kept_macs += k["macs"].get<std::int64_t>();
    bool excluded = false;
    for (const auto& n : j["nodes"]) {
      if (n["name"] == k["name"]) excluded = n["reason"] == "excluded by --exclude " + k["name"].get<std::string>();
    }
    EXPECT_TRUE(excluded) << k["name"];
  }
  // `qbench inspect`: 2,995,904 MACs at batch 1, all in the 26 Conv.
  EXPECT_NEAR(fb["float_mac_share"].get<double>(), static_cast<double>(kept_macs) / 2995904.0, 1e-9);
  ASSERT_EQ(fb["steps"].size(), 2u);
  EXPECT_EQ(fb["steps"][0]["keep_float"].size(), 0u);
  EXPECT_EQ(fb["chosen_step"], 1);
  EXPECT_EQ(fb["written"]["sqnr_db"], fb["steps"][1]["sqnr_db"]);

  // Latency: three models timed interleaved, batch 1, 2 intra-op threads.
  const auto& lat = fb["latency"];
  EXPECT_EQ(lat["batch_size"], 1);
  EXPECT_EQ(lat["intra_op_threads"], 2);
  EXPECT_TRUE(lat["fallback_timed"].get<bool>());
  EXPECT_GE(lat["rounds"].get<int>(), 30);
  for (const char* k : {"fp32", "quantized", "fallback"}) {
    EXPECT_GT(lat[k]["median_ms"].get<double>(), 0.0) << k;
    EXPECT_EQ(lat[k]["runs"], lat["rounds"]) << k;
  }
  const double fp32_ms = lat["fp32"]["median_ms"], q_ms = lat["quantized"]["median_ms"],
               fb_ms = lat["fallback"]["median_ms"];
  EXPECT_NEAR(lat["fallback_cost_ms"].get<double>(), fb_ms - q_ms, 1e-9);
  EXPECT_NEAR(lat["fallback_cost_ratio"]["ratio"].get<double>(), fb_ms / q_ms, 1e-9);
  EXPECT_NEAR(lat["quantized_speedup_vs_fp32"]["speedup"].get<double>(), fp32_ms / q_ms, 1e-9);
  EXPECT_NEAR(lat["fallback_speedup_vs_fp32"]["speedup"].get<double>(), fp32_ms / fb_ms, 1e-9);
  // The cost line, or when the fallback measured faster "the fallback is N % faster" (FallbackCostLine).
  EXPECT_NE(r.out.find(fb_ms >= q_ms ? "latency cost of the fallback" : "the fallback is "), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("latency cost"), std::string::npos);  // results on stdout only
  EXPECT_EQ(r.err.find("the fallback is "), std::string::npos);

  // The fidelity reported is the written model's: `qbench eval --reference` on the same samples agrees.
  const auto ev = RunCommand(CliPath() + " eval " + dir + "/fb.onnx --eval-data " + Quote(f.data) +
                             " --eval-limit 64 --reference " + Quote(f.model) + " --json " + dir + "/ev.json");
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  const auto e = nlohmann::json::parse(ReadFileBytes(dir + "/ev.json"));
  EXPECT_NEAR(e["agreement"].get<double>(), fb["written"]["agreement"].get<double>(), 1e-12);
  EXPECT_NEAR(e["sqnr_db"].get<double>(), fb["written"]["sqnr_db"].get<double>(), 1e-3);
}

TEST(QuantizeFallbackCli, EasyMaxDropKeepsNothingAndRanksNothing) {
  QBENCH_REQUIRE_FASHION(f);
  const std::string dir = testing::TempDir();
  const auto r = RunCommand(f.quantize + " -o " + dir + "/m.onnx --max-drop 50 --eval-data " + Quote(f.data) +
                            " --eval-limit 64 --threads 1 --json " + dir + "/m.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(FloatConvGemmCount(dir + "/m.onnx"), 0);
  const auto fb = nlohmann::json::parse(ReadFileBytes(dir + "/m.json"))["fallback"];
  // The fallback search's model is verified before it is written, like any other (docs/verification.md).
  const auto ver = nlohmann::json::parse(ReadFileBytes(dir + "/m.json"))["verification"];
  EXPECT_TRUE(ver["performed"].get<bool>()) << ver.dump();
  ASSERT_EQ(ver["outputs"].size(), 1u);
  EXPECT_GT(ver["outputs"][0]["sqnr_db"].get<double>(), 15.0);
  EXPECT_GT(ver["outputs"][0]["top1_agreement"].get<double>(), 0.5);
  EXPECT_EQ(fb["criterion"], "max_drop");
  EXPECT_EQ(fb["max_drop_points"], 50.0);
  EXPECT_TRUE(fb["target_met"].get<bool>());
  EXPECT_FALSE(fb["eval_on_calibration_data"].get<bool>());
  EXPECT_EQ(fb["kept_float"].size(), 0u);
  EXPECT_EQ(fb["sensitivity"].size(), 0u);  // the fully quantized model met it: no ranking needed
  ASSERT_EQ(fb["steps"].size(), 1u);
  EXPECT_LE(fb["written"]["drop_points"].get<double>(), 50.0);
  EXPECT_EQ(fb["latency"]["intra_op_threads"], 1);
  EXPECT_FALSE(fb["latency"]["fallback_timed"].get<bool>());
  EXPECT_EQ(fb["latency"]["fallback_cost_ms"], 0.0);
  EXPECT_NE(r.out.find("target <= 50: met"), std::string::npos) << r.out;
}

TEST(QuantizeFallbackCli, UnreachableTargetWritesTheSmallestDropWithAWarning) {
  QBENCH_REQUIRE_FASHION(f);
  const std::string dir = testing::TempDir();
  // The 50th percentile clips half of every activation range: the Q/DQ left around MaxPool and
  // Concat keep the drop far above 1 point even with every Conv in fp32.
  const auto r = RunCommand(f.quantize + " -o " + dir + "/u.onnx --percentile 50 --max-drop 1 --eval-limit 32" +
                            " --json " + dir + "/u.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--max-drop 1: not met even with every layer fp32"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("NOT MET"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(ReadFileBytes(dir + "/u.json"));
  const auto& fb = j["fallback"];
  EXPECT_FALSE(fb["target_met"].get<bool>());
  ASSERT_EQ(fb["steps"].size(), 27u);  // 0, 1, ..., 26 layers fp32
  double smallest = 1e9;
  for (const auto& s : fb["steps"]) smallest = std::min(smallest, s["drop_points"].get<double>());
  const std::size_t chosen = fb["chosen_step"];
  EXPECT_EQ(fb["steps"][chosen]["drop_points"].get<double>(), smallest);
  for (std::size_t i = 0; i < chosen; ++i) EXPECT_GT(fb["steps"][i]["drop_points"].get<double>(), smallest) << i;
  EXPECT_EQ(fb["kept_float"].size(), chosen);
  EXPECT_EQ(FloatConvGemmCount(dir + "/u.onnx"), static_cast<int>(chosen));
  bool warned = false;
  for (const auto& w : j["warnings"]) warned = warned || w["code"] == "fallback_target_not_met";
  EXPECT_TRUE(warned);
}

TEST(QuantizeFallbackCli, BadValuesAreUsageErrors) {
  QBENCH_REQUIRE_FASHION(f);
  const std::string dir = testing::TempDir();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--fallback-top -1", "--fallback-top -1: expected a number of layers >= 1"},
      {"--fallback-top 0", "--fallback-top 0: expected a number of layers >= 1"},
      {"--max-drop -5", "--max-drop -5: expected percentage points"},
      {"--max-drop 101", "--max-drop 101: expected percentage points"},
      {"--fallback-top 2 --max-drop 1", "--fallback-top and --max-drop exclude each other"},
      {"--max-drop 1 --eval-limit 0", "--eval-limit 0: expected a number of samples >= 1"},
      {"--fallback-top 27 --eval-limit 8", "--fallback-top 27 exceeds the 26 MAC-bearing layers"},
  };
  for (const auto& [flags, message] : cases) {
    const auto r = RunCommand(f.quantize + " -o " + dir + "/x.onnx " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << flags << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/x.onnx")) << flags;
  }
  // Dynamic mode has no calibration data to fall back on: the evaluation data must be given.
  const auto r = RunCommand(CliPath() + " quantize " + Quote(f.model) + " -o " + dir + "/x.onnx --mode dynamic --fallback-top 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("give --eval-data PATH"), std::string::npos) << r.err;
}

TEST(QuantizeExcludeCli, IndexOfUnnamedNodesAndCommaLists) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");  // unnamed nodes; #0 and #3 are Conv
  const std::string dir = testing::TempDir();
  auto r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/d.onnx --mode dynamic --exclude '#0,#3'" +
                      " --exclude op:Gemm --json " + dir + "/d.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(OpCount(dir + "/d.onnx", "ConvInteger"), 24);
  EXPECT_EQ(OpCount(dir + "/d.onnx", "Conv"), 2);
  const auto j = nlohmann::json::parse(ReadFileBytes(dir + "/d.json"));
  std::set<std::string> excluded;
  for (const auto& n : j["nodes"]) {
    if (n["op_type"] == "Conv" && !n["quantized"].get<bool>()) excluded.insert(n["name"].get<std::string>() + " " + n["reason"].get<std::string>());
  }
  EXPECT_EQ(excluded, (std::set<std::string>{"#0 excluded by --exclude #0", "#3 excluded by --exclude #3"}));
  EXPECT_NE(r.err.find("--exclude 'op:Gemm' matched no node"), std::string::npos) << r.err;  // SqueezeNet has no Gemm

  // A re: item runs to the end of the value: the comma inside {1,1} is the regex's, not a separator.
  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/e.onnx --mode dynamic" +
                 " --exclude 'op:Gemm,re:^#[03]{1,1}$'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(OpCount(dir + "/e.onnx", "ConvInteger"), 24);

  r = RunCommand(CliPath() + " quantize " + Quote(model) + " -o " + dir + "/f.onnx --mode dynamic --exclude '#0,,#3'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--exclude '#0,,#3' has an empty item"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace qbench
