// qbench eval MODEL --eval-data PATH: accuracy on real data (top-1/top-5 with Wilson intervals) and,
// with --reference, fidelity to the fp32 model (top-1 agreement, KL, SQNR, cosine).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "command.h"
#include "suggest.h"
#include "dataset_flags.h"
#include "flags.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/data/dataset.h"
#include "qbench/eval/eval_report.h"
#include "qbench/eval/evaluator.h"
#include "qbench/data/image.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/kernel_probe.h"
#include "qbench/runtime/runner.h"
#include "qbench/zoo/zoo.h"

namespace qbench::cli {
namespace {

struct EvalCliOptions {
  std::string model, reference, json_path;
  DatasetFlags data;
  std::size_t limit = 0, batch = 1;
  int threads = 0, decode_threads = 0;
  std::string provider = "cpu";
};

// Loads a model; with --batch N > 1 and a fixed dim 0, rewrites it for batch N when possible.
std::unique_ptr<OrtRunner> MakeRunner(const std::string& spec, const EvalCliOptions& o, WarningList* warnings) {
  Model model = LoadModelOrZoo(spec);
  // A quantized file whose u8·s8 kernels saturate on this CPU: said as the lab says it.
  const std::string saturation = U8S8SaturationNote(model);
  if (!saturation.empty()) warnings->Add("u8s8_saturation", spec + ": " + saturation);
  // As the lab's report says of zoo models: their accuracy means nothing.
  if (IsZooSpec(spec))
    warnings->Add("random_weights", spec + " is a qbench zoo architecture with seeded random weights: its accuracy means "
                                           "nothing (give a trained model file for accuracy)");
  const auto inputs = model.Inputs();
  if (o.batch > 1 && !inputs.empty() && !inputs[0].shape.empty() && inputs[0].shape[0] > 0 &&
      static_cast<std::size_t>(inputs[0].shape[0]) != o.batch) {
    try {
      model = WithBatchSize(model, static_cast<std::int64_t>(o.batch));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kUnsupported) throw;
      warnings->Add("fixed_batch", spec + " fixes batch " + std::to_string(inputs[0].shape[0]) +
                                       " and cannot be rewritten (" + e.what() + "); evaluated at that batch");
    }
  }
  SessionConfig config;
  config.intra_op_threads = o.threads;
  config.execution_provider = o.provider;
  return OrtRunner::Create(model, config);
}

std::string Db(double v) {
  if (std::isinf(v)) return v > 0 ? "inf dB (identical)" : "-inf dB";
  return std::isfinite(v) ? fmt::format("{:.2f} dB", v) : "-";
}

// "-1.00 points, 95% CI [-3.52, +1.40] (paired: 2 samples only the model got right, 3 only the
// reference; Newcombe's paired score interval; exact McNemar p = 1)".
std::string FormatPairedChange(const AccuracyResult& r) {
  const auto& d = r.top1_change;
  return fmt::format("{:+.2f} points, 95% CI [{:+.2f}, {:+.2f}] (paired on the same {} samples: {} right only with the model, "
                     "{} only with the reference; Newcombe's paired score interval; exact McNemar p = {:.3g})",
                     100 * d.estimate, 100 * d.lo, 100 * d.hi, r.labelled, r.model_only_top1_correct,
                     r.reference_only_top1_correct, r.top1_change_mcnemar_p);
}

// "the model's first output 'out' [1,64,8,8] is not class scores ([N, classes] or [N, classes, 1, 1])".
std::string NotClassScores(const std::vector<TensorInfo>& outputs) {
  if (outputs.empty()) return "the model has no outputs";
  std::string shape;
  for (auto d : outputs[0].shape) shape += (shape.empty() ? "" : ",") + (d < 0 ? std::string("?") : std::to_string(d));
  return "the model's first output '" + outputs[0].name + "' [" + shape +
         "] is not class scores ([N, classes] or [N, classes, 1, 1]), so there is no top-1";
}

void PrintResult(const AccuracyResult& r, const EvalCliOptions& o, const std::string& preprocess,
                 const std::vector<TensorInfo>& model_outputs) {
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) { out += fmt::format("{:<14}{}\n", k, v); };
  line("model", o.model);
  if (r.has_reference) line("reference", o.reference);
  line("dataset", r.dataset);
  line("preprocess", preprocess);
  line("samples", fmt::format("{} evaluated, {} skipped (unreadable), batch {}", r.count, r.skipped, r.batch_size));
  if (r.labelled > 0) {
    line("top-1", fmt::format("{}  ({}/{})  95% CI [{:.1f}, {:.1f}] % (Wilson)", FormatFraction(r.top1), r.top1_correct,
                              r.labelled, 100 * r.top1_ci95.lo, 100 * r.top1_ci95.hi));
    line(fmt::format("top-{}", r.top_k), fmt::format("{}  ({}/{})  95% CI [{:.1f}, {:.1f}] %", FormatFraction(r.top5),
                                                    r.top5_correct, r.labelled, 100 * r.top5_ci95.lo,
                                                    100 * r.top5_ci95.hi));
    if (r.has_reference) {
      line("ref top-1", fmt::format("{}  ({}/{})", FormatFraction(r.reference_top1), r.reference_top1_correct, r.labelled));
      line("top-1 change", FormatPairedChange(r));
    }
  } else if (r.classification) {
    line("top-1", "- (the dataset has no labels)");
  } else {
    line("top-1", "- (" + NotClassScores(model_outputs) + ")");
  }
  if (r.has_reference && r.classification) {
    line("agreement", fmt::format("{}  ({}/{} same top-1 as the reference)  95% CI [{:.1f}, {:.1f}] %",
                                  FormatFraction(r.top1_agreement), r.agreement_count, r.count, 100 * r.top1_agreement_ci95.lo,
                                  100 * r.top1_agreement_ci95.hi));
    line("KL", fmt::format("{:.6f} nats (mean KL(softmax(ref) || softmax(model)))", r.mean_kl));
    line("SQNR", Db(r.sqnr_db) + " (logits)");
    line("cosine", fmt::format("{:.6f} (logits, mean per sample)", r.cosine));
  }
  if (r.has_reference && (r.outputs.size() > 1 || !r.classification)) {
    for (const auto& f : r.outputs) {
      line("output", fmt::format("{}: SQNR {}, cosine {:.6f}", f.name, Db(f.sqnr_db), f.cosine));
    }
  }
  line("throughput", fmt::format("{:.1f} images/s ({:.2f} s; decoding in parallel with inference)", r.images_per_s,
                                 r.wall_s));
  std::fwrite(out.data(), 1, out.size(), TableStream(o.json_path));
}

void RunEval(const EvalCliOptions& o) {
  // Usage errors first, before any decoding or inference (a missing --json folder found at the end
  // would waste the whole run).
  if (o.batch == 0) throw Error(ErrorCode::kInvalidArgument, "--batch must be >= 1");
  CheckOutputs({{"--json", o.json_path}},
               {{"the model", o.model}, {"--reference", o.reference}, {"--eval-data", o.data.spec.path}, {"--labels", o.data.spec.labels}});
  try {
    CheckExecutionProvider(o.provider);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("--provider: ") + e.what());
  }
  DatasetSpec spec = BuildDatasetSpec(o.data);
  spec.limit = o.limit;
  std::unique_ptr<Dataset> dataset = OpenDataset(spec);
  const std::string preprocess =
      dataset->FedAsStored() ? std::string("none (.npy samples fed as stored)") : DescribePreprocess(spec.preprocess);
  WarningList warnings;
  auto model = MakeRunner(o.model, o, &warnings);
  std::unique_ptr<OrtRunner> reference;
  if (!o.reference.empty()) reference = MakeRunner(o.reference, o, &warnings);
  LogInfo("evaluating " + o.model + " on " + dataset->Describe());
  EvalOptions options;
  options.batch_size = o.batch;
  options.decode_threads = o.decode_threads;
  std::size_t last_logged = 0;
  options.progress = [&](std::size_t done, std::size_t total) {
    if (done == total || done >= last_logged + std::max<std::size_t>(1, total / 10)) {
      last_logged = done;
      LogInfo(fmt::format("  {}/{} samples", done, total));
    }
  };
  AccuracyResult r = Evaluate(*model, *dataset, options, reference.get());
  for (const auto& w : r.warnings) warnings.Add(w.code, w.message);
  if (r.labelled > 0 && r.labelled < 1000) {
    // How precise the top-1 estimate is, never a significance rule: two top-1s on the same samples are compared by
    // the paired change (R4: "differences smaller than 14.7 points are not significant" sat under a significant
    // paired -7.00 points [-13.34, -1.55]).
    const std::string precision = fmt::format("top-1 rests on {} labelled samples: the top-1 estimate is ±{:.1f} points (its "
                                              "95 % interval spans {:.1f})",
                                              r.labelled, 50 * (r.top1_ci95.hi - r.top1_ci95.lo), 100 * (r.top1_ci95.hi - r.top1_ci95.lo));
    warnings.Add("small_eval_set", r.has_reference ? precision + "; against the reference the paired interval of the top-1 "
                                                                 "change (stdout) decides, not the two intervals"
                                                   : precision);
  }
  if (!r.classification) {
    warnings.Add("not_class_scores", NotClassScores(model->outputs()) +
                                         (reference ? "; the outputs are compared with the reference's instead (SQNR, "
                                                      "cosine per output)"
                                                    : "; give --reference FP32.onnx for label-free per-output "
                                                      "fidelity (SQNR, cosine)"));
  } else if (r.labelled == 0 && reference == nullptr) {
    warnings.Add("nothing_to_score", "the dataset has no labels and no --reference was given: only throughput was "
                                     "measured (add labels, or --reference FP32.onnx for agreement/SQNR)");
  }
  const auto items = warnings.items();
  WriteOutput(o.json_path, ToJson(EvalReport{o.model, o.reference, preprocess, r, items}).dump(2) + "\n");
  PrintResult(r, o, preprocess, model->outputs());
  for (const auto& w : items) Log(LogLevel::kWarning, w.message);
}

void RegisterEval(CLI::App& app) {
  auto o = std::make_shared<EvalCliOptions>();
  auto* cmd = app.add_subcommand("eval", "Accuracy on real data: top-1/top-5 with 95% Wilson intervals; with "
                                         "--reference, top-1 agreement, KL, SQNR and cosine vs the fp32 model");
  cmd->add_option("model", o->model, "ONNX file, or zoo:NAME")->required();
  SetPositionalHint(cmd, "give the data with --eval-data");
  AddDatasetFlags(cmd, &o->data, true);
  cmd->add_option("--reference", o->reference, "fp32 reference model (ONNX or zoo:NAME) for agreement/KL/SQNR/cosine");
  // AddCountOption: CLI11 would otherwise wrap a negative --limit/--batch (size_t) to 2^64 - N.
  AddEvalLimitFlag(cmd, &o->limit, "Evaluate at most N samples, a seeded random subset stratified by label (--seed; "
                                    "0 = all)");
  AddCountOption(cmd, "--batch", o->batch, "Samples per run (a fixed-batch model is rewritten to it when possible)");
  AddThreadsFlag(cmd, &o->threads, "ONNX Runtime intra-op threads (0 = ORT default)");
  AddDecodeThreadsFlag(cmd, &o->decode_threads);
  AddProviderFlag(cmd, &o->provider);
  AddJsonFlag(cmd, &o->json_path, "the metrics");
  cmd->callback([o] { RunEval(*o); });
}

}  // namespace

QBENCH_REGISTER_COMMAND(40, RegisterEval);

}  // namespace qbench::cli
