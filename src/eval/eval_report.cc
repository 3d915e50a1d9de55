// The JSON of eval's typed results (eval_report.h): one field list per type.
#include "qbench/eval/eval_report.h"

#include <cmath>

namespace qbench {
namespace {

using nlohmann::json;

// NaN and ±inf have no JSON spelling: null.
json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json Ci(const Interval& ci) { return json::array({ci.lo, ci.hi}); }

json WarningsJson(const std::vector<Warning>& warnings) {
  json w = json::array();
  for (const auto& x : warnings) w.push_back({{"code", x.code}, {"message", x.message}});
  return w;
}

json MeasurementJson(const Measurement& m) {
  const Statistics& s = m.statistics;
  return {{"median_ms", Num(s.median_ms)}, {"median_ci_low_ms", Num(s.median_ci_low_ms)},
          {"median_ci_high_ms", Num(s.median_ci_high_ms)}, {"mean_ms", Num(s.mean_ms)}, {"p90_ms", Num(s.p90_ms)},
          {"cv", Num(s.cv)}, {"runs", s.n}};
}

json SpeedupJson(const SpeedupEstimate& e) {
  return {{"speedup", Num(e.speedup)}, {"ci_low", Num(e.ci_low)}, {"ci_high", Num(e.ci_high)}, {"ci_level", e.ci_level}};
}

json LatencyJson(const LatencyComparison& lat) {
  return {{"batch_size", lat.batch_size}, {"intra_op_threads", lat.intra_op_threads},
          {"interleaved", true}, {"rounds", lat.rounds}, {"fallback_timed", lat.fallback_timed},
          {"fp32", MeasurementJson(lat.fp32)}, {"quantized", MeasurementJson(lat.quantized)},
          {"fallback", MeasurementJson(lat.fallback)},
          {"quantized_speedup_vs_fp32", SpeedupJson(lat.quantized_vs_fp32)},
          {"fallback_speedup_vs_fp32", SpeedupJson(lat.fallback_vs_fp32)},
          {"fallback_cost_ms", Num(lat.cost_ms)},
          {"fallback_cost_ratio",
           {{"ratio", Num(lat.cost_ratio)}, {"ci_low", Num(lat.cost_ratio_ci_low)}, {"ci_high", Num(lat.cost_ratio_ci_high)}}}};
}

}  // namespace

json ToJson(const EvalReport& report) {
  const AccuracyResult& r = report.result;
  json j = {
      {"model", report.model},
      {"dataset", r.dataset},
      {"preprocessing", report.preprocessing},
      {"count", r.count},
      {"skipped", r.skipped},
      {"batch_size", r.batch_size},
      {"classification", r.classification},
      {"num_classes", r.num_classes},
      {"labelled", r.labelled},
      {"top_k", r.top_k},
      {"top1", Num(r.top1)},
      {"top5", Num(r.top5)},
      {"top1_correct", r.top1_correct},
      {"top5_correct", r.top5_correct},
      {"top1_ci95", r.labelled ? Ci(r.top1_ci95) : json(nullptr)},
      {"top5_ci95", r.labelled ? Ci(r.top5_ci95) : json(nullptr)},
      {"wall_s", r.wall_s},
      {"images_per_s", r.images_per_s},
  };
  json skipped = json::array();
  for (const auto& s : r.skipped_samples) skipped.push_back({{"index", s.id}, {"reason", s.reason}});
  j["skipped_samples"] = skipped;
  if (r.has_reference) {
    j["reference"] = report.reference;
    j["reference_top1"] = Num(r.reference_top1);
    j["reference_top5"] = Num(r.reference_top5);
    if (r.labelled > 0) {
      j["top1_change"] = Num(r.top1_change.estimate);
      j["top1_change_ci95"] = json::array({r.top1_change.lo, r.top1_change.hi});
      j["top1_change_method"] = "Newcombe (1998) paired hybrid score interval, method 10";
      j["top1_mcnemar_p"] = Num(r.top1_change_mcnemar_p);
      j["top1_paired_counts"] = {
          {"both", r.both_top1_correct},
          {"model_only", r.model_only_top1_correct},
          {"reference_only", r.reference_only_top1_correct},
          {"neither", r.labelled - r.both_top1_correct - r.model_only_top1_correct - r.reference_only_top1_correct}};
    }
    j["agreement"] = Num(r.top1_agreement);
    j["agreement_count"] = r.agreement_count;
    j["agreement_ci95"] = r.classification ? Ci(r.top1_agreement_ci95) : json(nullptr);
    j["kl"] = Num(r.mean_kl);
    j["sqnr_db"] = Num(r.sqnr_db);  // null when infinite (identical outputs)
    j["cosine"] = Num(r.cosine);
    json outs = json::array();
    for (const auto& f : r.outputs) outs.push_back({{"name", f.name}, {"sqnr_db", Num(f.sqnr_db)}, {"cosine", Num(f.cosine)}});
    j["outputs"] = outs;
  }
  j["warnings"] = WarningsJson(report.warnings);
  return j;
}

json ScoreJson(const LayerSensitivity& s) {
  return {{"sqnr_db", Num(s.sqnr_db)}, {"agreement", Num(s.agreement)}, {"kl", Num(s.kl)}, {"top1", Num(s.top1)},
          {"drop_points", Num(s.drop_points)}};
}

json ToJson(const LayerSensitivity& s) {
  json e = ScoreJson(s);
  e["name"] = s.layer.name;
  e["op_type"] = s.layer.op_type;
  e["macs"] = s.layer.macs;
  e["mac_share"] = s.mac_share;
  return e;
}

json ToJson(const FallbackStep& step) {
  json e = ScoreJson(step.result);
  e["keep_float"] = step.keep_float;
  e["float_mac_share"] = step.float_mac_share;
  return e;
}

json ToJson(const FallbackPlan& plan) {
  json steps = json::array();
  for (const auto& st : plan.steps) steps.push_back(ToJson(st));
  return {{"steps", steps}, {"chosen", plan.chosen}, {"target_met", plan.target_met}};
}

json ToJson(const SensitivityReport& report) {
  json j = {{"model", report.model},     {"scheme", report.scheme},   {"calibration_method", report.calibration_method},
            {"dataset", report.dataset}, {"samples", report.samples}, {"total_macs", report.total_macs}};
  json layers = json::array();
  for (const auto& s : report.layers) layers.push_back(ToJson(s));
  j["layers"] = layers;
  if (report.has_fallback) j["fallback"] = ToJson(report.fallback);
  j["warnings"] = WarningsJson(report.warnings);
  return j;
}

json ToJson(const FallbackReport& report) {
  const FallbackSearch& search = report.search;
  const FallbackStep& chosen = search.plan.steps.at(search.chosen);
  const bool top = search.criteria.fallback_top > 0;
  json j;
  j["criterion"] = top ? "fallback_top" : "max_drop";
  j["fallback_top"] = top ? json(search.criteria.fallback_top) : json(nullptr);
  j["max_drop_points"] = top ? json(nullptr) : Num(search.criteria.max_drop_points);
  j["drop_definition"] = "100 x (1 - top-1 agreement with fp32), percentage points";
  j["eval_data"] = search.dataset;
  j["eval_samples"] = search.samples;
  j["eval_on_calibration_data"] = report.eval_on_calibration_data;
  j["target_met"] = search.target_met;
  json kept = json::array();
  for (const auto& k : search.kept) {
    kept.push_back({{"name", k.layer.name}, {"op_type", k.layer.op_type}, {"macs", k.layer.macs},
                    {"mac_share", k.mac_share}, {"alone", ScoreJson(k)}});
  }
  j["kept_float"] = kept;
  j["float_mac_share"] = chosen.float_mac_share;
  j["fully_quantized"] = ScoreJson(search.plan.steps.front().result);
  j["written"] = ScoreJson(chosen.result);
  json steps = json::array();
  for (const auto& st : search.plan.steps) steps.push_back(ToJson(st));
  j["steps"] = steps;
  j["chosen_step"] = search.chosen;
  json ranked = json::array();
  for (const auto& r : search.ranked) ranked.push_back(ToJson(r));
  j["sensitivity"] = ranked;
  j["latency"] = LatencyJson(report.latency);
  return j;
}

}  // namespace qbench
