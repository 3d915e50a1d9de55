// `qbench quantize --auto`: run the search, write the model, the table, the JSON and the plot.
#include "quantize_auto.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cstdio>

#include "command.h"
#include "dataset_flags.h"
#include "flags.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/verify.h"
#include "qbench/report/auto_plot.h"
#include "qbench/report/plots.h"

namespace qbench::cli {
namespace {

volatile sig_atomic_t g_auto_sigints = 0;

void OnAutoSigint(int) {
  g_auto_sigints = g_auto_sigints + 1;
  RequestCancel();
  if (g_auto_sigints >= 2) ::_exit(130);
}

}  // namespace

// The --auto request from the flags, validated before any work (ValidateAutoOptions).
AutoCliRequest AutoRequestFromFlags(const QuantizeCliOptions& o) {
  if (o.mode_given && o.mode != "static")
    throw Error(ErrorCode::kInvalidArgument, "--auto searches static int8 configurations (QDQ, calibrated); --mode " +
                                                 o.mode + " cannot be combined with it: drop --mode");
  if (o.fallback_top_given)
    throw Error(ErrorCode::kInvalidArgument, "--fallback-top and --auto exclude each other: --auto keeps layers fp32 "
                                             "itself within --max-drop; give one");
  if (o.equalize != "off" || o.bias_correction)
    throw Error(ErrorCode::kInvalidArgument, "--auto measures cross-layer equalization and bias correction as candidates "
                                             "itself (on models with depthwise convolutions); drop --equalize/--bias-correction");
  AutoCliRequest r;
  r.model = o.model;
  r.output = o.output;
  r.json_path = o.json_path;
  r.plot_path = o.plot;
  r.keep_best = o.keep_best;
  r.verify = !o.verify.no_verify;
  r.strict = o.verify.strict;
  AutoQuantizeOptions& a = r.options;
  if (o.max_drop_given) a.max_drop_points = o.max_drop;
  a.time_budget_s = o.time_budget;
  a.seed = o.seed;
  a.threads = o.threads;
  a.eval_limit = o.eval_limit < 1 ? 0 : static_cast<std::size_t>(o.eval_limit);
  ShapeOverrides overrides = ParseShapeFlags(o.shape);
  if (!o.batch.empty()) ParseBatchFlag(o.batch, &overrides);
  a.batch = overrides.batch > 0 ? overrides.batch : 1;
  overrides.batch = 0;  // calibration and evaluation run one sample per Run
  a.base.weight_range = ParseWeightRange(o.weight_range);
  a.base.exclude = SplitExcludes(o.exclude);
  a.base.quantize_graph_outputs = o.quantize_outputs;
  a.base.calibration.percentile = o.percentile;
  CheckCalibrationFlags(o);
  a.calibration.path = o.calib.data;
  a.calibration.preprocess = BuildPreprocessOptions(o.pre, o.calib.data);
  a.calibration.size = o.calib.size;
  a.calibration.shape_overrides = overrides;
  if (!o.eval_data.empty()) {
    DatasetFlags flags;
    flags.spec.path = o.eval_data;
    static_cast<PreprocessFlags&>(flags) = o.pre;
    a.evaluation = BuildDatasetSpec(flags);
  }
  ValidateAutoOptions(a);
  return r;
}

std::string DefaultParetoPath(const std::string& output) {
  const std::string ext = ".onnx";
  if (output.size() > ext.size() && output.compare(output.size() - ext.size(), ext.size(), ext) == 0)
    return output.substr(0, output.size() - ext.size()) + ".pareto.png";
  return output + ".pareto.png";
}

void RunQuantizeAuto(const Model& fp32, const AutoCliRequest& req) {
  const std::string plot = req.plot_path.empty() ? DefaultParetoPath(req.output) : req.plot_path;
  CheckOutputPath("--plot", plot);
  AutoQuantizeOptions options = req.options;
  options.progress = [](const std::string& line) { LogInfo(line); };
  g_auto_sigints = 0;
  ResetCancel();
  struct sigaction sa {}, old {};
  sa.sa_handler = OnAutoSigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old);
  AutoQuantizeResult r;
  try {
    r = AutoQuantize(fp32, options);
  } catch (...) {
    ::sigaction(SIGINT, &old, nullptr);
    throw;
  }
  ::sigaction(SIGINT, &old, nullptr);
  const bool write_model = !r.cancelled || req.keep_best;
  if (!write_model)  // the decision the search made does not happen: say what does, once
    r.decision = "interrupted (Ctrl-C): nothing written (--keep-best writes the best model measured so far)";
  std::string out = fmt::format("model: {} -> {}\n", req.model, req.output);
  out += FormatAutoResult(r);
  if (write_model) {
    if (r.chosen >= 0) {
      // The model written is the one measured: verified (load, run, compare) without a fallback round.
      VerifyOptions vo;
      vo.enabled = req.verify;
      vo.fix = false;
      vo.strict = req.strict;
      vo.session.intra_op_threads = options.threads;
      QuantizeResult q;
      q.model = r.model;
      q.report = r.report;
      // Verified on the calibration samples the search read, as plain `quantize` verifies on its
      // calibration data (docs/verification.md); generated inputs only when the search had none:
      // random input says little about a model tuned to real data and can read as a collapse.
      VerificationData data;
      if (vo.enabled) {
        WarningList scratch;
        CalibrationDataSpec spec = r.calibration_spec;
        if (spec.path.empty()) {
          spec = CalibrationDataSpec{};
          spec.seed = options.seed;
          spec.size = vo.max_samples;
          spec.shape_overrides = options.calibration.shape_overrides;
        }  // else the search's own samples (its split unchanged), the first max_samples of them read
        auto reader = MakeCalibrationDataReader(fp32, spec, &scratch);
        data = ReadVerificationData(*reader, vo.max_samples);
        LogInfo("auto: verifying the written model in ONNX Runtime on " + std::to_string(data.feeds.size()) +
                " batch(es) of " + data.description);
      }
      const VerifiedQuantization v = VerifyAndSave(fp32, std::move(q), {}, data, req.output, vo);
      out += FormatVerification(v.verification);
      if (v.verification.collapsed) {
        r.warnings.push_back({"verification_collapse", "the written model's fidelity collapsed in verification (" +
                                                           CollapsedOutputsText(v.verification) +
                                                           "); written anyway (--strict refuses it)"});
      }
    } else {
      WriteFileAtomic(req.output, SerializeModel(fp32));
    }
    if (WriteAutoParetoPlot(r, plot))
      out += "Pareto plot: " + plot + "\n";
    else if (!PlotsBuiltIn())
      out += "Pareto plot: none (this qbench was built without PLplot, -DQBENCH_PLOTS=OFF)\n";
    else
      out += "Pareto plot: none (no candidate was timed, so there is no latency to plot)\n";
  }
  std::fwrite(out.data(), 1, out.size(), TableStream(req.json_path));
  for (const auto& w : r.warnings)
    std::fprintf(stderr, "[qbench] warning: %s [%s]\n", w.message.c_str(), w.code.c_str());
  if (!req.json_path.empty() && write_model) {
    nlohmann::json j = AutoResultToJson(r);
    j["model"] = req.model;
    j["output"] = req.output;
    if (r.chosen >= 0) j["coverage"] = nlohmann::json::parse(QuantizeReportToJson(r.report));
    WriteOutput(req.json_path, j.dump(2) + "\n");
  }
  if (r.cancelled) SetExitCode(130);
}

}  // namespace qbench::cli
