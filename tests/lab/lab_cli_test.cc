// `qbench lab` end to end with ONNX Runtime: a small lab of tiny models (one fails at batch 2), its output
// files and report, --resume after lost lines and after Ctrl-C, --dry-run, config + flag precedence,
// usage errors, and a lab over the real SqueezeNet 1.1 with the shared ImageNet images.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "qbench/lab/results.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "qbench/report/analysis.h"
#include "test_util.h"

namespace qbench {
namespace {

using nlohmann::json;
using testing::RunCommand;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<json> Records(const std::string& jsonl, const std::string& kind) {
  std::vector<json> out;
  std::istringstream in(Slurp(jsonl));
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("record", "") == kind) out.push_back(j);
  }
  return out;
}

std::vector<float> Ramp(std::size_t n, float scale) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * (static_cast<float>((i * 7) % 13) - 6.0f) / 6.0f;
  return v;
}

// x [N,3,8,8] → Conv 3→4 (3×3, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm 4→5; N dynamic.
std::string TinyDynamic(const std::string& dir) {
  GraphBuilder g("tiny_dynamic", 13);
  g.AddInput("x", DType::kFloat32, {"N", 3, 8, 8});
  g.AddInitializer("w", {4, 3, 3, 3}, Ramp(108, 0.3f));
  g.AddInitializer("b", {4}, {0.1f, -0.1f, 0.2f, 0.f});
  g.AddInitializer("fw", {5, 4}, Ramp(20, 0.5f));
  g.AddInitializer("fb", {5}, {0.f, 0.f, 0.f, 0.f, 0.f});
  g.AddNode("Conv", "conv", {"x", "w", "b"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddNode("Relu", "relu", {"c"}, {"r"});
  g.AddNode("GlobalAveragePool", "gap", {"r"}, {"p"});
  g.AddNode("Flatten", "flatten", {"p"}, {"f"});
  g.AddNode("Gemm", "fc", {"f", "fw", "fb"}, {"y"}, {AttrInt("transB", 1)});
  g.AddOutput("y", DType::kFloat32, {"N", 5});
  const std::string path = dir + "/tiny_dynamic.onnx";
  SaveModel(g.Build(), path);
  return path;
}

// x [1,3,8,8] → Conv 3→4 → Reshape to [1, -1] → Gemm 256→5: the batch is hard-coded in the Reshape,
// so batch 2 cannot run (WithBatchSize refuses rather than silently folding the batch).
std::string TinyFixedBatch(const std::string& dir) {
  GraphBuilder g("tiny_fixed", 13);
  g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  g.AddInitializer("w", {4, 3, 3, 3}, Ramp(108, 0.3f));
  g.AddInt64Initializer("shape", {2}, {1, -1});
  g.AddInitializer("fw", {5, 256}, Ramp(1280, 0.1f));
  g.AddNode("Conv", "conv", {"x", "w"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddNode("Reshape", "reshape", {"c", "shape"}, {"f"});
  g.AddNode("Gemm", "fc", {"f", "fw"}, {"y"}, {AttrInt("transB", 1)});
  g.AddOutput("y", DType::kFloat32, {1, 5});
  const std::string path = dir + "/tiny_fixed.onnx";
  SaveModel(g.Build(), path);
  return path;
}

std::string Cli() { return testing::CliPath(); }

TEST(LabCli, SmallLabEndToEndWithAFailingPointAndResume) {
  const std::string dir = testing::TempDir();
  const std::string a = TinyDynamic(dir), b = TinyFixedBatch(dir), out = dir + "/lab";
  const std::string cmd = Cli() + " lab --models " + a + "," + b +
                          " --variants fp32,static --batch 1,2 --input-size 8 --threads 1 --repetitions 3 --warmup-runs 1"
                          " --calibration-size 4 --no-roofline -o " + out;
  auto r = RunCommand(cmd);
  // Exit 1: some points failed, and the study went on.
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("2 point(s) failed"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(out + "/report.md"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("] 8/8 points"), std::string::npos) << r.err;  // the progress bar reached the end

  for (const char* f : {"results.jsonl", "results.json", "results.csv", "report.md", "plots/size.png",
                        "plots/latency_tiny_dynamic.png", "models/tiny_dynamic.static.onnx", "models/tiny_fixed.static.onnx"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  const json j = json::parse(Slurp(out + "/results.json"));
  EXPECT_EQ(j["planned_points"], 8);
  EXPECT_EQ(j["measured_points"], 8);
  EXPECT_EQ(j["failed_points"], 2);
  EXPECT_TRUE(j["environment"].contains("cpu_model"));
  const LabStudy study = LabStudyFromJson(j);
  for (const auto& p : study.points) {
    if (p.point.model == "tiny_fixed" && p.point.batch == 2) {
      EXPECT_FALSE(p.ok);
      EXPECT_NE(p.error.find("Reshape"), std::string::npos) << p.error;  // says why: the hard-coded batch
    } else {
      EXPECT_TRUE(p.ok) << p.point.Key() << ": " << p.error;
      EXPECT_EQ(p.latency.n, 3);
      EXPECT_EQ(p.samples_ms.size(), 3u);
      EXPECT_GT(p.latency.median_ms, 0);
      if (p.point.variant == "static") {
        EXPECT_TRUE(p.has_speedup);
        EXPECT_EQ(p.timing, "interleaved");
      }
    }
  }
  // Sizes: the static file holds int8 weights, so it is smaller than the fp32 file.
  const auto* fp32 = study.FindModel("tiny_fixed", "fp32");
  const auto* st = study.FindModel("tiny_fixed", "static");
  ASSERT_TRUE(fp32 && st);
  EXPECT_EQ(fp32->file_size_bytes, static_cast<std::int64_t>(std::filesystem::file_size(b)));
  EXPECT_EQ(st->file_size_bytes, static_cast<std::int64_t>(std::filesystem::file_size(out + "/models/tiny_fixed.static.onnx")));
  EXPECT_LT(st->file_size_bytes, fp32->file_size_bytes);
  // The report's numbers are the JSON's.
  const std::string md = Slurp(out + "/report.md");
  for (const auto& p : study.points) {
    if (!p.ok) continue;
    const std::string cell = FormatMs(p.latency.mean_ms) + " ± " + FormatMs(p.latency.stddev_ms) + " | " + FormatMs(p.latency.median_ms) +
                             " " + FormatMedianCi(p.latency) + " |";
    EXPECT_DOUBLE_EQ(p.latency.median_ci_level, 0.75);  // k = 3: [min, max], 1 − 2·0.5³
    EXPECT_NE(md.find("| " + p.point.variant + " | " + std::to_string(p.point.batch) + " | 8 | 1 | " + cell), std::string::npos) << cell;
  }
  EXPECT_NE(md.find(FormatBytes(static_cast<double>(st->file_size_bytes))), std::string::npos);
  EXPECT_NE(md.find("2 point(s) failed"), std::string::npos);
  // results.csv: one row per point.
  std::istringstream csv(Slurp(out + "/results.csv"));
  std::string line;
  int rows = -1;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 8);

  // --resume after the last two point lines were lost: exactly those two are measured again.
  const std::string jsonl = out + "/results.jsonl";
  std::vector<std::string> lines;
  {
    std::istringstream in(Slurp(jsonl));
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::vector<std::string> kept, lost;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const json rec = json::parse(*it);
    if (lost.size() < 2 && rec["record"] == "point" && rec["status"] == "ok") {
      lost.insert(lost.begin(), rec["key"].get<std::string>());
      continue;
    }
    kept.insert(kept.begin(), *it);
  }
  {
    std::ofstream o(jsonl, std::ios::trunc);
    for (const auto& l : kept) o << l << "\n";
  }
  const std::size_t before = Records(jsonl, "point").size();
  r = RunCommand(cmd + " --resume");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the two refused points are still in the study
  const auto after = Records(jsonl, "point");
  ASSERT_EQ(after.size(), before + 2);
  std::set<std::string> remeasured = {after[after.size() - 2]["key"], after[after.size() - 1]["key"]};
  EXPECT_EQ(remeasured, std::set<std::string>(lost.begin(), lost.end()));
  // The summary counts this run's points, not the earlier run's as its own (R14).
  EXPECT_NE(r.out.find("qbench lab: 2 new point(s) recorded (8 in the study with earlier runs), "), std::string::npos) << r.out;
  const json j2 = json::parse(Slurp(out + "/results.json"));
  EXPECT_EQ(j2["measured_points"], 8);
  EXPECT_GT(j2["total_duration_s"].get<double>(), j2["duration_s"].get<double>());
}

TEST(LabCli, CtrlCLeavesValidPartialResultsAndResumeFinishes) {
  const std::string dir = testing::TempDir(), out = dir + "/lab";
  const std::string args = " lab --models zoo:squeezenet1_1 --variants fp32,static --input-size 64 --batch 1-64*2 --threads 1"
                           " --repetitions 20 --warmup-runs 1 --calibration-size 2 --no-roofline --no-plots -o " + out;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string sh = "exec " + Cli() + args + " >" + dir + "/out 2>" + dir + "/err";
    execl("/bin/sh", "sh", "-c", sh.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Interrupt once the first point is on disk.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (Records(out + "/results.jsonl", "point").empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130) << Slurp(dir + "/err");
  const json j = json::parse(Slurp(out + "/results.json"));
  EXPECT_TRUE(j["interrupted"].get<bool>());
  const std::size_t partial = j["points"].size();
  EXPECT_GE(partial, 1u);
  EXPECT_LT(partial, 14u);
  EXPECT_EQ(Records(out + "/results.jsonl", "point").size(), partial);
  EXPECT_NE(Slurp(out + "/report.md").find("interrupted"), std::string::npos);

  auto r = RunCommand(Cli() + args + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto points = Records(out + "/results.jsonl", "point");
  EXPECT_EQ(points.size(), 14u);  // 7 batches × 2 variants, none measured twice
  std::set<std::string> keys;
  for (const auto& p : points) keys.insert(p["key"].get<std::string>());
  EXPECT_EQ(keys.size(), 14u);
  const json j2 = json::parse(Slurp(out + "/results.json"));
  EXPECT_FALSE(j2["interrupted"].get<bool>());
  EXPECT_EQ(j2["measured_points"], 14);
}

TEST(LabCli, DryRunPrintsThePlanAndFlagsOverrideTheConfigFile) {
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/lab.toml") << "models = [\"zoo:resnet18\", \"zoo:mobilenet_v2\"]\nbatch = \"1-16*2\"\nrepetitions = 7\n";
  auto r = RunCommand(Cli() + " lab --config " + dir + "/lab.toml --batch 1,4 --dry-run -o " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 model(s) x 3 variant(s) x batch [1,4]"), std::string::npos) << r.out;  // flag wins
  EXPECT_NE(r.out.find("= 12 point(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("k = 7 repetitions"), std::string::npos) << r.out;  // from the file
  EXPECT_NE(r.out.find("resnet18 (zoo:resnet18)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.814 G"), std::string::npos) << r.out;  // resnet18's MACs at 224
  EXPECT_NE(r.out.find("estimated duration:"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/out"));  // nothing measured, nothing written
}

TEST(LabCli, UsageErrors) {
  const std::string dir = testing::TempDir();
  auto r = RunCommand(Cli() + " lab --batch 0 --dry-run -o " + dir + "/o");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("invalid --batch list '0'"), std::string::npos) << r.err;
  r = RunCommand(Cli() + " lab --variants fp32,int4 --dry-run -o " + dir + "/o");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown variant 'int4'"), std::string::npos) << r.err;
  r = RunCommand(Cli() + " lab --models zoo:resnet19 --dry-run -o " + dir + "/o");
  EXPECT_EQ(r.exit_code, 2);  // a bad value for --models: a usage error, as in every other command
  EXPECT_NE(r.err.find("unknown zoo model 'resnet19'"), std::string::npos) << r.err;
  r = RunCommand(Cli() + " lab --models " + dir + "/missing.onnx --dry-run -o " + dir + "/o");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.onnx"), std::string::npos) << r.err;
  r = RunCommand(Cli() + " lab --config " + dir + "/none.toml --dry-run");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("none.toml"), std::string::npos) << r.err;
}

// Exit status, stderr lines and whether the output folder exists after a command that must be refused.
void ExpectRefused(const std::string& args, int exit_code, const std::string& message, const std::string& out) {
  auto r = RunCommand(Cli() + " lab " + args + " -o " + out);
  EXPECT_EQ(r.exit_code, exit_code) << args << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("qbench: error: " + message, 0), 0u) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out)) << args;
}

TEST(LabCli, EveryOptionAndInputIsCheckedBeforeMeasuring) {
  const std::string dir = testing::TempDir(), out = dir + "/never";
  std::ofstream(dir + "/garbage.onnx") << "garbage\n";
  std::ofstream(dir + "/empty.onnx");
  for (const char* dry : {" --dry-run", ""}) {
    const std::string m = std::string(" --models zoo:squeezenet1_1 --batch 1") + dry;
    ExpectRefused(m + " --eval-data /nonexistent", 1, "--eval-data '/nonexistent': no such file or folder", out);
    ExpectRefused(m + " --calibration-data /nonexistent", 1, "--calibration-data '/nonexistent': no such file or folder", out);
    ExpectRefused(m + " --calibration-method kl", 2, "--calibration-method: unknown calibration method 'kl'", out);
    ExpectRefused(m + " --variants fp32,dynamic --calibration-method kl", 2, "--calibration-method: unknown calibration method 'kl'", out);
    ExpectRefused(m + " --preset foo", 2, "--preset: unknown preprocessing preset 'foo'", out);
    ExpectRefused(m + " --eval-limit -1", 2, "--eval-limit: -1 is negative", out);  // not wrapped to 2^64 - 1
    ExpectRefused(m + " --calibration-size -1", 2, "--calibration-size: -1 is negative", out);
    ExpectRefused(m + " --variants fp32,,static", 2, "--variants 'fp32,,static' has an empty item", out);
    ExpectRefused(std::string(" --models ") + dir + "/garbage.onnx" + dry, 1, "--models: '" + dir + "/garbage.onnx'", out);
    ExpectRefused(std::string(" --models ") + dir + "/empty.onnx" + dry, 1, "--models: '" + dir + "/empty.onnx'", out);
    ExpectRefused(std::string(" --models ") + dir + dry, 1, "--models: '" + dir + "'", out);
  }
}

// A model whose file fixes H = W = 8 is measured at 8 px without --input-size; calibration options
// do not touch the dynamic variant; the report states the CI's level; --resume refuses other settings.
TEST(LabCli, FixedSizeModelDynamicVariantAndResumeSettings) {
  const std::string dir = testing::TempDir(), out = dir + "/lab";
  const std::string model = TinyDynamic(dir);  // x [N,3,8,8]
  const std::string base = Cli() + " lab --models " + model + " --variants fp32,dynamic --batch 1 --threads 1"
                           " --calibration-method minmax --no-roofline --no-plots -o " + out;
  const std::string cmd = base + " --repetitions 3 --warmup-runs 1";
  auto r = RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("static variants are calibrated"), std::string::npos) << r.err;  // no static variant
  EXPECT_NE(r.err.find("[qbench] warning: --calibration-data and --calibration-method apply only to the static variants"),
            std::string::npos) << r.err;
  const std::string ci_warning = "[qbench] warning: k = 3 gives a 75 % interval for the median";
  ASSERT_NE(r.err.find(ci_warning), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(ci_warning, r.err.find(ci_warning) + 1), std::string::npos) << "warned once: " << r.err;
  EXPECT_NE(r.out.find("tiny_dynamic (batch 1, 8 px): fp32 "), std::string::npos) << r.out;
  // --no-plots: no plots folder, and stdout says so instead of pointing at it (F39).
  EXPECT_NE(r.out.find("  plots:   off (--no-plots)\n"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out + "/plots")) << r.out;
  const json j = json::parse(Slurp(out + "/results.json"));
  EXPECT_EQ(j["config"]["model_input_sizes"]["tiny_dynamic"], json::array({8}));
  const LabStudy s = LabStudyFromJson(j);
  ASSERT_EQ(s.points.size(), 2u);
  for (const auto& p : s.points) {
    EXPECT_TRUE(p.ok) << p.point.Key() << ": " << p.error;
    EXPECT_EQ(p.point.input_size, 8);
  }
  const std::string md = Slurp(out + "/report.md");
  // The quantized variant was verified before it was written (docs/verification.md), with real numbers.
  const auto* dyn = s.FindModel("tiny_dynamic", "dynamic");
  ASSERT_TRUE(dyn);
  ASSERT_TRUE(dyn->has_verification);
  EXPECT_TRUE(dyn->verification.performed) << VerificationToJson(dyn->verification).dump();
  ASSERT_EQ(dyn->verification.outputs.size(), 1u);
  EXPECT_EQ(dyn->verification.outputs[0].name, "y");
  EXPECT_GT(dyn->verification.outputs[0].sqnr_db, 15.0);
  EXPECT_GT(dyn->verification.outputs[0].cosine, 0.9);
  EXPECT_FALSE(s.FindModel("tiny_dynamic", "fp32")->has_verification);
  EXPECT_NE(md.find("input size tiny_dynamic at 8 px (fixed by its model file)"), std::string::npos) << md;
  EXPECT_NE(md.find(" (75 % CI: n=3) |"), std::string::npos) << md;
  // The dynamic quantizer's notes cite a file outside the repository; the lab's outputs explain inline.
  for (const char* f : {"report.md", "results.json", "results.jsonl"})
    EXPECT_EQ(Slurp(out + "/" + f).find("MEASUREMENT.md"), std::string::npos) << f;

  // --resume with other settings: refused, listing them, before anything is written.
  const std::string jsonl = Slurp(out + "/results.jsonl");
  r = RunCommand(base + " --resume --repetitions 4 --warmup-runs 2");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("qbench: error: --resume: the study in " + out +
                       "/results.jsonl was measured with other settings (--repetitions 3 earlier, 4 now; "
                       "--warmup-runs 1 earlier, 2 now)"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(Slurp(out + "/results.jsonl"), jsonl);
  // The same settings: nothing left to measure.
  r = RunCommand(cmd + " --resume");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("qbench lab: 0 new point(s) recorded (2 in the study with earlier runs), 0 failed"), std::string::npos) << r.out;
  EXPECT_EQ(Records(out + "/results.jsonl", "point").size(), 2u);
}

TEST(LabCli, RealSqueezeNetWithImageNetSample) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/imagenet-sample");
  const std::string dir = testing::TempDir(), out = dir + "/lab";
  auto r = RunCommand(Cli() + " lab --models " + model + " --variants fp32,static --batch 1 --threads 2 --repetitions 3"
                      " --calibration-data " + data + " --calibration-size 8 --eval-data " + data +
                      " --eval-limit 24 --roofline-cache " + dir + "/roofline.json -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const LabStudy s = LabStudyFromJson(json::parse(Slurp(out + "/results.json")));
  ASSERT_EQ(s.points.size(), 2u);
  for (const auto& p : s.points) EXPECT_TRUE(p.ok) << p.error;
  // The fixed [1,3,224,224] input was measured as it is: 0.3492 GMAC per image (issue 3's table).
  EXPECT_NEAR(static_cast<double>(s.points[0].macs), 0.3492e9, 0.0005e9);
  // Calibrated on real images, not random data.
  const auto* st = s.FindModel("squeezenet1.1", "static");
  ASSERT_NE(st, nullptr);
  EXPECT_NE(st->calibration.find("imagenet-sample"), std::string::npos) << st->calibration;
  EXPECT_LT(st->file_size_bytes * 10, 3 * s.FindModel("squeezenet1.1", "fp32")->file_size_bytes);  // < 0.3x
  // Accuracy: the lab's fp32 top-1 equals `qbench eval` on the same 24 images; int8 agrees with fp32.
  const auto* a32 = s.FindAccuracy("squeezenet1.1", "fp32");
  const auto* a8 = s.FindAccuracy("squeezenet1.1", "static");
  ASSERT_TRUE(a32 && a8);
  ASSERT_TRUE(a32->ok) << a32->error;
  ASSERT_TRUE(a8->ok) << a8->error;
  EXPECT_EQ(a32->samples, 24);
  auto e = RunCommand(Cli() + " eval " + model + " --eval-data " + data + " --preset imagenet --eval-limit 24 --json " + dir + "/eval.json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const json ej = json::parse(Slurp(dir + "/eval.json"));
  EXPECT_DOUBLE_EQ(a32->top1, ej["top1"].get<double>());
  EXPECT_GE(a8->top1_agreement, 0.8);
  EXPECT_EQ(a32->top1_agreement, -1);  // the baseline is not compared with itself
  EXPECT_TRUE(a8->has_paired);
  EXPECT_EQ(a8->both_correct + a8->variant_only_correct, std::llround(a8->top1 * 24));
  // The roofline ran and its cache was written, unless the machine was busy (then the peaks say why
  // not, as report.md does); the report has the accuracy and roofline sections.
  ASSERT_EQ(s.roofline.size(), 1u);
  EXPECT_TRUE(s.roofline[0].ok) << s.roofline[0].error;
  if (s.roofline[0].not_cached.empty()) EXPECT_TRUE(std::filesystem::exists(dir + "/roofline.json"));
  else EXPECT_NE(Slurp(out + "/report.md").find("; not cached |"), std::string::npos);
  const std::string md = Slurp(out + "/report.md");
  EXPECT_NE(md.find("## Accuracy"), std::string::npos);
  EXPECT_NE(md.find("## Roofline"), std::string::npos);
  // 24 images: either a verdict or the reason for none, from the paired interval.
  EXPECT_TRUE(md.find("Best trade-off: **static**") != std::string::npos || md.find("No best trade-off named") != std::string::npos)
      << md;
  EXPECT_NE(md.find("paired 95 % CI"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out + "/plots/accuracy_vs_latency.png"));
  EXPECT_TRUE(std::filesystem::exists(out + "/plots/roofline_static.png"));
}

}  // namespace
}  // namespace qbench
