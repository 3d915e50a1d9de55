// src/report/report_util.h — small helpers shared by the report module's files (not public API).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "qbench/core/fs.h"
#include "qbench/lab/results.h"
#include "qbench/report/html_report.h"
#include "qbench/quantization/scheme.h"

namespace qbench::report_internal {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Writes `text` to `dir`/`name` atomically (WriteFileAtomic) and appends that path to *written.
inline void WriteOutput(const std::string& dir, const std::string& name, const std::string& text,
                        std::vector<std::string>* written) {
  WriteFileAtomic(dir + "/" + name, text);
  written->push_back(dir + "/" + name);
}

/// report.md and the same report as one self-contained page, report.html (plots embedded: to attach
/// or open offline), each WriteOutput.
inline void WriteReportPages(const std::string& dir, const std::string& md, const std::string& title,
                             std::vector<std::string>* written) {
  WriteOutput(dir, "report.md", md, written);
  WriteOutput(dir, "report.html", MarkdownToHtmlPage(md, dir, title), written);
}

/// Integer op types (QLinear*, *Integer*, QGemm, DynamicQuantizeMatMul, QAttention): compared with the int8 peak.
bool IsIntegerOp(const std::string& op);
/// The scheme-table row behind a lab variant name (qbench/lab/config.h LabVariants); nullptr for
/// the baseline (the model as given) and for a name this build does not know (an older study).
const SchemeInfo* VariantScheme(const std::string& variant);
/// True when the variant's activations are integers with calibrated (fixed) scales, so every op
/// kept float costs a DequantizeLinear/QuantizeLinear round trip.
bool HasCalibratedIntegerActivations(const std::string& variant);
/// For a lab variant with per-tensor weights (dynamic, static-per-tensor): one sentence naming
/// per-channel weights as the remedy of a collapse and the lab variant of the same scheme that has
/// them (static, dynamic-per-channel): its rows when `study` measured it, else how to add it (and the
/// `qbench quantize` flags that write the same file); "" for any other variant.
std::string PerTensorRemedy(const LabStudy& study, const std::string& variant);
/// "42 %".
std::string Percent(double share);
/// A variant's label-free fidelity against its baseline (AccuracyRecord::metric "fidelity"):
/// "SQNR 35.6 dB, cosine 0.9999", or "identical outputs, cosine 1.0000" for an infinite SQNR.
std::string FidelityText(const AccuracyRecord& a);
/// The same from an SQNR (dB; infinite: identical outputs) and a cosine similarity.
std::string FidelityText(double sqnr_db, double cosine);
std::string Join(const std::vector<std::string>& v, const std::string& sep = ", ");
/// A point in the report's words, "small: fp32 at batch 1, 224 px, 1 thread" (SweepPoint::Label);
/// from an id (SweepPoint::Key), the id itself in backticks when it is not one.
std::string PointWords(const SweepPoint& p);
std::string PointWords(const std::string& id);
/// The roofline peaks measured with `threads` threads, else any ok ones, else nullptr.
const RooflinePeaks* PeaksFor(const LabStudy& study, std::int64_t threads);
/// The ok op profile of (model, variant), or nullptr.
const OpProfileRecord* ProfileFor(const LabStudy& study, const std::string& model, const std::string& variant);
/// Measured points of (model, variant) at one input size and thread count, by batch.
std::vector<const PointResult*> BatchSeries(const LabStudy& study, const std::string& model, const std::string& variant,
                                            std::int64_t input_size, std::int64_t threads);
/// Share of the profile's time spent in op types for which `pred` is true (0 without time).
double TimeShare(const OpProfileRecord& prof, const std::function<bool(const std::string&)>& pred);
/// The first thread count of the study (1 when unknown) and a model's first input size (0 when unknown).
std::int64_t FirstThreads(const LabStudy& study);
/// "1 thread", "4 threads".
std::string ThreadsText(std::int64_t threads);
/// Where a point was measured, as the findings name it: "batch 1", and "batch 1, 2 threads" when the
/// study sweeps more than one thread count (two points of one batch differ only by it).
std::string PointWhere(const LabStudy& study, const PointResult& p);
std::int64_t FirstInputSize(const LabStudy& study, const std::string& model);

/// GenerateObservations' trend and correlation bullets (trend_observations.cc), appended to `out`:
/// whether latency tracked file size and MACs across models (Spearman ρ), and each speedup trend over
/// the batch and the input size where the 95 % CIs separate.
void CorrelationObservations(const LabStudy& study, std::vector<std::string>& out);
void TrendObservations(const LabStudy& study, std::vector<std::string>& out);

}  // namespace qbench::report_internal
