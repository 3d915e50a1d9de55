// The JSON of eval's typed results (eval_report.h): the documents `qbench eval`, `qbench sensitivity`
// and `quantize --fallback-*` write, built from hand-filled structs and compared key by key with the
// documents the CLI wrote before the serialization moved into the library (same keys, same values).
#include "qbench/eval/eval_report.h"
#include "qbench/eval/fallback.h"
#include "qbench/runtime/ort_env.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qbench {
namespace {

using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// 8 of 10 labelled samples right (top-5: 10), against a reference that got 9; 1 sample skipped.
EvalReport PairedReport() {
  EvalReport e;
  e.model = "q.onnx";
  e.reference = "fp32.onnx";
  e.preprocessing = "gray, (x/255 - [0.5]) / [0.5], NCHW";
  AccuracyResult& r = e.result;
  r.dataset = "toy: 11 samples";
  r.count = 10;
  r.skipped = 1;
  r.skipped_samples = {{"3", "truncated JPEG"}};
  r.batch_size = 2;
  r.classification = true;
  r.num_classes = 10;
  r.labelled = 10;
  r.top1_correct = 8;
  r.top5_correct = 10;
  r.top1 = 0.8;
  r.top5 = 1.0;
  r.top1_ci95 = {0.49, 0.94};
  r.top5_ci95 = {0.72, 1.0};
  r.has_reference = true;
  r.reference_top1 = 0.9;
  r.reference_top5 = 1.0;
  r.both_top1_correct = 7;
  r.model_only_top1_correct = 1;
  r.reference_only_top1_correct = 2;
  r.top1_change = {-0.1, -0.4, 0.25};
  r.top1_change_mcnemar_p = 1.0;
  r.agreement_count = 9;
  r.top1_agreement = 0.9;
  r.top1_agreement_ci95 = {0.6, 0.98};
  r.mean_kl = 0.002;
  r.sqnr_db = kInf;  // identical logits: no JSON number, null
  r.cosine = 1.0;
  r.outputs = {{"logits", kInf, 1.0}};
  r.wall_s = 0.5;
  r.images_per_s = 20;
  e.warnings = {{"small_eval_set", "top-1 rests on 10 labelled samples"}};
  return e;
}

TEST(EvalReport, EvalJsonHoldsEveryFieldOnceWithNullForNonFiniteValues) {
  const json expected = json::parse(R"({
    "model": "q.onnx", "dataset": "toy: 11 samples", "preprocessing": "gray, (x/255 - [0.5]) / [0.5], NCHW",
    "count": 10, "skipped": 1, "skipped_samples": [{"index": "3", "reason": "truncated JPEG"}], "batch_size": 2,
    "classification": true, "num_classes": 10, "labelled": 10, "top_k": 5, "top1": 0.8, "top5": 1.0,
    "top1_correct": 8, "top5_correct": 10, "top1_ci95": [0.49, 0.94], "top5_ci95": [0.72, 1.0],
    "wall_s": 0.5, "images_per_s": 20.0,
    "reference": "fp32.onnx", "reference_top1": 0.9, "reference_top5": 1.0,
    "top1_change": -0.1, "top1_change_ci95": [-0.4, 0.25],
    "top1_change_method": "Newcombe (1998) paired hybrid score interval, method 10", "top1_mcnemar_p": 1.0,
    "top1_paired_counts": {"both": 7, "model_only": 1, "reference_only": 2, "neither": 0},
    "agreement": 0.9, "agreement_count": 9, "agreement_ci95": [0.6, 0.98], "kl": 0.002, "sqnr_db": null,
    "cosine": 1.0, "outputs": [{"name": "logits", "sqnr_db": null, "cosine": 1.0}],
    "warnings": [{"code": "small_eval_set", "message": "top-1 rests on 10 labelled samples"}]
  })");
  const json j = ToJson(PairedReport());
  EXPECT_EQ(j, expected) << j.dump(2);
  // The text the CLI writes is dump(2) of it: keys sorted, so the bytes follow from the fields.
  EXPECT_EQ(j.dump(2), expected.dump(2));
}

TEST(EvalReport, EvalJsonWithoutLabelsOrReferenceHasNullIntervalsAndNoReferenceKeys) {
  EvalReport e;
  e.model = "m.onnx";
  e.result.count = 4;
  e.result.classification = true;  // labels absent: top-1 NaN, intervals null
  const json j = ToJson(e);
  EXPECT_TRUE(j["top1"].is_null());
  EXPECT_TRUE(j["top1_ci95"].is_null());
  EXPECT_TRUE(j["top5_ci95"].is_null());
  EXPECT_EQ(j["count"], 4);
  for (const char* key : {"reference", "agreement", "kl", "sqnr_db", "outputs", "top1_change"}) {
    EXPECT_FALSE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["warnings"], json::array());
  // A reference without labels: fidelity keys, no paired top-1 change; agreement_ci95 null when the
  // output is not class scores.
  e.result.has_reference = true;
  e.result.classification = false;
  e.result.sqnr_db = 31.5;
  const json r = ToJson(e);
  EXPECT_EQ(r["sqnr_db"], 31.5);
  EXPECT_TRUE(r["agreement_ci95"].is_null());
  EXPECT_FALSE(r.contains("top1_change"));
}

LayerSensitivity Layer(const std::string& name, std::int64_t macs, double share, double sqnr, double agreement) {
  LayerSensitivity s;
  s.layer = {name, "Conv", macs};
  s.mac_share = share;
  s.sqnr_db = sqnr;
  s.agreement = agreement;
  s.kl = 0.01;
  s.drop_points = agreement == 1.0 ? 0.0 : 15.0;  // 100 x (1 - 0.85), written exactly
  return s;  // top1 NaN: no labels
}

FallbackPlan TwoStepPlan() {
  FallbackPlan plan;
  FallbackStep full;
  full.result.sqnr_db = 20;
  full.result.agreement = 0.9;
  full.result.drop_points = 10;
  FallbackStep kept;
  kept.keep_float = {"conv1"};
  kept.float_mac_share = 0.25;
  kept.result.sqnr_db = 30;
  kept.result.agreement = 1.0;
  kept.result.drop_points = 0;
  plan.steps = {full, kept};
  plan.chosen = 1;
  plan.target_met = true;
  return plan;
}

TEST(EvalReport, SensitivityJsonRanksLayersAndAddsTheFallbackOnlyWhenAsked) {
  SensitivityReport s;
  s.model = "m.onnx";
  s.scheme = "static";
  s.calibration_method = "percentile";
  s.dataset = "toy";
  s.samples = 20;
  s.total_macs = 400;
  s.layers = {Layer("conv1", 100, 0.25, 18.5, 0.85), Layer("conv2", 300, 0.75, 40, 1.0)};
  s.warnings = {{"w", "m"}};
  json j = ToJson(s);
  const json first = json::parse(R"({"name": "conv1", "op_type": "Conv", "macs": 100, "mac_share": 0.25,
      "sqnr_db": 18.5, "agreement": 0.85, "kl": 0.01, "top1": null, "drop_points": 15.0})");
  EXPECT_EQ(j["layers"][0], first) << j["layers"][0].dump();
  EXPECT_EQ(j["layers"][1]["name"], "conv2");
  EXPECT_EQ(j["total_macs"], 400);
  EXPECT_EQ(j["samples"], 20);
  EXPECT_EQ(j["calibration_method"], "percentile");
  EXPECT_EQ(j["warnings"][0]["code"], "w");
  EXPECT_FALSE(j.contains("fallback"));
  s.has_fallback = true;
  s.fallback = TwoStepPlan();
  j = ToJson(s);
  EXPECT_EQ(j["fallback"]["chosen"], 1);
  EXPECT_EQ(j["fallback"]["target_met"], true);
  ASSERT_EQ(j["fallback"]["steps"].size(), 2u);
  EXPECT_EQ(j["fallback"]["steps"][1], json::parse(R"({"keep_float": ["conv1"], "float_mac_share": 0.25,
      "sqnr_db": 30.0, "agreement": 1.0, "kl": null, "top1": null, "drop_points": 0.0})"));
  EXPECT_EQ(j["fallback"]["steps"][0]["keep_float"], json::array());
}

TEST(EvalReport, FallbackJsonHoldsTheSearchAndItsLatencyCost) {
  FallbackReport f;
  f.search.criteria.fallback_top = 1;
  f.search.ranked = {Layer("conv1", 100, 0.25, 18.5, 0.85), Layer("conv2", 300, 0.75, 40, 1.0)};
  f.search.plan = TwoStepPlan();
  f.search.chosen = 1;
  f.search.kept = {f.search.ranked[0]};
  f.search.dataset = "toy";
  f.search.samples = 20;
  f.eval_on_calibration_data = true;
  LatencyComparison& l = f.latency;
  l.batch_size = 4;
  l.intra_op_threads = 2;
  l.rounds = 30;
  l.fallback_timed = true;
  l.fp32.statistics.median_ms = 2.0;
  l.fp32.statistics.n = 30;
  l.quantized.statistics.median_ms = 1.0;
  l.fallback.statistics.median_ms = 1.25;
  l.fallback.statistics.cv = kNaN;
  l.quantized_vs_fp32 = {2.0, 1.9, 2.1, 0.95};
  l.fallback_vs_fp32 = {1.6, 1.5, 1.7, 0.95};
  l.cost_ratio = 1.25;
  l.cost_ratio_ci_low = 1.2;
  l.cost_ratio_ci_high = 1.3;
  l.cost_ms = 0.25;
  const json j = ToJson(f);
  EXPECT_EQ(j["criterion"], "fallback_top");
  EXPECT_EQ(j["fallback_top"], 1);
  EXPECT_TRUE(j["max_drop_points"].is_null());
  EXPECT_EQ(j["drop_definition"], "100 x (1 - top-1 agreement with fp32), percentage points");
  EXPECT_EQ(j["eval_data"], "toy");
  EXPECT_EQ(j["eval_samples"], 20);
  EXPECT_EQ(j["eval_on_calibration_data"], true);
  EXPECT_EQ(j["target_met"], true);
  EXPECT_EQ(j["kept_float"], json::parse(R"([{"name": "conv1", "op_type": "Conv", "macs": 100, "mac_share": 0.25,
      "alone": {"sqnr_db": 18.5, "agreement": 0.85, "kl": 0.01, "top1": null, "drop_points": 15.0}}])"));
  EXPECT_EQ(j["float_mac_share"], 0.25);
  EXPECT_EQ(j["fully_quantized"]["drop_points"], 10.0);
  EXPECT_EQ(j["written"]["sqnr_db"], 30.0);
  EXPECT_EQ(j["chosen_step"], 1);
  EXPECT_EQ(j["steps"], ToJson(f.search.plan)["steps"]);
  ASSERT_EQ(j["sensitivity"].size(), 2u);
  EXPECT_EQ(j["sensitivity"][1], ToJson(f.search.ranked[1]));  // the same field list as `sensitivity`
  const json& lat = j["latency"];
  EXPECT_EQ(lat["batch_size"], 4);
  EXPECT_EQ(lat["intra_op_threads"], 2);
  EXPECT_EQ(lat["interleaved"], true);
  EXPECT_EQ(lat["rounds"], 30);
  EXPECT_EQ(lat["fallback_timed"], true);
  EXPECT_EQ(lat["fp32"]["median_ms"], 2.0);
  EXPECT_EQ(lat["fp32"]["runs"], 30);
  EXPECT_TRUE(lat["fallback"]["cv"].is_null());
  EXPECT_EQ(lat["quantized_speedup_vs_fp32"], json::parse(R"({"speedup": 2.0, "ci_low": 1.9, "ci_high": 2.1,
      "ci_level": 0.95})"));
  EXPECT_EQ(lat["fallback_cost_ms"], 0.25);
  EXPECT_EQ(lat["fallback_cost_ratio"], json::parse(R"({"ratio": 1.25, "ci_low": 1.2, "ci_high": 1.3})"));
  // --max-drop: the criterion and its target, fallback_top null.
  f.search.criteria = {};
  f.search.criteria.max_drop_points = 1.5;
  const json m = ToJson(f);
  EXPECT_EQ(m["criterion"], "max_drop");
  EXPECT_TRUE(m["fallback_top"].is_null());
  EXPECT_EQ(m["max_drop_points"], 1.5);
}

// N15: the noisy-timing warning gives the CV of each model timed, not of a "with fallback" that is
// the quantized model again; a thread count of 0 is said as what it means.
TEST(EvalReport, FallbackNoisyWarningListsOnlyTheModelsTimed) {
  LatencyComparison c;
  c.rounds = 100;
  c.fp32.statistics.cv = 0.28;
  c.quantized.statistics.cv = 0.30;
  c.fallback = c.quantized;
  const std::string tail =
      "; the medians and their intervals still hold, but for steadier numbers time the models with `qbench bench` "
      "on a quiet machine";
  EXPECT_EQ(FallbackLatencyNoisyMessage(c),
            "fallback latency: the timings stayed noisy over 100 interleaved rounds (CV fp32 28 %, fully quantized "
            "30 %)" + tail);
  c.fallback_timed = true;
  c.fallback.statistics.cv = 0.126;
  EXPECT_EQ(FallbackLatencyNoisyMessage(c),
            "fallback latency: the timings stayed noisy over 100 interleaved rounds (CV fp32 28 %, fully quantized "
            "30 %, with fallback 13 %)" + tail);
  EXPECT_EQ(IntraOpThreadsText(0), "ONNX Runtime's default intra-op threads (one per physical core)");
  EXPECT_EQ(IntraOpThreadsText(1), "1 intra-op thread");
  EXPECT_EQ(IntraOpThreadsText(4), "4 intra-op threads");
}

}  // namespace
}  // namespace qbench
