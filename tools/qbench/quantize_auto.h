// tools/qbench/quantize_auto.h — `qbench quantize --auto` (the search is qbench/lab/auto_quantize.h;
// this writes its outputs: the model, the table on stdout, the --json report and the Pareto PNG).
#pragma once

#include <string>

#include "qbench/lab/auto_quantize.h"
#include "quantize_options.h"

namespace qbench::cli {

struct AutoCliRequest {
  std::string model;        ///< as given (file or zoo:NAME), for messages and the report
  std::string output;       ///< -o
  std::string json_path;    ///< --json/--report ("" none, "-" stdout)
  std::string plot_path;    ///< --plot ("" → OUT with .onnx replaced by .pareto.png)
  bool keep_best = false;   ///< --keep-best: after Ctrl-C, write the best model measured so far
  bool verify = true;       ///< false with --no-verify
  bool strict = false;      ///< --strict: a model whose verification collapses is refused (exit 1)
  AutoQuantizeOptions options;
};

/// The --auto request from the parsed flags, validated before any work (ValidateAutoOptions).
/// Throws Error(kInvalidArgument) in one line naming the flag: --mode other than static,
/// --fallback-top, --equalize/--bias-correction (candidates of the search itself), a --percentile
/// outside (0, 100], --calibration-size 0, or what ValidateAutoOptions refuses.
AutoCliRequest AutoRequestFromFlags(const QuantizeCliOptions& o);

/// Runs the search on `fp32` and writes the outputs. Ctrl-C: exit code 130, nothing written unless
/// --keep-best (then the best candidate measured, by the same rule, or the fp32 model).
void RunQuantizeAuto(const Model& fp32, const AutoCliRequest& request);

/// "out.onnx" → "out.pareto.png"; other names get ".pareto.png" appended.
std::string DefaultParetoPath(const std::string& output);

}  // namespace qbench::cli
