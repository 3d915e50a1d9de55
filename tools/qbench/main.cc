// qbench — quantize ONNX models and measure what quantization buys.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "command.h"
#include "qbench/benchmark/memory_probe.h"
#include "suggest.h"
#include "qbench/core/build_info.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"

namespace qbench::cli {
namespace {
std::vector<std::pair<int, RegisterFn>>& Registry() {
  static std::vector<std::pair<int, RegisterFn>> r;
  return r;
}
int g_exit_code = kExitOk;
}  // namespace

bool RegisterCommand(int order, RegisterFn fn) {
  Registry().emplace_back(order, std::move(fn));
  return true;
}
void SetExitCode(int code) { g_exit_code = code; }
int ExitCode() { return g_exit_code; }

std::vector<std::string> SplitList(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace qbench::cli

namespace qbench::cli {
int RunMemoryProbeChild(const char* request_json);  // memory_probe_child.cc
}  // namespace qbench::cli

int main(int argc, char** argv) {
  using namespace qbench;
  // The isolated memory probe's child (benchmark/memory_probe.h): hidden, not a user command.
  if (argc == 3 && std::string(argv[1]) == kMemoryProbeCommand) return cli::RunMemoryProbeChild(argv[2]);
  CLI::App app{"qbench: quantize ONNX models fp32 -> int8 and measure, honestly, what it buys "
               "(size, latency, memory, accuracy).\nResults go to stdout, progress and logs to stderr."};
  app.set_version_flag("--version", std::string("qbench ") + QbenchVersion() + " (" + QbenchGitCommit() + ")");
  app.require_subcommand(1);
  app.fallthrough();  // the global -q/-v also after the subcommand: `qbench inspect m.onnx -v`
  bool quiet = false, verbose = false;
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");
  app.add_flag("-v,--verbose", verbose, "Debug logging on stderr");
  app.parse_complete_callback([&] {
    if (quiet) SetLogLevel(LogLevel::kWarning);
    if (verbose) SetLogLevel(LogLevel::kDebug);
  });
  auto& reg = cli::Registry();
  std::stable_sort(reg.begin(), reg.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& r : reg) r.second(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, "did you mean …" for a typo, and the subcommand's help (suggest.h).
    std::fprintf(stderr, "qbench: error: %s\n", cli::ParseErrorMessage(&app, e).c_str());
    return cli::kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "qbench: error: %s\n", e.what());
    return e.code() == ErrorCode::kInvalidArgument ? cli::kExitUsage : cli::kExitFailure;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "qbench: error: out of memory\n");
    return cli::kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qbench: error: %s\n", e.what());
    return cli::kExitFailure;
  }
  return cli::ExitCode();
}
