// qbench quantize IN.onnx|zoo:NAME -o OUT.onnx --mode SCHEME [options] (the scheme table, scheme.h): fp32 → int8 or fp16 ONNX,
// with the coverage table (what runs in int8 after ORT's optimizations) and sizes on stdout.
// --fallback-top K / --max-drop P keep the most sensitive layers fp32 (quantize_fallback.h) and
// report the fidelity reached and the latency it costs.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "command.h"
#include "dataset_flags.h"
#include "flags.h"
#include "suggest.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/data/image.h"
#include "qbench/eval/eval_report.h"
#include "qbench/eval/sensitivity_quantizer.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/runner.h"
#include "qbench/quantization/bias_correction.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/quantization/verify.h"
#include "qbench/zoo/zoo.h"
#include "quantize_auto.h"
#include "quantize_fallback.h"
#include "quantize_options.h"

namespace qbench::cli {

const std::vector<ModeOnlyFlag>& ModeOnlyFlags() {
  static const std::vector<ModeOnlyFlag> flags = {
      {"--weight-range", [](const SchemeInfo& s) { return IsIntegerPrecision(s.weight_precision); }},
      {"--hardsigmoid", [](const SchemeInfo& s) { return s.needs_calibration; }},
      {"--quantize-outputs", [](const SchemeInfo& s) { return s.needs_calibration; }},
  };
  return flags;
}

void CheckModeFlags(const QuantizeCliOptions& o, const SchemeInfo& scheme) {
  for (const std::string& given : o.mode_flags_given) {
    for (const ModeOnlyFlag& f : ModeOnlyFlags()) {
      if (given != f.name || f.applies(scheme)) continue;
      std::string modes;
      for (const SchemeInfo& s : QuantizationSchemes())
        if (f.applies(s)) modes += (modes.empty() ? "" : ", ") + std::string(s.name);
      throw Error(ErrorCode::kInvalidArgument, given + " applies to --mode " + modes + ", not --mode " + scheme.name +
                                                   "; drop it");
    }
  }
  if (!o.auto_only_flags_given.empty()) {
    std::string names;
    for (const auto& f : o.auto_only_flags_given) names += (names.empty() ? "" : ", ") + f;
    throw Error(ErrorCode::kInvalidArgument, names + (o.auto_only_flags_given.size() == 1 ? " is" : " are") +
                                                 " used only with --auto; add --auto or drop " +
                                                 (o.auto_only_flags_given.size() == 1 ? "it" : "them"));
  }
}

void CheckCalibrationFlags(const QuantizeCliOptions& o) {
  if (!(o.percentile > 0.0 && o.percentile <= 100.0))
    throw Error(ErrorCode::kInvalidArgument, fmt::format("--percentile {} is out of range; expected (0, 100], e.g. 99.999", o.percentile));
  if (o.calib.size == 0) throw Error(ErrorCode::kInvalidArgument, "--calibration-size must be >= 1");
}

// --exclude values split at commas ("conv1,op:Gemm,#12"); an item starting with "re:" runs to the end
// of the value, since a regular expression may itself hold commas ("conv1,re:^fc{1,2}").
std::vector<std::string> SplitExcludes(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t pos = 0;
    while (true) {
      if (v.compare(pos, 3, "re:") == 0) {
        out.push_back(v.substr(pos));
        break;
      }
      const std::size_t comma = v.find(',', pos);
      const std::string item = v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (item.empty() && v.size() > 0) {
        throw Error(ErrorCode::kInvalidArgument, "--exclude '" + v + "' has an empty item; separate node names, "
                                                 "op:TYPE, #INDEX or re:REGEX with single commas");
      }
      out.push_back(item);  // an empty --exclude '' is refused by the quantizer, naming the flag
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return out;
}

namespace {

// Checks the fallback flags before any work; returns the criteria (both 0/-1: no fallback).
FallbackCriteria ValidateFallbackFlags(const QuantizeCliOptions& o) {
  const FallbackCriteria c = ParseFallbackFlags(o.fallback_top, o.fallback_top_given, o.max_drop, o.max_drop_given);
  if (o.eval_limit < 1) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("--eval-limit {}: expected a number of samples >= 1", o.eval_limit));
  }
  return c;
}

// The dataset the fallback search evaluates on: --eval-data, else the calibration data, with the
// same preprocessing flags (the preset defaults to what that data implies, as in `qbench eval`).
std::unique_ptr<Dataset> OpenEvalData(const QuantizeCliOptions& o) {
  DatasetFlags flags;
  flags.spec.path = o.eval_data.empty() ? o.calib.data : o.eval_data;
  if (flags.spec.path.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "--fallback-top / --max-drop measure fidelity against fp32 on real samples: "
                                             "give --eval-data PATH (or --calibration-data PATH, then used for both)");
  }
  static_cast<PreprocessFlags&>(flags) = o.pre;
  DatasetSpec spec = BuildDatasetSpec(flags);
  spec.limit = static_cast<std::size_t>(o.eval_limit);
  spec.seed = o.seed;
  return OpenDataset(spec);
}

// Warnings in first-seen order without repeats (lazy calibration may open the data more than once).
std::vector<Warning> UniqueWarnings(const WarningList& warnings) {
  std::vector<Warning> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& w : warnings.items()) {
    if (seen.insert({w.code, w.message}).second) out.push_back(w);
  }
  return out;
}

// Verifies `result` against `model` on the calibration samples (random inputs when there are none,
// and for dynamic mode), keeps collapsing tensors fp32 through `requantize`, and writes -o (verify.h).
void VerifyAndWrite(const Model& model, const QuantizeCliOptions& o, const ShapeOverrides& shapes, CalibrationDataSpec spec,
                    const RequantizeFn& requantize, QuantizeResult* result, VerificationReport* verification,
                    WarningList* warnings) {
  VerifyOptions vo;
  vo.enabled = !o.verify.no_verify;
  vo.strict = o.verify.strict;
  vo.session.intra_op_threads = o.threads;
  if (const char* fault = std::getenv("QBENCH_TEST_INJECT_FAULT"); fault && *fault) vo.inject_fault_node = fault;
  VerificationData data;
  if (vo.enabled) {
    spec.shape_overrides = shapes;
    spec.seed = o.seed;
    spec.size = std::min<std::size_t>(spec.size == 0 ? vo.max_samples : spec.size, vo.max_samples);
    WarningList scratch;
    auto reader = MakeCalibrationDataReader(model, spec, &scratch);
    data = ReadVerificationData(*reader, vo.max_samples);
    LogInfo("verifying the quantized model in ONNX Runtime on " + std::to_string(data.feeds.size()) + " batch(es) of " +
            data.description);
  }
  VerifiedQuantization v = VerifyAndSave(model, std::move(*result), requantize, data, o.output, vo);
  *result = std::move(v.result);
  *verification = std::move(v.verification);
  if (!verification->kept_fp32.empty()) {
    std::string nodes;
    const std::size_t n = verification->kept_fp32.size();
    for (std::size_t i = 0; i < n && i < 5; ++i) nodes += (i ? ", " : "") + verification->kept_fp32[i].node;
    if (n > 5) nodes += fmt::format(" and {} more (see the verification section)", n - 5);
    warnings->Add("verification_fallback", "verification kept " + std::to_string(verification->kept_fp32.size()) +
                                               " node(s) fp32 because an output collapsed: " + nodes);
  }
  if (verification->collapsed) {
    warnings->Add("verification_collapse", "the quantized model's fidelity collapsed (" + CollapsedOutputsText(*verification) +
                                               "); written anyway (--strict refuses it)");
  }
}


// -o, --json (and --auto's --plot) are files of their own, none of them an input.
void CheckQuantizeOutputs(const QuantizeCliOptions& o) {
  CheckOutputs({{"-o", o.output}, {"--json", o.json_path}, {"--plot", o.auto_mode ? o.plot : ""}},
               {{"the input model", o.model}, {"--calibration-data", o.calib.data}, {"--eval-data", o.eval_data}});
}

void RunQuantize(const QuantizeCliOptions& o) {
  if (o.auto_mode) {
    AutoCliRequest request = AutoRequestFromFlags(o);
    CheckQuantizeOutputs(o);
    const Model model = LoadModelOrZoo(o.model);
    CheckQuantizable(model, FindQuantizationScheme("static"));
    // zoo:NAME: H = W = its nominal size unless given
    request.options.calibration.shape_overrides = WithZooDefaultDims(model, request.options.calibration.shape_overrides);
    RunQuantizeAuto(model, request);
    return;
  }
  const SchemeInfo& scheme = FindQuantizationScheme(o.mode);
  CheckModeFlags(o, scheme);
  if (o.per_channel && o.per_tensor)
    throw Error(ErrorCode::kInvalidArgument, "--per-channel and --per-tensor exclude each other; give one");
  const FallbackCriteria criteria = ValidateFallbackFlags(o);
  const bool fallback = criteria.fallback_top > 0 || criteria.max_drop_points >= 0;
  QuantizeOptions options;
  options.scheme = scheme.name;
  options.granularity = o.per_channel ? WeightGranularity::kPerChannel
                                      : (o.per_tensor ? WeightGranularity::kPerTensor : WeightGranularity::kDefault);
  if (!o.activation_type.empty() && scheme.activation_types.empty())
    throw Error(ErrorCode::kInvalidArgument, std::string("--activation-type does not apply to --mode ") + scheme.name + ": its activations are " +
                                                 PrecisionName(scheme.activation_precision) + ", not quantized; drop the flag");
  if (!o.activation_type.empty()) options.activation_type = ParseActivationType(o.activation_type);
  else if (!scheme.activation_types.empty()) options.activation_type = scheme.activation_types.front();
  options.exclude = SplitExcludes(o.exclude);
  options.hard_sigmoid = ParseHardSigmoidPolicy(o.hard_sigmoid);
  options.equalize = ParseCrossLayerEqualization(o.equalize);
  options.bias_correction = o.bias_correction;
  if (fallback && options.RewritesWeights())
    throw Error(ErrorCode::kInvalidArgument, "--equalize/--bias-correction do not combine with --max-drop/--fallback-top "
                                             "(the fallback re-quantizes from saved ranges); use --auto, which measures them "
                                             "as candidates");
  options.weight_range = ParseWeightRange(o.weight_range);
  options.quantize_graph_outputs = o.quantize_outputs;
  options.calibration.method = ParseCalibrationMethod(o.calib.method);
  options.calibration.percentile = o.percentile;
  options.intra_op_threads = o.threads;
  CheckCalibrationFlags(o);

  ShapeOverrides overrides = ParseShapeFlags(o.shape);
  if (!o.batch.empty()) ParseBatchFlag(o.batch, &overrides);

  // Output folders are checked before any work, so a typo does not cost a whole calibration.
  CheckQuantizeOutputs(o);
  const Model model = LoadModelOrZoo(o.model);
  // Already quantized, opset out of range, an old opset upgraded (ORT has no kernels for many ops
  // below opset 7), then ORT's version limits: said first, before any calibration data is opened
  // (the same checks, in the same order, QuantizeModel makes). `reference` is the fp32 model ORT
  // runs next to the quantized one; QuantizeModel gets the original (its node names by index).
  const Model reference = UpgradeForQuantization(model, scheme);
  overrides = WithZooDefaultDims(model, overrides);  // zoo:NAME: H = W = its nominal size unless given

  // ONNX Runtime must load the input (calibration, verification and the output all need it): its
  // refusal is the error, in one line, before any progress line.
  {
    SessionConfig check;
    check.graph_optimization = "disable";
    check.intra_op_threads = 1;
    OrtRunner::Create(reference, check);
  }

  WarningList warnings;
  if (const std::string note = DescribeBatchPolicy(model.Inputs(), overrides.batch); !note.empty())
    warnings.Add("batch_not_applied", note);
  if (!fallback && o.eval_flags_given) {
    warnings.Add("eval_flags_ignored", "--eval-data and --eval-limit are used only with --fallback-top or --max-drop; "
                                       "ignored");
  }
  CalibrationDataSpec spec;
  if (scheme.needs_calibration) {
    spec.path = o.calib.data;
    spec.preprocess = BuildPreprocessOptions(o.pre, o.calib.data);
    spec.size = o.calib.size;
    spec.seed = o.seed;
    spec.shape_overrides = overrides;
    if (overrides.batch > 0) spec.batch_size = static_cast<std::size_t>(overrides.batch);  // --batch: samples per run
  } else if (!o.calib.data.empty() && !(fallback && o.eval_data.empty())) {
    warnings.Add("calibration_ignored", "--calibration-data is ignored by --mode " + std::string(scheme.name) +
                                            (scheme.ActivationsQuantizedAtRunTime()
                                                 ? " (activations are quantized at run time)"
                                                 : std::string(" (its activations are ") + PrecisionName(scheme.activation_precision) +
                                                       ", not quantized)"));
  }
  QuantizeResult result;
  VerificationReport verification;
  RequantizeFn requantize;
  WarningList scratch;  // warnings of re-quantizing and of reading the verification data, already reported once
  FallbackSearch search;
  LatencyComparison latency;
  Model fallback_source;                               // what the fallback rounds quantize (outlives the quantizer)
  std::vector<std::vector<HostTensor>> bias_batches;   // --bias-correction samples for those rounds
  std::unique_ptr<SensitivityQuantizer> fallback_quantizer;
  if (fallback) {
    const auto eval_data = OpenEvalData(o);
    fallback_quantizer = std::make_unique<SensitivityQuantizer>(model, options, spec, &warnings);
    SensitivityQuantizer& quantizer = *fallback_quantizer;
    SensitivityOptions so;
    so.eval.limit = static_cast<std::size_t>(o.eval_limit);
    so.session.intra_op_threads = o.threads;
    so.progress = [](std::size_t done, std::size_t total, const LayerSensitivity& s) {
      LogInfo(fmt::format("  {}/{} {}: SQNR {:.2f} dB, drop {:.2f} points", done, total,
                          s.layer.name.empty() ? "(configuration)" : s.layer.name, s.sqnr_db, s.drop_points));
    };
    search = SearchFallback(reference, quantizer, *eval_data, criteria, so);
    const FallbackStep& chosen = search.plan.steps[search.chosen];
    if (!search.target_met) {
      warnings.Add("fallback_target_not_met",
                   fmt::format("--max-drop {:g}: not met even with every layer fp32; wrote the configuration with the "
                               "smallest drop ({:.2f} points, {} layer(s) fp32)", criteria.max_drop_points,
                               chosen.result.drop_points, chosen.keep_float.size()));
    }
    if (criteria.max_drop_points >= 0 && !std::isfinite(search.plan.steps.front().result.agreement)) {
      warnings.Add("fallback_no_class_scores", "--max-drop measures top-1 agreement, which needs class scores; this "
                                               "model's outputs have none, so every drop reads 0: use --fallback-top K");
    }
    result = quantizer.QuantizeWithReport(chosen.keep_float, &warnings);
    requantize = [&, keep_base = chosen.keep_float](const std::vector<std::string>& keep) {
      std::vector<std::string> all = keep_base;
      all.insert(all.end(), keep.begin(), keep.end());
      return fallback_quantizer->QuantizeWithReport(all, &scratch);
    };
    VerifyAndWrite(reference, o, overrides, spec, requantize, &result, &verification, &warnings);
    ShapeOverrides latency_shapes = overrides;
    latency_shapes.batch = 0;  // batch 1 where dim 0 is dynamic, the file's batch where it is fixed
    if (chosen.keep_float.empty()) {
      latency = CompareLatency(reference, result.model, nullptr, latency_shapes, o.threads);
    } else {
      const Model full = quantizer.Quantize({});
      latency = CompareLatency(reference, full, &result.model, latency_shapes, o.threads);
    }
    if (latency.fp32.hit_cap || latency.quantized.hit_cap || latency.fallback.hit_cap)
      warnings.Add("fallback_latency_noisy", FallbackLatencyNoisyMessage(latency));
  } else {
    std::unique_ptr<CalibrationDataReader> reader;
    if (scheme.needs_calibration) {
      reader = MakeCalibrationDataReader(model, spec, &warnings);
      LogInfo("calibrating with " + std::string(CalibrationMethodName(options.calibration.method)) + " over " +
              reader->Describe());
    }
    result = QuantizeModel(model, options, reader.get(), &warnings);
    // Fallback rounds re-quantize through a SensitivityQuantizer: each tensor is calibrated once. With
    // --equalize it quantizes the equalized model; with --bias-correction each round is corrected too.
    requantize = [&](const std::vector<std::string>& keep) {
      if (!fallback_quantizer) {
        QuantizeOptions plain = options;
        plain.equalize = CrossLayerEqualization::kOff;
        plain.bias_correction = false;
        EqualizeOptions eo;
        eo.relu6_as_relu = options.equalize == CrossLayerEqualization::kRelu6AsRelu;
        std::vector<std::string> actions;
        fallback_source = options.equalize != CrossLayerEqualization::kOff ? EqualizeCrossLayer(model, eo)
                                                                         : PrepareModelForQuantization(model, &actions);
        fallback_quantizer = std::make_unique<SensitivityQuantizer>(fallback_source, plain, spec, &scratch);
      }
      QuantizeResult q = fallback_quantizer->QuantizeWithReport(keep, &scratch);
      if (options.bias_correction) {
        if (bias_batches.empty()) {
          auto r = MakeCalibrationDataReader(model, spec, &scratch);
          std::vector<HostTensor> feeds;
          while (r->Next(&feeds)) bias_batches.push_back(feeds);
        }
        BiasCorrectionOptions bo;
        bo.intra_op_threads = options.intra_op_threads;
        CorrectBias(fallback_source, &q.model, bias_batches, bo);
      }
      return q;
    };
    VerifyAndWrite(reference, o, overrides, spec, requantize, &result, &verification, &warnings);
  }
  LogInfo("analysing the graph ONNX Runtime optimizes");
  result.report.runtime = AnalyzeRuntimeCoverage(result.model, overrides, "extended", o.threads > 0 ? o.threads : 1);

  std::string out = fmt::format("model: {} -> {}\n", o.model, o.output);
  out += FormatQuantizeReport(result.report);
  const std::uint64_t out_bytes = FileSizeBytes(o.output);
  nlohmann::json files = {{"output", o.output}, {"output_file_size_bytes", out_bytes}};
  if (!model.path.empty()) {
    const std::uint64_t in_bytes = FileSizeBytes(model.path);
    out += fmt::format("file size: {} bytes -> {} bytes ({:.3f}x)\n", in_bytes, out_bytes,
                       in_bytes ? static_cast<double>(out_bytes) / in_bytes : 0.0);
    files["input_file_size_bytes"] = in_bytes;
  } else {
    out += fmt::format("file size: {} bytes\n", out_bytes);
  }
  const bool eval_on_calibration = o.eval_data.empty();
  if (fallback) {
    out += FormatFallback(search, latency,
                          eval_on_calibration ? "; the calibration data: pass --eval-data for held-out samples" : "");
  }
  out += FormatVerification(verification);
  std::fwrite(out.data(), 1, out.size(), TableStream(o.json_path));
  const std::vector<Warning> unique_warnings = UniqueWarnings(warnings);
  for (const auto& w : unique_warnings) std::fprintf(stderr, "[qbench] warning: %s [%s]\n", w.message.c_str(), w.code.c_str());
  if (!o.json_path.empty()) {
    nlohmann::json j = nlohmann::json::parse(QuantizeReportToJson(result.report));
    j["model"] = o.model;
    j["files"] = files;
    if (fallback) j["fallback"] = ToJson(FallbackReport{search, latency, eval_on_calibration});
    j["verification"] = VerificationToJson(verification);
    nlohmann::json w = nlohmann::json::array();
    for (const auto& x : unique_warnings) w.push_back({{"code", x.code}, {"message", x.message}});
    j["warnings"] = w;
    WriteOutput(o.json_path, j.dump(2) + "\n");
  }
}

void RegisterQuantize(CLI::App& app) {
  auto o = std::make_shared<QuantizeCliOptions>();
  auto* cmd = app.add_subcommand("quantize", "Quantize an fp32 ONNX model by one scheme of --mode and report what "
                                             "ONNX Runtime runs in the scheme's precision");
  cmd->add_option("model", o->model, "fp32 ONNX file, or zoo:NAME")->required();
  cmd->add_option("-o,--output", o->output, "Quantized ONNX file to write (atomically; never the input)")->required();
  SetPositionalHint(cmd, "give the output with -o (e.g. -o OUT.onnx)");
  auto* mode_opt = AddSchemeFlags(cmd, &o->mode, &o->activation_type);
  cmd->add_flag("--per-channel", o->per_channel, "Every weight per output channel (static default: Conv only)");
  cmd->add_flag("--per-tensor", o->per_tensor, "Every weight per tensor");
  cmd->add_option("--equalize", o->equalize,
                  "Static: cross-layer equalization before calibration (Nagel et al. 2019): off (default), relu (exact: "
                  "Conv pairs joined by nothing/Relu), relu6 (also ReLU6 pairs, whose Clip becomes Relu: changes the model)");
  cmd->add_flag("--bias-correction", o->bias_correction,
                "Static: shift each quantized Conv/Gemm bias by the mean output error measured on the calibration samples");
  AddWeightRangeFlag(cmd, &o->weight_range, "");
  cmd->add_option("--exclude", o->exclude,
                  "Keep nodes fp32: NAME, #INDEX (an unnamed node, its index in the input graph as inspect and "
                  "sensitivity show it), op:TYPE or re:REGEX; repeatable and comma-separated (conv1,op:Gemm; a re: "
                  "item runs to the end of the value)")
      ->allow_extra_args(false);
  AddCalibrationFlags(cmd, &o->calib, true,
                      "Static: image folder, labels CSV, .npy file or folder of .npy (none: seeded random input, with "
                      "a warning)");
  cmd->add_option("--percentile", o->percentile, "Percentile method: percent of |values| kept")->default_str("99.999");
  AddPreprocessFlags(cmd, &o->pre, "Calibration/evaluation images");
  cmd->add_option("--seed", o->seed, "Seed of random calibration input")
      ->check(NumericValue())
      ->check(NonNegativeValue())
      ->default_str("0");
  AddShapeFlags(cmd, &o->shape, "for random calibration input and MAC counts");
  cmd->add_option("--batch", o->batch, "Calibration samples per run (stacked along each input's batch dimension) and "
                                       "the batch of MAC counts; inputs without a batch dimension keep their shapes");
  AddThreadsFlag(cmd, &o->threads,
                                 "ONNX Runtime intra-op threads for calibration and the fallback's latency comparison "
                                 "(0 = ORT default)");
  auto* json = AddJsonFlag(cmd, &o->json_path, "the coverage report");
  AddDeprecatedAlias(cmd, json, "--report");
  cmd->add_option("--hardsigmoid", o->hard_sigmoid,
                  "Static, HardSigmoid (no int8 kernel in ORT): decompose (Mul/Add/Clip in int8, default), qdq (fp32 "
                  "between DQ and Q, ORT's recipe) or float (with the Mul it feeds)")
      ->default_str("decompose");
  cmd->add_flag("--quantize-outputs", o->quantize_outputs,
                "Static: quantize the graph outputs too (lets ORT fuse a final Conv; adds output quantization error)");
  const FallbackFlagOptions fallback = AddFallbackFlags(
      cmd, &o->fallback_top, &o->max_drop,
      "Keep the K layers most sensitive to quantization in fp32 (ranked as `qbench sensitivity` does, on --eval-data), "
      "and report the fidelity and latency cost",
      "Keep the most sensitive layers fp32, one at a time, until the drop is <= P percentage points, drop = 100 x (1 - "
      "top-1 agreement with fp32) on --eval-data; if even every layer fp32 misses it, the smallest-drop model is "
      "written with a warning (exit 0)");
  auto* eval_data = AddEvalDataFlag(cmd, &o->eval_data,
                                    "Fallback: samples to measure fidelity on (as in `qbench eval`; default: "
                                    "the calibration data)");
  auto* eval_limit = AddEvalLimitFlag(cmd, &o->eval_limit, "Fallback: evaluation samples (default 100)");
  AddVerifyFlags(cmd, &o->verify, "Exit 1 (nothing written) when an output still collapses after the automatic fp32 fallback");
  cmd->add_flag("--auto", o->auto_mode,
                "Search static int8 configurations (calibration method, u8/s8 activations, per-channel, HardSigmoid, "
                "fp32 islands) for the fastest model within --max-drop (default 1 point of top-1 agreement, on "
                "--eval-data or the calibration data's other samples) whose speedup CI over fp32 lies above 1 at "
                "--batch; none: the fp32 model is written unchanged (docs/auto.md)");
  const std::vector<CLI::Option*> auto_only = {
      cmd->add_option("--time-budget", o->time_budget, "--auto: seconds the search may take (default 300; 0 = no limit)")
          ->check(NumericValue()),
      cmd->add_flag("--keep-best", o->keep_best, "--auto: after Ctrl-C, write the best model measured so far (default: nothing)"),
      cmd->add_option("--plot", o->plot, "--auto: the Pareto PNG (accuracy vs latency; default OUT.pareto.png)")};
  cmd->callback([o, fallback, eval_data, eval_limit, mode_opt, auto_only, cmd] {
    for (const CLI::Option* a : auto_only)
      if (a->count() > 0) o->auto_only_flags_given.push_back(a->get_name());
    for (const ModeOnlyFlag& f : ModeOnlyFlags())
      if (cmd->get_option(f.name)->count() > 0) o->mode_flags_given.push_back(f.name);
    o->mode_given = mode_opt->count() > 0;
    o->fallback_top_given = fallback.top->count() > 0;
    o->max_drop_given = fallback.max_drop->count() > 0;
    o->eval_flags_given = eval_data->count() + eval_limit->count() > 0;
    RunQuantize(*o);
  });
}

}  // namespace

QBENCH_REGISTER_COMMAND(30, RegisterQuantize);

}  // namespace qbench::cli
