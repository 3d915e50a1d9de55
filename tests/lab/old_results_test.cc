// results.jsonl files written before the lab's records were typed still load (--resume, `qbench
// report`): tests/lab/data/results_main_aef77c8.jsonl was written by main at aef77c8 (its README).
// Every model and point record reads into the typed members and is written back with the same keys
// and values; the variant "auto"'s search record ("coverage_report"."auto") is typed, and the report
// says what it chose from it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "qbench/lab/results.h"
#include "qbench/report/analysis.h"
#include "qbench/report/device_report.h"
#include "qbench/report/merge.h"
#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kOldFile = std::string(QBENCH_SOURCE_DIR) + "/tests/lab/data/results_main_aef77c8.jsonl";

std::vector<json> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

json Line(const std::string& record, const std::string& variant) {
  for (const json& j : Lines(kOldFile))
    if (j.value("record", "") == record && j.value("variant", "") == variant) return j;
  ADD_FAILURE() << "no " << record << " line of " << variant << " in " << kOldFile;
  return json::object();
}

TEST(OldResults, EveryModelAndPointRecordRoundTripsWithTheSameKeysAndValues) {
  const std::vector<json> lines = Lines(kOldFile);
  ASSERT_EQ(lines.size(), 15u);
  int models = 0, points = 0;
  for (const json& j : lines) {
    const std::string kind = j["record"];
    if (kind == "model") {
      EXPECT_EQ(ToJson(ModelRecordFromJson(j)), j) << j.dump(1);
      ++models;
    } else if (kind == "point") {
      EXPECT_EQ(ToJson(PointResultFromJson(j)), j) << j.dump(1);
      ++points;
    }
  }
  EXPECT_EQ(models, 4);
  EXPECT_EQ(points, 4);
}

TEST(OldResults, TheAutoVariantsSearchRecordIsTyped) {
  const ModelRecord r = ModelRecordFromJson(Line("model", "auto"));
  ASSERT_TRUE(r.has_coverage_report);
  EXPECT_EQ(r.coverage_report.scheme, "static");
  EXPECT_EQ(r.coverage_report.weight_range, "reduced");
  EXPECT_EQ(r.coverage_report.calibrated_tensors, 36);
  ASSERT_TRUE(r.has_auto_search);
  const LabAutoRecord& a = r.auto_search;
  EXPECT_EQ(a.chosen, "mse u8 conv-per-channel reduced-weights");
  EXPECT_FALSE(a.wrote_fp32_unchanged);
  EXPECT_EQ(a.candidates, 10);
  EXPECT_EQ(a.evaluation_samples, 16);
  EXPECT_DOUBLE_EQ(a.max_drop_points, 100.0);
  EXPECT_DOUBLE_EQ(a.fp32_median_ms, 0.3248469978570938);
  ASSERT_TRUE(a.has_choice);
  EXPECT_FALSE(a.has_best_int8);
  EXPECT_EQ(a.choice.calibration_method, "mse");
  EXPECT_EQ(a.choice.weight_range, "reduced");
  EXPECT_EQ(a.choice.agree, 16);
  EXPECT_DOUBLE_EQ(a.choice.agreement_ci95_low, 0.8063923194655637);
  EXPECT_DOUBLE_EQ(a.choice.speedup_ci95_high, 1.182364263766222);
  EXPECT_TRUE(std::isnan(a.choice.top1));  // null: no labels
  // The other variants have no search record.
  EXPECT_FALSE(ModelRecordFromJson(Line("model", "static")).has_auto_search);
  const ModelRecord given = ModelRecordFromJson(Line("model", "given"));
  EXPECT_FALSE(given.has_auto_search);
  EXPECT_TRUE(given.has_file_coverage);
}

TEST(OldResults, VerificationAndPlacementAreTyped) {
  const ModelRecord r = ModelRecordFromJson(Line("model", "auto"));
  ASSERT_TRUE(r.has_verification);
  const VerificationReport& v = r.verification;
  EXPECT_TRUE(v.performed);
  EXPECT_FALSE(v.collapsed);
  EXPECT_EQ(v.batches, 16u);
  EXPECT_DOUBLE_EQ(v.min_sqnr_db, 15.0);
  EXPECT_EQ(v.rounds, std::vector<std::string>{"pass 1: no output collapsed"});
  ASSERT_EQ(v.outputs.size(), 1u);
  EXPECT_EQ(v.outputs[0].name, "logits");
  EXPECT_EQ(v.outputs[0].shape, (std::vector<std::int64_t>{1, 10}));
  EXPECT_DOUBLE_EQ(v.outputs[0].sqnr_db, 28.157945904741407);
  EXPECT_DOUBLE_EQ(v.outputs[0].top1_agreement, 0.875);
  EXPECT_TRUE(std::isnan(v.outputs[0].exact_match));  // null: a float output
  EXPECT_EQ(v.outputs[0].slice.axis, -1);              // no "worst_slice"
  ASSERT_TRUE(r.has_placement);
  EXPECT_EQ(r.placement.requested, "cpu");
  EXPECT_EQ(r.placement.total_nodes, 43);
  EXPECT_EQ(r.placement.nodes_by_provider.at("CPUExecutionProvider"), 43);
  EXPECT_FALSE(r.placement.fallback);
  EXPECT_EQ(DescribePlacement(r.placement), "all 43 nodes on CPUExecutionProvider");
  // fp32 has neither: null in the file, absent in the record.
  const json fp32 = Line("model", "fp32");
  EXPECT_TRUE(fp32["verification"].is_null());
  EXPECT_FALSE(ModelRecordFromJson(fp32).has_verification);
}

// What main's file does not hold: an infinite SQNR ("inf"), a collapsed slice, nodes kept fp32, and a
// provider that left 25 compute nodes on the CPU (JSON names the first 20 and counts all 25).
TEST(OldResults, EveryVerificationAndPlacementFieldRoundTrips) {
  ModelRecord r;
  r.ok = true;
  r.has_verification = true;
  VerificationReport& v = r.verification;
  v.performed = true;
  v.collapsed = true;
  v.batches = 4;
  OutputVerification o;
  o.name = "y";
  o.dtype = "float32";
  o.compared = true;
  o.sqnr_db = std::numeric_limits<double>::infinity();
  o.cosine = 1;
  o.slice.axis = 1;
  o.slice.first = 2;
  o.slice.last = 3;
  o.slice.extent = 8;
  o.slice.collapsed = 2;
  o.slice.sqnr_db = -std::numeric_limits<double>::infinity();
  v.outputs = {o};
  v.kept_fp32 = {KeptFp32{"conv3", "Conv", "t3", "SQNR 2 dB", 1}};
  r.has_placement = true;
  r.placement.requested = "cuda";
  r.placement.nodes_by_provider = {{"CUDAExecutionProvider", 10}, {"CPUExecutionProvider", 25}};
  r.placement.total_nodes = 35;
  for (int i = 0; i < 25; ++i) r.placement.cpu_compute_nodes.push_back("n" + std::to_string(i) + " (QLinearConv)");
  r.placement.cpu_compute_node_count = 25;
  r.placement.fallback = true;
  const json j = ToJson(r);
  EXPECT_EQ(j["verification"]["outputs"][0]["sqnr_db"], "inf");
  EXPECT_EQ(j["verification"]["outputs"][0]["worst_slice"]["sqnr_db"], "-inf");
  EXPECT_TRUE(j["verification"]["outputs"][0]["top1_agreement"].is_null());
  EXPECT_EQ(j["placement"]["cpu_compute_nodes"].size(), kPlacementNodesKept);
  EXPECT_EQ(j["placement"]["cpu_compute_node_count"], 25);
  const ModelRecord back = ModelRecordFromJson(json::parse(j.dump()));
  EXPECT_EQ(ToJson(back), j);
  ASSERT_EQ(back.verification.outputs.size(), 1u);
  EXPECT_EQ(back.verification.outputs[0].sqnr_db, std::numeric_limits<double>::infinity());
  EXPECT_EQ(back.verification.outputs[0].slice.sqnr_db, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(back.verification.outputs[0].slice.last, 3);
  EXPECT_EQ(back.verification.kept_fp32[0].reason, "SQNR 2 dB");
  EXPECT_EQ(back.placement.cpu_compute_nodes.size(), kPlacementNodesKept);
  EXPECT_EQ(DescribePlacement(back.placement), DescribePlacement(r.placement));
  EXPECT_NE(DescribePlacement(back.placement).find("25 compute node(s) left on the CPU (first: n0 (QLinearConv))"),
            std::string::npos);
}

TEST(OldResults, TheEnvironmentIsTypedAndWrittenBackWithTheSameKeys) {
  json line;
  for (const json& j : Lines(kOldFile))
    if (j.value("record", "") == "environment") line = j["environment"];
  ASSERT_TRUE(line.is_object());
  const JsonlRecords rec = ReadResultsJsonl(kOldFile);
  ASSERT_TRUE(rec.has_environment);
  const LabEnvironment& e = rec.environment;
  EXPECT_EQ(e.device, "vm (AMD EPYC)");
  EXPECT_EQ(e.cpu_model, "AMD EPYC");
  EXPECT_EQ(e.architecture, "x86_64");
  EXPECT_EQ(e.logical_cores, 2);
  EXPECT_TRUE(e.cpufreq_governor.empty());  // null: unknown
  EXPECT_DOUBLE_EQ(e.load_average_1min, 4.11);
  EXPECT_FALSE(e.allow_spinning);
  EXPECT_EQ(e.intra_op_threads, 1);
  EXPECT_EQ(e.thread_pool, "per-session");
  ASSERT_EQ(e.isa_flags.size(), 10u);
  int on = 0;
  for (const auto& [flag, has] : e.isa_flags) on += has ? 1 : 0;
  EXPECT_EQ(on, 2);  // avx2, fma
  EXPECT_EQ(json(e), line);
  // A block without the optional facts: no accelerator key, null governor and load read back as unknown.
  EnvironmentInfo bare;
  bare.cpu_model = "c";
  const nlohmann::ordered_json b = EnvironmentToJson(bare);
  EXPECT_FALSE(b.contains("accelerator"));
  EXPECT_TRUE(b["load_average_1min"].is_null());
  EXPECT_EQ(b.begin().key(), "cpu_model");  // bench --json keeps the field list's order
  const EnvironmentInfo back = json(b).get<EnvironmentInfo>();
  EXPECT_DOUBLE_EQ(back.load_average_1min, -1);
  EXPECT_TRUE(back.accelerator_name.empty());
  bare.accelerator_name = "NVIDIA H100";
  bare.accelerator_driver = "NVIDIA 550.54.15";
  EXPECT_EQ(json(bare)["accelerator"], (json{{"name", "NVIDIA H100"}, {"driver", "NVIDIA 550.54.15"}}));
  EXPECT_EQ(json(bare).get<EnvironmentInfo>().accelerator_driver, "NVIDIA 550.54.15");
}

// Variant "auto" whose search kept fp32 (lab_prepare.cc AutoKeptFp32): the coverage report is the
// search's record alone, {"auto": {…}}, with "chosen": null and "best_int8" instead of "choice".
TEST(OldResults, AnAutoRecordThatKeptFp32HasNoQuantizerReport) {
  json j = Line("model", "auto");
  json a = j["coverage_report"]["auto"];
  a["chosen"] = nullptr;
  a["wrote_fp32_unchanged"] = true;
  a["decision"] = "wrote the fp32 model unchanged: no int8 candidate is reliably faster than fp32 on this machine.";
  a["best_int8"] = a["choice"];
  a["best_int8"]["speedup"] = 0.97;
  a["best_int8"]["speedup_ci95"] = {0.9, 1.04};
  a.erase("choice");
  j["coverage_report"] = {{"auto", a}};
  const ModelRecord r = ModelRecordFromJson(j);
  EXPECT_FALSE(r.has_coverage_report);
  ASSERT_TRUE(r.has_auto_search);
  EXPECT_TRUE(r.auto_search.chosen.empty());
  EXPECT_TRUE(r.auto_search.wrote_fp32_unchanged);
  EXPECT_FALSE(r.auto_search.has_choice);
  ASSERT_TRUE(r.auto_search.has_best_int8);
  EXPECT_DOUBLE_EQ(r.auto_search.best_int8.speedup, 0.97);
  EXPECT_EQ(ToJson(r), j);
}

// `qbench report` on the folder main wrote: the auto section says what the search chose, from the
// typed record, with the figures of the file.
TEST(OldResults, TheReportOfAnOldFolderSaysWhatAutoChose) {
  const std::string dir = testing::TempDir() + "/old_results";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kOldFile, dir + "/results.jsonl");
  const MergedStudy merged = MergeStudies({dir}, false);
  ASSERT_EQ(merged.devices.size(), 1u);
  const LabStudy& s = merged.devices[0].study;
  EXPECT_FALSE(AutoKeptUnchanged(s, "squeezenet1_1", "auto"));
  const std::string md = AutoVariantMarkdown(s);
  EXPECT_NE(md.find("- **squeezenet1_1**: auto chose `mse u8 conv-per-channel reduced-weights`: mse calibration, u8 "
                    "activations, reduced weights (conv-per-channel), no fp32 islands. In the search: agreement 100.0 % "
                    "[80.6 %, 100.0 %] on 16 samples, 1.14× [1.07×, 1.18×] at batch 1 (10 candidates, 26 s)."),
            std::string::npos)
      << md;
}

}  // namespace
}  // namespace qbench
