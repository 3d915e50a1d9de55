// `quantize --auto`: the candidate table and the JSON report (see qbench/lab/auto_quantize.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "qbench/lab/auto_quantize.h"

namespace qbench {
namespace {

nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string Pct(double fraction) { return std::isfinite(fraction) ? fmt::format("{:.1f}", 100 * fraction) : "-"; }

std::string Agreement(const AutoCandidate& c) {
  if (!std::isfinite(c.agreement)) return "-";
  return fmt::format("{} [{}, {}]", Pct(c.agreement), Pct(c.agreement_ci95.lo), Pct(c.agreement_ci95.hi));
}

std::string Speedup(const AutoCandidate& c) {
  if (!c.timed) return "-";
  return fmt::format("{:.2f}x [{:.2f}, {:.2f}]", c.speedup.speedup, c.speedup.ci_low, c.speedup.ci_high);
}

}  // namespace

std::string FormatAutoResult(const AutoQuantizeResult& r) {
  std::string out = fmt::format("auto: {} candidate(s); fidelity on {} ({} samples, apart from the calibration "
                                "samples: {}); speedup vs fp32 interleaved at batch {}, 95 % CI\n",
                                r.candidates.size(), r.evaluation_data, r.evaluation_samples, r.calibration_data,
                                r.batch);
  std::size_t w = 58;  // the name column fits the longest name ("... +cle-relu +bias-corr" with islands)
  for (const auto& c : r.candidates) w = std::max(w, c.name.size());
  out += fmt::format("  {:<{}} {:>22} {:>9} {:>22} {:>10}  {}\n", "candidate", w, "agreement % [95% CI]", "SQNR dB",
                     "speedup [95% CI]", "size MB", "status");
  for (const auto& c : r.candidates) {
    out += fmt::format("  {:<{}} {:>22} {:>9} {:>22} {:>10.2f}  {}\n", c.name, w, Agreement(c),
                       std::isfinite(c.sqnr_db) ? fmt::format("{:.1f}", c.sqnr_db) : "-", Speedup(c),
                       static_cast<double>(c.size_bytes) / 1e6, c.status);
  }
  const std::string fp32_time = std::isfinite(r.fp32_median_ms) ? fmt::format("fp32 median {:.3f} ms", r.fp32_median_ms)
                                                                 : std::string("fp32 not timed");
  out += fmt::format("  {:<{}} {:>22} {:>9} {:>22} {:>10.2f}  {}{}\n", "fp32 (reference)", w, "100.0",
                     "inf", "1.00x", static_cast<double>(r.fp32_size_bytes) / 1e6, fp32_time,
                     std::isfinite(r.fp32_top1) ? fmt::format(", top-1 {} %", Pct(r.fp32_top1)) : "");
  out += "auto: " + r.decision + fmt::format(" [search {:.0f} s]\n", r.elapsed_s);
  return out;
}

nlohmann::json AutoResultToJson(const AutoQuantizeResult& r) {
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : r.candidates) {
    cands.push_back(nlohmann::json{{"name", c.name},
                     {"calibration_method", CalibrationMethodName(c.method)},
                     {"activation_type", c.activation_type == DType::kUint8 ? "u8" : "s8"},
                     {"weight_granularity", c.granularity == WeightGranularity::kPerChannel ? "per-channel" : "conv-per-channel"},
                     {"hard_sigmoid", HardSigmoidPolicyName(c.hard_sigmoid)},
                     {"weight_range", WeightRangeName(ResolveWeightRange(c.weight_range, c.activation_type).range)},
                     {"equalize", CrossLayerEqualizationName(c.equalize)},
                     {"bias_correction", c.bias_correction},
                     {"keep_fp32", c.keep_float},
                     {"islands_reason", c.islands_reason},
                     {"samples", c.samples},
                     {"agree", c.agree},
                     {"agreement", Num(c.agreement)},
                     {"agreement_ci95", {Num(c.agreement_ci95.lo), Num(c.agreement_ci95.hi)}},
                     {"top1", Num(c.top1)},
                     {"sqnr_db", Num(c.sqnr_db)},
                     {"drop_points", Num(c.drop_points)},
                     {"within_budget", c.within_budget},
                     {"timed", c.timed},
                     {"median_ms", Num(c.median_ms)},
                     {"speedup", c.timed ? Num(c.speedup.speedup) : nlohmann::json(nullptr)},
                     {"speedup_ci95", c.timed ? nlohmann::json{Num(c.speedup.ci_low), Num(c.speedup.ci_high)}
                                              : nlohmann::json(nullptr)},
                     {"size_bytes", c.size_bytes},
                     {"status", c.status}});
  }
  nlohmann::json w = nlohmann::json::array();
  for (const auto& x : r.warnings) w.push_back({{"code", x.code}, {"message", x.message}});
  return {{"auto", true},
          {"max_drop_points", r.max_drop_points},
          {"batch", r.batch},
          {"seed", r.seed},
          {"calibration_data", r.calibration_data},
          {"evaluation_data", r.evaluation_data},
          {"evaluation_samples", r.evaluation_samples},
          {"fp32", {{"median_ms", Num(r.fp32_median_ms)}, {"top1", Num(r.fp32_top1)}, {"size_bytes", r.fp32_size_bytes}}},
          {"candidates", cands},
          {"chosen", r.chosen >= 0 ? nlohmann::json(r.candidates[r.chosen].name) : nlohmann::json(nullptr)},
          {"wrote_fp32_unchanged", r.chosen < 0},
          {"decision", r.decision},
          {"elapsed_s", r.elapsed_s},
          {"budget_exhausted", r.budget_exhausted},
          {"cancelled", r.cancelled},
          {"warnings", w}};
}

}  // namespace qbench
