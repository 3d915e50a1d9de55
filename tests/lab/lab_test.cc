// RunLab with a fake backend: records as they are measured, failures, interruption and --resume.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_backend.h"
#include "qbench/core/error.h"
#include "qbench/lab/lab.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::FakeLabBackend;

LabConfig SmallConfig(const std::string& out) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:tiny_a", "zoo:tiny_b"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1,4");
  c.input_sizes = ParseSweepAxis("input-size", "32");
  c.threads = ParseSweepAxis("threads", "1");
  c.repetitions = 3;
  c.output_dir = out;
  return c;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int CountRecords(const std::string& path, const std::string& kind) {
  int n = 0;
  for (const auto& l : Lines(path)) n += nlohmann::json::parse(l)["record"] == kind ? 1 : 0;
  return n;
}

TEST(RunLab, MeasuresEveryPointAndWritesJsonlAsItGoes) {
  const std::string out = testing::TempDir() + "/lab";
  FakeLabBackend backend;
  backend.base_ms = {{"tiny_a", 2.0}, {"tiny_b", 1.0}};
  // Each group's points are on disk before the next group is measured.
  int groups_seen = 0;
  backend.after_group = [&](const SweepGroup&) {
    EXPECT_EQ(CountRecords(ResultsJsonlPath(out), "point"), 2 * groups_seen);
    ++groups_seen;
  };
  LabStudy s = RunLab(SmallConfig(out), backend);
  EXPECT_EQ(groups_seen, 4);
  ASSERT_EQ(s.points.size(), 8u);  // 2 models × 2 variants × 2 batches
  EXPECT_EQ(s.planned_points, 8);
  EXPECT_EQ(s.FailedPoints(), 0);
  EXPECT_FALSE(s.interrupted);
  EXPECT_EQ(s.points[0].point.Key(), "tiny_a|fp32|b1|s32|t1");
  // static is 0.5× the fp32 latency in the fake → speedup 2.
  const PointResult* p = s.FindPoint("tiny_a|static|b4|s32|t1");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->has_speedup);
  EXPECT_DOUBLE_EQ(p->speedup, 2.0);
  EXPECT_DOUBLE_EQ(p->latency.median_ms, 2.0 * 4 * 0.5 * 7.0);  // base × batch × factor × 224/32
  EXPECT_EQ(s.models.size(), 4u);
  EXPECT_EQ(s.op_profiles.size(), 4u);
  EXPECT_TRUE(s.accuracy.empty());  // no --eval-data
  EXPECT_EQ(CountRecords(ResultsJsonlPath(out), "point"), 8);
  EXPECT_EQ(CountRecords(ResultsJsonlPath(out), "model"), 4);
  EXPECT_EQ(CountRecords(ResultsJsonlPath(out), "run_end"), 1);
  // The jsonl reads back into the same points.
  auto back = ReadResultsJsonl(ResultsJsonlPath(out));
  ASSERT_EQ(back.points.size(), 8u);
  EXPECT_DOUBLE_EQ(back.points[3].latency.median_ms, s.points[3].latency.median_ms);
  EXPECT_EQ(back.points[3].samples_ms, s.points[3].samples_ms);
}

TEST(RunLab, FailingPointIsRecordedAndTheRestMeasured) {
  const std::string out = testing::TempDir() + "/lab";
  FakeLabBackend backend;
  backend.fail_points["tiny_a|fp32|b4|s32|t1"] = "model fixes batch 1; cannot run batch 4";
  backend.fail_points["tiny_a|static|b4|s32|t1"] = "model fixes batch 1; cannot run batch 4";
  backend.fail_models = {"tiny_b"};
  LabStudy s = RunLab(SmallConfig(out), backend);
  ASSERT_EQ(s.points.size(), 8u);
  EXPECT_EQ(s.FailedPoints(), 6);  // 2 at batch 4 of tiny_a, all 4 of tiny_b
  EXPECT_TRUE(s.FindPoint("tiny_a|fp32|b1|s32|t1")->ok);
  EXPECT_TRUE(s.FindPoint("tiny_a|static|b1|s32|t1")->ok);
  EXPECT_EQ(s.FindPoint("tiny_a|fp32|b4|s32|t1")->error, "model fixes batch 1; cannot run batch 4");
  const auto* b = s.FindPoint("tiny_b|static|b1|s32|t1");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->ok);
  EXPECT_NE(b->error.find("cannot load tiny_b"), std::string::npos) << b->error;
  EXPECT_FALSE(s.FindModel("tiny_b", "fp32")->ok);
}

TEST(RunLab, StopsWhenAskedAndResumeMeasuresOnlyWhatIsMissing) {
  const std::string out = testing::TempDir() + "/lab";
  LabConfig config = SmallConfig(out);
  config.eval_data = "fake";
  {
    FakeLabBackend backend;
    bool stop = false;
    int groups = 0;
    backend.after_group = [&](const SweepGroup&) { stop = ++groups == 3; };
    LabRunOptions opts;
    opts.should_stop = [&] { return stop; };
    LabStudy s = RunLab(config, backend, opts);
    EXPECT_TRUE(s.interrupted);
    EXPECT_EQ(s.points.size(), 6u);  // three groups of two variants
    EXPECT_EQ(backend.measured.size(), 6u);
  }
  {
    FakeLabBackend backend;
    config.resume = true;
    LabStudy s = RunLab(config, backend);
    EXPECT_FALSE(s.interrupted);
    EXPECT_EQ(s.points.size(), 8u);
    // Only tiny_b batch 4 was missing: measured now, nothing else.
    EXPECT_EQ(backend.measured, (std::vector<std::string>{"tiny_b|fp32|b4|s32|t1", "tiny_b|static|b4|s32|t1"}));
    // tiny_a was complete, accuracy included; tiny_b's accuracy came after the stop: only it is evaluated.
    EXPECT_EQ(backend.evaluated,
              (std::vector<std::string>{"tiny_b|fp32", "tiny_b|static"}));
    EXPECT_EQ(s.accuracy.size(), 4u);  // both models, both variants
    EXPECT_GT(s.total_duration_s, s.duration_s);
  }
}

TEST(RunLab, ResumeAfterLostLinesRemeasuresThem) {
  const std::string out = testing::TempDir() + "/lab";
  LabConfig config = SmallConfig(out);
  {
    FakeLabBackend backend;
    RunLab(config, backend);
  }
  // Drop the last two point lines (as if the run had died) and cut one line in half.
  auto lines = Lines(ResultsJsonlPath(out));
  std::vector<std::string> kept;
  int dropped = 0;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (dropped < 2 && nlohmann::json::parse(*it)["record"] == "point") {
      ++dropped;
      continue;
    }
    kept.insert(kept.begin(), *it);
  }
  std::ofstream(ResultsJsonlPath(out)) << [&] {
    std::string s;
    for (const auto& l : kept) s += l + "\n";
    return s + "{\"record\":\"point\",\"model\":\"tiny_a\",\"var";  // a torn last line
  }();
  FakeLabBackend backend;
  config.resume = true;
  WarningList warnings;
  LabRunOptions opts;
  opts.warnings = &warnings;
  LabStudy s = RunLab(config, backend, opts);
  EXPECT_EQ(backend.measured, (std::vector<std::string>{"tiny_b|fp32|b4|s32|t1", "tiny_b|static|b4|s32|t1"}));
  EXPECT_TRUE(backend.prepared == std::vector<std::string>{"tiny_b"});
  EXPECT_EQ(s.points.size(), 8u);
  std::string codes;
  for (const auto& w : warnings.items()) codes += w.code + ";";
  EXPECT_NE(codes.find("jsonl_skipped_lines;"), std::string::npos) << codes;
}

// --resume with a variant left out: every record of it leaves the study, its op profiles (the
// roofline tables) included, not only its points and model records.
TEST(RunLab, ResumeWithoutAVariantDropsAllOfItsRecordsProfilesIncluded) {
  const std::string out = testing::TempDir() + "/lab";
  LabConfig config = SmallConfig(out);
  {
    FakeLabBackend backend;
    const LabStudy s = RunLab(config, backend);
    EXPECT_EQ(s.op_profiles.size(), 4u);  // 2 models × fp32, static
  }
  FakeLabBackend backend;
  config.resume = true;
  config.variants = {"fp32"};
  const LabStudy s = RunLab(config, backend);
  EXPECT_TRUE(backend.measured.empty());
  EXPECT_EQ(s.points.size(), 4u);
  EXPECT_EQ(s.models.size(), 2u);
  ASSERT_EQ(s.op_profiles.size(), 2u);
  for (const auto& o : s.op_profiles) EXPECT_EQ(o.variant, "fp32") << o.model;
  EXPECT_EQ(s.op_profiles[0].model, "tiny_a");
  EXPECT_EQ(s.op_profiles[1].model, "tiny_b");
}

TEST(RunLab, AFolderHoldingAStudyIsRefusedWithoutResumeOrForce) {
  const std::string out = testing::TempDir() + "/lab";
  FakeLabBackend a;
  RunLab(SmallConfig(out), a);
  const std::string before = Slurp(ResultsJsonlPath(out));
  FakeLabBackend b;
  try {
    RunLab(SmallConfig(out), b);
    FAIL() << "a second run into the same folder was not refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;  // one line
    EXPECT_NE(m.find("--output '" + out + "' already holds a study (8 point(s), last written "), std::string::npos) << m;
    EXPECT_NE(m.find("give --resume to continue it, --force to move it to a dated folder"), std::string::npos) << m;
  }
  EXPECT_TRUE(b.measured.empty());
  EXPECT_EQ(Slurp(ResultsJsonlPath(out)), before);  // untouched, no .previous rotation
  EXPECT_FALSE(std::filesystem::exists(ResultsJsonlPath(out) + ".previous"));
}

TEST(RunLab, AnOutputThatIsAFileIsAUsageErrorBeforeAnyWork) {
  const std::string file = testing::TempDir() + "/afile";
  std::ofstream(file) << "not a folder";
  for (const std::string& out : {file, file + "/sub"}) {
    FakeLabBackend b;
    try {
      RunLab(SmallConfig(out), b);
      FAIL() << "--output " << out << " under a regular file was not refused";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);  // exit 2
      const std::string m = e.what();
      EXPECT_EQ(m, "--output '" + out + "': '" + file + "' is a file, not a folder; give a folder path (new or existing) "
                   "with --output");
    }
    EXPECT_TRUE(b.measured.empty());
  }
  EXPECT_EQ(Slurp(file), "not a folder");  // untouched
  // A new folder below an existing one is fine.
  FakeLabBackend ok;
  EXPECT_NO_THROW(RunLab(SmallConfig(testing::TempDir() + "/new/lab"), ok));
}

TEST(RunLab, ForceMovesTheOldStudyToADatedFolderTwiceWithoutLosingEither) {
  const std::string dir = testing::TempDir(), out = dir + "/lab";
  FakeLabBackend a;
  RunLab(SmallConfig(out), a);
  std::ofstream(out + "/notes.txt") << "mine";  // not a study file: stays
  LabConfig c = SmallConfig(out);
  c.force = true;
  std::vector<std::string> moved;
  for (int run = 0; run < 2; ++run) {
    FakeLabBackend b;
    LabStudy s = RunLab(c, b);
    EXPECT_EQ(b.measured.size(), 8u);
    ASSERT_FALSE(s.config.earlier_study_moved_to.empty());
    moved.push_back(s.config.earlier_study_moved_to);
  }
  ASSERT_NE(moved[0], moved[1]);  // two reruns within a second keep two studies
  for (const auto& m : moved) {
    EXPECT_EQ(m.rfind(out + ".", 0), 0u) << m;  // "<out>.YYYYmmdd-HHMMSS[-2]" beside the folder
    EXPECT_EQ(CountRecords(ResultsJsonlPath(m), "point"), 8) << m;
  }
  EXPECT_EQ(CountRecords(ResultsJsonlPath(out), "point"), 8);
  EXPECT_EQ(Slurp(out + "/notes.txt"), "mine");
  EXPECT_FALSE(std::filesystem::exists(moved[0] + "/notes.txt"));
}

TEST(RunLab, ResumeNeedsAStudyAndExcludesForce) {
  const std::string out = testing::TempDir() + "/lab";
  LabConfig c = SmallConfig(out);
  c.resume = true;
  FakeLabBackend backend;
  try {
    RunLab(c, backend);
    FAIL() << "--resume into an empty folder ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("--resume: '" + out + "' holds no study (no results.jsonl) to continue"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(backend.measured.empty());
  EXPECT_FALSE(std::filesystem::exists(out));
  c.force = true;
  try {
    RunLab(c, backend);
    FAIL() << "--resume --force was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--resume and --force contradict each other"), std::string::npos) << e.what();
  }
}

TEST(RunLab, ProgressReachesTheTotalWithAnEta) {
  const std::string out = testing::TempDir() + "/lab";
  FakeLabBackend backend;
  std::vector<LabProgress> seen;
  LabRunOptions opts;
  opts.on_progress = [&](const LabProgress& p) { seen.push_back(p); };
  RunLab(SmallConfig(out), backend, opts);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().done, 8);
  EXPECT_EQ(seen.back().total, 8);
  EXPECT_EQ(seen.back().current, "done");
  bool had_eta = false;
  for (const auto& p : seen) had_eta = had_eta || p.eta_s >= 0;
  EXPECT_TRUE(had_eta);
}

TEST(PlanLab, CountsPointsAndEstimatesFromMacs) {
  FakeLabBackend backend;
  LabConfig c = SmallConfig(testing::TempDir());
  LabPlan plan = PlanLab(c, backend);
  EXPECT_EQ(plan.points, 8);
  EXPECT_EQ(plan.groups.size(), 4u);
  // Hand-computed group estimate: fp32 and static, (3 warm-up + 1 cold + 3 reps) runs of batch × MACs
  // at factor × 100 GMAC/s (fp32 1, static 1.1), + 0.5 ms per run.
  SweepGroup g{"tiny_a", 4, 32, 1, {"fp32", "static"}};
  const double macs = 4.0 * (32e6 + 10);  // ModelMacs("zoo:tiny_a", 32) = 32e6 + len("zoo:tiny_a")
  const double expected = 7 * (macs / 100e9 + 0.0005) + 7 * (macs / (1.1 * 100e9) + 0.0005);
  EXPECT_NEAR(EstimateGroupSeconds(g, 32000010, 100e9, 3, 3), expected, 1e-12);
  // The plan's rate: the fake's probe 100 GMAC/s × kLabModelShareOfProbe. The group's time also holds
  // a memory probe per point: 0.12 s + 3 runs.
  const double r = kLabModelShareOfProbe * 100e9;
  const double group = 7 * (macs / r + 0.0005) + 7 * (macs / (1.1 * r) + 0.0005);
  const double probes = 2 * 0.12 + 3 * macs / r + 3 * macs / (1.1 * r);
  EXPECT_NEAR(plan.probe_seconds.at("tiny_a|b4|s32|t1"), probes, 1e-12);
  EXPECT_NEAR(plan.group_seconds.at("tiny_a|b4|s32|t1"), group + probes, 1e-12);
  EXPECT_GT(plan.total_seconds, 0);
  const std::string text = FormatLabPlan(plan, c);
  EXPECT_NE(text.find("8 point(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("estimated duration"), std::string::npos) << text;
  EXPECT_NE(text.find("tiny_a (zoo:tiny_a)"), std::string::npos) << text;
}

TEST(LabModels, RepeatedNamesGetSuffixes) {
  auto m = LabModels({"a/x.onnx", "b/x.onnx", "zoo:resnet18"});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].name, "x");
  EXPECT_EQ(m[1].name, "x_2");
  EXPECT_EQ(m[2].name, "resnet18");
}

}  // namespace
}  // namespace qbench
