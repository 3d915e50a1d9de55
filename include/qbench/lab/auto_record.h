// qbench/lab/auto_record.h — what JSON keeps of the `quantize --auto` search (auto_quantize.h): one
// candidate as `quantize --auto --json` and results.json write it, and the lab variant "auto"'s
// summary of its search (ModelRecord::auto_search, results.json "coverage_report"."auto"). Plain
// values (names, not enums), so a reader (the report) needs no quantizer. Each is written and read
// from one field list (auto_record.cc, core/json_fields.h).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace qbench {

/// One candidate of the search. Fractions are 0–1; a figure that was not measured is NaN (null in
/// JSON): agreement without class scores, the speedup of a candidate that was not timed.
struct AutoCandidateRecord {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::string name;                 ///< "mse u8 conv-per-channel reduced-weights + 2 fp32 (profile)"
  std::string calibration_method;   ///< "minmax", "percentile", "entropy", "mse"
  std::string activation_type;      ///< "u8" or "s8"
  std::string weight_granularity;   ///< "per-channel" or "conv-per-channel"
  std::string hard_sigmoid;         ///< HardSigmoidPolicyName
  std::string weight_range;         ///< "full", "reduced", "u8" (resolved, never "auto")
  std::string equalize = "off";     ///< cross-layer equalization: "off", "relu", "relu6"
  bool bias_correction = false;
  std::vector<std::string> keep_fp32;  ///< nodes kept fp32 (islands)
  std::string islands_reason;
  std::int64_t samples = 0, agree = 0;  ///< evaluation samples; those whose top-1 equals fp32's
  double agreement = kNaN;          ///< top-1 agreement with fp32
  double agreement_ci95_low = kNaN, agreement_ci95_high = kNaN;  ///< Wilson 95 %: "agreement_ci95": [low, high]
  double top1 = kNaN;               ///< with labels
  double sqnr_db = kNaN;            ///< output 0 against fp32, dB
  double drop_points = kNaN;        ///< 100·(1 − agreement)
  bool within_budget = false;
  bool timed = false;
  double median_ms = kNaN;          ///< latency per run at the search's batch (timed only)
  /// fp32 median / this median with its paired-bootstrap 95 % interval ("speedup_ci95": [low, high]);
  /// NaN (null) when not timed.
  double speedup = kNaN, speedup_ci95_low = kNaN, speedup_ci95_high = kNaN;
  std::uint64_t size_bytes = 0;
  std::string status;               ///< "chosen", "over the accuracy budget", …
};

/// What the lab's model record of variant "auto" keeps of its search (LabAutoSummary, lab_auto.h).
struct LabAutoRecord {
  std::string chosen;               ///< the chosen candidate's name; "" (null) when fp32 was written
  bool wrote_fp32_unchanged = false;
  std::string decision;             ///< the search's sentence: what it wrote and why
  double max_drop_points = 0;       ///< the accuracy budget, points of top-1 agreement
  std::int64_t batch = 1;           ///< the timing batch
  std::uint64_t seed = 0;
  std::string calibration_data, evaluation_data;  ///< descriptions
  std::int64_t evaluation_samples = 0;
  double elapsed_s = 0;
  bool budget_exhausted = false;    ///< the time budget stopped the search early
  std::int64_t candidates = 0;      ///< how many candidates were measured
  double fp32_median_ms = AutoCandidateRecord::kNaN;
  bool has_choice = false;          ///< "choice": the chosen candidate (not when fp32 was written)
  AutoCandidateRecord choice;
  /// "best_int8": with fp32 written, the fastest timed int8 candidate within the budget, if any.
  bool has_best_int8 = false;
  AutoCandidateRecord best_int8;
};

/// nlohmann's hooks, from the field lists of auto_record.cc. Readers keep defaults for missing keys
/// and throw Error(kInvalidInput) naming a key of the wrong type.
void to_json(nlohmann::json& j, const AutoCandidateRecord& c);
void from_json(const nlohmann::json& j, AutoCandidateRecord& c);
void to_json(nlohmann::json& j, const LabAutoRecord& r);
void from_json(const nlohmann::json& j, LabAutoRecord& r);

}  // namespace qbench
