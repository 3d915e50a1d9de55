// qbench/runtime/ort_env.h — the process's one ONNX Runtime environment (telemetry off, ORT's log
// routed through qbench's log) and the mapping of ORT's raw error messages to one actionable line.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>

namespace qbench {

/// The Ort::Env every ONNX Runtime session of qbench is created in (ORT keeps one environment per
/// process; a second Ort::Env would share it). Created on the first call, thread-safe, never freed
/// before exit. Before creating it, qbench sets ORT_DISABLE_TELEMETRY=1 in the process environment
/// (unless the user set it) — the switch the pinned ORT 1.30 build reads before it creates its
/// telemetry uploader, device id file and event database under
/// ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ — and then calls DisableTelemetryEvents() on the
/// environment. ORT's own log lines (coloured, with source paths) never reach stderr directly: they
/// go through qbench's log at debug level (shown with --verbose), level WARNING and above.
Ort::Env& OrtEnvironment();

/// Sets ORT_DISABLE_TELEMETRY=1 unless already set. Idempotent and cheap; OrtEnvironment() calls it.
/// Call it before anything else touches the ONNX Runtime API (Ort::GetApi, Ort::GetAvailableProviders).
void DisableOrtTelemetry();

}  // namespace qbench
