// qbench quantize IN.onnx|zoo:NAME -o OUT.onnx --mode dynamic|static [options]: fp32 → int8 ONNX,
// with the coverage table (what runs in int8 after ORT's optimizations) and sizes on stdout.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/eval/image.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/zoo/zoo.h"

namespace qbench::cli {
namespace {

struct QuantizeCliOptions {
  std::string model, output, mode = "static", activation_type = "u8";
  bool per_channel = false, per_tensor = false, quantize_outputs = false;
  std::string hard_sigmoid = "decompose";
  std::string calibration_data, calibration_method = "percentile", preset, mean, std_dev, layout, report_path;
  std::size_t calibration_size = 100;
  double percentile = 99.999;
  int resize = -1, crop = -1, threads = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> exclude, shapes, dims;
  std::string batch;
};

std::vector<float> ParseFloatList(const std::string& text, const char* flag) {
  std::vector<float> out;
  for (const auto& item : SplitList(text)) {
    try {
      std::size_t pos = 0;
      out.push_back(std::stof(item, &pos));
      if (pos != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument, std::string(flag) + " '" + text + "': '" + item + "' is not a number");
    }
  }
  return out;
}

PreprocessOptions BuildPreprocess(const QuantizeCliOptions& o) {
  PreprocessOptions p = PreprocessOptions::FromPreset(o.preset.empty() ? "imagenet" : o.preset);
  if (o.resize >= 0) p.resize_shorter = o.resize;
  if (o.crop >= 0) p.crop = o.crop;
  if (!o.mean.empty()) p.mean = ParseFloatList(o.mean, "--mean");
  if (!o.std_dev.empty()) p.std = ParseFloatList(o.std_dev, "--std");
  if (!o.layout.empty()) p.layout = o.layout;
  ValidatePreprocessOptions(p);
  return p;
}

void RunQuantize(const QuantizeCliOptions& o) {
  const SchemeInfo& scheme = FindQuantizationScheme(o.mode);
  if (o.per_channel && o.per_tensor)
    throw Error(ErrorCode::kInvalidArgument, "--per-channel and --per-tensor exclude each other; give one");
  QuantizeOptions options;
  options.scheme = scheme.name;
  options.granularity = o.per_channel ? WeightGranularity::kPerChannel
                                      : (o.per_tensor ? WeightGranularity::kPerTensor : WeightGranularity::kDefault);
  options.activation_type = ParseActivationType(o.activation_type);
  options.exclude = o.exclude;
  options.hard_sigmoid = ParseHardSigmoidPolicy(o.hard_sigmoid);
  options.quantize_graph_outputs = o.quantize_outputs;
  options.calibration.method = ParseCalibrationMethod(o.calibration_method);
  options.calibration.percentile = o.percentile;
  options.intra_op_threads = o.threads;
  if (!(o.percentile > 0.0 && o.percentile <= 100.0))
    throw Error(ErrorCode::kInvalidArgument, fmt::format("--percentile {} is out of range; expected (0, 100], e.g. 99.999", o.percentile));
  if (o.calibration_size == 0) throw Error(ErrorCode::kInvalidArgument, "--calibration-size must be >= 1");

  ShapeOverrides overrides;
  for (const auto& f : o.shapes) ParseShapeFlag(f, &overrides);
  for (const auto& f : o.dims) ParseDimFlag(f, &overrides);
  if (!o.batch.empty()) ParseBatchFlag(o.batch, &overrides);

  const Model model = LoadModelOrZoo(o.model);
  overrides = WithZooDefaultDims(model, overrides);  // zoo:NAME: H = W = its nominal size unless given
  if (!model.path.empty() && (o.output == model.path || SameFile(o.output, model.path)))
    throw Error(ErrorCode::kInvalidArgument, "-o '" + o.output + "' is the input model; choose another output path "
                                             "(the input is never modified)");

  WarningList warnings;
  std::unique_ptr<CalibrationDataReader> reader;
  if (scheme.needs_calibration) {
    CalibrationDataSpec spec;
    spec.path = o.calibration_data;
    spec.preprocess = BuildPreprocess(o);
    spec.size = o.calibration_size;
    spec.seed = o.seed;
    spec.shape_overrides = overrides;
    reader = MakeCalibrationDataReader(model, spec, &warnings);
    LogInfo("calibrating with " + std::string(CalibrationMethodName(options.calibration.method)) + " over " + reader->Describe());
  } else if (!o.calibration_data.empty()) {
    warnings.Add("calibration_ignored", "--calibration-data is ignored by --mode " + std::string(scheme.name) +
                                            " (activations are quantized at run time)");
  }
  QuantizeResult result = QuantizeModel(model, options, reader.get(), &warnings);
  LogInfo("analysing the graph ONNX Runtime optimizes");
  result.report.runtime = AnalyzeRuntimeCoverage(result.model, overrides, "extended", o.threads > 0 ? o.threads : 1);
  SaveModel(result.model, o.output);

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
  std::fwrite(out.data(), 1, out.size(), stdout);
  for (const auto& w : warnings.items()) std::fprintf(stderr, "qbench: warning: %s\n", w.message.c_str());
  if (!o.report_path.empty()) {
    nlohmann::json j = nlohmann::json::parse(QuantizeReportToJson(result.report));
    j["model"] = o.model;
    j["files"] = files;
    nlohmann::json w = nlohmann::json::array();
    for (const auto& x : warnings.items()) w.push_back({{"code", x.code}, {"message", x.message}});
    j["warnings"] = w;
    WriteFileAtomic(o.report_path, j.dump(2) + "\n");
  }
}

void RegisterQuantize(CLI::App& app) {
  auto o = std::make_shared<QuantizeCliOptions>();
  std::string modes;
  std::vector<std::string> mode_names;
  for (const auto& s : QuantizationSchemes()) {
    modes += fmt::format("\n  {:<9}{}{}", s.name, s.description, s.needs_calibration ? " [calibrated]" : "");
    mode_names.push_back(s.name);
  }
  std::string methods;
  for (const auto& m : CalibrationMethods()) methods += (methods.empty() ? "" : ", ") + std::string(m.name);
  auto* cmd = app.add_subcommand("quantize", "Quantize an fp32 ONNX model to int8 (dynamic or static QDQ) and report "
                                             "what ONNX Runtime runs in int8");
  cmd->add_option("model", o->model, "fp32 ONNX file, or zoo:NAME")->required();
  cmd->add_option("-o,--output", o->output, "Quantized ONNX file to write (atomically; never the input)")->required();
  cmd->add_option("--mode", o->mode, "Quantization scheme:" + modes)->default_str("static")->check(CLI::IsMember(mode_names));
  cmd->add_flag("--per-channel", o->per_channel, "Every weight per output channel (static default: Conv only)");
  cmd->add_flag("--per-tensor", o->per_tensor, "Every weight per tensor");
  cmd->add_option("--activation-type", o->activation_type, "Static activations: u8 (asymmetric, default) or s8");
  cmd->add_option("--exclude", o->exclude, "Keep nodes fp32: NAME, op:TYPE or re:REGEX (repeatable)")->allow_extra_args(false);
  cmd->add_option("--calibration-data", o->calibration_data,
                  "Static: image folder, labels CSV, .npy file or folder of .npy (none: seeded random input, with a warning)");
  cmd->add_option("--calibration-method", o->calibration_method, "One of: " + methods)->default_str("percentile");
  cmd->add_option("--calibration-size", o->calibration_size, "Calibration samples to use")->default_str("100");
  cmd->add_option("--percentile", o->percentile, "Percentile method: percent of |values| kept")->default_str("99.999");
  cmd->add_option("--preset", o->preset, "Image preprocessing preset for calibration images: imagenet, fashion-mnist");
  cmd->add_option("--resize", o->resize, "Calibration images: shorter side in pixels (0 = no resize)");
  cmd->add_option("--crop", o->crop, "Calibration images: center crop in pixels (0 = none)");
  cmd->add_option("--mean", o->mean, "Calibration images: per-channel mean after /255, e.g. 0.485,0.456,0.406");
  cmd->add_option("--std", o->std_dev, "Calibration images: per-channel std after /255");
  cmd->add_option("--layout", o->layout, "Calibration images: NCHW or NHWC");
  cmd->add_option("--seed", o->seed, "Seed of random calibration input")->default_str("0");
  cmd->add_option("--shape", o->shapes, "Input shape NAME=D0xD1x... for random calibration input and MAC counts")
      ->allow_extra_args(false);
  cmd->add_option("--dim", o->dims, "Value of a symbolic dimension NAME=VALUE (repeatable)")->allow_extra_args(false);
  cmd->add_option("--batch", o->batch, "Batch size for random calibration input and MAC counts");
  cmd->add_option("--threads", o->threads, "ONNX Runtime intra-op threads for calibration (0 = ORT default)");
  cmd->add_option("--report", o->report_path, "Also write the coverage report as JSON to FILE (atomically)");
  cmd->add_option("--hardsigmoid", o->hard_sigmoid,
                  "Static, HardSigmoid (no int8 kernel in ORT): decompose (Mul/Add/Clip in int8, default), qdq (fp32 "
                  "between DQ and Q, ORT's recipe) or float (with the Mul it feeds)")
      ->default_str("decompose");
  cmd->add_flag("--quantize-outputs", o->quantize_outputs,
                "Static: quantize the graph outputs too (lets ORT fuse a final Conv; adds output quantization error)");
  cmd->callback([o] { RunQuantize(*o); });
}

}  // namespace

QBENCH_REGISTER_COMMAND(30, RegisterQuantize);

}  // namespace qbench::cli
