// The one ONNX Runtime environment of the process: telemetry off, ORT's log through qbench's log.
#include "qbench/runtime/ort_env.h"

#include <cstdlib>
#include <mutex>

#include "qbench/core/log.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

// ORT's log lines ("\x1b[0;31m2026-... [E:onnxruntime:qbench, sequential_executor.cc:572 ExecuteKernel]
// Non-zero status code ...\x1b[m") carry colours and source locations; the failures that matter come
// back as exceptions and are mapped by DescribeOrtError. The lines themselves are kept for --verbose.
void RouteOrtLog(void* /*param*/, OrtLoggingLevel severity, const char* /*category*/, const char* /*logid*/,
                 const char* code_location, const char* message) {
  if (GetLogLevel() < LogLevel::kDebug) return;
  static const char* const kLevels[] = {"verbose", "info", "warning", "error", "fatal"};
  const int s = static_cast<int>(severity);
  const char* level = s >= 0 && s < 5 ? kLevels[s] : "?";
  LogDebug(std::string("ONNX Runtime ") + level + ": " + StripOrtDecorations(message ? message : "") +
           (code_location && *code_location ? std::string(" (") + code_location + ")" : std::string()));
}

}  // namespace

void DisableOrtTelemetry() {
  // Read by the pinned ORT (1.30, posix telemetry) when an environment is created: with it set, no
  // uploader, no device id file and no event database (verified by tests/runtime/telemetry_test.cc).
  // Set unconditionally: "nothing leaves the machine" is qbench's promise, not a default to opt out of.
  ::setenv("ORT_DISABLE_TELEMETRY", "1", 1);
}

Ort::Env& OrtEnvironment() {
  static Ort::Env env = [] {
    DisableOrtTelemetry();
    Ort::Env e(ORT_LOGGING_LEVEL_WARNING, "qbench", RouteOrtLog, nullptr);
    e.DisableTelemetryEvents();  // the documented API switch, for builds that honour only it
    return e;
  }();
  return env;
}

}  // namespace qbench
