// The lab's "settings" and "config" records and plan.json as main wrote them before they were typed
// (tests/lab/data/results_main_79bc42d.json and plan_main_79bc42d.json, the settings line of
// results_main_aef77c8.jsonl; see the README there) read into the typed members (lab_records.h) and
// are written back with the same keys and values; the resume and plan checks name differences from
// the members.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "qbench/lab/preflight.h"
#include "qbench/lab/results.h"
#include "qbench/lab/shard.h"

namespace qbench {
namespace {

using nlohmann::json;

const std::string kData = std::string(QBENCH_SOURCE_DIR) + "/tests/lab/data/";

json ReadJson(const std::string& name) {
  std::ifstream in(kData + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

TEST(OldSettings, AResultsJsonReadsIntoTheMembersAndIsWrittenBackEqual) {
  const json j = ReadJson("results_main_79bc42d.json");
  const LabStudy s = LabStudyFromJson(j);
  ASSERT_TRUE(s.has_settings);
  const LabSettings& st = s.settings;
  EXPECT_EQ(st.repetitions, 3);
  EXPECT_EQ(st.warmup_runs, 1);
  EXPECT_EQ(st.baseline_variant, "fp32");
  EXPECT_EQ(st.preprocess, "fashion-mnist");
  EXPECT_FALSE(st.calibration_data.given);
  EXPECT_EQ(st.calibration_size, 100u);
  ASSERT_TRUE(st.eval_data.given);  // a folder: its file count and total bytes
  EXPECT_TRUE(st.eval_data.identity.folder);
  EXPECT_EQ(st.eval_data.identity.path, "/work/shared/data/fashion-mnist");
  EXPECT_EQ(st.eval_data.identity.files, 7);
  EXPECT_EQ(st.eval_data.identity.size_bytes, 790265);
  EXPECT_EQ(st.eval_limit, 8u);
  EXPECT_EQ(st.provider, "cpu");
  EXPECT_FALSE(st.no_verify);
  EXPECT_EQ(st.preprocessing, "");
  ASSERT_EQ(st.models.size(), 1u);
  const LabModelSettings& m = st.models.at("squeezenet1_1");
  EXPECT_EQ(m.spec, "../shared/models/fmnist/squeezenet1_1.onnx");
  ASSERT_TRUE(m.has_file);
  EXPECT_FALSE(m.file.folder);
  EXPECT_EQ(m.file.size_bytes, 2926731);
  EXPECT_EQ(m.file.mtime_ns, 1796604957331920804);
  EXPECT_EQ(m.checksum, "fnv1a64:7566c3b7c43e5eda");
  EXPECT_TRUE(m.external.empty());

  const LabConfigRecord& c = s.config;
  EXPECT_EQ(c.models, std::vector<std::string>{"../shared/models/fmnist/squeezenet1_1.onnx"});
  EXPECT_EQ(c.variants, (std::vector<std::string>{"fp32", "dynamic"}));
  EXPECT_EQ(c.batch, std::vector<std::int64_t>{1});
  EXPECT_EQ(c.input_size, std::vector<std::int64_t>{32});
  EXPECT_EQ(c.threads, std::vector<std::int64_t>{1});
  EXPECT_EQ(c.eval_data, "../shared/data/fashion-mnist");
  EXPECT_EQ(c.device, "vm");
  EXPECT_EQ(c.output, "/tmp/oldlab");
  EXPECT_FALSE(c.roofline);
  EXPECT_TRUE(c.verify);
  EXPECT_DOUBLE_EQ(c.auto_time_budget_s, 300.0);
  EXPECT_EQ(c.model_input_sizes.at("squeezenet1_1"), std::vector<std::int64_t>{32});
  EXPECT_EQ(c.preprocessing.at("squeezenet1_1"), "fashion-mnist at 32 px: no resize, pad 2");
  EXPECT_TRUE(c.external_variants.empty());
  EXPECT_FALSE(c.has_input_size_given);  // a run's config has none; a plan's has it

  EXPECT_EQ(json(s.settings), j["settings"]);
  EXPECT_EQ(json(s.config), j["config"]);
  // The whole file, but for the baseline's agreement with itself: the old sentinel (-1.0 in [0, 1])
  // reads as "not measured" and is written back as null (issue 10 R5).
  ASSERT_EQ(j["accuracy"][0]["variant"], "fp32");
  EXPECT_EQ(j["accuracy"][0]["top1_agreement"], -1.0);
  EXPECT_DOUBLE_EQ(s.accuracy.at(0).top1_agreement, -1);
  json written = j;
  for (const char* k : {"top1_agreement", "top1_agreement_ci95_low", "top1_agreement_ci95_high"})
    written["accuracy"][0][k] = nullptr;
  EXPECT_EQ(ToJson(s), written);
}

TEST(OldSettings, APlanFileReadsIntoTheMembersAndIsWrittenBackEqual) {
  const json j = ReadJson("plan_main_79bc42d.json");
  const LabPlanFile p = j.get<LabPlanFile>();
  EXPECT_EQ(p.qbench_plan_version, 1);
  EXPECT_EQ(p.shards, 2);
  EXPECT_EQ(p.points, 10);
  ASSERT_EQ(p.units.size(), 4u);
  EXPECT_EQ(p.units[0].model, "squeezenet1_1");
  EXPECT_EQ(p.units[0].variants, (std::vector<std::string>{"fp32", "static", "given"}));
  EXPECT_EQ(p.units[0].points[2], "squeezenet1_1|given|b1|s32|t1");
  EXPECT_TRUE(p.units[0].extras);
  EXPECT_EQ(p.units[1].shard, 0);
  EXPECT_EQ(p.units[2].shard, 1);
  EXPECT_EQ(p.units[3].batch, 2);
  ASSERT_EQ(p.models.size(), 2u);
  EXPECT_EQ(p.models[1].spec, "zoo:resnet18");
  // The settings: a calibration file, a zoo model without file, the preprocessing flags, --no-verify.
  ASSERT_TRUE(p.has_settings);
  ASSERT_TRUE(p.settings.calibration_data.given);
  EXPECT_FALSE(p.settings.calibration_data.identity.folder);
  EXPECT_EQ(p.settings.calibration_data.identity.size_bytes, 784000);
  EXPECT_EQ(p.settings.preprocessing, "--crop 30");
  EXPECT_TRUE(p.settings.no_verify);
  EXPECT_FALSE(p.settings.models.at("resnet18").has_file);
  EXPECT_EQ(p.settings.models.at("squeezenet1_1").external.at("given").size_bytes, 2926731);
  // The config: no output or device, input_size_given, the external variant.
  ASSERT_TRUE(p.has_config);
  EXPECT_EQ(p.config.output, "");
  EXPECT_TRUE(p.config.has_input_size_given);
  EXPECT_TRUE(p.config.input_size_given);
  ASSERT_EQ(p.config.external_variants.size(), 1u);
  EXPECT_EQ(p.config.external_variants[0].label, "given");
  EXPECT_EQ(p.config.preprocessing_given, "--crop 30");
  EXPECT_FALSE(p.config.verify);

  EXPECT_EQ(json(p), j);
  // The config a shard rebuilds from it, and the plan agrees with itself.
  const LabConfig c = LabConfigFromPlan(p, "/plans/plan.json");
  EXPECT_EQ(c.output_dir, "/plans");
  EXPECT_EQ(c.batches.values, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(c.calibration_size, 8u);
  EXPECT_FALSE(c.verify);
  ASSERT_EQ(c.external.size(), 1u);
  EXPECT_EQ(c.external[0].path, "../shared/models/fmnist/squeezenet1_1.onnx");
  EXPECT_TRUE(DiffPlan(p, p).empty());
}

TEST(OldSettings, TheSettingsLineOfAResultsJsonlRoundTrips) {
  const std::string path = kData + "results_main_aef77c8.jsonl";
  const JsonlRecords r = ReadResultsJsonl(path);
  ASSERT_TRUE(r.has_settings);
  EXPECT_EQ(r.device, "vm (AMD EPYC)");
  EXPECT_EQ(r.planned.size(), 4u);
  EXPECT_EQ(r.settings.models.at("squeezenet1_1").external.at("given").path, "/work/shared/models/fmnist/squeezenet1_1.onnx");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(json(r.settings), json::parse(line)["settings"]);
}

TEST(OldSettings, ResumeDifferencesAreNamedFromTheMembers) {
  const LabSettings earlier = ReadJson("results_main_79bc42d.json")["settings"].get<LabSettings>();
  LabSettings now = earlier;
  EXPECT_TRUE(DiffLabSettings(earlier, now).empty());
  now.models.at("squeezenet1_1").file.mtime_ns += 1;
  now.eval_data = DataIdentity{};
  now.repetitions = 5;
  const auto d = DiffLabSettings(earlier, now);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], "--repetitions 3 earlier, 5 now");
  EXPECT_EQ(d[1], "--eval-data '/work/shared/data/fashion-mnist' earlier, (none) now");
  EXPECT_EQ(d[2], "model 'squeezenet1_1': file '/work/shared/models/fmnist/squeezenet1_1.onnx' changed since the earlier "
                  "run (size or modification time)");
  // A setting newer than the earlier file reads as its default there: an older study resumes.
  json older = ReadJson("results_main_79bc42d.json")["settings"];
  older.erase("provider");
  older.erase("split");
  EXPECT_TRUE(DiffLabSettings(older.get<LabSettings>(), earlier).empty());
}

}  // namespace
}  // namespace qbench
