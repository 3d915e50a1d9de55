// The one ONNX Runtime environment of the process: telemetry off, ORT's log through qbench's log.
#include "qbench/runtime/ort_env.h"

#include <atomic>
#include <cstdlib>
#include <memory>
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
  // uploader, no device id file and no event database (verified by tests/runtime/telemetry_cli_test.cc).
  // Set unconditionally: "nothing leaves the machine" is qbench's promise, not a default to opt out of.
  ::setenv("ORT_DISABLE_TELEMETRY", "1", 1);
}

namespace {

struct EnvState {
  std::mutex mutex;
  std::unique_ptr<Ort::Env> env;
  int global_pool_threads = -1;  // -1: the environment has no global thread pools
  std::atomic<int> live_sessions{0};
};

EnvState& State() {
  static EnvState* state = new EnvState;  // never destroyed: sessions may outlive static destructors
  return *state;
}

// Creates the environment (under state.mutex): per-session thread pools only when `global_threads`
// is -1, else ORT's global intra-op pool of that many threads (0 = ORT's default), spinning on.
void CreateEnvLocked(EnvState& state, int global_threads) {
  DisableOrtTelemetry();
  if (global_threads < 0) {
    state.env = std::make_unique<Ort::Env>(ORT_LOGGING_LEVEL_WARNING, "qbench", RouteOrtLog, nullptr);
  } else {
    Ort::ThreadingOptions tp;
    tp.SetGlobalIntraOpNumThreads(global_threads);
    tp.SetGlobalInterOpNumThreads(1);
    // One pool serves every session that uses it: a worker that spins after a run waits for the
    // next run of the same pool and never competes with another session's workers.
    tp.SetGlobalSpinControl(1);
    state.env = std::make_unique<Ort::Env>(tp, RouteOrtLog, nullptr, ORT_LOGGING_LEVEL_WARNING, "qbench");
  }
  state.env->DisableTelemetryEvents();  // the documented API switch, for builds that honour only it
  state.global_pool_threads = global_threads;
}

}  // namespace

Ort::Env& OrtEnvironment() {
  EnvState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (!state.env) CreateEnvLocked(state, -1);
  return *state.env;
}

bool UseGlobalThreadPool(int intra_op_threads) {
  EnvState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.env && state.global_pool_threads == intra_op_threads) return true;
  if (state.env && state.live_sessions.load() > 0) return false;
  state.env.reset();  // ORT frees its environment when the last handle goes, so a new one can be made
  CreateEnvLocked(state, intra_op_threads);
  return true;
}

int GlobalThreadPoolThreads() {
  EnvState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  return state.env ? state.global_pool_threads : -1;
}

int LiveOrtSessions() { return State().live_sessions.load(); }

namespace internal {
void CountOrtSession(int delta) { State().live_sessions += delta; }
}  // namespace internal

std::string IntraOpThreadsText(int intra_op_threads) {
  if (intra_op_threads <= 0) return "ONNX Runtime's default intra-op threads (one per physical core)";
  return std::to_string(intra_op_threads) + (intra_op_threads == 1 ? " intra-op thread" : " intra-op threads");
}

}  // namespace qbench
