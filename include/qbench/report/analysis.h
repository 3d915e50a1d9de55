// qbench/report/analysis.h — numbers derived from a lab study for its report and plots: speedups by
// sweep point, size ratios, rank correlation, the roofline view, and plain-language observations
// generated from the measurements.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/text.h"  // Abbreviate (table cells)
#include "qbench/lab/results.h"

namespace qbench {

/// The baseline variant of a study: config.variants[0] ("fp32" by default); "" when unknown.
std::string BaselineVariant(const LabStudy& study);

/// Variants of the study in config order; model display names in config order (as measured).
std::vector<std::string> StudyVariants(const LabStudy& study);
std::vector<std::string> StudyModels(const LabStudy& study);

/// Spearman's rank correlation ρ of paired samples: Pearson's correlation of the ranks, ties given
/// their average rank (Spearman 1904; as scipy.stats.spearmanr). NaN when n < 3, the sizes differ, or
/// either sample is constant.
double SpearmanRankCorrelation(const std::vector<double>& x, const std::vector<double>& y);

/// The input sizes (pixels, H = W; 0 = the file's own shape) `model` was swept over:
/// config.model_input_sizes[model] (a model whose file fixes its size is measured at that size
/// only), else config.input_size. Empty when the config says neither.
std::vector<std::int64_t> ModelInputSizes(const LabStudy& study, const std::string& model);

/// file size of (model, variant) / file size of (model, baseline); NaN when either is missing.
double SizeRatio(const LabStudy& study, const std::string& model, const std::string& variant);

/// The measured (ok) point of (model, variant) at the smallest batch, the model's first input size
/// (ModelInputSizes) and the first thread count of the study, or nullptr.
const PointResult* ReferencePoint(const LabStudy& study, const std::string& model, const std::string& variant);

/// True when (model, variant) is the lab variant "auto" whose search kept the model unchanged (its
/// record's coverage_report.auto.wrote_fp32_unchanged): its file is the baseline's, so the size and
/// speed observations of an int8 variant do not apply (AutoVariantMarkdown says what happened).
bool AutoKeptUnchanged(const LabStudy& study, const std::string& model, const std::string& variant);

/// True when (model, variant) is a quantized variant whose output still collapsed in verification
/// (its record's verification.collapsed; docs/verification.md): it was measured, but its outputs are
/// not the model's, so its speedup and size are no result (the report marks it, observations skip it).
bool VerificationCollapsed(const LabStudy& study, const std::string& model, const std::string& variant);
/// A variant's top-1 agreement with the baseline below which its predictions are no result: under one
/// half at the 95 % Wilson upper bound (AccuracyRecord::top1_agreement_ci95_high), i.e. most evaluated
/// predictions changed, on at least kAccuracyCollapseMinSamples samples.
inline constexpr double kAccuracyCollapseAgreement = 0.5;
inline constexpr std::int64_t kAccuracyCollapseMinSamples = 10;
/// True when (model, variant) is a quantized variant whose top-1 agreement with the baseline collapsed on
/// the evaluation data (kAccuracyCollapseAgreement): it ran, but it does not predict what the model predicts
/// (e.g. a static variant calibrated on random input), so, like a verification collapse, its speed and size
/// are no result. Never for a model with random weights (HasRandomWeights): its top-1 on any data means
/// nothing, so its agreement proves no collapse; its verification (VerificationCollapsed) judges it.
bool AccuracyCollapsed(const LabStudy& study, const std::string& model, const std::string& variant);
/// VerificationCollapsed or AccuracyCollapsed: the variant's outputs are unusable.
bool OutputCollapsed(const LabStudy& study, const std::string& model, const std::string& variant);
/// The Models/Latency cell of such a variant ("COLLAPSED in verification: …" or "COLLAPSED in accuracy:
/// top-1 agreement with fp32 0.5 %"), or "" when its output did not collapse.
std::string CollapsedStatus(const LabStudy& study, const std::string& model, const std::string& variant);

/// How a variant is shown in the report: its name, except the baseline of a model whose file is
/// not fp32 (ModelRecord::content), which reads "as given (int8 QOperator)", "as given (fp16)", …
/// (BaselineLabel: a scheme's variant as the baseline keeps its name).
std::string VariantLabel(const LabStudy& study, const std::string& model, const std::string& variant);
/// How the reports name the baseline in "of the X size" and "speedup vs X": the baseline variant's
/// name ("fp32") when every model's file holds what that name says, else "baseline (fp16)" when all
/// files hold the same other content (ModelRecord::content), else "baseline". A scheme's variant as
/// the baseline (`--variants dynamic,fp32`) is named by its variant ("dynamic").
std::string BaselineName(const LabStudy& study);
/// The legend text of a variant in a plot that shows several models: its distinct VariantLabel()s
/// over the study's models that have it (a record or a point), in model order, joined by " / "
/// ("fp32 / as given (int8 QOperator)");
/// the variant's name when the study has no models.
std::string VariantLegend(const LabStudy& study, const std::string& variant);

/// True when the model is one of qbench's zoo architectures (spec "zoo:NAME"): their weights are
/// seeded random numbers, so accuracy on them means nothing.
bool HasRandomWeights(const LabStudy& study, const std::string& model);

/// For a variant qbench quantized in which no op was quantized (every op type of its coverage kept
/// float: custom-domain ops, non-float inputs, …): why, from the coverage report's reasons for the
/// MAC-bearing op types (Conv, Gemm, MatMul, LSTM forms) — "FusedConv: custom-domain op (com.microsoft);
/// Conv: input is not float32" — or "no op could be quantized" without one. "" when something was
/// quantized, and for the baseline, external files and failed or not-applicable variants.
std::string NothingQuantizedReason(const ModelRecord& r);

/// Where an op or a model sits on the roofline (Williams, Waterman & Patterson, "Roofline: an
/// insightful visual performance model for multicore architectures", CACM 52(4), 2009):
///  - kMemory: intensity below the ridge (peak / bandwidth) and achieved ≥ kKernelBoundShare of the
///    attainable rate min(peak, bandwidth × intensity): bandwidth sets the pace;
///  - kCompute: intensity at or above the ridge, achieved ≥ kKernelBoundShare of the peak;
///  - kKernel: below both roofs — achieved < kKernelBoundShare × attainable: neither bandwidth nor
///    the MAC peak is the limit but the kernel itself (e.g. ORT's ConvInteger im2col path);
///  - kAboveRoof: achieved above the attainable rate — above the memory roof (bandwidth × intensity:
///    its data came from cache, which the compulsory-traffic bytes and the streaming bandwidth leave out)
///    or above the MAC peak: the roof is not what limits it, and the peaks are too low for it
///    (measured under load, or a cache-resident working set); no bound is claimed;
///  - kUnknown: MACs incomplete, no bytes, or no peaks.
enum class RooflineBound { kUnknown, kMemory, kCompute, kKernel, kAboveRoof };
/// Achieved rate below this share of the attainable rate = "below both roofs" (kernel-limited).
constexpr double kKernelBoundShare = 0.25;
/// Classifies one point: intensity (MAC/B), achieved and peak (MAC/s), bandwidth (B/s).
RooflineBound ClassifyRoofline(double intensity_macs_per_byte, double achieved_macs_per_s, double peak_macs_per_s,
                               double bytes_per_s);
/// "memory-bound", "compute-bound", "below both roofs (kernel-limited)", "above its roof (peaks too
/// low)", "?".
std::string RooflineBoundName(RooflineBound bound);

/// Roofline numbers of one model variant or one op type of it.
struct RooflineRow {
  std::string model, variant;
  std::string op_type;            ///< "" for the whole model
  std::int64_t macs = 0;          ///< per run
  std::int64_t bytes = 0;         ///< per run (profiled op types only; 0 for the whole-model row)
  double time_ms = 0;             ///< per run
  /// Op-type rows: the factor their profiler time was multiplied by (ProfileTimeScale, <= 1); 1 otherwise.
  double time_scale = 1;
  double achieved_macs_per_s = 0;
  double peak_macs_per_s = 0;     ///< int8 peak for an integer op / quantized variant, else fp32 peak
  double share_of_peak = 0;       ///< achieved / peak (0–1)
  double intensity_macs_per_byte = 0;  ///< macs / bytes; 0 when bytes unknown
  double ridge_macs_per_byte = 0;      ///< peak / bandwidth: below it an op is memory-bound
  double attainable_macs_per_s = 0;    ///< min(peak, bandwidth × intensity)
  bool memory_bound = false;      ///< intensity < ridge
  /// False when the model's MACs are incomplete (ModelRecord::macs_complete of its baseline or of
  /// itself): no achieved rate, share of peak or classification is computed (all 0 / kUnknown).
  bool macs_complete = true;
  RooflineBound bound = RooflineBound::kUnknown;  ///< ClassifyRoofline
};

/// The "source" cell of one thread count's roofline peaks in report.md: "cache (measured 2026-12-06,
/// load 0.4 on 2 cores)" (the load part only when recorded), "measured now (load 0.4 on 2 cores)", and,
/// when BusyMachine (benchmark/environment.h) says the load was too high or the peaks were not cached,
/// "measured now on a busy machine: 1-minute load average 12.8 exceeds the 2 logical cores; not cached".
std::string RooflineSource(const RooflinePeaks& peaks);

/// Why the roofline verdicts of a study may be the load's, not the kernels': "" on a quiet machine,
/// else "the timings and op profiles were measured on a busy machine (1-minute load average 6.3
/// exceeds the 2 logical cores)" when BusyMachine says so of the study's environment (its load when
/// the run started), or "the roofline peaks were measured on a busy machine (…)" when only the peaks
/// were. Report.md puts it above the roofline tables and after the Roofline observation.
std::string RooflineBusyNote(const LabStudy& study);

/// report.md's paragraph above the latency tables on what moves from one run to the next: absolute
/// milliseconds always; on a busy study (BusyMachine of study.environment's load and cores,
/// benchmark/environment.h) also the interleaved speedups, beyond their CIs, quoting
/// bench/speedup_repeatability's busy measurement (docs/measurement.md, "Run-to-run repeatability of
/// speedups") and asking for a rerun on a quiet machine before close ratios are compared; on a study
/// that was not busy, that the speedups are the figure to compare but their repeatability has been
/// measured only under load (no quiet measurement yet), with a rerun asked for before close speedups
/// of two studies are compared.
std::string RunToRunNote(const LabStudy& study);

/// One row per profiled (model, variant): MACs and time of the whole run at the profiled point
/// (time = the timed median latency of that point when measured, else the profile's total).
std::vector<RooflineRow> ModelRooflineRows(const LabStudy& study);

/// One row per op type with MACs > 0 of each profile, largest time first within a profile.
/// Integer op types (QLinear*, *Integer*, QGemm, DynamicQuantizeMatMul) are compared with the int8 peak.
/// Times are the profiler's times × ProfileTimeScale, so that no op type takes longer than the run.
std::vector<RooflineRow> OpTypeRooflineRows(const LabStudy& study);

/// ONNX Runtime's profiler adds its own cost to every node it times: the per-node times of a profile
/// can sum to more than the run's timed median latency (13–54 % more, measured on MobileNetV2 and
/// SqueezeNet at batch 1). The factor that brings them back: median / profile total when the profiled
/// point was timed and the total exceeds it, else 1. Shares within a profile are unchanged by it.
double ProfileTimeScale(const LabStudy& study, const OpProfileRecord& profile);

/// One line of a plot with error bars, as drawn: x in plot units, the point's y and its bar from lo
/// to hi (the same units as y).
struct PlotSeries {
  std::string key;                         ///< legend text
  std::string model, variant;              ///< what the line shows (plots style it by VariantStyleIndex)
  std::vector<const PointResult*> points;  ///< the points drawn, in x order
  std::vector<double> x, y, lo, hi;
};

/// The lines of speedup.png (`size_index` 0: each model's first input size) or speedup_size<N>.png
/// (size_index N − 1: each model's N-th input size; models swept over fewer sizes are left out):
/// one per model × variant other than the baseline (key "model variant", + " t<threads>" when the
/// shown points have several thread counts, + " (collapsed)" when OutputCollapsed), in key order, over
/// the ok points with a speedup.
/// x = log2(batch) shifted sideways by (i − (n − 1) / 2) × 0.12 / (n − 1) for line i of n so that
/// bars of one batch stay apart; y = the speedup; the bar = its 95 % CI [speedup_ci95_low,
/// speedup_ci95_high]. Pure (no drawing): plots.cc draws exactly these.
std::vector<PlotSeries> SpeedupSeries(const LabStudy& study, std::size_t size_index);

/// The colour and marker index of a variant in every plot of one study: its position in
/// StudyVariants (so "static" is the same colour and symbol in latency, size, speedup, accuracy and
/// thread plots); StudyVariants().size() for a name the study does not hold.
std::size_t VariantStyleIndex(const LabStudy& study, const std::string& variant);
/// How a plot labels the point of (model, variant): the model's name, + " (collapsed)" when its output
/// collapsed (OutputCollapsed): it is drawn, but it is no result (report.md leaves it out of the findings).
std::string PlotPointLabel(const LabStudy& study, const std::string& model, const std::string& variant);

/// How the report reads one speedup's 95 % CI: "faster" (lower end above 1), "slower" (upper end
/// below 1), "not clearly different" (the CI includes 1.00x), "unknown" (no speedup).
std::string SpeedupWord(const PointResult& p);

/// Widest speedup interval, as upper end / lower end, that the report still treats as an estimate:
/// one spanning more than a factor of 4 (± 2x around its geometric middle) says nothing about the
/// speedup's size. With k interleaved rounds the paired bootstrap draws one outlier round k/2 times or
/// more with a probability above the 2.5 % tail (k = 6: 6.2 %), so that round alone sets an end
/// (docs/statistics.md "Uninformative speedup intervals").
inline constexpr double kUninformativeSpeedupCiRatio = 4.0;
/// The chance that one resample of k interleaved rounds (drawn with replacement) holds one given round
/// ceil(k/2) times or more, enough for that round to move the resample's median: P(Binomial(k, 1/k) ≥
/// ceil(k/2)). k = 6: 2906/46656 = 0.0623; k = 10: 0.0016. Above 0.025 one outlier round alone sets the
/// end of a 95 % percentile-bootstrap interval. 0 for k < 1.
double OutlierRoundResampleChance(std::int64_t k);
/// True when p has a speedup whose 95 % CI spans more than kUninformativeSpeedupCiRatio
/// (speedup_ci95_high / speedup_ci95_low; also when the lower end is 0 or not finite).
bool SpeedupCiUninformative(const PointResult& p);
/// The speedup with its 95 % CI as the report and the lab's stdout show it: "1.38x [1.12x, 1.70x]";
/// an uninformative CI (SpeedupCiUninformative) gets " (CI uninformative: spans 30.9x)"; "n/a" without
/// a speedup.
std::string FormatSpeedupCi(const PointResult& p);
/// The speedup as a finding states it: FormatSpeedupCi when its CI is informative, else no size at all,
/// "size unknown (95 % CI [2.57x, 11.54x] spans 4.5x)" ("… is unbounded)" for a lower end of 0): the
/// Observations and the stdout summary never give an uninformative point estimate as the speedup. (Tables
/// keep the measured figure with FormatSpeedupCi's mark.)
std::string SpeedupSize(const PointResult& p);
/// SpeedupSize plus the verdict of SpeedupWord when it is not "faster", or when it is "faster" but
/// the size is unknown: "0.97x [0.71x, 1.31x]: no clear speedup, the CI includes 1.00x", "0.50x [0.45x,
/// 0.55x]: slower, the CI lies below 1.00x", "size unknown (95 % CI [2.57x, 11.54x] spans 4.5x): faster,
/// the CI lies above 1.00x" — the words of report.md's Observations.
std::string SpeedupWithVerdict(const PointResult& p);

/// The lab's one-line stdout summary of each model: at its ReferencePoint, each variant's median,
/// SpeedupWithVerdict and size ratio vs the baseline, and CollapsedStatus where its output collapsed:
/// "  m (batch 1, 32 px): fp32 9.71 ms; static 1.37 ms (speedup size unknown (95 % CI [0.35x, 10.42x]
/// spans 29.8x): no clear speedup, the CI includes 1.00x; size 0.25x)". One string per model, in StudyModels order.
std::vector<std::string> StudySummaryLines(const LabStudy& study);

/// True when the 95 % CIs of two speedups do not overlap (a difference the data support).
bool SpeedupsSeparate(const PointResult& a, const PointResult& b);

/// The trend of a speedup series over one axis (points sorted by the axis, all with has_speedup),
/// as a phrase ("speedup 1.50x at batch 1 → 2.10x at batch 16; the gain grew with the batch").
/// `axis` names the axis value ("batch", "px"). Only differences whose 95 % CIs separate are
/// called a trend: a peak must separate from both ends, "stopped paying off from X" needs a point
/// significantly faster (CI above 1) followed by one significantly slower (CI below 1), grew/shrank
/// needs the ends to separate; otherwise "no clear trend (the 95 % CIs overlap)". Points whose CI is
/// uninformative (SpeedupCiUninformative) are no end, peak or step: they are left out and named
/// ("; batch 1 left out: its 95 % CI spans more than 4x, uninformative"); with fewer than two left,
/// "no trend stated (batch 1 left out: …)".
std::string DescribeSpeedupTrend(const std::vector<const PointResult*>& series, const std::string& axis);

/// Fewest models over which a correlation is stated as a finding, and given an interval.
constexpr std::size_t kMinModelsForCorrelation = 6;
/// Most models for which the exact permutation p-value is computed (9! = 362,880 orders).
constexpr std::size_t kMaxExactPermutationModels = 9;
/// Spearman's ρ with an approximate 95 % interval by Fisher's z with the variance 1.06/(n − 3) of
/// Fieller, Hartley & Pearson (Biometrika 44, 1957) from kMinModelsForCorrelation models on, and never
/// at |ρ| = 1 (z is infinite there; lo = hi = NaN otherwise), and, up to kMaxExactPermutationModels
/// models, the exact two-sided permutation p-value: `extreme` of the n! `orders` of y's ranks give a |ρ|
/// at least the observed one (a perfect order of 4: 2 of 24, p = 0.083; NaN above 9 models).
struct RankCorrelation {
  double rho = 0, lo = 0, hi = 0;
  double p_exact = 0;
  std::uint64_t extreme = 0, orders = 0;
  std::size_t n = 0;
};
RankCorrelation SpearmanWithInterval(const std::vector<double>& x, const std::vector<double>& y);
/// How the report gives a correlation: "ρ = 0.94 (95 % CI [0.54, 0.99]; exact permutation p = 0.017)",
/// "ρ = 1.00 (no interval: n = 4; exact permutation p = 0.083, two-sided: 2 of the 24 orders as extreme)".
std::string FormatRankCorrelation(const RankCorrelation& r);

/// Tolerance of the accuracy verdict: a quantized variant is "within tolerance" when the lower end
/// of the 95 % paired interval of its top-1 change vs the baseline is at or above −kAccuracyMargin.
constexpr double kAccuracyMargin = 0.01;

/// Why accuracy of `model` cannot support a verdict, or "" when it can: the labels are not the
/// model's (labels ≥ its class count), the baseline is near chance (its top-1 Wilson lower bound is
/// below twice 1/classes), or the model has random weights (HasRandomWeights; then its top-1 agreement
/// is no collapse test either, AccuracyCollapsed, and the verification's SQNR and cosine judge it).
std::string AccuracyMeaningless(const LabStudy& study, const std::string& model);
/// For a model with random weights, the fidelity that judges its quantized variants instead of top-1
/// agreement: " Verification against fp32 (random input (seed 0), up to 16 samples, batch 1): dynamic
/// SQNR 22.8 dB, cosine 0.9974; static SQNR 21.7 dB, cosine 0.9978; no output collapsed." (each
/// variant's first compared output); "" for any other model.
std::string VerificationFidelity(const LabStudy& study, const std::string& model);

/// The accuracy observation of one model: top-1 per variant, each quantized variant's paired
/// change vs the baseline with its interval and its agreement with the baseline, and the verdict —
/// "Best trade-off: v" for the fastest variant (speedup CI above 1) whose change is within
/// kAccuracyMargin, or why none is named (accuracy meaningless, undecided at this sample count,
/// significant drops). "" when the baseline has no accuracy. A model whose first output is not class
/// scores (metric "fidelity") gets each quantized variant's SQNR and cosine vs the baseline instead.
std::string AccuracyObservation(const LabStudy& study, const std::string& model);

/// Observations in plain language, each generated from the study's numbers (no fixed claims):
/// size change per variant and why a model did not shrink; which variants were slower or not
/// significantly faster than the baseline and the op types that explain it (from the quantizer's
/// coverage and the per-op profile); whether latency tracked file size and MACs across models
/// (Spearman ρ); how the speedup changed with batch and input size and where int8 stopped paying
/// off; why a smaller model is not proportionally faster (roofline: memory-bound op types); failed
/// points; with accuracy, the variant with the best trade-off per model. Each is one Markdown bullet
/// text (no leading "- ").
std::vector<std::string> GenerateObservations(const LabStudy& study);

/// "1.23 ms", "12.3 ms", "123 ms" (three significant digits, at least two decimals below 10 ms):
/// the formatting report.md uses for latencies, so tests can compare the report with results.json.
std::string FormatMs(double ms);
/// "2.70x" — speedups and ratios, two decimals.
std::string FormatRatio(double r);
/// "0.25x–0.28x", or one ratio ("0.26x") when both ends format the same.
std::string FormatRatioRange(double lo, double hi);
/// A confidence level (fraction) as a percentage: "75 %", "93.8 %" (one decimal unless whole).
std::string FormatCiLevel(double level);
/// The median's interval as report.md shows it: "[1.20 ms, 1.50 ms]" when its true coverage
/// (median_ci_level) is at least 95 %; else with that coverage and the run count,
/// "[1.20 ms, 1.50 ms] (75 % CI: n=3)", or "[1.20 ms, 1.20 ms] (no CI: n=1)" for a single run.
std::string FormatMedianCi(const Statistics& latency);
/// True when `level` (a fraction) is below the 95 % the report's headers promise; a level within
/// 1e-9 of 0.95 counts as 95 %.
bool BelowNominalCi(double level);
/// "44.7 MB" (decimal megabytes, three significant digits; kB below 1 MB).
std::string FormatBytes(double bytes);
/// "1.81 G" MACs, "35.2 GMAC/s" style: value / 1e9 with three significant digits; below 1e6 in
/// thousands ("45.2 k") and below 1e3 as is ("0 ", "512 "), never "0.000 G".
std::string FormatGiga(double v);

}  // namespace qbench
