// qbench/lab/results.h — the records a lab produces (one JSON object per line in results.jsonl) and
// the whole study they make up.
//
// results.jsonl holds one line per record, each with "record": "settings" | "model" | "point" |
// "accuracy" | "op_profile" | "warning" | "run_end". Each run starts with a "settings" record (the
// settings that define what a point's numbers mean, see preflight.h; --resume compares them), then
// appends every record and flushes it as soon as it exists (AppendLineDurable), so a crash or Ctrl-C
// keeps every finished record; the run's warnings and a "run_end" record close it. Keys are
// snake_case with unit suffixes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/benchmark/environment.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/benchmark/timed_point.h"
#include "qbench/lab/auto_record.h"
#include "qbench/lab/lab_records.h"
#include "qbench/lab/sweep.h"
#include "qbench/quantization/quantize_report_json.h"
#include "qbench/quantization/verify.h"
#include "qbench/runtime/placement.h"

namespace qbench {

/// Energy of one point's timed runs (benchmark/energy.h, docs/energy.md). Never a zero for "unknown":
/// available = false with the reason instead.
struct PointEnergy {
  bool available = false;
  std::string reason;                ///< why not available (no sensor, a sensor vanished, …)
  std::string source;                ///< "rapl", "ina3221", "hwmon"
  double energy_per_inference_j = 0; ///< joules per run (one run = one batch), mean over the timed runs
  double energy_per_sample_j = 0;    ///< energy_per_inference_j / batch
  double average_power_w = 0;        ///< joules / seconds of the timed runs
  std::int64_t runs = 0;             ///< timed runs measured
  double sample_period_ms = 0;       ///< the sampler's mean period
  bool coarse = false;               ///< median run shorter than two sample periods (ratios pulled toward 1)
  /// Against the baseline timed interleaved with it: median J per run of this variant / of the
  /// baseline, paired percentile bootstrap over rounds (EstimateSpeedup).
  bool has_ratio = false;
  double ratio = 0, ratio_ci95_low = 0, ratio_ci95_high = 0;
};

/// One measured (or failed) point of the sweep: what was timed (TimedPoint, benchmark/timed_point.h:
/// status, latency statistics, samples, memory and the speedup against the lab's baseline variant,
/// in the keys `bench --json` writes too) and the lab's own figures. not_applicable: not measured
/// because the variant does not apply to the model (VariantNotApplicable: a scheme variant of a file
/// that is already int8); no failure, its error says "not applicable: …".
struct PointResult : TimedPoint {
  SweepPoint point;
  std::string model_spec;      ///< "zoo:resnet18" or a path
  std::int64_t macs = 0;                   ///< multiply-accumulates of one run (whole batch); 0 = unknown
  double achieved_macs_per_s = 0;          ///< macs / median latency
  std::string timing = "interleaved";      ///< "interleaved" (ABAB… with the others of its group) or "alone"
  std::string provider = "cpu";            ///< the execution provider the point's session asked for
  PointEnergy energy;
  double finished_at_unix_s = 0;
  std::string device;                      ///< the machine's label (--device); "" in older files
  int shard = -1;                          ///< the shard that measured it (--shard I/N); -1 = not sharded
};

/// Count of nodes of one op type in a quantized model: quantized (run in int8) or kept in float.
struct OpCoverage {
  std::int64_t quantized = 0;
  std::int64_t kept_float = 0;
};

/// What ONNX Runtime runs of an external file: the content of its graph after ORT's optimization
/// (AnalyzeRuntimeCoverage at the "extended" level, quantizer.h RuntimeCoverage).
struct OptimizedGraphContent {
  std::string content;                        ///< DescribeModelContent of the optimized graph ("int8 QOperator", …)
  std::string graph_optimization;             ///< the ORT level it was optimized at
  std::map<std::string, std::int64_t> int8_ops;  ///< integer op type → node count (model_content.h IntegerOps)
  double int8_mac_share = 0;                  ///< int8 MACs / all MACs (0–1)
  std::int64_t int8_macs = 0, float_macs = 0;   ///< MACs per run at batch 1
  std::vector<std::string> float_mac_nodes;   ///< "name (op): N MACs" per float MAC-bearing node
  /// RuntimeCoverage::macs_complete: no MAC-bearing node had unknown shapes (else the share counts only
  /// the others and is not the model's).
  bool macs_complete = true;
  std::int64_t unknown_mac_nodes = 0;
};

/// What qbench found in an external file (--compare-file), kept in results.json under
/// "coverage_report" where qbench's own variants keep the quantizer's report.
struct ExternalFileCoverage {
  std::string file_content;                   ///< ModelRecord::content of the file as given
  bool analyzed = false;                      ///< after_ort_optimization is known (the runtime coverage ran)
  OptimizedGraphContent after_ort_optimization;
  /// The file runs u8 activations against int8 weights and this CPU's u8·s8 kernels saturate
  /// (quantizer.h OrtU8S8KernelsSaturate).
  bool u8s8_saturation = false;
};

/// Prefix of the ModelRecord warning that says why its macs_per_sample is a lower bound (followed by
/// MacsGapCause, model/inspect.h); the report's "MACs incomplete" observation quotes it.
inline constexpr const char* kMacsIncompleteWarning = "macs_incomplete: ";

/// What one model variant is: its file, size and what was quantized (from the quantizer's coverage
/// report). For fp32 only the size fields are meaningful.
struct ModelRecord {
  std::string model;            ///< display name
  std::string model_spec;
  std::string variant;
  bool ok = false;
  bool not_applicable = false;  ///< as PointResult::not_applicable: this variant is not made for this model
  std::string error;
  std::string file;             ///< the ONNX file measured (in the output folder for zoo/quantized models)
  std::int64_t file_size_bytes = 0;
  std::int64_t params = 0;
  std::int64_t macs_per_sample = 0;        ///< at the lab's first input size, batch 1
  /// False when some MAC-bearing node had shapes that shape inference could not size (contrib ops
  /// of a quantized file, …): macs_per_sample is then a lower bound and no rate or share of peak
  /// is computed from it; the record's kMacsIncompleteWarning warning says why.
  bool macs_complete = true;
  /// What the file contains, from its op types and weight dtypes (ModelContent in
  /// qbench/lab/model_content.h): "fp32", "fp16", "int8 QDQ", "int8 QOperator", "int8 dynamic",
  /// "int8 QDQ + QOperator", … A model given with --models is measured as it is; its baseline is
  /// only "fp32" when this says so.
  std::string content = "fp32";
  std::map<std::string, std::int64_t> weight_bytes_by_dtype;  ///< "float32" → bytes, "int8" → bytes, …
  int original_bits = 32;                  ///< bit width of the original weights
  std::string weight_precision = "fp32";   ///< "fp32" or "int8"
  /// How the written or given file stores its int8 weights, read back from it (ModelContent::weight_storage:
  /// "u8 (zero point 128)", "s8 symmetric", "s8 7-bit (reduced range)", …); "" for float files and
  /// studies recorded before it existed. The report's Models table shows it instead of "int8".
  std::string weight_storage;
  std::string activation_precision = "fp32";  ///< "fp32", "int8 (dynamic)", "uint8 (static)", …
  std::map<std::string, OpCoverage> op_coverage;  ///< per op type; empty for fp32
  double int8_mac_share = -1;              ///< share of MACs in int8 after ORT's optimisation (0–1); -1 unknown
  double quantize_ms = 0;                  ///< wall time to quantize (calibration included)
  std::string calibration;                 ///< what calibrated a static variant ("random, 16 samples", a path)
  /// The quantizer's coverage report without its per-node decisions (`nodes` empty: see `qbench
  /// quantize --report`), for qbench's quantized variants; has_coverage_report = false for fp32 and
  /// external files. Written to results.json as "coverage_report" (quantizer.h to_json).
  bool has_coverage_report = false;
  QuantizeReport coverage_report;
  /// Variant "auto": what its search chose and why (auto_record.h), written as
  /// "coverage_report"."auto" beside the quantizer's report (alone when the search kept fp32).
  bool has_auto_search = false;
  LabAutoRecord auto_search;
  /// An external file's facts (has_file_coverage, external files only), written as "coverage_report".
  bool has_file_coverage = false;
  ExternalFileCoverage file_coverage;
  /// How the written model was verified against fp32 (qbench/quantization/verify.h: per-output
  /// SQNR/cosine/agreement, nodes kept fp32); has_verification = false (null in JSON) for fp32 and
  /// external files.
  bool has_verification = false;
  VerificationReport verification;
  /// An external variant (--compare-file): a file made elsewhere, measured as it is.
  bool external = false;
  /// Where ONNX Runtime placed the nodes of this variant's optimized graph (runtime/placement.h:
  /// nodes per provider, the compute nodes left on the CPU, fallback); has_placement = false (null in
  /// JSON) when not measured.
  bool has_placement = false;
  NodePlacement placement;
  std::vector<std::string> warnings;
};

/// Accuracy of one variant on the evaluation set (fractions 0–1; intervals are 95 % Wilson).
struct AccuracyRecord {
  std::string model, variant;
  bool ok = false;
  std::string error;
  std::string dataset;          ///< description of the evaluation data
  std::int64_t samples = 0;
  /// H = W the images were preprocessed to: the model's first input size (one accuracy per variant,
  /// whatever --input-size sweeps); 0 = the model's own shape, or not recorded (older studies).
  std::int64_t input_size = 0;
  /// "top1": accuracy against labels (the fields below). "fidelity": the model's first output is not
  /// class scores, so each variant is compared with the baseline on the same samples instead, with no
  /// labels (as `qbench eval --reference`): sqnr_db and cosine of the first output, output_sqnr_db of
  /// every output (dB, +inf = identical). The baseline's own record has no fidelity figures.
  std::string metric = "top1";
  double sqnr_db = 0, cosine = 0;
  std::map<std::string, double> output_sqnr_db;
  double top1 = 0, top1_ci95_low = 0, top1_ci95_high = 0;
  double top5 = 0;
  double top1_agreement = -1;   ///< share of samples whose top-1 equals the baseline's; -1 = not measured
                                ///< (always -1 for the baseline itself: no agreement with itself)
  double top1_agreement_ci95_low = 0, top1_agreement_ci95_high = 1;  ///< Wilson 95 %
  std::int64_t num_classes = 0;          ///< classes of the model's output (0 = unknown)
  std::int64_t labels_out_of_range = 0;  ///< labels >= num_classes (the labels are not this model's)
  /// Paired comparison with the baseline on the same labelled samples (McNemar's design): samples
  /// both got right, only this variant, only the baseline; `labelled` = all labelled samples.
  /// top1_change = top1 − baseline top1 with Newcombe's paired 95 % interval (data/metrics.h)
  /// and the exact McNemar P-value. has_paired = false for the baseline and older records.
  bool has_paired = false;
  std::int64_t labelled = 0, both_correct = 0, variant_only_correct = 0, baseline_only_correct = 0;
  double top1_change = 0, top1_change_ci95_low = 0, top1_change_ci95_high = 0, mcnemar_p = 1;
};

/// Time and work per op type of one variant, from ONNX Runtime's per-node profile at one batch size.
struct OpTypeProfile {
  std::string op_type;          ///< as ORT ran it (QLinearConv, ConvInteger, Conv, …)
  std::int64_t nodes = 0;
  double time_ms = 0;           ///< per run, summed over the op type's nodes
  std::int64_t macs = 0;        ///< per run
  std::int64_t bytes = 0;       ///< weights + activations read and written per run (op_profile.h)
};
/// Peak rates of this machine, measured once and cached (roofline.h).
struct RooflinePeaks {
  bool ok = false;
  std::string error;
  std::string cpu_model, ort_version;
  std::int64_t threads = 1;
  double fp32_macs_per_s = 0;   ///< fp32 MatMul on large square matrices
  double int8_macs_per_s = 0;   ///< int8 MatMulInteger (uint8 × int8) on the same shapes
  double bytes_per_s = 0;       ///< memory bandwidth: a large elementwise Add (read 2, write 1)
  std::string method;           ///< how each number was measured
  bool from_cache = false;
  double measured_at_unix_s = 0;
  /// The 1-minute load average just before the peaks were measured (-1 unknown: a cache written
  /// before qbench recorded it) and the logical cores then (0 unknown); busy when BusyMachine
  /// (qbench/benchmark/environment.h) says so.
  double load_average_1min = -1;
  int logical_cores = 0;
  /// Why peaks measured now were not written to the cache ("" when they were, or came from it):
  /// measured on a busy machine, or implausible next to the cache's peaks at another thread count.
  std::string not_cached;
};

struct OpProfileRecord {
  std::string model, variant;
  std::int64_t batch = 1, input_size = 0, threads = 1;
  bool ok = false;
  std::string error;
  double total_ms = 0;          ///< sum of all nodes' time per run
  std::int64_t macs = 0;        ///< the whole model's MACs per run (reference graph)
  std::int64_t bytes = 0;       ///< the whole model's MAC-node traffic per run (op_profile.h TrafficModel)
  std::vector<OpTypeProfile> op_types;  ///< sorted by time, largest first
  /// The peaks its rows are graded by when they are not the study's (PeaksFor): `qbench report`
  /// merging studies of one device whose roofline peaks differ keeps each study's own with its
  /// profiles (merge.cc); results.json "peaks", absent otherwise.
  bool has_peaks = false;
  RooflinePeaks peaks;
};

/// The machine a lab ran on: the benchmark module's environment block (CaptureEnvironment) and the
/// lab's device label (--device), written as one object (results.jsonl "environment" record).
struct LabEnvironment : EnvironmentInfo {
  std::string device;
};
void to_json(nlohmann::json& j, const LabEnvironment& e);
void from_json(const nlohmann::json& j, LabEnvironment& e);

/// The records a study and its results.jsonl have in common (LabStudy, JsonlRecords).
struct LabRecords {
  /// Where it ran; has_environment = false (null in JSON) when no environment was recorded.
  bool has_environment = false;
  LabEnvironment environment;
  /// LabMeasurementSettings of the run (preflight.h): what `qbench report` compares before merging;
  /// has_settings = false (null in JSON) when none was recorded.
  bool has_settings = false;
  LabSettings settings;
  std::vector<ModelRecord> models;
  std::vector<PointResult> points;
  std::vector<AccuracyRecord> accuracy;
  std::vector<OpProfileRecord> op_profiles;
  std::vector<RooflinePeaks> roofline;  ///< one per thread count
};

/// A whole lab: the config, environment, every record, and how it went.
struct LabStudy : LabRecords {
  LabConfigRecord config;       ///< MakeLabConfigRecord plus what the run adds (device, model_input_sizes, …)
  std::vector<std::string> warnings;
  double started_at_unix_s = 0;
  double duration_s = 0;        ///< wall time of this run (resumed runs: this run only)
  double total_duration_s = 0;  ///< including earlier interrupted runs of the same study
  bool interrupted = false;     ///< stopped by Ctrl-C before every point was measured
  std::int64_t planned_points = 0;
  /// Of `points`, those an earlier run recorded (--resume) and this run did not measure again; 0 for
  /// a study run in one go. Not written to the results files (a property of this run).
  std::int64_t resumed_points = 0;
  /// Accuracy records (model × variant) this run evaluated (--resume: the others are an earlier run's).
  std::int64_t accuracy_evaluated = 0;

  std::int64_t FailedPoints() const;         ///< points neither ok nor not applicable
  std::int64_t NotApplicablePoints() const;  ///< PointResult::not_applicable
  /// The point record with this key, or nullptr.
  const PointResult* FindPoint(const std::string& key) const;
  const ModelRecord* FindModel(const std::string& model, const std::string& variant) const;
  const AccuracyRecord* FindAccuracy(const std::string& model, const std::string& variant) const;
};

nlohmann::json ToJson(const PointResult& r);      ///< with "record": "point"
nlohmann::json ToJson(const PointEnergy& e);      ///< {"available": false, "reason": …} or every field
PointEnergy PointEnergyFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const ModelRecord& r);      ///< with "record": "model"
nlohmann::json ToJson(const AccuracyRecord& r);   ///< with "record": "accuracy"
nlohmann::json ToJson(const OpProfileRecord& r);  ///< with "record": "op_profile"
nlohmann::json ToJson(const RooflinePeaks& r);
/// The whole study: {"qbench_lab_version":1, "config", "environment", "duration_s", …, "models":[…],
/// "points":[…], "accuracy":[…], "op_profiles":[…], "roofline":[…], "warnings":[…]}.
nlohmann::json ToJson(const LabStudy& s);

/// Parsers (missing keys keep defaults). Throw Error(kInvalidInput) naming the key for a wrong type.
PointResult PointResultFromJson(const nlohmann::json& j);
ModelRecord ModelRecordFromJson(const nlohmann::json& j);
AccuracyRecord AccuracyRecordFromJson(const nlohmann::json& j);
OpProfileRecord OpProfileRecordFromJson(const nlohmann::json& j);
RooflinePeaks RooflinePeaksFromJson(const nlohmann::json& j);
LabStudy LabStudyFromJson(const nlohmann::json& j);

/// A warning of a lab run as results.jsonl keeps it ({"record": "warning", "code", "message"}).
struct LabWarning {
  std::string code;
  std::string message;
};
nlohmann::json ToJson(const LabWarning& w);  ///< with "record": "warning"

/// Records read back from a results.jsonl file: the last "settings" record's "settings" object, the
/// last "environment" record's block, "roofline" records the last per thread count.
struct JsonlRecords : LabRecords {
  std::vector<LabWarning> warnings;  ///< every run's warnings, first-seen order, no repeats
  double previous_duration_s = 0;  ///< sum of "run_end" markers' duration_s (earlier runs' wall time)
  std::int64_t skipped_lines = 0;  ///< unparsable lines (a line cut by a crash) ignored
  /// From the last "settings" record: the device label, the shard (-1 / 0 when not sharded) and the
  /// ids of the points that run planned to measure (empty in older files).
  std::string device;
  int shard_index = -1, shard_count = 0;
  std::vector<std::string> planned;
  /// True when the file holds any model, point, accuracy or op-profile record.
  bool HasMeasurements() const { return !models.empty() || !points.empty() || !accuracy.empty() || !op_profiles.empty(); }
};
/// Path of results.jsonl inside an output folder.
std::string ResultsJsonlPath(const std::string& output_dir);

/// Reads results.jsonl. A missing file gives no records. A line that is not valid JSON (e.g. cut
/// by a crash mid-write) is skipped and counted; a later record with the same key replaces an
/// earlier one. Throws Error(kIo) when the file exists but cannot be read.
JsonlRecords ReadResultsJsonl(const std::string& path);

}  // namespace qbench
