// qbench/report/device_report.h — the report sections about what a study ran on and what it ran:
// energy per inference (benchmark/energy.h), external variants (--compare-file: what each file holds
// and what runs in int8 after ONNX Runtime's optimization), and the execution provider's node placement.
#pragma once

#include <string>

#include "qbench/lab/results.h"

namespace qbench {

/// "## Energy": per model, J per inference, J per sample, average power and the ratio of median J
/// per run against the baseline with its 95 % paired bootstrap interval. When no point has energy,
/// one line with the reason (never a table of zeros).
std::string EnergyMarkdown(const LabStudy& study);

/// "## External variants": per external model record, the file, what it holds (QDQ, QOperator, …),
/// what ONNX Runtime runs after its optimization (content, int8 op types with counts, int8 share of
/// MACs). "" when the study has none.
std::string ExternalVariantsMarkdown(const LabStudy& study);

/// "## Execution provider": the provider of the points and, per variant, where ORT placed its nodes
/// (DescribePlacement), the CPU fallbacks first. "" when every point ran on the CPU provider and no
/// placement says otherwise.
std::string ProviderMarkdown(const LabStudy& study);

}  // namespace qbench
