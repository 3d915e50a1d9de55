// The CLI's shared flag groups (flags.h): one definition per concept, used by every subcommand.
#include "flags.h"

#include <fmt/format.h>

#include <cmath>
#include <mutex>
#include <set>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/lab/sweep.h"
#include "qbench/quantization/scheme.h"
#include "qbench/quantization/weight_range.h"
#include "suggest.h"

namespace qbench::cli {

CLI::Option* AddDeprecatedAlias(CLI::App* cmd, CLI::Option* canonical, const std::string& old_name) {
  const std::string new_name = canonical->get_name();
  auto* alias = cmd->add_option(
      old_name,
      [canonical, old_name, new_name](const CLI::results_t& values) {
        static std::mutex mu;
        static std::set<std::string> warned;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (warned.insert(old_name).second) Log(LogLevel::kWarning, old_name + " is deprecated; use " + new_name);
        }
        for (const auto& v : values) canonical->add_result(v);
        return true;
      },
      "deprecated spelling of " + new_name);
  alias->type_size(canonical->get_type_size_min(), canonical->get_type_size_max());
  alias->expected(canonical->get_expected_min(), canonical->get_expected_max());
  alias->allow_extra_args(canonical->get_allow_extra_args());
  alias->group("");  // hidden from --help
  // Handed over while parsing, so the canonical option runs its checks and callback as if given.
  alias->trigger_on_parse();
  return alias;
}

CLI::Option* AddThreadsFlag(CLI::App* cmd, int* threads, const std::string& help) {
  auto* opt = AddCountOption(cmd, "--threads", *threads, help);
  AddDeprecatedAlias(cmd, opt, "--intra-op-threads");  // bench's and quantize's old spelling
  return opt;
}

CLI::Option* AddThreadsSweepFlag(CLI::App* cmd, std::string* threads, const std::string& help) {
  auto* opt = cmd->add_option("--threads", *threads, help);
  AddDeprecatedAlias(cmd, opt, "--intra-op-threads");
  return opt;
}

CLI::Option* AddProviderFlag(CLI::App* cmd, std::string* provider) {
  return cmd->add_option("--provider", *provider,
                         "Execution provider (default cpu); one compiled into ONNX Runtime but unusable here (its "
                         "library or device missing) is refused, listing the usable ones")
      ->default_str("cpu");
}

CLI::Option* AddDecodeThreadsFlag(CLI::App* cmd, int* threads) {
  return AddCountOption(cmd, "--decode-threads", *threads, "Image decoding threads (0 = min(4, cores))");
}

void AddShapeFlags(CLI::App* cmd, ShapeFlags* flags, const std::string& purpose) {
  // allow_extra_args(false): each flag takes one value, so a model path after it stays a model.
  cmd->add_option("--shape", flags->shapes,
                  "Input shape NAME=D0xD1x... (repeatable), e.g. data=1x3x224x224" + (purpose.empty() ? "" : ", " + purpose))
      ->allow_extra_args(false);
  cmd->add_option("--dim", flags->dims, "Value of a symbolic dimension NAME=VALUE (repeatable), e.g. seq=128")
      ->allow_extra_args(false);
}

ShapeOverrides ParseShapeFlags(const ShapeFlags& flags) { return ParseShapeAndDimFlags(flags.shapes, flags.dims); }

std::vector<std::int64_t> ParseBatchSweep(const std::string& text) {
  SplitListStrict(text, "--batch", "--batch 8, --batch 1,2,4,8 or --batch 1-16*2");  // "" and "1,,2" named as such
  return ParseSweepAxis("--batch", text).values;
}

CLI::Option* AddSchemeFlags(CLI::App* cmd, std::string* mode, std::string* activation_type) {
  std::string modes;
  std::vector<std::string> names;
  for (const auto& s : QuantizationSchemes()) {
    modes += fmt::format("\n  {:<9}{}{}", s.name, s.description, s.needs_calibration ? " [calibrated]" : "");
    names.push_back(s.name);
  }
  auto* opt = cmd->add_option("--mode", *mode, "Quantization scheme:" + modes)->default_str("static")->check(cli::OneOf(names));
  cmd->add_option("--activation-type", *activation_type,
                  "Integer activations: u8 (asymmetric, default) or s8, as the --mode accepts");
  return opt;
}

CalibrationFlags::CalibrationFlags() : size(kDefaultCalibrationSize) {}

void AddCalibrationFlags(CLI::App* cmd, CalibrationFlags* flags, bool with_data, const std::string& data_help) {
  if (with_data) {
    cmd->add_option("--calibration-data", flags->data,
                    data_help.empty() ? "Calibration data: image folder, labels CSV, .npy file or folder of .npy "
                                        "(none: seeded random input, with a warning)"
                                      : data_help);
  }
  std::string methods;
  for (const auto& m : CalibrationMethods()) methods += (methods.empty() ? "" : ", ") + std::string(m.name);
  AddCountOption(cmd, "--calibration-size", flags->size,
                 "Calibration samples (default " + std::to_string(kDefaultCalibrationSize) +
                     "), a seeded random subset of the calibration data (stratified by label where it has labels)");
  cmd->add_option("--calibration-method", flags->method, "One of: " + methods + " (default percentile)");
}

CLI::Option* AddWeightRangeFlag(CLI::App* cmd, std::string* weight_range, const std::string& help_suffix) {
  return cmd->add_option("--weight-range", *weight_range, std::string(WeightRangeHelp()) + help_suffix)
      ->default_str(WeightRangeName(WeightRange::kAuto))
      ->check(cli::OneOf(WeightRangeNames()));
}

void AddVerifyFlags(CLI::App* cmd, VerifyFlags* flags, const std::string& strict_help) {
  cmd->add_flag("--no-verify", flags->no_verify,
                "Use the quantized model without running it in ONNX Runtime and comparing it with fp32 "
                "(docs/verification.md)");
  cmd->add_flag("--strict", flags->strict, strict_help);
}

CLI::Option* AddEvalDataFlag(CLI::App* cmd, std::string* path, const std::string& help) {
  return cmd->add_option("--eval-data", *path, help);
}

FallbackFlagOptions AddFallbackFlags(CLI::App* cmd, long long* top, double* max_drop, const std::string& top_help,
                                     const std::string& max_drop_help) {
  FallbackFlagOptions o;
  o.top = cmd->add_option("--fallback-top", *top, top_help);
  o.max_drop = cmd->add_option("--max-drop", *max_drop, max_drop_help);
  return o;
}

FallbackCriteria ParseFallbackFlags(long long top, bool top_given, double max_drop, bool max_drop_given) {
  FallbackCriteria c;
  if (top_given && max_drop_given) {
    throw Error(ErrorCode::kInvalidArgument, "--fallback-top and --max-drop exclude each other: --fallback-top K keeps "
                                             "exactly the K most sensitive layers fp32, --max-drop P as few as reach "
                                             "the target; give one");
  }
  if (top_given) {
    if (top < 1) {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("--fallback-top {}: expected a number of layers >= 1 (the K "
                                                           "most sensitive layers are kept fp32)", top));
    }
    c.fallback_top = static_cast<std::size_t>(top);
  }
  if (max_drop_given) {
    if (!(std::isfinite(max_drop) && max_drop >= 0 && max_drop <= 100)) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("--max-drop {:g}: expected percentage points of top-1 agreement with fp32 in [0, 100] "
                              "(e.g. 1 = at most 1 % of the samples may change their top-1 class)", max_drop));
    }
    c.max_drop_points = max_drop;
  }
  return c;
}

CLI::Option* AddJsonFlag(CLI::App* cmd, std::string* path, const std::string& what) {
  return cmd->add_option("--json", *path,
                         "Also write " + what + " as JSON to FILE (atomically); - writes the JSON to stdout and the "
                         "table to stderr");
}

void WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  if (IsStdout(path)) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  WriteFileAtomic(path, text);
}

std::FILE* TableStream(const std::string& json_path) { return IsStdout(json_path) ? stderr : stdout; }

}  // namespace qbench::cli
