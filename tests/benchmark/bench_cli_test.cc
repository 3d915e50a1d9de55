// `qbench bench` end to end: the formats agree, fixed-batch models are never mislabelled, bad input
// gives one error line and the right exit code.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

using ::qbench::testing::CliPath;
using ::qbench::testing::RunCommand;
using ::qbench::testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field), field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field), field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

const std::string kFast = " --warmup-runs 1 --repetitions 3 --cv-threshold 0 --threads 1";

TEST(BenchCli, SqueezeNetSweepJsonCsvMarkdownAgree) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");
  const std::string dir = TempDir();
  const auto r = RunCommand(CliPath() + " bench " + model + " --batch 1,2" + kFast + " --json " + dir +
                            "/r.json --csv " + dir + "/r.csv --md " + dir + "/r.md");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("[qbench]"), std::string::npos) << "progress must go to stderr";
  EXPECT_NE(r.err.find("session created"), std::string::npos);
  EXPECT_NE(r.out.find("squeezenet1.1"), std::string::npos);

  const auto j = nlohmann::json::parse(Slurp(dir + "/r.json"));
  EXPECT_EQ(j["schema"], "qbench.bench/2");
  EXPECT_FALSE(j["environment"]["cpu_model"].get<std::string>().empty());
  EXPECT_EQ(j["environment"]["intra_op_threads"], 1);
  EXPECT_TRUE(j["environment"]["isa"].is_object());
  ASSERT_EQ(j["results"].size(), 2u);
  bool p99_warned = false;
  for (const auto& w : j["warnings"]) p99_warned |= w["code"] == "few_samples_p99";
  EXPECT_TRUE(p99_warned);

  const auto csv = ParseCsv(Slurp(dir + "/r.csv"));
  ASSERT_EQ(csv.size(), 3u);
  const auto& header = csv[0];
  auto col = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(col("median_ms"), header.size());
  const std::string md = Slurp(dir + "/r.md");

  for (int i = 0; i < 2; ++i) {
    const auto& res = j["results"][i];
    const int batch = i + 1;
    EXPECT_EQ(res["batch"], batch);
    EXPECT_EQ(res["status"], "ok");
    EXPECT_EQ(res["inputs"][0]["shape"], nlohmann::json({batch, 3, 224, 224}));
    // Every sample is kept; the median is the middle of the three; the warm-up is not among them.
    std::vector<double> lat = res["samples_ms"].get<std::vector<double>>();
    ASSERT_EQ(lat.size(), 3u);
    EXPECT_EQ(res["warmup_samples_ms"].size(), 1u);
    std::sort(lat.begin(), lat.end());
    const double median = res["latency_ms"]["median_ms"];
    EXPECT_DOUBLE_EQ(median, lat[1]);
    EXPECT_NEAR(res["throughput_samples_per_s"].get<double>(), batch * 1000.0 / median, 1e-6);
    // CSV row i+1 carries the same point and the same median (9 significant digits).
    const auto& row = csv[i + 1];
    EXPECT_EQ(row[col("model")], "squeezenet1.1");
    EXPECT_EQ(row[col("batch")], std::to_string(batch));
    EXPECT_EQ(row[col("inputs")], "data=" + std::to_string(batch) + "x3x224x224");
    EXPECT_NEAR(std::stod(row[col("median_ms")]), median, 1e-8 * median);
    EXPECT_EQ(row[col("n")], "3");
    // Markdown row: the same median rounded to 3 decimals.
    char rounded[32];
    std::snprintf(rounded, sizeof rounded, "%.3f", median);
    EXPECT_NE(md.find("| squeezenet1.1 | " + std::to_string(batch) + " | data=" + std::to_string(batch) +
                      "x3x224x224 | ok | 3 |"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find(std::string("| ") + rounded + " |"), std::string::npos) << rounded;
  }
}

// c11 fixes batch 1 and hard-codes Reshape [1,-1]: batch 1 is measured, batch 8 is skipped with one line
// naming the input and node flatten_reshape, and nothing is ever reported as batch 8.
TEST(BenchCli, FixedBatchModelSkipsBatch8WithReason) {
  QBENCH_REQUIRE_SHARED(model, "cases/c11_fixed_batch/model.onnx");
  const std::string dir = TempDir();
  const auto r = RunCommand(CliPath() + " bench " + model + " --batch 1,8" + kFast + " --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(r.err, "flatten_reshape"), 1) << r.err;
  const auto j = nlohmann::json::parse(Slurp(dir + "/r.json"));
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["model"], "c11_fixed_batch");  // model.onnx is named by its folder
  EXPECT_EQ(j["results"][0]["batch"], 1);
  EXPECT_EQ(j["results"][0]["status"], "ok");
  EXPECT_EQ(j["results"][0]["samples_ms"].size(), 3u);
  EXPECT_EQ(j["results"][1]["batch"], 8);
  EXPECT_EQ(j["results"][1]["status"], "failed");
  EXPECT_FALSE(j["results"][1].contains("latency_ms"));
  const std::string reason = j["results"][1]["error"];
  EXPECT_NE(reason.find("\"input\""), std::string::npos) << reason;
  EXPECT_NE(reason.find("flatten_reshape"), std::string::npos) << reason;
}

// A model ONNX Runtime refuses: one error line naming the file, the node and the fix; no progress
// line, no raw ORT text (source paths, signatures, colours).
TEST(BenchCli, ModelOrtRefusesIsOneActionableLine) {
  const std::string dir = TempDir();
  GraphBuilder g("broken", 13);
  g.AddInput("x", DType::kFloat32, {1, 4});
  g.AddOutput("y", DType::kFloat32, {1, 4});
  g.AddNode("NoSuchOp", "mystery", {"x"}, {"y"});
  SaveModel(g.Build(), dir + "/broken.onnx");
  const auto r = RunCommand(CliPath() + " bench " + dir + "/broken.onnx" + kFast);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("[qbench] bench:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("onnxruntime_src"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("qbench: error: node 'mystery' of '" + dir + "/broken.onnx' uses operator NoSuchOp"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Count(r.err, "NoSuchOp"), 2) << r.err;  // once in the line ("uses operator", "defines"): not repeated
  // --verbose shows ONNX Runtime's raw message.
  const auto v = RunCommand(CliPath() + " --verbose bench " + dir + "/broken.onnx" + kFast);
  EXPECT_NE(v.err.find("No Op registered for NoSuchOp with domain_version of 13"), std::string::npos) << v.err;
}

// c16: token ids feed a 100-row Gather; generated ids stay in range, so batch 8 runs too.
TEST(BenchCli, TokenIdModelRunsAtEveryBatch) {
  QBENCH_REQUIRE_SHARED(model, "cases/c16_int64_token_ids/model.onnx");
  const std::string dir = TempDir();
  // --dim before the model: it takes one value and leaves the model positional alone.
  const auto r = RunCommand(CliPath() + " bench --dim seq=7 " + model + " --batch 1,8" + kFast + " --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(Slurp(dir + "/r.json"));
  ASSERT_EQ(j["results"].size(), 2u);
  for (const auto& res : j["results"]) EXPECT_EQ(res["status"], "ok") << res.dump();
  const std::string values = j["results"][1]["inputs"][0]["values"];
  EXPECT_NE(values.find("[0, 99]"), std::string::npos) << values;
}

TEST(BenchCli, BadInputIsOneErrorLine) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");
  struct Case {
    std::string args;
    int exit_code;
    std::string must_mention;
  };
  const Case cases[] = {
      {"--batch 0", 2, "0"},
      {"--batch=-2", 2, "-2"},
      {"--batch 1,0", 2, "0"},
      {"--shape nosuch=1x3x224x224", 2, "nosuch"},
      {"--provider nope", 2, "cpu"},
      {"--repetitions 0", 2, "--repetitions"},
      {"--graph-optimization max", 2, "extended"},
      {"--json /nonexistent-dir/r.json", 2, "/nonexistent-dir"},
      {"--csv /nonexistent-dir/r.csv", 2, "--csv '/nonexistent-dir/r.csv': folder '/nonexistent-dir' does not exist"},
      // Empty lists and items are refused, not read as "unset" or skipped.
      {"--batch ''", 2, "--batch is empty"},
      {"--batch 1,,2", 2, "--batch '1,,2' has an empty item"},
      {"--batch 1,2,", 2, "--batch '1,2,' has an empty item"},
      // An empty number is "empty", not "0 is out of range"; a negative seed is not wrapped to 2^64 - 1.
      {"--repetitions ''", 2, "--repetitions: the value is empty; expected a number"},
      {"--warmup-runs abc", 2, "--warmup-runs: 'abc' is not a number"},
      {"--seed -1", 2, "--seed: -1 is negative"},
      {"--seed=-1", 2, "--seed: -1 is negative"},
      {"--threads -2", 2, "--threads: -2 is negative"},
      {"--batch 1-16*1", 2, "--batch"},  // the lab's range syntax, with its checks (factor >= 2)
      {"--provider nope", 2, "usable: cpu"},
  };
  for (const auto& c : cases) {
    const auto r = RunCommand(CliPath() + " bench " + model + " " + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.err;
    EXPECT_EQ(Count(r.err, "qbench: error:"), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.must_mention), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
  const auto missing = RunCommand(CliPath() + " bench /nonexistent/model.onnx");
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_EQ(Count(missing.err, "qbench: error:"), 1) << missing.err;
  // Output paths are checked before the models are loaded: the --json error wins over the model's.
  const auto both = RunCommand(CliPath() + " bench /nonexistent/model.onnx --json /nonexistent-dir/r.json");
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_NE(both.err.find("--json"), std::string::npos) << both.err;
  const auto zoo = RunCommand(CliPath() + " bench zoo:resnet19");
  EXPECT_EQ(zoo.exit_code, 2) << zoo.err;
  EXPECT_NE(zoo.err.find("unknown zoo model 'resnet19'"), std::string::npos) << zoo.err;
}

// zoo:squeezenet1_1 (224x224) against the fmnist SqueezeNet file (32x32): both are named
// "squeezenet1_1", so the file's row takes its folder ("fmnist/squeezenet1_1"); their inputs differ,
// so there is no speedup (a 224 px vs 32 px latency ratio is not one): "n/a (inputs differ)" in the
// table, null plus the reason in JSON. With 3 runs the median CI is [min, max] at 75 %: the table
// says so instead of "95% CI", the CSV carries median_ci_level 0.75, and a warning suggests
// --repetitions 6 or more.
TEST(BenchCli, DifferentInputsGetDistinctNamesAndNoSpeedup) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  const std::string dir = TempDir();
  const auto r = RunCommand(CliPath() + " bench zoo:squeezenet1_1 " + model + kFast + " --json " + dir +
                            "/r.json --csv " + dir + "/r.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(Slurp(dir + "/r.json"));
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["model"], "squeezenet1_1");
  EXPECT_EQ(j["results"][1]["model"], "fmnist/squeezenet1_1");
  EXPECT_EQ(j["results"][0]["inputs"][0]["shape"], nlohmann::json({1, 3, 224, 224}));
  EXPECT_EQ(j["results"][1]["inputs"][0]["shape"], nlohmann::json({1, 3, 32, 32}));
  EXPECT_FALSE(j["results"][1].contains("speedup"));
  EXPECT_EQ(j["results"][1]["speedup_unavailable"], "inputs differ");
  EXPECT_DOUBLE_EQ(j["results"][0]["latency_ms"]["median_ci_level"].get<double>(), 0.75);

  EXPECT_NE(r.out.find("fmnist/squeezenet1_1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("n/a (inputs differ)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("x ["), std::string::npos) << "no speedup ratio may be printed\n" << r.out;
  EXPECT_EQ(r.out.find("95% CI ms"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("median CI ms, level"), std::string::npos) << r.out;
  EXPECT_EQ(Count(r.out, "] 75%"), 2) << r.out;
  EXPECT_NE(r.err.find("with 3 timed runs the median's interval [min, max] has a confidence level of only 75 %"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("use --repetitions 6 or more [low_ci_level]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no speedup is given"), std::string::npos) << r.err;

  const auto csv = ParseCsv(Slurp(dir + "/r.csv"));
  ASSERT_EQ(csv.size(), 3u);
  const auto level = std::find(csv[0].begin(), csv[0].end(), "median_ci_level") - csv[0].begin();
  ASSERT_LT(static_cast<size_t>(level), csv[0].size());
  EXPECT_EQ(csv[1][level], "0.75");
  EXPECT_EQ(csv[2].back(), "no speedup vs squeezenet1_1: inputs differ");
}

}  // namespace
}  // namespace qbench
