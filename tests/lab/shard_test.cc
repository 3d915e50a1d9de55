// Issue 14: the plan file, shard assignment, shard runs, resume of a killed shard and the refusal of a
// plan made with other settings — with the fake backend (no ONNX Runtime).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fake_backend.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/shard.h"
#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;
using testing::FakeLabBackend;

// Two models × fp32/static × batch 1,2,4 × threads 1,2 = 12 units of 2 points.
LabConfig ShardConfig(const std::string& out) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big", "zoo:small"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1,2,4");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "1,2");
  c.repetitions = 3;
  c.roofline = false;
  c.eval_data = "";
  c.output_dir = out;
  c.device = "test-device";
  return c;
}

std::string Fresh(const std::string& name) {
  const std::string d = testing::TempDir() + "/" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(ShardPlan, SameFlagsGiveTheSameBytesAndStableIds) {
  FakeLabBackend b1, b2;
  const LabConfig c = ShardConfig("/tmp/x");
  const auto a = nlohmann::json(MakeLabPlanFile(c, PlanLab(c, b1), 4)).dump(2);
  const auto b = nlohmann::json(MakeLabPlanFile(c, PlanLab(c, b2), 4)).dump(2);
  EXPECT_EQ(a, b);
  const auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j["points"], 24);
  ASSERT_EQ(j["units"].size(), 12u);
  // Measuring order: model outermost, then threads, then batch; ids are SweepPoint::Key().
  EXPECT_EQ(j["units"][0]["points"][0], "big|fp32|b1|s224|t1");
  EXPECT_EQ(j["units"][0]["points"][1], "big|static|b1|s224|t1");
  EXPECT_EQ(j["units"][11]["points"][1], "small|static|b4|s224|t2");
  // 12 units over 4 shards: three consecutive units each; accuracy/profile unit of each model flagged.
  EXPECT_EQ(j["units"][0]["shard"], 0);
  EXPECT_EQ(j["units"][3]["shard"], 1);
  EXPECT_EQ(j["units"][11]["shard"], 3);
  EXPECT_TRUE(j["units"][0]["extras"].get<bool>());   // big, batch 1, threads 1
  EXPECT_TRUE(j["units"][6]["extras"].get<bool>());   // small, batch 1, threads 1
  EXPECT_FALSE(j["units"][1]["extras"].get<bool>());
  EXPECT_EQ(j["settings"]["repetitions"], 3);
  // The config round-trips.
  const LabConfig back = LabConfigFromPlan(j.get<LabPlanFile>(), "/plans/plan.json");
  EXPECT_EQ(back.models, c.models);
  EXPECT_EQ(back.threads.values, c.threads.values);
  EXPECT_EQ(back.repetitions, 3);
  EXPECT_EQ(back.output_dir, "/plans");
}

// plan.json keeps the lab's provider and external variants: a shard measures the same variants.
TEST(ShardPlan, ProviderAndExternalVariantsRoundTrip) {
  FakeLabBackend backend;
  LabConfig c = ShardConfig("/tmp/x");
  c.provider = "cuda";
  c.external = {ExternalVariant{"zoo:big", "zoo-int8", "/m/big-int8.onnx"}};
  const nlohmann::json j = MakeLabPlanFile(c, PlanLab(c, backend), 2);
  std::set<std::string> ids;
  for (const auto& u : j["units"])
    for (const auto& p : u["points"]) ids.insert(p.get<std::string>());
  EXPECT_EQ(ids.size(), 30u);  // big: 3 variants, small: 2; × 3 batches × 2 threads
  EXPECT_TRUE(ids.count("big|zoo-int8|b4|s224|t2"));
  EXPECT_FALSE(ids.count("small|zoo-int8|b1|s224|t1"));
  const LabConfig back = LabConfigFromPlan(j.get<LabPlanFile>(), "/plans/plan.json");
  EXPECT_EQ(back.provider, "cuda");
  ASSERT_EQ(back.external.size(), 1u);
  EXPECT_EQ(back.external[0].model, "zoo:big");
  EXPECT_EQ(back.external[0].label, "zoo-int8");
  EXPECT_EQ(back.external[0].path, "/m/big-int8.onnx");
}

TEST(ShardPlan, EveryPointInExactlyOneShardForOneToEightShards) {
  FakeLabBackend backend;
  LabConfig c = ShardConfig("/tmp/x");
  const LabPlan whole = PlanLab(c, backend);
  std::multiset<std::string> all;
  for (const auto& p : FlattenSweep(whole.groups)) all.insert(p.Key());
  ASSERT_EQ(all.size(), 24u);
  for (int n = 1; n <= 8; ++n) {
    std::multiset<std::string> seen;
    std::map<std::string, int> extras;
    for (int i = 0; i < n; ++i) {
      c.shard_index = i;
      c.shard_count = n;
      const LabPlan plan = PlanLab(c, backend);
      EXPECT_EQ(plan.study_groups.size(), 12u);
      for (const auto& p : FlattenSweep(plan.groups)) seen.insert(p.Key());
      // Contiguous: a shard's models appear in one run each (a model is loaded once per shard).
      std::vector<std::string> models;
      for (const auto& g : plan.groups)
        if (models.empty() || models.back() != g.model) models.push_back(g.model);
      EXPECT_EQ(std::set<std::string>(models.begin(), models.end()).size(), models.size()) << n << " shards, shard " << i;
      for (const auto& [m, e] : plan.model_extras) extras[m] += e ? 1 : 0;
      // Shard sizes differ by at most one unit.
      EXPECT_GE(plan.groups.size(), 12u / n);
      EXPECT_LE(plan.groups.size(), (12u + n - 1) / n);
    }
    EXPECT_EQ(seen, all) << n << " shards";
    EXPECT_EQ(extras["big"], 1) << n << " shards";
    EXPECT_EQ(extras["small"], 1) << n << " shards";
  }
  EXPECT_EQ(AssignShards(3, 5), (std::vector<int>{0, 1, 3}));  // more shards than units: some empty
}

TEST(ShardPlan, ParseShardSpec) {
  int i = -1, n = -1;
  ParseShardSpec("2/8", &i, &n);
  EXPECT_EQ(i, 2);
  EXPECT_EQ(n, 8);
  for (const char* bad : {"8/8", "1", "a/2", "1/0", "-1/4", "1/5000"}) {
    try {
      ParseShardSpec(bad, &i, &n);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--shard '" + std::string(bad) + "'"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(DeviceFileName("node17 (AMD EPYC 7763 64-Core Processor)"), "node17_AMD_EPYC_7763_64-Core_Processor");
  EXPECT_EQ(DeviceFileName("../.."), "device");  // never a parent folder
  EXPECT_EQ(DeviceFileName("///"), "device");
}

TEST(ShardRun, WritesItsOwnFileAndModelsAndRecordsDeviceAndShard) {
  const std::string out = Fresh("shard_run");
  LabConfig c = ShardConfig(out);
  c.shard_index = 1;
  c.shard_count = 4;
  FakeLabBackend backend;
  const LabStudy s = RunLab(c, backend);
  EXPECT_EQ(LabResultsPath(c), out + "/results.test-device.1.jsonl");
  ASSERT_TRUE(fs::exists(out + "/results.test-device.1.jsonl"));
  EXPECT_FALSE(fs::exists(out + "/results.jsonl"));
  // Shard 1 of 4 holds units 3..5: big × threads 2 × batch 1,2,4.
  EXPECT_EQ(backend.measured, (std::vector<std::string>{"big|fp32|b1|s224|t2", "big|static|b1|s224|t2", "big|fp32|b2|s224|t2",
                                                         "big|static|b2|s224|t2", "big|fp32|b4|s224|t2", "big|static|b4|s224|t2"}));
  EXPECT_EQ(backend.prepared, (std::vector<std::string>{"big"}));
  const auto rec = ReadResultsJsonl(LabResultsPath(c));
  EXPECT_EQ(rec.device, "test-device");
  EXPECT_EQ(rec.shard_index, 1);
  EXPECT_EQ(rec.shard_count, 4);
  EXPECT_EQ(rec.planned.size(), 6u);
  ASSERT_EQ(rec.points.size(), 6u);
  for (const auto& p : rec.points) {
    EXPECT_EQ(p.device, "test-device");
    EXPECT_EQ(p.shard, 1);
  }
  EXPECT_EQ(rec.environment.device, "test-device");
  for (const auto& m : rec.models) EXPECT_EQ(m.file.rfind(out + "/models/test-device.1/", 0), 0u) << m.file;
  // The same shard again without --resume is refused; --force does not apply to shards.
  FakeLabBackend again;
  EXPECT_THROW(RunLab(c, again), Error);
  c.force = true;
  EXPECT_THROW(RunLab(c, again), Error);
  EXPECT_TRUE(again.measured.empty());
}

TEST(ShardRun, ResumeAfterAKilledShardMeasuresOnlyWhatIsMissing) {
  const std::string out = Fresh("shard_resume");
  LabConfig c = ShardConfig(out);
  c.shard_index = 0;
  c.shard_count = 2;
  {
    FakeLabBackend backend;
    RunLab(c, backend);
    ASSERT_EQ(backend.measured.size(), 12u);
  }
  // Kill it after its fourth point: keep the lines up to that point and a line cut mid-write.
  const std::string path = LabResultsPath(c);
  std::ifstream in(path);
  std::string line, kept;
  int points = 0;
  while (std::getline(in, line)) {
    if (line.find("\"record\":\"point\"") != std::string::npos && ++points > 4) break;
    kept += line + "\n";
  }
  kept += "{\"record\":\"point\",\"model\":\"big\",\"vari";
  in.close();
  WriteFileAtomic(path, kept);
  c.resume = true;
  FakeLabBackend backend;
  RunLab(c, backend);
  EXPECT_EQ(backend.measured, (std::vector<std::string>{"big|fp32|b4|s224|t1", "big|static|b4|s224|t1", "big|fp32|b1|s224|t2",
                                                         "big|static|b1|s224|t2", "big|fp32|b2|s224|t2", "big|static|b2|s224|t2",
                                                         "big|fp32|b4|s224|t2", "big|static|b4|s224|t2"}));
  EXPECT_EQ(ReadResultsJsonl(path).points.size(), 12u);
  // A shard that never ran resumes from nothing: all of its points.
  LabConfig other = c;
  other.shard_index = 1;
  FakeLabBackend fresh;
  RunLab(other, fresh);
  EXPECT_EQ(fresh.measured.size(), 12u);
}

TEST(ShardRun, APlanWithOtherSettingsIsRefusedInOneLine) {
  const std::string out = Fresh("shard_mismatch");
  LabConfig c = ShardConfig(out);
  FakeLabBackend backend;
  WriteFileAtomic(PlanJsonPath(out), nlohmann::json(MakeLabPlanFile(c, PlanLab(c, backend), 0)).dump(2));
  c.repetitions = 5;
  c.shard_index = 0;
  c.shard_count = 2;
  try {
    RunLab(c, backend);
    ADD_FAILURE() << "a shard with other settings than plan.json ran";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find("--repetitions 3 earlier, 5 now"), std::string::npos) << msg;
    EXPECT_NE(msg.find(PlanJsonPath(out)), std::string::npos) << msg;
  }
  EXPECT_TRUE(backend.measured.empty());
  EXPECT_FALSE(fs::exists(LabResultsPath(c)));
  // Other points (a batch more) are refused as well, naming the first difference.
  c.repetitions = 3;
  c.batches = ParseSweepAxis("batch", "1,2,4,8");
  try {
    RunLab(c, backend);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the plan has 24 point(s), these flags 32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qbench
