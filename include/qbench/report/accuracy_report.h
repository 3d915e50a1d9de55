// qbench/report/accuracy_report.h — the Accuracy section of a lab study's report.md.
#pragma once

#include <string>
#include <vector>

#include "qbench/lab/results.h"

namespace qbench {

/// The (model, variant) pairs, "model variant", that an interrupted study (LabStudy::interrupted) with
/// --eval-data did not evaluate: each ok, applicable ModelRecord without an AccuracyRecord, in model
/// and variant order. Empty when the study was not interrupted or has no --eval-data (a shard that did
/// not evaluate is no gap).
std::vector<std::string> AccuracyNotEvaluated(const LabStudy& study);

/// "## Accuracy": per model and variant top-1 [95 % Wilson CI], top-5, top-1 agreement with the
/// baseline, the paired top-1 change vs the baseline and the speedup at the reference point (a model
/// without class scores: its fidelity vs the baseline instead), the evaluation data, why a model has no
/// accuracy verdict (AccuracyMeaningless); and, after Ctrl-C, the line "accuracy: not evaluated
/// (interrupted) for …; `qbench lab --resume` evaluates it" (AccuracyNotEvaluated), also when no
/// variant was evaluated. "" when there is neither an evaluation nor a gap.
std::string AccuracyMarkdown(const LabStudy& study);

}  // namespace qbench
