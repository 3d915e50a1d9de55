// qbench/lab/lab.h — running a lab: the plan (and its estimated duration), the measuring backend
// interface, and RunLab, which walks the sweep, records every point as it is measured, survives
// failing points, stops cleanly when asked, and resumes from results.jsonl (when its settings match,
// preflight.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "qbench/core/log.h"
#include "qbench/data/dataset.h"
#include "qbench/lab/config.h"
#include "qbench/lab/results.h"
#include "qbench/lab/sweep.h"

namespace qbench {

/// The data one step of a lab reads (evaluation, calibration), as the duration estimate sees it.
struct LabDataCost {
  std::int64_t samples = -1;  ///< samples read (after the limit and the split); -1 = unknown
  double read_s = -1;         ///< seconds to read, decode and preprocess one sample (median of a few); -1 = unknown
  std::string error;          ///< why unknown, when it is
  bool Known() const { return samples >= 0 && read_s >= 0; }
};

/// What one model variant will be measured with (input to LabBackend::PrepareModel).
struct ModelJob {
  LabModel model;
  std::vector<std::string> variants;     ///< lab order; the first is the baseline
  std::string models_dir;                ///< where to write quantized (and zoo fp32) files
  /// The model's first input size (pixels, H = W; 0 = the file's own shape): the shape its
  /// quantization, calibration, inspection and evaluation use.
  std::int64_t input_size = 0;
  /// Records from an earlier run (--resume) keyed by variant: an ok record whose file exists lets the
  /// backend load that file instead of quantizing again.
  std::map<std::string, ModelRecord> previous;
};

/// The measuring side of a lab. OrtLabBackend (ort_backend.h) measures with ONNX Runtime; tests
/// use fakes. Methods may throw qbench::Error: RunLab records the error against the points or
/// records concerned and goes on.
class LabBackend {
 public:
  virtual ~LabBackend() = default;

  /// MACs of one sample (batch 1) of `spec` at spatial size `input_size`, for the plan and the ETA.
  /// Should be cheap (no session). May throw; the plan then uses a default cost.
  virtual std::int64_t ModelMacs(const std::string& spec, std::int64_t input_size) = 0;
  /// Why ModelMacs is a lower bound (MacsGapCause, model/inspect.h: the MAC-bearing nodes shape
  /// inference could not size and why); "" when the count is complete. Default: "".
  virtual std::string ModelMacsGap(const std::string& spec, std::int64_t input_size) {
    (void)spec;
    (void)input_size;
    return "";
  }
  /// Elements of one sample's activations (batch 1 at `input_size`): the outputs of the MAC-bearing
  /// nodes (Conv, Gemm, MatMul and their quantized forms), which is what calibration histograms
  /// (static variants) read per sample. May throw; 0 = unknown (calibration then costs its runs only).
  /// Default: 0.
  virtual std::int64_t ModelActivationElements(const std::string& spec, std::int64_t input_size) {
    (void)spec;
    (void)input_size;
    return 0;
  }
  /// What the file of `spec` holds, as DescribeModelContent labels it ("fp32", "int8 QOperator",
  /// "int8 QDQ", "fp16", …; model_content.h), inspected at `input_size` as ModelMacs: the plan labels
  /// the baseline by it as report.md does. May throw; "" = unknown (the plan then says "fp32").
  /// Default: "".
  virtual std::string ModelContentLabel(const std::string& spec, std::int64_t input_size) {
    (void)spec;
    (void)input_size;
    return "";
  }

  /// The spatial size H = W (pixels) that the model file fixes for its image (rank-4) inputs; 0 when
  /// H and W are dynamic, -1 when they are fixed but H != W or when no input is an image (rank 4;
  /// e.g. token ids): measured at the file's own shape, input size 0. The lab measures such a model at its own size whatever
  /// --input-size says. May throw; the lab then uses the configured sizes. Default: 0.
  virtual std::int64_t FixedInputSize(const std::string& spec) {
    (void)spec;
    return 0;
  }

  /// The rate for the duration estimate: fp32_macs_per_s = the achieved fp32 MAC rate of a small
  /// CNN measured now (QuickSpeedEstimate, roofline.h; the plan scales it by kLabModelShareOfProbe);
  /// from_cache = true when the roofline peaks the run needs are cached (measuring them is then free).
  virtual RooflinePeaks EstimatePeaks(std::int64_t threads) = 0;

  /// For the duration estimate: how many samples the dataset `spec` yields (after its limit and
  /// split part) and what reading one costs, measured by reading a few of them. Cheap (well under a
  /// second). Default: unknown (the plan then uses LabItemCosts' defaults).
  virtual LabDataCost MeasureData(const DatasetSpec& spec) {
    (void)spec;
    return {};
  }

  /// The roofline peaks for `threads` (measured once per machine and cached). May be !ok.
  virtual RooflinePeaks RooflineFor(std::int64_t threads) = 0;

  /// Loads the model, writes each variant's file into job.models_dir (quantizing as needed), and
  /// returns one record per variant, in job.variants order; a variant that cannot be made has
  /// ok = false and its error. The model stays loaded until ReleaseModel.
  virtual std::vector<ModelRecord> PrepareModel(const ModelJob& job) = 0;

  /// Times `group`'s variants interleaved on identical inputs and returns one result per name in
  /// `record`, in that order. The group's first variant (the baseline) is timed along whenever another
  /// variant is, so each result has its speedup against it, but only the variants in `record` are
  /// returned. A variant that fails is returned with ok = false and its error.
  virtual std::vector<PointResult> MeasureGroup(const SweepGroup& group, const std::vector<std::string>& record) = 0;

  /// Per-op-type time and work of each variant in `variants` at one point (ONNX Runtime's profiler).
  virtual std::vector<OpProfileRecord> ProfileOps(const SweepGroup& group, const std::vector<std::string>& variants) = 0;

  /// Accuracy of each variant in `variants` on the evaluation set (agreement against the baseline,
  /// which is evaluated too when needed). One record per name in `variants`.
  virtual std::vector<AccuracyRecord> Evaluate(const std::string& model, const std::vector<std::string>& variants) = 0;

  /// Frees the sessions and models of `model`.
  virtual void ReleaseModel(const std::string& model) = 0;

  /// The environment block for results.json (from the benchmark module's CaptureEnvironment).
  virtual EnvironmentInfo Environment() = 0;
};

/// The duration model of the plan (`qbench lab --dry-run`; docs/measurement.md "Duration estimate",
/// where each constant below was measured): a run of a model's variant costs batch × MACs at the
/// achieved rate `LabItemCosts::fp32_macs_per_s` (the CNN probe's rate measured now × kLabModelShareOfProbe)
/// × VariantSpeedFactor: the baseline (the model as given) 1, a scheme's variant its row's
/// SchemeInfo::speed_vs_fp32 (static int8 1.1, dynamic int8 0.45, …), a granularity alternative its
/// LabAlternative::speed_vs_fp32 (dynamic-per-channel 0.2, static-per-tensor 1.1), an external file 1
/// (LabVariantInfo::speed_vs_fp32).
double VariantSpeedFactor(const std::string& variant);

/// A whole model's achieved fp32 MAC rate as a fraction of QuickSpeedEstimate's CNN probe, measured
/// by `bench/lab_estimate --share` (each model at batch 1 between two probes, same load): ResNet18
/// 1.14, SqueezeNet 1.1 1.13 (zoo) and 1.19 (real), MobileNetV2 0.85 / 0.83, MobileNetV3-small 0.39.
constexpr double kLabModelShareOfProbe = 0.95;
constexpr double kLabDefaultMacsPerS = 10e9;      ///< the rate when the probe cannot run
constexpr double kLabRunOverheadS = 0.0005;      ///< per Run: binding, timing, interleaving
constexpr double kLabSessionS = 0.25;            ///< creating one variant's session (measured 0.1–0.5 s)
constexpr double kLabModelLoadS = 1.0;           ///< loading or generating one model, inspecting it
constexpr double kLabQuantizeS = 0.5;            ///< rewriting and writing one quantized file
constexpr double kLabCalibrationSetupS = 0.1;    ///< the augmented calibration session (measured ≈ 0)
/// Per calibration sample and activation element (ModelActivationElements), besides the sample's
/// fp32 run: copying the tensor out and adding it to its histogram, in MACs at the model's rate
/// (measured 150–490, median 230: ResNet18, MobileNetV3-small, MobileNetV2, SqueezeNet 1.1).
constexpr double kLabCalibrationElementMacs = 250;
constexpr double kLabProfileSessionS = 0.1;      ///< a profiling session, its optimized graph and JSON trace
constexpr double kLabProfileRuns = 7.0;          ///< 2 warm-ups + 5 profiled runs
constexpr double kLabEvalDecodeS = 0.005;        ///< reading one evaluation image when it cannot be measured
constexpr double kLabEvalDefaultSamples = 200;   ///< evaluation samples assumed when the data cannot be counted
constexpr double kLabRooflineMeasureS = 8.0;     ///< measuring the three roofline peaks once
/// One memory probe (benchmark/memory_probe.h) besides its runs: starting the child process, the
/// runtime, its warm-up session, loading the file and creating the session (measured 0.10–0.15 s for
/// MobileNetV2 on 2 threads).
constexpr double kLabMemoryProbeS = 0.12;
constexpr double kLabMemoryProbeRuns = 3.0;      ///< the probe's warm-up + 2 runs
constexpr double kLabVerifySamples = 16;         ///< VerifyOptions::max_samples: batches verification runs
/// Variant "auto" (quantize --auto, docs/auto.md): fidelity candidates of one search (4 methods, 2–5
/// other axes, CLE and bias correction on depthwise nets, islands: 15 on the real MobileNetV2, 8–12
/// on the zoo CNNs), passes over the calibration samples for bias correction (3 corrected
/// candidates × 2), per-node profiles (fp32 and 2 int8) and the models of its timing step (fp32 and
/// up to 3 graphs in practice) × runs each (3 warm-ups + 30–100 rounds).
constexpr double kLabAutoCandidates = 12;
constexpr double kLabAutoBiasPasses = 6;
constexpr double kLabAutoProfiles = 3;
constexpr double kLabAutoTimedModels = 4;
constexpr double kLabAutoTimingRuns = 60;
constexpr double kLabAutoEvalSamples = 200;       ///< AutoQuantizeOptions::eval_limit without --eval-limit

/// The per-item costs the duration estimate multiplies out. PlanLab fills the data parts from
/// LabBackend::MeasureData (the real sample counts and the measured cost of reading one) and the
/// rate from the peaks; the rest are the constants above.
struct LabItemCosts {
  double fp32_macs_per_s = kLabDefaultMacsPerS;  ///< a model's achieved fp32 MAC rate (VariantSpeedFactor scales it)
  double session_s = kLabSessionS;
  double model_load_s = kLabModelLoadS;
  double quantize_s = kLabQuantizeS;
  double calibration_setup_s = kLabCalibrationSetupS;
  double memory_probe_s = kLabMemoryProbeS;
  double calibration_samples = 0;      ///< samples each static variant is calibrated on
  double calibration_read_s = 0;       ///< reading one of them (0 for generated random input)
  double verification_samples = kLabVerifySamples;  ///< per quantized variant; 0 with --no-verify
  double eval_samples = 0;             ///< evaluated samples per variant (0: no evaluation data)
  double eval_read_s = kLabEvalDecodeS;  ///< reading + decoding + preprocessing one evaluation sample
  /// Evaluation decodes on spare cores while the model runs (eval/evaluator.cc): with this many
  /// decoding threads beside the runs, a sample costs max(runs, read / threads); 0 (no spare core)
  /// costs runs + read.
  double decode_threads = 0;
  bool calibration_measured = false, eval_measured = false;  ///< counts and read costs measured
  double auto_time_budget_s = 300;     ///< LabConfig::auto_time_budget_s (0 = none)
  double auto_eval_samples = kLabAutoEvalSamples;  ///< samples the auto search evaluates each candidate on
};

/// Estimated seconds of one model's work besides the timed groups, by part.
struct LabSetupEstimate {
  double load_s = 0;          ///< loading (generating) and inspecting the model
  double prepare_s = 0;       ///< a session per variant, rewriting and writing each quantized file
  double calibration_s = 0;   ///< static variants: setup + samples × (read + a baseline run + histograms)
  double verification_s = 0;  ///< quantized variants: samples × (read + fp32 run + variant run) + 2 sessions
  double profile_s = 0;       ///< op profiles
  double evaluation_s = 0;    ///< accuracy: per variant a session and samples × (read + its run [+ baseline run])
  double auto_search_s = 0;   ///< variant auto: its search besides the one calibration pass counted above
  double Total() const {
    return load_s + prepare_s + calibration_s + verification_s + profile_s + evaluation_s + auto_search_s;
  }
};

/// Estimated seconds to measure one group: for each variant, (warm-up + 1 cold + repetitions) runs
/// of batch × macs_per_sample MACs at VariantSpeedFactor × fp32_macs_per_s, plus kLabRunOverheadS
/// per run. Memory probes are separate (EstimateMemoryProbeSeconds). Pure.
double EstimateGroupSeconds(const SweepGroup& group, std::int64_t macs_per_sample, double fp32_macs_per_s,
                            int warmup_runs, int repetitions);

/// Estimated seconds of the memory probes of `recorded` variants at `group`'s point: per variant
/// costs.memory_probe_s + kLabMemoryProbeRuns runs of batch × macs_per_sample at its rate. Pure.
double EstimateMemoryProbeSeconds(const SweepGroup& group, const std::vector<std::string>& recorded,
                                  double macs_per_sample, const LabItemCosts& costs);

/// Estimated seconds of one model's work besides the timed groups (see LabSetupEstimate's parts):
/// costs.model_load_s when anything is to do; per variant to `prepare` costs.session_s, for a
/// quantized one costs.quantize_s and verification (costs.verification_samples × (read + one fp32
/// and one variant run) + 2 sessions, reading calibration data for static variants), for a static one
/// calibration (costs.calibration_setup_s + costs.calibration_samples × (costs.calibration_read_s +
/// one baseline run + kLabCalibrationElementMacs × activation_elements MACs at the fp32 rate));
/// per variant to `profile` kLabProfileSessionS + kLabProfileRuns
/// runs; per variant to `evaluate` a session and costs.eval_samples samples, each costing its run
/// plus, for a variant other than `baseline`, the baseline's run (agreement is paired per sample),
/// and costs.eval_read_s read (overlapped: see LabItemCosts::decode_threads); the baseline's session
/// once when it is not evaluated itself. Runs of batch 1 × macs_per_sample at VariantSpeedFactor ×
/// costs.fp32_macs_per_s. Variant auto (a static variant) also costs its search: the fp32 reference
/// once (costs.auto_eval_samples × (read + baseline run)), kLabAutoCandidates × (quantize_s +
/// session_s + auto_eval_samples variant runs), kLabAutoBiasPasses × calibration_samples fp32 runs,
/// kLabAutoProfiles × (kLabProfileSessionS + kLabProfileRuns runs) and kLabAutoTimedModels ×
/// kLabAutoTimingRuns runs, at most costs.auto_time_budget_s when it is > 0. Pure.
LabSetupEstimate EstimateModelSetup(const std::vector<std::string>& prepare, const std::vector<std::string>& profile,
                                    const std::vector<std::string>& evaluate, const std::string& baseline,
                                    double macs_per_sample, const LabItemCosts& costs, double activation_elements = 0);

/// The plan of a lab and its estimated duration.
struct LabPlan {
  std::vector<LabModel> models;
  std::vector<SweepGroup> groups;       ///< in measuring order
  /// Input sizes each model is measured at (pixels; 0 = the file's own shape): config.input_sizes,
  /// or the single size its file fixes (LabBackend::FixedInputSize).
  std::map<std::string, std::vector<std::int64_t>> input_sizes;
  /// Models measured at the size their file fixes: model → "fixed by the model file to 32x32".
  std::map<std::string, std::string> input_size_notes;
  /// What each model's file holds (LabBackend::ModelContentLabel): model → "int8 QOperator", …;
  /// "" or "fp32" for an fp32 file. The plan labels the baseline of a non-fp32 file "as given (…)".
  std::map<std::string, std::string> baseline_content;
  std::vector<LabWarning> warnings;     ///< "input_size_fixed" when --input-size asked for another size
  std::int64_t points = 0;
  std::map<std::string, std::int64_t> macs_per_sample;   ///< "model|s<input_size>" → MACs (0 unknown)
  std::map<std::string, std::string> macs_gap;           ///< "model|s<input_size>" → ModelMacsGap ("" complete)
  std::map<std::string, std::int64_t> activation_elements;  ///< "model|s<input_size>" → ModelActivationElements (0 unknown)
  std::map<std::string, double> group_seconds;            ///< GroupKey → estimated seconds (memory probes included)
  std::map<std::string, double> probe_seconds;            ///< GroupKey → of which memory probes
  std::map<std::string, double> model_setup_seconds;      ///< model → LabSetupEstimate::Total()
  std::map<std::string, LabSetupEstimate> model_setup;    ///< model → its parts
  LabItemCosts costs;                                     ///< the per-item costs the estimate multiplied out
  double roofline_seconds = 0;                            ///< measuring peaks (0 when cached)
  double total_seconds = 0;
  std::string basis;                                      ///< what the estimate rests on
  /// The machine's 1-minute load average (ReadLoadAverage1Min; < 0 unknown) and logical cores when
  /// planned: on a busy machine (BusyMachine) FormatLabPlan says the estimate can be off several-fold.
  double load_average_1min = -1;
  int logical_cores = 0;
  /// Shard runs (RestrictPlanToShard, shard.h): every group of the study (`groups` then holds the
  /// shard's); empty for a whole study.
  std::vector<SweepGroup> study_groups;
  /// Shard runs: model → whether this run evaluates its accuracy and
  /// profiles its ops. Empty = every model (a whole study).
  std::map<std::string, bool> model_extras;
  /// Whether this run evaluates accuracy and profiles ops of `model` (model_extras).
  bool Extras(const std::string& model) const {
    auto it = model_extras.find(model);
    return it == model_extras.end() || it->second;
  }
};

/// Opens `spec` (OpenDataset), counts its samples and times reading `probe` of them (Dataset::Get:
/// read, decode, preprocess), spread over the dataset; read_s is their median. Errors are returned
/// in LabDataCost::error (never throws, except Cancelled).
LabDataCost MeasureDataCost(const DatasetSpec& spec, std::size_t probe = 3);

/// Builds the plan of `config` and estimates its duration with `backend` (FixedInputSize, ModelMacs,
/// EstimatePeaks). Each model is swept over config.input_sizes unless its file fixes H = W, then
/// over that size alone (with an "input_size_fixed" warning when config.input_size_given asked for
/// another). With `previous` (--resume), points already measured cost nothing. Throws
/// Error(kInvalidArgument) for a bad config.
LabPlan PlanLab(const LabConfig& config, LabBackend& backend, const JsonlRecords* previous = nullptr);

/// The plan as text for `qbench lab --dry-run` (stdout): models × variants × axes, the point count,
/// the estimate per model and in total, and its basis.
std::string FormatLabPlan(const LabPlan& plan, const LabConfig& config);

/// Progress of a running lab (for a progress bar; the library never prints).
struct LabProgress {
  std::int64_t done = 0;       ///< points finished in this run (measured or failed)
  std::int64_t total = 0;      ///< points to measure in this run (already measured ones excluded)
  std::int64_t failed = 0;
  double elapsed_s = 0;
  double eta_s = -1;           ///< -1 until something is measured; scaled from the plan's estimates
  std::string current;         ///< what is being done, e.g. "resnet18: quantizing static"
};

struct LabRunOptions {
  std::function<void(const LabProgress&)> on_progress;  ///< may be empty
  /// Polled between points; when it returns true, RunLab stops after the current point, writes what
  /// it has and returns with study.interrupted = true. CancelRequested() (core/cancel.h, set by the
  /// CLI's SIGINT handler) stops it too, and sooner: the backend's long loops (timing, evaluation,
  /// calibration, profiling) throw Cancelled within about a second, and that step records nothing.
  std::function<bool()> should_stop;
  WarningList* warnings = nullptr;  ///< the lab's warnings are added here too (may be null)
};

/// Runs the lab: creates config.output_dir (and models/ inside), writes a "settings" record
/// (LabMeasurementSettings) and then every record to results.jsonl as soon as it exists, and returns
/// the whole study (earlier records included when resuming). The output folder follows
/// CheckOutputFolder (preflight.h): a folder holding a study is refused unless config.resume (continue
/// it) or config.force (its files are first moved to a dated folder, MoveStudyAside, whose path is
/// study.config.earlier_study_moved_to); config.resume into a folder without a study is refused.
/// With config.resume the earlier
/// settings must match (CheckResumeSettings) and points, model records, accuracies and profiles
/// already in results.jsonl are not measured again. Failing points are recorded with their error and
/// the lab goes on. The run's warnings (options.warnings, plus LabConfigWarnings and the plan's) are
/// appended to results.jsonl at the end; study.warnings holds them after those of earlier runs of
/// the same study. study.config is MakeLabConfigRecord plus the device and model_input_sizes (model → sizes used).
/// Writes no other output file (see report/study_report.h).
/// Throws Error(kInvalidArgument) for a bad config or a resume whose settings differ, Error(kIo)
/// when the output folder cannot be made or written.
LabStudy RunLab(const LabConfig& config, LabBackend& backend, const LabRunOptions& options = {});

}  // namespace qbench
