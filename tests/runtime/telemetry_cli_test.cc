// Nothing leaves the machine: `qbench bench`, `quantize` and `lab` run with HOME pointing at an
// empty folder write nothing there but qbench's own cache (~/.cache/qbench). The pinned ONNX Runtime
// otherwise creates ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db} — the
// control test shows it does, so the check can fail.
#include <gtest/gtest.h>
#include <onnxruntime_cxx_api.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {
namespace fs = std::filesystem;

// Variables under which ORT suppresses telemetry by itself (CI detection, its own test harness) and
// qbench's own switch: unset, so the runs below see a user's ordinary environment.
const char* const kTelemetryVars[] = {"ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED", "ORT_RUNNING_UNIT_TESTS",
                                      "CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS",
                                      "JENKINS_URL", "CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR",
                                      "BITBUCKET_BUILD_NUMBER", "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "XDG_CACHE_HOME"};

std::string CleanEnv(const std::string& home) {
  std::string s = "env";
  for (const char* v : kTelemetryVars) s += std::string(" -u ") + v;
  return s + " HOME=" + home + " ";
}

// Every regular file under `dir`, relative, except those under .cache/qbench.
std::vector<std::string> ForeignFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    if (rel == ".cache" || rel == ".cache/qbench" || rel.rfind(".cache/qbench/", 0) == 0) continue;
    out.push_back(rel);
  }
  return out;
}

std::string TinyModel(const std::string& dir) {
  GraphBuilder g("tiny", 13);
  g.AddInput("x", DType::kFloat32, {"N", 3, 8, 8});
  std::vector<float> w(4 * 3 * 3 * 3);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i % 7) - 3) / 10.0f;
  g.AddInitializer("w", {4, 3, 3, 3}, w);
  g.AddNode("Conv", "conv", {"x", "w"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddNode("Relu", "relu", {"c"}, {"r"});
  g.AddNode("GlobalAveragePool", "gap", {"r"}, {"p"});
  g.AddNode("Flatten", "flatten", {"p"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  const std::string path = dir + "/tiny.onnx";
  SaveModel(g.Build(), path);
  return path;
}

// Control: a plain Ort::Env, created in a child process whose HOME is `home`, with the variables
// above unset. True when ONNX Runtime wrote anything under `home`.
bool PlainOrtWritesUnderHome(const std::string& home) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const char* v : kTelemetryVars) ::unsetenv(v);
    ::setenv("HOME", home.c_str(), 1);
    try {
      Ort::Env env(ORT_LOGGING_LEVEL_FATAL, "control");
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return !ForeignFiles(home).empty();
}

TEST(Telemetry, PlainOnnxRuntimeWritesADeviceIdControl) {
  const std::string home = testing::TempDir() + "/control_home";
  fs::create_directories(home);
  if (!PlainOrtWritesUnderHome(home))
    GTEST_SKIP() << "this ONNX Runtime build writes nothing under HOME even without qbench's switch; the HOME test "
                    "below cannot tell qbench's switch from ORT's default";
  EXPECT_TRUE(fs::exists(home + "/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid"));
}

TEST(Telemetry, BenchQuantizeAndLabWriteNothingUnderHomeButQbenchsCache) {
  const std::string dir = testing::TempDir();
  const std::string home = dir + "/home";
  fs::create_directories(home);
  const std::string model = TinyModel(dir);
  const std::string env = CleanEnv(home);
  const std::string cli = testing::CliPath();

  auto r = testing::RunCommand(env + cli + " bench " + model + " --dim N=1 --repetitions 3 --warmup-runs 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ForeignFiles(home), std::vector<std::string>{}) << "after bench";

  r = testing::RunCommand(env + cli + " quantize " + model + " --mode static --calibration-size 4 -o " + dir + "/q.onnx");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ForeignFiles(home), std::vector<std::string>{}) << "after quantize";

  // With the roofline: its peaks go to qbench's cache, and its per-op profiles open their own sessions.
  r = testing::RunCommand(env + cli + " lab --models " + model +
                          " --variants fp32,dynamic --batch 1 --input-size 8 --threads 1 --repetitions 3 "
                          "--warmup-runs 1 --no-plots -o " + dir + "/lab");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ForeignFiles(home), std::vector<std::string>{}) << "after lab";
  // The peaks are cached only when measured on a quiet machine; on a busy one (CI) the lab must say why not.
  if (!fs::exists(home + "/.cache/qbench")) {
    const std::string said = r.err + ReadFileBytes(dir + "/lab/results.json");
    EXPECT_TRUE(said.find("not cached") != std::string::npos)
        << "the lab neither kept its roofline peaks in qbench's own cache nor said why not:\n" << r.err;
  }
}

}  // namespace
}  // namespace qbench
