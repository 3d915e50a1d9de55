// The lab's variant "auto" (LabVariantInfo::auto_search): `qbench quantize --auto`'s search for one
// model, run with the lab's data, split, seed and threads (lab_auto.h).
#include "lab_auto.h"

#include <fmt/format.h>

#include "qbench/core/log.h"

namespace qbench::lab_internal {

AutoQuantizeOptions LabAutoOptions(const LabConfig& config, const CalibrationDataSpec& calibration,
                                   const PreprocessOptions& eval_preprocess, std::int64_t threads) {
  AutoQuantizeOptions o;
  o.max_drop_points = config.auto_max_drop_points;
  o.base.weight_range = config.weight_range;  // auto: the search tries each range (AutoWeightRanges)
  o.time_budget_s = config.auto_time_budget_s;
  o.seed = config.seed;
  o.threads = static_cast<int>(threads);
  o.batch = config.batches.values.empty() ? 1 : std::max<std::int64_t>(1, config.batches.values.front());
  o.calibration = calibration;  // the static variants' spec: the same samples, shapes and preprocessing
  o.calibration.split_part = false;  // the search splits a shared dataset itself (docs/auto.md "Data")
  if (!config.eval_data.empty()) {
    o.evaluation.path = config.eval_data;
    o.evaluation.preprocess = eval_preprocess;
    // One dataset for both (--split, or no --calibration-data): the search calibrates on the seeded
    // calibration part of --calibration-size samples, the same part the static variants use, and
    // judges fidelity on the rest.
    if (config.split || config.calibration_data.empty()) o.calibration.path = config.eval_data;
  }
  if (config.eval_limit > 0) o.eval_limit = config.eval_limit;
  if (!config.calibration_method.empty()) o.methods = {ParseCalibrationMethod(config.calibration_method)};
  o.progress = [](const std::string& line) { LogInfo(line); };
  return o;
}

LabAutoRecord LabAutoSummary(const AutoQuantizeResult& r) {
  LabAutoRecord s;
  if (r.chosen >= 0) s.chosen = r.candidates[static_cast<std::size_t>(r.chosen)].name;
  s.wrote_fp32_unchanged = r.chosen < 0;
  s.decision = r.decision;
  s.max_drop_points = r.max_drop_points;
  s.batch = r.batch;
  s.seed = r.seed;
  s.calibration_data = r.calibration_data;
  s.evaluation_data = r.evaluation_data;
  s.evaluation_samples = static_cast<std::int64_t>(r.evaluation_samples);
  s.elapsed_s = r.elapsed_s;
  s.budget_exhausted = r.budget_exhausted;
  s.candidates = static_cast<std::int64_t>(r.candidates.size());
  s.fp32_median_ms = r.fp32_median_ms;
  s.has_choice = r.chosen >= 0;
  if (s.has_choice) s.choice = DescribeAutoCandidate(r.candidates[static_cast<std::size_t>(r.chosen)]);
  // The best int8 figure found, for "fp32 unchanged": the fastest timed candidate within the budget.
  int best = -1;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const AutoCandidate& c = r.candidates[i];
    if (c.timed && c.within_budget && (best < 0 || c.speedup.speedup > r.candidates[best].speedup.speedup))
      best = static_cast<int>(i);
  }
  s.has_best_int8 = r.chosen < 0 && best >= 0;
  if (s.has_best_int8) s.best_int8 = DescribeAutoCandidate(r.candidates[static_cast<std::size_t>(best)]);
  return s;
}

}  // namespace qbench::lab_internal
