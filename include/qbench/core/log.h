// qbench/core/log.h — progress and diagnostics on stderr; warnings collected as data.
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace qbench {

enum class LogLevel { kQuiet = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

/// Sets the global stderr verbosity (default kInfo). Thread-safe.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();

/// Writes "[qbench] message" to stderr when `level` is enabled. Never writes to stdout.
void Log(LogLevel level, const std::string& message);
inline void LogInfo(const std::string& m) { Log(LogLevel::kInfo, m); }
inline void LogDebug(const std::string& m) { Log(LogLevel::kDebug, m); }

/// Warnings are data: collected during a command, exported in JSON and printed once at
/// the end by the CLI. `code` is a stable snake_case key (e.g. "high_cv"), `message` says what to try.
struct Warning {
  std::string code;
  std::string message;
};

/// A thread-safe list of warnings. Adding the same (code, message) twice keeps one copy.
class WarningList {
 public:
  void Add(const std::string& code, const std::string& message);
  std::vector<Warning> items() const;
  bool empty() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Warning> items_;
};

}  // namespace qbench
