// tools/qbench/command.h — how a subcommand plugs into the CLI (the CLI only: parse, call, map errors).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace qbench::cli {

/// Exit codes (STYLE.md): 0 ok, 1 failure, 2 usage.
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

}  // namespace qbench::cli

#define QBENCH_CONCAT_INNER(a, b) a##b
#define QBENCH_CONCAT(a, b) QBENCH_CONCAT_INNER(a, b)
/// Usage at namespace scope in a cmd_*.cc file: QBENCH_REGISTER_COMMAND(20, RegisterBench);
#define QBENCH_REGISTER_COMMAND(order, fn) \
  static const bool QBENCH_CONCAT(qbench_registered_, __LINE__) = ::qbench::cli::RegisterCommand(order, fn)
