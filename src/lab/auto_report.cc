// `quantize --auto`: the candidate table and the JSON report (see qbench/lab/auto_quantize.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "qbench/core/json_fields.h"
#include "qbench/lab/auto_quantize.h"

namespace qbench {
namespace {

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

AutoCandidateRecord DescribeAutoCandidate(const AutoCandidate& c) {
  AutoCandidateRecord d;
  d.name = c.name;
  d.calibration_method = CalibrationMethodName(c.method);
  d.activation_type = c.activation_type == DType::kUint8 ? "u8" : "s8";
  d.weight_granularity = c.granularity == WeightGranularity::kPerChannel ? "per-channel" : "conv-per-channel";
  d.hard_sigmoid = HardSigmoidPolicyName(c.hard_sigmoid);
  d.weight_range = WeightRangeName(ResolveWeightRange(c.weight_range, c.activation_type).range);
  d.equalize = CrossLayerEqualizationName(c.equalize);
  d.bias_correction = c.bias_correction;
  d.keep_fp32 = c.keep_float;
  d.islands_reason = c.islands_reason;
  d.samples = static_cast<std::int64_t>(c.samples);
  d.agree = static_cast<std::int64_t>(c.agree);
  d.agreement = c.agreement;
  d.agreement_ci95_low = c.agreement_ci95.lo;
  d.agreement_ci95_high = c.agreement_ci95.hi;
  d.top1 = c.top1;
  d.sqnr_db = c.sqnr_db;
  d.drop_points = c.drop_points;
  d.within_budget = c.within_budget;
  d.timed = c.timed;
  d.median_ms = c.median_ms;
  if (c.timed) {
    d.speedup = c.speedup.speedup;
    d.speedup_ci95_low = c.speedup.ci_low;
    d.speedup_ci95_high = c.speedup.ci_high;
  }
  d.size_bytes = c.size_bytes;
  d.status = c.status;
  return d;
}

nlohmann::json AutoResultToJson(const AutoQuantizeResult& r) {
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : r.candidates) cands.push_back(DescribeAutoCandidate(c));
  nlohmann::json w = nlohmann::json::array();
  for (const auto& x : r.warnings) w.push_back({{"code", x.code}, {"message", x.message}});
  return {{"auto", true},
          {"max_drop_points", r.max_drop_points},
          {"batch", r.batch},
          {"seed", r.seed},
          {"calibration_data", r.calibration_data},
          {"evaluation_data", r.evaluation_data},
          {"evaluation_samples", r.evaluation_samples},
          {"fp32", {{"median_ms", json_fields::Finite(r.fp32_median_ms)}, {"top1", json_fields::Finite(r.fp32_top1)}, {"size_bytes", r.fp32_size_bytes}}},
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
