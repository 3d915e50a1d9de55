// qbench sensitivity FP32.onnx --eval-data PATH: ranks the quantizable layers by the fidelity lost
// when only that layer is quantized, with each layer's MAC share; optionally searches the fp32
// fallback (--fallback-top K / --max-drop P).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "command.h"
#include "dataset_flags.h"
#include "flags.h"
#include "suggest.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/eval/eval_report.h"
#include "qbench/eval/evaluator.h"
#include "qbench/model/shapes.h"
#include "qbench/zoo/zoo.h"
#include "qbench/eval/sensitivity_quantizer.h"

namespace qbench::cli {
namespace {

struct SensitivityCliOptions {
  std::string model, json_path, mode = "static", activation_type;
  DatasetFlags data;
  CalibrationFlags calib;
  std::size_t limit = 100, batch = 1;
  long long fallback_top = 0;  // --fallback-top / --max-drop as typed (ParseFallbackFlags)
  double max_drop = -1.0;
  bool fallback_top_given = false, max_drop_given = false;
  int threads = 0, decode_threads = 0;
};

void RunSensitivity(const SensitivityCliOptions& o) {
  if (o.limit == 0) throw Error(ErrorCode::kInvalidArgument, "--eval-limit must be >= 1 (samples per evaluation)");
  const FallbackCriteria criteria = ParseFallbackFlags(o.fallback_top, o.fallback_top_given, o.max_drop, o.max_drop_given);
  CheckOutputs({{"--json", o.json_path}}, {{"the model", o.model}, {"--eval-data", o.data.spec.path}, {"--labels", o.data.spec.labels}});  // before minutes of quantizing and ranking
  DatasetSpec spec = BuildDatasetSpec(o.data);
  spec.limit = o.limit;
  auto dataset = OpenDataset(spec);
  Model fp32 = LoadModelOrZoo(o.model);
  if (o.batch > 1) fp32 = WithBatchSize(fp32, static_cast<std::int64_t>(o.batch));
  // A dataset that cannot feed the model fails here, with Evaluate's error and exit code (an .npy in
  // the wrong shape or dtype: 1), not later inside calibration with another one.
  CheckDatasetFitsModel(*dataset, fp32.Inputs(), "the model");

  QuantizeOptions qo;
  qo.scheme = o.mode;
  qo.calibration.method = ParseCalibrationMethod(o.calib.method);
  if (!o.activation_type.empty()) qo.activation_type = ParseActivationType(o.activation_type);
  qo.intra_op_threads = o.threads;
  WarningList warnings;
  CalibrationDataSpec calib;
  calib.path = o.data.spec.path;
  calib.preprocess = spec.preprocess;
  calib.size = o.calib.size;
  const bool calibrated = FindQuantizationScheme(o.mode).needs_calibration;
  LogInfo("quantizing " + o.model + " (" + o.mode +
          (calibrated ? ", calibration " + o.calib.method + " on " + o.data.spec.path : ", no calibration") + ")");
  SensitivityQuantizer quantizer(fp32, qo, calib, &warnings);
  std::int64_t total_macs = 0;
  SensitivityOptions so;
  const std::vector<LayerInfo> layers = quantizer.QuantizableLayers(&total_macs, &so.also_float);
  if (layers.empty()) {
    throw Error(ErrorCode::kUnsupported, "the " + o.mode + " quantization of " + o.model +
                                             " quantizes no named MAC-bearing layer (Conv, Gemm, MatMul, ...): nothing to rank");
  }
  const QuantizeFn quantize = quantizer.Fn();
  so.eval.limit = o.limit;
  so.eval.batch_size = o.batch;
  so.eval.decode_threads = o.decode_threads;
  so.session.intra_op_threads = o.threads;
  so.progress = [](std::size_t done, std::size_t total, const LayerSensitivity& s) {
    LogInfo(fmt::format("  {}/{} {}: SQNR {} dB, agreement {}", done, total, s.layer.name.empty() ? "(configuration)" : s.layer.name,
                        FormatDb(s.sqnr_db), FormatFraction(s.agreement)));
  };
  LogInfo(fmt::format("ranking {} layers on {} ({} samples each)", layers.size(), dataset->Describe(), o.limit));
  // The fp32 side as ORT runs it: an old opset upgraded as the quantizer upgrades it.
  const Model reference = UpgradeForQuantization(fp32, FindQuantizationScheme(o.mode));
  const auto ranked = RankLayerSensitivity(reference, layers, total_macs, quantize, *dataset, so);

  std::string out = fmt::format("model        {}\nscheme       {} ({})\ndataset      {}\n"
                                "preprocess   {}\nlayers       {} quantizable MAC-bearing layers; each quantized ALONE, "
                                "the rest fp32\n\n",
                                o.model, o.mode, SensitivityCalibrationText(o.mode, o.calib.method, o.calib.size),
                                dataset->Describe(),
                                DescribePreprocess(spec.preprocess), layers.size());
  out += WriteText(SensitivityTable(ranked));
  out += "\nranked by SQNR of the logits vs fp32 (lowest = most sensitive); drop = 100 x (1 - top-1 agreement),\n"
         "in percentage points; top-1 (with labels) of the model with only that layer quantized.\n";

  SensitivityReport report;
  report.model = o.model;
  report.scheme = o.mode;
  report.calibration_method = calibrated ? o.calib.method : "";
  report.dataset = dataset->Describe();
  report.samples = o.limit;
  report.total_macs = total_macs;
  report.layers = ranked;

  if (criteria.fallback_top > 0 || criteria.max_drop_points >= 0) {
    const FallbackPlan plan = PlanFallback(fp32, ranked, total_macs, quantize, *dataset, criteria, so);
    out += fmt::format("\nfp32 fallback ({}):\n", criteria.fallback_top > 0
                                                   ? fmt::format("--fallback-top {}", criteria.fallback_top)
                                                   : fmt::format("--max-drop {} points", criteria.max_drop_points));
    out += WriteText(FallbackTable(plan));
    const auto& chosen = plan.steps[plan.chosen];
    std::string keep;
    for (const auto& k : chosen.keep_float) keep += (keep.empty() ? "" : ",") + k;
    out += fmt::format("chosen: keep {} layer(s) fp32{}{}\n", chosen.keep_float.size(), keep.empty() ? "" : ": ", keep);
    if (!plan.target_met) out += "the target was NOT met even with every layer fp32\n";
    if (!keep.empty()) {
      out += "quantize with:";
      for (const auto& k : chosen.keep_float) out += " --exclude " + k;
      out += "\n";
    }
    report.has_fallback = true;
    report.fallback = plan;
  }
  report.warnings = warnings.items();
  WriteOutput(o.json_path, ToJson(report).dump(2) + "\n");
  std::fwrite(out.data(), 1, out.size(), TableStream(o.json_path));
  for (const auto& x : warnings.items()) Log(LogLevel::kWarning, x.message);
}

void RegisterSensitivity(CLI::App& app) {
  auto o = std::make_shared<SensitivityCliOptions>();
  auto* cmd = app.add_subcommand("sensitivity", "Rank quantizable layers by the fidelity lost when only that layer is "
                                                "quantized (SQNR, top-1 agreement, KL), with each layer's MAC share");
  cmd->add_option("model", o->model, "fp32 ONNX file, or zoo:NAME")->required();
  SetPositionalHint(cmd, "give the data with --eval-data");
  AddDatasetFlags(cmd, &o->data, true);
  AddSchemeFlags(cmd, &o->mode, &o->activation_type);
  AddCalibrationFlags(cmd, &o->calib, false);  // calibrated on --eval-data
  // AddCountOption: CLI11 would otherwise wrap a negative size_t value to 2^64 - N.
  AddEvalLimitFlag(cmd, &o->limit, "Evaluation samples per candidate (default 100), a seeded random subset stratified "
                                    "by label (--seed)");
  AddCountOption(cmd, "--batch", o->batch, "Samples per run (a fixed-batch model is rewritten to it)");
  AddThreadsFlag(cmd, &o->threads, "ONNX Runtime intra-op threads (0 = ORT default)");
  AddDecodeThreadsFlag(cmd, &o->decode_threads);
  const FallbackFlagOptions fallback =
      AddFallbackFlags(cmd, &o->fallback_top, &o->max_drop, "Also evaluate keeping the K most sensitive layers fp32",
                       "Also search the fewest fp32 layers for a drop <= P percentage points");
  AddJsonFlag(cmd, &o->json_path, "the ranking");
  cmd->callback([o, fallback] {
    o->fallback_top_given = fallback.top->count() > 0;
    o->max_drop_given = fallback.max_drop->count() > 0;
    RunSensitivity(*o);
  });
}

}  // namespace

QBENCH_REGISTER_COMMAND(45, RegisterSensitivity);

}  // namespace qbench::cli
