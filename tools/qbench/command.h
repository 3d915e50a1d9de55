// tools/qbench/command.h — how a subcommand plugs into the CLI (the CLI only: parse, call, map errors).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace qbench::cli {

/// Exit codes (docs/architecture.md, tools/qbench row): 0 ok, 1 failure, 2 usage.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// A subcommand adds itself to the app; its callback may set the process exit code through
/// SetExitCode (e.g. a lab whose points partly failed). Errors are thrown as qbench::Error.
using RegisterFn = std::function<void(CLI::App& app)>;

/// Registers a subcommand at static-initialisation time; `order` sorts them in --help.
bool RegisterCommand(int order, RegisterFn fn);
void SetExitCode(int code);
int ExitCode();

/// Parses "a,b,c" into items; empty items are dropped.
std::vector<std::string> SplitList(const std::string& s, char sep = ',');

/// Parses the value of `flag` as a list "a,b,c" where every item must be there: an empty value,
/// an empty item ("1,,2") or a trailing separator ("1,2,") throws Error(kInvalidArgument) naming
/// the flag and the value, with `example` (e.g. "--batch 1,2,4,8") as the fix. (tools/qbench/command.cc)
std::vector<std::string> SplitListStrict(const std::string& value, const std::string& flag,
                                         const std::string& example, char sep = ',');

/// Checks, before any work, that `path` (the value of output flag `flag`, e.g. "--json") can be
/// written: it is not a directory, its folder exists and is writable. An empty path is not
/// requested and passes, as does "--json -" (stdout). A trial file is created and removed in the
/// folder (CanCreateFileIn). An existing file is replaced only when it is of the flag's kind
/// (ExistingFileOfAnotherKind). Throws Error(kInvalidArgument) naming the flag, the path and the
/// folder or the kind. (tools/qbench/command.cc)
void CheckOutputPath(const std::string& flag, const std::string& path);

/// What the existing regular file at `path` is, when it is not what output flag `flag` writes, so
/// writing would destroy another file (a model given to --json by a slip): "not a JSON file" for
/// --json (it must parse as JSON), "not a text file (it holds binary data)" for --csv/--md (a NUL
/// byte in the first 64 KiB), "not a PNG image" for --plot (PNG signature). "" when the file does
/// not exist, is empty or unreadable, is of the flag's kind, or the flag writes models (-o, --output).
std::string ExistingFileOfAnotherKind(const std::string& flag, const std::string& path);


/// A CLI11 check for numeric options: refuses an empty value ("--repetitions ''"), which CLI11
/// would otherwise read as 0, with "the value is empty; expected a number", and a value that is not
/// a number at all ("abc") with "'abc' is not a number". (tools/qbench/command.cc)
const CLI::Validator& NumericValue();

/// A command-line file: the flag that names it ("-o", "--json", "the model") and its path.
struct PathFlag {
  std::string flag, path;
};

/// Checks every output with CheckOutputPath, then that no output is the same file as another
/// output or as an input (the same path after normalization, or the same inode when both exist):
/// "--json 'm.onnx' is also the model: choose another path (qbench never overwrites its inputs)".
/// Empty paths and "-" (stdout) are skipped. Throws Error(kInvalidArgument) (exit 2) before any
/// work. (tools/qbench/command.cc)
void CheckOutputs(const std::vector<PathFlag>& outputs, const std::vector<PathFlag>& inputs);

/// A CLI11 check: the number is >= 0 ("-1 is negative; expected 0 or more"). For unsigned options,
/// which CLI11 would otherwise wrap (-1 → 18446744073709551615), and counts. (tools/qbench/command.cc)
const CLI::Validator& NonNegativeValue();

/// Adds an option holding a count or size (threads, samples, batch, seed): a number, >= 0. One place
/// for the two checks above, so no unsigned option can wrap a negative value.
template <typename T>
CLI::Option* AddCountOption(CLI::App* cmd, const std::string& name, T& value, const std::string& help) {
  return cmd->add_option(name, value, help)->check(NumericValue())->check(NonNegativeValue());
}

}  // namespace qbench::cli

#define QBENCH_CONCAT_INNER(a, b) a##b
#define QBENCH_CONCAT(a, b) QBENCH_CONCAT_INNER(a, b)
/// Usage at namespace scope in a cmd_*.cc file: QBENCH_REGISTER_COMMAND(20, RegisterBench);
#define QBENCH_REGISTER_COMMAND(order, fn) \
  static const bool QBENCH_CONCAT(qbench_registered_, __LINE__) = ::qbench::cli::RegisterCommand(order, fn)
