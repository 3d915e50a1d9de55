// qbench/lab/auto_quantize.h — `qbench quantize --auto`: search the static int8 configurations of a
// model for the fastest one that keeps its accuracy, and never hand back one slower than fp32.
//
// Method (docs/auto.md):
//  1. Data: calibration and evaluation samples are disjoint (a seeded split of one dataset, two
//     datasets, or two seeded streams of generated inputs).
//  2. Candidates: calibration method × activation type (u8/s8) × weight granularity (Conv-only or
//     every weight per channel, when the model has Gemm/MatMul) × HardSigmoid handling (when it has
//     HardSigmoid). Each is quantized from ranges calibrated once per method and evaluated against
//     fp32: top-1 agreement with a Wilson 95 % interval (and top-1 with labels), SQNR of output 0.
//     On models with depthwise convolutions, cross-layer equalization and bias correction (Nagel et
//     al., ICCV 2019) are tried on the most faithful configuration.
//  3. Islands: for the most faithful graph, ONNX Runtime's per-node profile of fp32 and int8 proposes
//     the nodes whose int8 kernel costs more than fp32 plus the Q/DQ it would add ("slower in int8");
//     when no candidate meets --max-drop, the layers whose quantization costs the most accuracy are
//     kept fp32 one at a time (sensitivity ranking, qbench/eval/sensitivity.h) until it does.
//  4. Latency: one candidate per distinct graph (the calibration method changes scales, not
//     kernels) is timed interleaved with fp32 on identical inputs at the requested batch, with the
//     speedup's paired-bootstrap 95 % interval (CompareModels, the one timing path).
//  5. Choice: the fastest candidate within the accuracy budget whose speedup interval lies above 1;
//     none → the fp32 model unchanged.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/compare.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/data/dataset.h"
#include "qbench/data/metrics.h"
#include "qbench/lab/auto_record.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/quantizer.h"

namespace qbench {

/// Time per node of one model, from ONNX Runtime's profiler: ms per run, keyed by the node of the
/// prepared fp32 graph each profiled node computes (fused activations count with their Conv).
struct NodeTimes {
  std::map<std::string, double> node_ms;  ///< prepared-graph node name → ms per run
  double qdq_ms = 0;                      ///< standalone QuantizeLinear/DequantizeLinear nodes, ms per run
  std::int64_t qdq_elements = 0;          ///< elements those Q/DQ nodes wrote per run
  double total_ms = 0;                    ///< every profiled node, ms per run
};

/// Where the search gets its timings. OrtAutoTimer (below) uses ONNX Runtime; tests use fakes whose
/// per-node costs are known.
class AutoTimer {
 public:
  virtual ~AutoTimer() = default;
  /// Per-node times of `model` (fp32 or quantized), attributed to the nodes of `prepared_fp32`.
  virtual NodeTimes Profile(const Model& model, const Model& prepared_fp32) = 0;
  /// Times `models` against models[0] (fp32) on identical inputs, as CompareModels does (its result:
  /// models[i].measurement, and models[i].speedup against models[0] for i > 0). `labels` name them in
  /// warnings.
  virtual Comparison Compare(const std::vector<const Model*>& models, const std::vector<std::string>& labels) = 0;
};

/// ONNX Runtime timings at `batch`, `threads` intra-op threads, seeded generated inputs at `shapes`
/// (values of other symbolic dims). Profile: ORT's profiler on a WithBatchSize copy; Compare:
/// CompareModels (qbench/benchmark/compare.h) with `config`, its default interleaving policy.
std::unique_ptr<AutoTimer> MakeOrtAutoTimer(std::int64_t batch, int threads, const BenchmarkConfig& config,
                                            std::uint64_t seed, const ShapeOverrides& shapes);

struct AutoQuantizeOptions {
  /// Accuracy budget: percentage points of top-1 agreement with fp32 that may be lost, in [0, 100].
  double max_drop_points = 1.0;
  /// Calibration samples. path empty: seeded generated inputs (warning calibration_random_data).
  /// Its shape_overrides (values of symbolic dims) apply to every generated input and the timings.
  CalibrationDataSpec calibration;
  /// Evaluation samples. path empty: the calibration dataset split in two (calibration.size samples
  /// calibrate, the others evaluate), or, without calibration data, generated inputs of another seed.
  DatasetSpec evaluation;
  std::size_t eval_limit = 200;        ///< evaluation samples at most
  std::int64_t batch = 1;              ///< timing batch
  double time_budget_s = 300;          ///< wall-clock budget of the search; 0 = none
  std::uint64_t seed = 0;              ///< data split, generated inputs, bootstrap
  int threads = 0;                     ///< ORT intra-op threads for every session
  /// Calibration methods tried, the first on the plain configuration. Default: the calibrator
  /// table's rows marked tried_by_auto (AutoSearchCalibrationMethods, src/calibration/calibrators.cc).
  std::vector<CalibrationMethod> methods = AutoSearchCalibrationMethods();
  std::vector<DType> activation_types = {DType::kUint8, DType::kInt8};
  /// How int8 weights are stored for u8 activations (qbench/quantization/weight_range.h), the first on
  /// the default configuration, the others as one axis. Empty: AutoWeightRanges (base.weight_range
  /// alone when given; on x86 without VNNI, u8 weights (ORT's exact u8u8 kernels) then reduced and
  /// full s8 weights (its faster u8s8 kernels); elsewhere full). s8 activations always use
  /// base.weight_range (ORT has no s8·u8 kernel).
  std::vector<WeightRange> weight_ranges;
  bool islands = true;                 ///< propose fp32 islands from the per-node profile and sensitivity
  /// On models with a depthwise (grouped) Conv: cross-layer equalization (relu; relu6 when it finds
  /// more pairs) and bias correction as candidates on the most faithful configuration (docs/auto.md).
  bool equalization_candidates = true;
  std::size_t max_timed = 6;           ///< distinct graphs timed at most (best fidelity first)
  QuantizeOptions base;                ///< everything else (weight range, exclusions, outputs)
  /// Called with one line of progress (what, done/total, elapsed and ETA). May be empty.
  std::function<void(const std::string&)> progress;
};

/// The weight ranges --auto tries when options.weight_ranges is empty: {requested} when it is not
/// kAuto; else {kUnsigned, kReduced, kFull} when `for_u8` (DecideWeightRange(kAuto, u8) of the CPU)
/// is kUnsigned — ORT's u8u8 kernels are exact but slower than its u8s8 ones (docs/auto.md measures
/// both), and whether reduced or full s8 weights keep the accuracy (7-bit precision, or pairs of
/// u8·s8 products saturating in int16) is a question the fidelity measurement answers; else
/// {for_u8.range}.
std::vector<WeightRange> AutoWeightRanges(WeightRange requested, const WeightRangeDecision& for_u8);

/// Throws Error(kInvalidArgument) naming the flag: --max-drop outside [0, 100], a negative or
/// non-finite --time-budget, --batch < 1, an empty method or activation-type list, base.scheme
/// other than "static" ("--auto searches static int8 configurations; drop --mode dynamic").
void ValidateAutoOptions(const AutoQuantizeOptions& options);

/// One configuration the search built and measured.
struct AutoCandidate {
  std::string name;                  ///< "mse u8 conv-per-channel", "+ 3 fp32 islands (profile)", ...
  CalibrationMethod method = CalibrationMethod::kPercentile;
  DType activation_type = DType::kUint8;
  WeightGranularity granularity = WeightGranularity::kDefault;
  HardSigmoidPolicy hard_sigmoid = HardSigmoidPolicy::kDecompose;
  CrossLayerEqualization equalize = CrossLayerEqualization::kOff;  ///< CLE of the fp32 model first
  WeightRange weight_range = WeightRange::kAuto;  ///< as asked of the quantizer (kAuto: by the CPU)
  bool bias_correction = false;      ///< empirical bias correction on the calibration samples
  std::vector<std::string> keep_float;  ///< nodes kept fp32 (islands)
  std::string islands_reason;          ///< why those nodes ("" without islands)
  std::string graph_key;               ///< candidates with the same key run the same kernels
  // Fidelity against fp32 on the evaluation samples.
  std::size_t samples = 0;
  std::size_t agree = 0;
  double agreement = std::numeric_limits<double>::quiet_NaN();  ///< NaN: output 0 has no class scores
  Interval agreement_ci95{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  double top1 = std::numeric_limits<double>::quiet_NaN();       ///< with labels
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();    ///< output 0
  double drop_points = std::numeric_limits<double>::quiet_NaN();  ///< 100·(1 − agreement); 0 without class scores
  bool within_budget = false;
  // Latency (timed candidates only).
  bool timed = false;
  double median_ms = std::numeric_limits<double>::quiet_NaN();
  SpeedupEstimate speedup;
  std::uint64_t size_bytes = 0;
  std::string status;                ///< "chosen", "over the accuracy budget", "not faster than fp32", ...
};

struct AutoQuantizeResult {
  std::vector<AutoCandidate> candidates;
  int chosen = -1;                   ///< index into candidates; -1: the fp32 model is written unchanged
  std::string decision;              ///< one plain sentence: what was written and why
  Model model;                       ///< what to write (the chosen candidate, or the fp32 input)
  QuantizeReport report;             ///< coverage of the chosen candidate (empty for fp32)
  double fp32_median_ms = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t fp32_size_bytes = 0;
  std::string calibration_data, evaluation_data;  ///< descriptions
  /// The calibration samples the search read (path empty: generated inputs); `quantize --auto`
  /// verifies the model it writes on them, as plain `quantize` verifies on its calibration data.
  CalibrationDataSpec calibration_spec;
  std::size_t evaluation_samples = 0;
  double fp32_top1 = std::numeric_limits<double>::quiet_NaN();
  double elapsed_s = 0;
  bool budget_exhausted = false;     ///< the time budget stopped the search early
  bool cancelled = false;            ///< Ctrl-C stopped it (the result holds what was measured)
  double max_drop_points = 1.0;
  std::int64_t batch = 1;
  std::uint64_t seed = 0;
  std::vector<Warning> warnings;
};

/// Runs the search (module comment) on `fp32` with `timer` (null: MakeOrtAutoTimer from options).
/// Ctrl-C (CancelRequested) stops it between steps with `cancelled` set and the best model measured so far
/// chosen by the same rule. Throws ValidateAutoOptions' errors, CheckQuantizable's, Error(kUnsupported)
/// for a model that is not single-input (evaluation feeds one input), and what calibration and
/// evaluation throw for bad data.
AutoQuantizeResult AutoQuantize(const Model& fp32, const AutoQuantizeOptions& options, AutoTimer* timer = nullptr);

/// The candidate table and the decision, for stdout.
std::string FormatAutoResult(const AutoQuantizeResult& result);
/// A candidate as JSON keeps it (auto_record.h): names instead of enums, the resolved weight range,
/// the speedup only when timed.
AutoCandidateRecord DescribeAutoCandidate(const AutoCandidate& candidate);
/// The `--json` report: options, data, every candidate (DescribeAutoCandidate), the choice.
nlohmann::json AutoResultToJson(const AutoQuantizeResult& result);

}  // namespace qbench
