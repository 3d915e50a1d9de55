// `qbench bench` end to end: the formats agree, fixed-batch models are never mislabelled, bad input
// gives one error line and the right exit code.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

const std::string kFast = " --warmup-runs 1 --repetitions 3 --cv-threshold 0 --intra-op-threads 1";

TEST(BenchCli, SqueezeNetSweepJsonCsvMarkdownAgree) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");
  const std::string dir = TempDir();
  const auto r = RunCommand(CliPath() + " bench " + model + " --batch 1,2" + kFast + " --json " + dir +
                            "/r.json --csv " + dir + "/r.csv --md " + dir + "/r.md");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("[qbench]"), std::string::npos) << "progress must go to stderr";
  EXPECT_NE(r.err.find("creating session"), std::string::npos);
  EXPECT_NE(r.out.find("squeezenet1.1"), std::string::npos);

  const auto j = nlohmann::json::parse(Slurp(dir + "/r.json"));
  EXPECT_EQ(j["schema"], "qbench.bench/1");
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
    EXPECT_EQ(res["status"], "measured");
    EXPECT_EQ(res["inputs"][0]["shape"], nlohmann::json({batch, 3, 224, 224}));
    // Every sample is kept; the median is the middle of the three; the warm-up is not among them.
    std::vector<double> lat = res["latency_ms"].get<std::vector<double>>();
    ASSERT_EQ(lat.size(), 3u);
    EXPECT_EQ(res["warmup_latency_ms"].size(), 1u);
    std::sort(lat.begin(), lat.end());
    const double median = res["statistics"]["median_ms"];
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
                      "x3x224x224 | measured | 3 |"),
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
  EXPECT_EQ(j["results"][0]["batch"], 1);
  EXPECT_EQ(j["results"][0]["status"], "measured");
  EXPECT_EQ(j["results"][0]["latency_ms"].size(), 3u);
  EXPECT_EQ(j["results"][1]["batch"], 8);
  EXPECT_EQ(j["results"][1]["status"], "skipped");
  EXPECT_FALSE(j["results"][1].contains("latency_ms"));
  const std::string reason = j["results"][1]["skip_reason"];
  EXPECT_NE(reason.find("\"input\""), std::string::npos) << reason;
  EXPECT_NE(reason.find("flatten_reshape"), std::string::npos) << reason;
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
  for (const auto& res : j["results"]) EXPECT_EQ(res["status"], "measured") << res.dump();
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
}

}  // namespace
}  // namespace qbench
