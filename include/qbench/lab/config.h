// qbench/lab/config.h — what a lab measures: models, variants, sweep axes, timing and data settings;
// defaults, the TOML config file, and the variant table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/calibration/calibrator.h"
#include "qbench/data/dataset.h"
#include "qbench/data/preprocess_overrides.h"
#include "qbench/lab/lab_records.h"
#include "qbench/lab/sweep.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/quantizer.h"

namespace qbench {

/// One variant a lab can measure: the model as given (the baseline), or one scheme of the scheme
/// table (qbench/quantization/scheme.h) at its default weight granularity or at one of its
/// lab_alternatives. Built from that table only (LabVariants).
struct LabVariantInfo {
  std::string name;  ///< --variants / results name: "fp32", "<scheme>", "<scheme>-per-tensor", "<scheme>-per-channel"
  const SchemeInfo* scheme = nullptr;     ///< nullptr: the model as given (no quantization)
  Granularity granularity = Granularity::kNone;  ///< of its weights (the scheme's default or the alternative)
  WeightGranularity weight_granularity = WeightGranularity::kDefault;  ///< QuantizeOptions::granularity to use
  std::string description;
  /// Rough speed relative to the model in fp32 (the row's SchemeInfo::speed_vs_fp32, or the
  /// alternative's LabAlternative::speed_vs_fp32; 1 for the baseline), for the lab's time estimate.
  double speed_vs_fp32 = 1.0;
  /// "auto": the --auto search's choice for each model (qbench/lab/auto_quantize.h, src/lab/lab_auto.cc)
  /// among `scheme`'s configurations; the file may be the model unchanged (fp32) when no int8
  /// configuration within LabConfig::auto_max_drop_points beats it here.
  bool auto_search = false;
  bool IsBaseline() const { return scheme == nullptr; }
};

/// The variants a lab can measure: "fp32" (the model as given, the baseline), then for each row of
/// the scheme table its name (e.g. dynamic, static) followed by "<name>-per-tensor" /
/// "<name>-per-channel" for each of the row's lab_alternatives (dynamic-per-channel, static-per-tensor), and "auto"
/// after the row that has lab_auto_search (static).
const std::vector<LabVariantInfo>& LabVariants();

/// Looks a variant up by name. Throws Error(kInvalidArgument) listing the names when unknown.
const LabVariantInfo& FindLabVariant(const std::string& name);
/// The row of a table variant, or nullptr (an external variant's label).
const LabVariantInfo* LookupLabVariant(const std::string& name);

/// Parses "MODEL:LABEL=PATH" (the model is what precedes the last ':' before the first '=', so a
/// "zoo:NAME" model works). LABEL: letters, digits, '.', '_', '-', and not a table variant's name.
/// Throws Error(kInvalidArgument) quoting `text` and the expected form.
ExternalVariant ParseCompareFile(const std::string& text);

/// Everything a lab run needs. Defaults are the classic lab (DefaultLabConfig()).
struct LabConfig {
  /// Model specs: ONNX paths or "zoo:NAME". Default: the four zoo models of the classic lab.
  std::vector<std::string> models = {"zoo:mobilenet_v2", "zoo:mobilenet_v3_small", "zoo:resnet18", "zoo:squeezenet1_1"};
  /// Variant names (LabVariants()); the first is the baseline every other is compared with.
  std::vector<std::string> variants = {"fp32", "dynamic", "static"};
  SweepAxis batches{"batch", {1, 2, 4, 8, 16}};
  /// Spatial size (H = W) of image inputs, pixels. Applies only to models whose H/W are dynamic: a
  /// model whose file fixes H = W is always measured at its own size (PlanLab; warned when
  /// `input_size_given` asked for another).
  SweepAxis input_sizes{"input-size", {224}};
  bool input_size_given = false;  ///< --input-size (or input_size in the config file) was given
  /// Intra-op threads per session. Default: the CPUs this process may use (DefaultThreadCount()).
  SweepAxis threads{"threads", {}};
  int repetitions = 10;  ///< timed runs per point (k)
  int warmup_runs = 3;   ///< untimed runs before timing, per point
  /// Evaluation set (labels CSV, image folder, …; see data/dataset.h); "" = no accuracy measured.
  std::string eval_data;
  std::size_t eval_limit = 0;              ///< at most this many evaluation samples (0 = all)
  /// Preprocessing preset for eval and calibration images ("imagenet", "fashion-mnist"); "" = by
  /// the data, as `qbench quantize` does (LabPreprocessPreset).
  std::string preprocess;
  /// --resize, --crop, --pad, --mean, --std, --layout, --channel-order, --channels over the preset
  /// (data/preprocess_overrides.h; its `preset` is unused here: `preprocess` is the preset). They
  /// apply as given at every input size (LabPreprocess).
  PreprocessOverrides preprocessing;
  /// Verify each quantized variant in ONNX Runtime against fp32 before it is measured, with the
  /// automatic fp32 fallback of collapsing tensors (docs/verification.md), as `qbench quantize` does;
  /// false = --no-verify.
  bool verify = true;
  /// --strict: a variant whose output still collapses after the fallback is not made (its points
  /// fail with the reason) instead of being measured with a warning.
  bool strict = false;
  /// Calibration data for static variants; "" = seeded random input (with a warning).
  std::string calibration_data;
  std::size_t calibration_size = kDefaultCalibrationSize;  ///< calibration samples (as `qbench quantize`)
  std::string calibration_method;          ///< "" = the quantizer's default
  /// How the int8 variants store their weights (--weight-range, as `qbench quantize`): kAuto = by this
  /// CPU (ResolveWeightRange: u8 with zero point 128 on x86 without VNNI, else s8).
  WeightRange weight_range = WeightRange::kAuto;
  /// Variant "auto" (LabVariantInfo::auto_search): the accuracy budget (percentage points of top-1
  /// agreement with fp32, AutoQuantizeOptions::max_drop_points) and the search's time budget per
  /// model in seconds (0 = none), as `quantize --auto --max-drop/--time-budget`.
  double auto_max_drop_points = 1.0;
  double auto_time_budget_s = 300;
  std::string output_dir = "qbench-lab";
  bool dry_run = false;
  bool resume = false;
  /// Run into an output folder that holds a study: the old study's files are first moved to a dated
  /// folder beside it (MoveStudyAside). Without it (and without `resume`) such a folder is refused.
  bool force = false;
  /// Split --eval-data into disjoint parts: the static variants are calibrated on a seeded random
  /// (label-stratified) subset of `calibration_size` samples, and accuracy is measured on the rest
  /// (at most `eval_limit` of them). Requires eval_data; calibration_data must be empty or the same.
  bool split = false;
  bool roofline = true;                    ///< measure (or load cached) roofline peaks and profile ops
  std::string roofline_cache;              ///< "" = DefaultRooflineCachePath()
  bool refresh_roofline = false;           ///< measure the peaks now and replace the cached ones
  std::uint64_t seed = 0;                  ///< zoo weights, random inputs and random calibration data
  /// --dim NAME=VALUE and --shape NAME=D0xD1… as `qbench bench` takes them (ParseDimFlag,
  /// ParseShapeFlag): values for a model's dynamic dimensions other than the batch and the image
  /// size (e.g. a sequence length). The batch axis still sets dim 0 of every input with a batch
  /// dimension (a --shape's dim 0 included); each applies to the models that have that symbolic
  /// dimension or input.
  std::vector<std::string> dims, shapes;
  /// The machine's name in results and reports (--device); "" = DefaultDeviceLabel() (shard.h):
  /// "hostname (CPU model)". Recorded in every point, the settings record and the environment block.
  std::string device;
  /// --shard I/N (docs/scale-out.md): measure only shard `shard_index` of `shard_count` (0 = the whole
  /// study) into results.<device>.<I>.jsonl (LabResultsPath, shard.h).
  int shard_index = 0, shard_count = 0;
  /// --plan-file: the plan (plan.json) this shard must agree with; "" = DIR/plan.json when present.
  std::string plan_file;
  /// Execution provider of every timed, evaluated and profiled session (runtime/runner.h names:
  /// "cpu", "cuda", …); checked with CheckExecutionProvider before anything is measured.
  std::string provider = "cpu";
  /// Where the power sensors are read (benchmark/energy.h); "/sys" normally, a fake tree in tests.
  std::string sysfs_root = "/sys";
  /// External variants (--compare-file), measured after the table variants of their model.
  std::vector<ExternalVariant> external;
};

/// The variants measured for the model `name` (given as `spec`): config.variants, then the labels of
/// the external variants whose model is that spec or that name.
std::vector<std::string> LabVariantsFor(const LabConfig& config, const std::string& name, const std::string& spec);

/// Whether --compare-file's MODEL names the lab model with display `name` and --models entry `spec`:
/// the entry as given, the display name, or the entry's file name ("mobilenetv2-7-hybrid.onnx" for
/// "/models/mobilenetv2-7-hybrid.onnx").
bool ExternalVariantOf(const ExternalVariant& e, const std::string& name, const std::string& spec);

/// The external variant `label` of the model `name`/`spec`, or nullptr when `label` is not one.
const ExternalVariant* FindExternalVariant(const LabConfig& config, const std::string& name, const std::string& spec,
                                           const std::string& label);

/// A model of the lab: its spec as given and its display name (unique within the lab).
struct LabModel {
  std::string spec;
  std::string name;
};

/// Display names for the specs: ModelDisplayName, with "_2", "_3" appended to repeats.
std::vector<LabModel> LabModels(const std::vector<std::string>& specs);

/// The parsed --dim/--shape flags of `config` (batch unset). Throws Error(kInvalidArgument) quoting
/// a malformed flag and the expected form (ParseDimFlag, ParseShapeFlag).
ShapeOverrides LabShapeOverrides(const LabConfig& config);

/// The intra-op thread count used when none is given: the CPUs in this process's affinity mask
/// (at least 1).
std::int64_t DefaultThreadCount();

/// The --threads list (or the config's `threads`): ParseSweepAxis, where an item 0 means ONNX Runtime's
/// default, which for the lab is DefaultThreadCount() (README "Flags": "0 = ONNX Runtime's default (lab:
/// the CPUs available)"); "0" on a 2-CPU machine gives [2], "0,1" gives [2,1]. Throws as ParseSweepAxis.
SweepAxis ParseThreadsAxis(const std::string& name, const std::string& text);

/// A LabConfig with every default filled in (threads = DefaultThreadCount()).
LabConfig DefaultLabConfig();

/// Overrides fields of `config` with the keys present in a TOML file. Keys (all optional; a list
/// key takes a TOML array or, for axes, a string in ParseSweepAxis syntax):
///   models = ["zoo:resnet18", "model.onnx"]   variants = ["fp32", "static"]
///   batch = "1-16*2" | [1, 2, 4]              input_size = [224]          threads = [1, 2]
///   repetitions = 10   warmup_runs = 3        output = "qbench-lab"
///   eval_data = "..."  eval_limit = 50        preprocess = "imagenet"
///   resize = 256 | "224x224"  crop = 224  pad = 0  mean = [0.485, 0.456, 0.406] | "0.5"  std = ...
///   layout = "NCHW"  channel_order = "RGB"  channels = 3   (the preprocessing flags, over `preprocess`)
///   verify = true      strict = false
///   calibration_data = "..."  calibration_size = 16  calibration_method = "minmax"
///   weight_range = "auto" | "full" | "reduced" | "u8"
///   roofline = true    roofline_cache = "..." seed = 0   split = false
///   dim = ["seq=128"]  shape = ["mask=1x128"]
///   provider = "cpu"   sysfs_root = "/sys"   compare_file = ["MODEL:LABEL=PATH"]
/// Relative paths in the file (models, output, eval_data, calibration_data, roofline_cache, sysfs_root,
/// the PATH of compare_file) are read from the config file's folder; "zoo:NAME" and absolute paths as written.
/// Throws Error(kNotFound) for a missing file, Error(kInvalidInput) naming the file, line and column
/// for a TOML syntax error, Error(kInvalidArgument) naming the file and key for an unknown key, a
/// wrong type or an invalid value (an unknown variant, a bad axis, repetitions < 1, ...).
void ApplyLabConfigFile(const std::string& path, LabConfig* config);

/// Checks a complete config without touching the file system: at least one model and variant, known
/// variant names, no duplicates, repetitions >= 1, warmup_runs >= 0, calibration_size >= 1, a
/// known calibration method (ParseCalibrationMethod) and preprocessing preset
/// (PreprocessOptions::FromPreset), a non-empty output folder. Paths are checked by CheckLabInputs
/// (preflight.h). Throws Error(kInvalidArgument) naming the flag, the value and the fix.
void ValidateLabConfig(const LabConfig& config);

/// The preprocessing preset the lab uses: config.preprocess when set; else "fashion-mnist" when the
/// evaluation (or else the calibration) data is raw uint8 Fashion-MNIST data (DetectDatasetFormat),
/// "imagenet" otherwise — the rule `qbench quantize` and `qbench eval` apply.
std::string LabPreprocessPreset(const LabConfig& config);

/// How the lab preprocesses evaluation and calibration images for a model measured at spatial size
/// `input_size` (pixels, H = W; 0 = the preset's own): the preset (LabPreprocessPreset); for
/// "imagenet" at a size other than its 224, the crop becomes input_size and the shorter side
/// round(input_size × 256 / 224), keeping the preset's resize-to-crop ratio (e.g. 160 → resize 183,
/// crop 160). Other presets are used as they are. Then config.preprocessing's given values, as
/// given (ApplyPreprocessOverrides; throws as it). Accuracy and calibration use each model's first
/// input size only.
PreprocessOptions LabPreprocess(const LabConfig& config, std::int64_t input_size);

/// One line for the plan and the report: "imagenet at 160 px: shorter side 183 (PIL bilinear),
/// center crop 160 (the preset's 256/224 ratio kept)".
std::string DescribeLabPreprocess(const LabConfig& config, std::int64_t input_size);

/// True when `variants` holds a variant that is calibrated (static int8).
bool HasCalibratedVariant(const std::vector<std::string>& variants);

/// The plan's "weight range:" line when config.variants holds an int8 variant (its scheme's weights
/// are integer), "" otherwise: config.weight_range resolved on this CPU for u8 activations (the lab's
/// int8 variants; ResolveWeightRange) as `qbench quantize` prints it, "u8 (u8 weights (zero point
/// 128): this CPU has no VNNI, ...)", followed by how to choose another when it was not given.
std::string LabWeightRangeLine(const LabConfig& config);

/// The config as its record (written into results.json so a study says how it was made, and into
/// plan.json): every field of LabConfigRecord that a LabConfig holds, "preprocess" as
/// LabPreprocessPreset; what a run adds (device, model_input_sizes, …) left empty.
LabConfigRecord MakeLabConfigRecord(const LabConfig& config);

}  // namespace qbench
