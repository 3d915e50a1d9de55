// tools/qbench/quantize_options.h — the flags of `qbench quantize` as parsed (cmd_quantize.cc registers
// them), shared with `quantize --auto` (quantize_auto.cc), which builds its request from them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset_flags.h"
#include "flags.h"
#include "qbench/quantization/scheme.h"

namespace qbench::cli {

struct QuantizeCliOptions {
  std::string model, output, mode = "static", activation_type;  // "": the scheme's default
  bool per_channel = false, per_tensor = false, quantize_outputs = false;
  std::string hard_sigmoid = "decompose";
  std::string equalize = "off";
  bool bias_correction = false;
  std::string weight_range = "auto";
  std::string json_path;
  CalibrationFlags calib;
  PreprocessFlags pre;
  double percentile = 99.999;
  int threads = 0;  // calibration, coverage analysis and the fallback's latency comparison
  std::uint64_t seed = 0;
  std::vector<std::string> exclude;
  ShapeFlags shape;
  std::string batch;
  // fp32 fallback (the *_given flags say which options were on the command line).
  long long fallback_top = 0, eval_limit = 100;
  double max_drop = -1.0;
  std::string eval_data;
  bool fallback_top_given = false, max_drop_given = false, eval_flags_given = false;
  VerifyFlags verify;
  // --auto (quantize_auto.h)
  bool auto_mode = false, keep_best = false, mode_given = false;
  double time_budget = 300;
  std::vector<std::string> auto_only_flags_given;  ///< --time-budget/--keep-best/--plot given (used only by --auto)
  std::vector<std::string> mode_flags_given;       ///< flags of ModeOnlyFlags() given on the command line
  std::string plot;
};

// A flag that only some schemes of --mode read (the others would ignore it silently): `applies` says
// which, from the scheme table's fields.
struct ModeOnlyFlag {
  const char* name;
  bool (*applies)(const SchemeInfo& scheme);
};

// --weight-range (integer weights: dynamic, static), --hardsigmoid and --quantize-outputs (calibrated
// activations: static). (--per-channel/--per-tensor, --activation-type, --equalize/--bias-correction are
// refused by QuantizeModel's own checks.)
const std::vector<ModeOnlyFlag>& ModeOnlyFlags();

// Refuses (Error kInvalidArgument, exit 2) a flag of ModeOnlyFlags() in `given` that `scheme` does not
// read: "--weight-range applies to --mode dynamic, static, not --mode fp16; drop it"; and the --auto-only
// flags without --auto: "--time-budget is used only with --auto; add --auto or drop it".
void CheckModeFlags(const QuantizeCliOptions& o, const SchemeInfo& scheme);

// Refuses, in one line naming the flag (Error kInvalidArgument), a --percentile outside (0, 100] and
// --calibration-size 0: the calibration checks `quantize` and `quantize --auto` share.
void CheckCalibrationFlags(const QuantizeCliOptions& o);

// --exclude values split at commas ("conv1,op:Gemm,#12"); an item starting with "re:" runs to the end
// of the value, since a regular expression may itself hold commas ("conv1,re:^fc{1,2}").
std::vector<std::string> SplitExcludes(const std::vector<std::string>& values);

}  // namespace qbench::cli
