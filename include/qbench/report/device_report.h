// qbench/report/device_report.h — the report sections about what a study ran on and what it ran:
// energy per inference (benchmark/energy.h), external variants (--compare-file: what each file holds
// and what runs in int8 after ONNX Runtime's optimization), the variant auto against static, and the
// execution provider's node placement.
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

/// "## Variant auto (quantize --auto) vs static": per model with an "auto" record, what the search
/// chose (calibration method, activation type, weight range, granularity, fp32 islands, CLE, bias
/// correction) with its agreement and speedup in the search, or that it kept the fp32 model unchanged
/// (said so, with the best int8 figure found; never counted as int8); then a table of the lab's own
/// speedups of static and auto per batch and their agreement with the baseline
/// (src/report/auto_variant_report.cc). "" when the study has no auto variant.
std::string AutoVariantMarkdown(const LabStudy& study);

/// "## Execution provider": the provider of the points and, per variant, where ORT placed its nodes
/// (DescribePlacement), the CPU fallbacks first. "" when every point ran on the CPU provider and no
/// placement says otherwise.
std::string ProviderMarkdown(const LabStudy& study);

}  // namespace qbench
