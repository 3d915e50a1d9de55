// src/lab/lab_auto.h — the lab's variant "auto" (LabVariantInfo::auto_search): the options of
// `quantize --auto`'s search from the lab's settings, and what its results record keeps of it.
// Private to the lab module (lab_prepare.cc makes the variant).
#pragma once

#include <cstdint>

#include "qbench/lab/auto_quantize.h"
#include "qbench/lab/auto_record.h"
#include "qbench/lab/config.h"

namespace qbench::lab_internal {

/// The search's options for one model: --auto-max-drop, --auto-time-budget, --seed, the first
/// --batch (its timing batch), `threads` intra-op threads, --calibration-method (alone, when given)
/// and --eval-limit. Data: `calibration` is the static variants' spec (path, size, preprocessing,
/// shapes); with --eval-data the search judges fidelity on it (preprocessed by `eval_preprocess`)
/// and, with --split or without --calibration-data, calibrates on the seeded calibration part of it
/// (the same samples as the static variants under --split) and evaluates on the rest; without any
/// data it uses generated inputs (docs/auto.md "Data"). Never throws.
AutoQuantizeOptions LabAutoOptions(const LabConfig& config, const CalibrationDataSpec& calibration,
                                   const PreprocessOptions& eval_preprocess, std::int64_t threads);

/// What the model record keeps of the search (ModelRecord::auto_search, written under
/// "coverage_report"."auto"): the chosen candidate's name ("" when fp32 was written), the decision,
/// the budget, batch, seed, data, elapsed time, how many candidates were measured, fp32's median,
/// the chosen candidate (DescribeAutoCandidate: method, activation type, weight range, islands,
/// agreement with its CI, speedup with its CI) and, when fp32 was written, the fastest timed int8
/// candidate within the budget (best_int8), if any.
LabAutoRecord LabAutoSummary(const AutoQuantizeResult& result);

}  // namespace qbench::lab_internal
