// `qbench quantize --auto`: run the search, write the model, the table, the JSON and the plot.
#include "quantize_auto.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cstdio>

#include "command.h"
#include "flags.h"
#include "qbench/core/cancel.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/model/model.h"
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
  std::string out = fmt::format("model: {} -> {}\n", req.model, req.output);
  out += FormatAutoResult(r);
  const bool write_model = !r.cancelled || req.keep_best;
  if (write_model) {
    if (r.chosen >= 0) {
      // The model written is the one measured: verified (load, run, compare) without a fallback round.
      VerifyOptions vo;
      vo.enabled = req.verify;
      vo.fix = false;
      vo.session.intra_op_threads = options.threads;
      QuantizeResult q;
      q.model = r.model;
      q.report = r.report;
      VerificationData data;  // generated inputs: the candidate's fidelity was measured on real samples already
      if (vo.enabled) {
        WarningList scratch;
        CalibrationDataSpec spec;
        spec.seed = options.seed;
        spec.size = vo.max_samples;
        spec.shape_overrides = options.calibration.shape_overrides;
        auto reader = MakeCalibrationDataReader(fp32, spec, &scratch);
        data = ReadVerificationData(*reader, 4);
      }
      const VerifiedQuantization v = VerifyAndSave(fp32, std::move(q), {}, data, req.output, vo);
      out += FormatVerification(v.verification);
    } else {
      WriteFileAtomic(req.output, SerializeModel(fp32));
    }
    if (WriteAutoParetoPlot(r, plot))
      out += "Pareto plot: " + plot + "\n";
    else if (!PlotsBuiltIn())
      out += "Pareto plot: none (this qbench was built without PLplot, -DQBENCH_PLOTS=OFF)\n";
  } else {
    out += "auto: interrupted (Ctrl-C): nothing written (--keep-best writes the best model measured so far)\n";
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
