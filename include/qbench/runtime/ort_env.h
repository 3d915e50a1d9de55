// qbench/runtime/ort_env.h — the process's one ONNX Runtime environment (telemetry off, ORT's log
// routed through qbench's log) and the mapping of ORT's raw error messages to one actionable line.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>

namespace qbench {

/// The Ort::Env every ONNX Runtime session of qbench is created in (ORT keeps one environment per
/// process; a second Ort::Env would share it). Created on the first call, thread-safe; replaced only
/// by UseGlobalThreadPool while no session exists, so do not keep the reference across that call. Before creating it, qbench sets ORT_DISABLE_TELEMETRY=1 in the process environment
/// (unless the user set it) — the switch the pinned ORT 1.30 build reads before it creates its
/// telemetry uploader, device id file and event database under
/// ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ — and then calls DisableTelemetryEvents() on the
/// environment. ORT's own log lines (coloured, with source paths) never reach stderr directly: they
/// go through qbench's log at debug level (shown with --verbose), level WARNING and above.
Ort::Env& OrtEnvironment();

/// Gives the environment ONNX Runtime's global (process-wide) intra-op thread pool of
/// `intra_op_threads` threads (0 = ORT's default, one per physical core; spin-waiting on, inter-op 1),
/// which sessions created with SessionConfig::global_thread_pool share instead of owning one each
/// (docs/measurement.md: with one pool, no idle pool spins while another session runs). ORT sizes
/// that pool when it creates the environment, so a different size means a new environment: that is
/// done only while no OrtRunner exists (LiveOrtSessions() == 0). Returns true when the environment
/// has a global pool of that size afterwards, false when it has another one (or none) and sessions
/// still exist. Sessions without global_thread_pool keep their own pools in either environment.
bool UseGlobalThreadPool(int intra_op_threads);

/// Threads of the environment's global intra-op pool as requested (0 = ORT's default), or -1 when
/// it has none (the default, and before the environment exists).
int GlobalThreadPoolThreads();

/// An intra-op thread count in words, for logs and results ("with 2 intra-op threads"): "1 intra-op
/// thread", "N intra-op threads"; 0 (not set) is what it means, "ONNX Runtime's default intra-op
/// threads (one per physical core)". Negative counts are refused earlier (SessionConfig).
std::string IntraOpThreadsText(int intra_op_threads);

/// OrtRunner sessions alive in this process.
int LiveOrtSessions();

namespace internal {
/// OrtRunner's constructor and destructor count themselves (+1 / −1) here.
void CountOrtSession(int delta);
}  // namespace internal

/// Sets ORT_DISABLE_TELEMETRY=1 unless already set. Idempotent and cheap; OrtEnvironment() calls it.
/// Call it before anything else touches the ONNX Runtime API (Ort::GetApi, Ort::GetAvailableProviders).
void DisableOrtTelemetry();

}  // namespace qbench
