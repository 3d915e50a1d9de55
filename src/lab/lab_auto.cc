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

nlohmann::json LabAutoSummary(const AutoQuantizeResult& r) {
  nlohmann::json all = AutoResultToJson(r);
  nlohmann::json s;
  for (const char* key : {"chosen", "wrote_fp32_unchanged", "decision", "max_drop_points", "batch", "seed",
                          "calibration_data", "evaluation_data", "evaluation_samples", "elapsed_s", "budget_exhausted"})
    s[key] = all[key];
  s["candidates"] = r.candidates.size();
  s["fp32_median_ms"] = all["fp32"]["median_ms"];
  if (r.chosen >= 0) s["choice"] = all["candidates"][static_cast<std::size_t>(r.chosen)];
  // The best int8 figure found, for "fp32 unchanged": the fastest timed candidate within the budget.
  int best = -1;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const AutoCandidate& c = r.candidates[i];
    if (c.timed && c.within_budget && (best < 0 || c.speedup.speedup > r.candidates[best].speedup.speedup))
      best = static_cast<int>(i);
  }
  if (r.chosen < 0 && best >= 0) s["best_int8"] = all["candidates"][static_cast<std::size_t>(best)];
  return s;
}

}  // namespace qbench::lab_internal
