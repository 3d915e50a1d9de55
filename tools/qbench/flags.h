// tools/qbench/flags.h — the CLI's one vocabulary: every flag group that several subcommands share is
// defined once here (threads/provider, model shapes, batch sweeps, quantization scheme, calibration,
// evaluation data and limit, JSON output), with the deprecated spellings kept as hidden aliases. The dataset and preprocessing
// group is in dataset_flags.h. The vocabulary is documented in README.md ("Flags").
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "command.h"
#include "qbench/eval/sensitivity.h"
#include "qbench/model/shapes.h"

namespace qbench::cli {

/// Adds `old_name` (e.g. "--intra-op-threads") to `cmd` as a hidden, deprecated spelling of
/// `canonical`: when used it prints, once per process, "[qbench] warning: --X is deprecated; use --Y"
/// on stderr and hands its values to `canonical`, so they pass the same checks, land in the same
/// variable, and count as `canonical` given (canonical->count() > 0). Returns the alias option.
CLI::Option* AddDeprecatedAlias(CLI::App* cmd, CLI::Option* canonical, const std::string& old_name);

// --- threads / execution provider --------------------------------------------------------------
/// --threads N: ONNX Runtime intra-op threads (a count >= 0; 0 = ONNX Runtime's default). The
/// deprecated spelling --intra-op-threads is an alias of it.
CLI::Option* AddThreadsFlag(CLI::App* cmd, int* threads, const std::string& help);
/// --threads LIST: a sweep of intra-op thread counts (the lab); same name and alias as above.
CLI::Option* AddThreadsSweepFlag(CLI::App* cmd, std::string* threads, const std::string& help);
/// --provider NAME: the execution provider (default cpu).
CLI::Option* AddProviderFlag(CLI::App* cmd, std::string* provider);
/// --decode-threads N: image decoding threads beside inference (a count >= 0; 0 = min(4, cores)).
CLI::Option* AddDecodeThreadsFlag(CLI::App* cmd, int* threads);

// --- model shapes ----------------------------------------------------------------------------
/// --shape NAME=D0xD1x... and --dim NAME=VALUE, both repeatable.
struct ShapeFlags {
  std::vector<std::string> shapes, dims;
};
/// Adds --shape and --dim; `purpose` ends their help ("for random calibration input and MAC counts").
void AddShapeFlags(CLI::App* cmd, ShapeFlags* flags, const std::string& purpose);
/// The ShapeOverrides of the flags (--shape first, then --dim); batch unset. Throws
/// Error(kInvalidArgument) naming the flag for a malformed value (ParseShapeFlag / ParseDimFlag).
ShapeOverrides ParseShapeFlags(const ShapeFlags& flags);

/// The batch sizes of a `--batch` sweep, in the lab's syntax (ParseSweepAxis: "8", "1,2,4,8",
/// "1-16*2", "1-8+1"); every value >= 1. Throws Error(kInvalidArgument) quoting the value.
std::vector<std::int64_t> ParseBatchSweep(const std::string& text);

// --- quantization scheme -----------------------------------------------------------------------
/// --mode NAME: a scheme of the scheme table (scheme.h; help lists each with its description,
/// anything else is a usage error), default "static"; --activation-type u8|s8 ("" = the scheme's
/// default). Returns the --mode option (count() says whether it was given).
CLI::Option* AddSchemeFlags(CLI::App* cmd, std::string* mode, std::string* activation_type);

// --- calibration -------------------------------------------------------------------------------
/// --calibration-data PATH (when `with_data`), --calibration-size N (default
/// kDefaultCalibrationSize, the same in every subcommand) and --calibration-method M.
struct CalibrationFlags {
  std::string data;
  std::size_t size;
  std::string method = "percentile";
  CalibrationFlags();
};
void AddCalibrationFlags(CLI::App* cmd, CalibrationFlags* flags, bool with_data, const std::string& data_help = "");

/// --weight-range auto|full|reduced|u8 (WeightRangeNames, WeightRangeHelp: qbench/quantization/weight_range.h),
/// default "auto"; `help_suffix` is appended to the shared help (what it applies to in this subcommand).
CLI::Option* AddWeightRangeFlag(CLI::App* cmd, std::string* weight_range, const std::string& help_suffix);

// --- verification of quantized models ---------------------------------------------------------
/// --no-verify and --strict (docs/verification.md): whether a quantized model is run in ONNX Runtime
/// and compared with fp32 before it is used, and whether a collapse that the automatic fp32 fallback
/// cannot fix refuses the model.
struct VerifyFlags {
  bool no_verify = false, strict = false;
};
/// Adds --no-verify and --strict; `strict_help` says what a refused model means in this subcommand.
void AddVerifyFlags(CLI::App* cmd, VerifyFlags* flags, const std::string& strict_help);

// --- evaluation samples ----------------------------------------------------------------------
/// --eval-data PATH: the evaluation set (as in `qbench eval`); `help` says what it is for.
CLI::Option* AddEvalDataFlag(CLI::App* cmd, std::string* path, const std::string& help);
/// --eval-limit N: at most N evaluation samples (a count >= 0), with the deprecated spelling --limit
/// (eval's and sensitivity's old name) as an alias.
template <typename T>
CLI::Option* AddEvalLimitFlag(CLI::App* cmd, T* limit, const std::string& help);

// --- fp32 fallback ----------------------------------------------------------------------------
/// --fallback-top K and --max-drop P (docs/eval.md): keep the K most sensitive layers fp32, or as few
/// as bring the drop, 100 x (1 - top-1 agreement with fp32), to at most P percentage points. Their
/// values are checked by ParseFallbackFlags, so every subcommand refuses them in the same words.
struct FallbackFlagOptions {
  CLI::Option* top = nullptr;       ///< count() > 0: --fallback-top given
  CLI::Option* max_drop = nullptr;  ///< count() > 0: --max-drop given
};
FallbackFlagOptions AddFallbackFlags(CLI::App* cmd, long long* top, double* max_drop, const std::string& top_help,
                                     const std::string& max_drop_help);
/// The criteria the flags ask for (neither given: fallback_top 0 and max_drop_points -1, no fallback).
/// Throws Error(kInvalidArgument) quoting the value for both given, K < 1, or P outside [0, 100].
FallbackCriteria ParseFallbackFlags(long long top, bool top_given, double max_drop, bool max_drop_given);

// --- outputs ---------------------------------------------------------------------------------
/// --json FILE: also write the results as JSON to FILE, atomically; "-" writes them to stdout (the
/// human-readable table then goes to stderr, so stdout holds one JSON document).
CLI::Option* AddJsonFlag(CLI::App* cmd, std::string* path, const std::string& what);
/// True when `path` is "-" (stdout).
inline bool IsStdout(const std::string& path) { return path == "-"; }
/// Writes `text` to `path` atomically, or to stdout when `path` is "-"; "" writes nothing.
void WriteOutput(const std::string& path, const std::string& text);
/// Where the human-readable results go: stderr when --json is "-", else stdout.
std::FILE* TableStream(const std::string& json_path);

// --- template definitions ------------------------------------------------------------------
template <typename T>
CLI::Option* AddEvalLimitFlag(CLI::App* cmd, T* limit, const std::string& help) {
  auto* opt = AddCountOption(cmd, "--eval-limit", *limit, help);
  AddDeprecatedAlias(cmd, opt, "--limit");
  return opt;
}
}  // namespace qbench::cli
