// tools/qbench/quantize_options.h — the flags of `qbench quantize` as parsed (cmd_quantize.cc registers
// them), shared with `quantize --auto` (quantize_auto.cc), which builds its request from them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset_flags.h"
#include "flags.h"

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
  std::string plot;
};

// Refuses, in one line naming the flag (Error kInvalidArgument), a --percentile outside (0, 100] and
// --calibration-size 0: the calibration checks `quantize` and `quantize --auto` share.
void CheckCalibrationFlags(const QuantizeCliOptions& o);

// --exclude values split at commas ("conv1,op:Gemm,#12"); an item starting with "re:" runs to the end
// of the value, since a regular expression may itself hold commas ("conv1,re:^fc{1,2}").
std::vector<std::string> SplitExcludes(const std::vector<std::string>& values);

}  // namespace qbench::cli
