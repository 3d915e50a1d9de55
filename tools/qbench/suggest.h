// tools/qbench/suggest.h — "did you mean …" for a mistyped flag or subcommand.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "qbench/core/text.h"

namespace qbench::cli {

// EditDistance and ClosestMatch: qbench/core/text.h (the library's "unknown value" messages use them too).
using qbench::ClosestMatch;
using qbench::EditDistance;

/// A CLI11 check that a flag's value is one of `names`; otherwise the message "unknown value 'dynamc'; did
/// you mean 'dynamic'? (one of: dynamic, static, fp16)" (ClosestMatch), which CLI11 prefixes with the flag.
CLI::Validator OneOf(const std::vector<std::string>& names);

/// The deepest subcommand the parsed command line selected (`app` itself when none).
CLI::App* SelectedCommand(CLI::App* app);

/// "qbench zoo export" for that subcommand.
std::string CommandPath(const CLI::App* cmd);

/// For a long flag that `cmd` lacks but a sibling subcommand has: when `cmd` has the same flag under a
/// longer or shorter prefix (lab's --auto-max-drop for quantize's --max-drop, and back), "; did you mean
/// '--auto-max-drop'? (quantize's --max-drop is lab's --auto-max-drop)"; otherwise "; '--labels' is an
/// option of `qbench eval`, not of `qbench lab`". "" when no sibling has it. Built from the option tables.
std::string OtherCommandsSpelling(const CLI::App* cmd, const std::string& flag);

/// Registers what a word left over after `cmd`'s positionals most likely was, said in its parse error:
/// `qbench quantize m.onnx out.onnx` → "unexpected argument 'out.onnx' for `qbench quantize`: give the
/// output with -o (see ...)", where CLI11 would say "--output is required".
void SetPositionalHint(const CLI::App* cmd, const std::string& hint);

/// The one-line message for a parse error of the command line: for an unknown flag or subcommand,
/// "unknown option '--thread' for `qbench lab`; did you mean '--threads'? (see `qbench lab --help`)";
/// for a flag given more times than it takes, "'--mode' was given 2 times; give it once"; for any other
/// CLI11 error, its text; each with "(see `qbench SUB --help`)". `app` is the root app
/// after a failed parse (CLI11 keeps what it parsed: the selected subcommands, the unparsed words).
std::string ParseErrorMessage(CLI::App* app, const CLI::ParseError& error);

}  // namespace qbench::cli
