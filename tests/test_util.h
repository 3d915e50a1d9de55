// tests/test_util.h — helpers shared by the test binaries.
#pragma once

#include <string>

namespace qbench::testing {

/// Absolute path of ../shared (QBENCH_SHARED_DIR); "" when it is absent.
std::string SharedDir();
/// SharedDir() + "/" + rel, or "" when ../shared or that file is absent.
std::string SharedPath(const std::string& rel);
/// A fresh temporary directory, removed at process exit.
std::string TempDir();
/// Path of the built qbench CLI.
std::string CliPath();

/// Runs a shell command; returns its exit status and captures stdout/stderr.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::string& command);

}  // namespace qbench::testing

/// Skips the current test, saying why, when a ../shared file is missing.
#define QBENCH_REQUIRE_SHARED(var, rel)                                                   \
  const std::string var = ::qbench::testing::SharedPath(rel);                          \
  if (var.empty()) GTEST_SKIP() << "../shared/" << rel << " is absent (a user's clone has no ../shared); skipped"
