// qbench/core/cancel.h — cooperative cancellation (Ctrl-C): one process-wide flag that every long loop
// polls (evaluation, calibration, timing, roofline peaks, memory probes), so that an interrupt is
// honoured within about a second wherever the program is.
#pragma once

#include <string>

#include "qbench/core/error.h"

namespace qbench {

/// Thrown by ThrowIfCancelled. Its code is kRuntime; callers that record failures (the lab) check
/// CancelRequested() (or catch this type) so that an interrupted step is not recorded as a failure.
class Cancelled : public Error {
 public:
  explicit Cancelled(const std::string& what) : Error(ErrorCode::kRuntime, "interrupted (Ctrl-C) while " + what) {}
};

/// Sets the flag. Async-signal-safe (a lock-free atomic store): call it from a SIGINT handler.
void RequestCancel() noexcept;

/// True once RequestCancel was called (until ResetCancel). Cheap (one relaxed atomic load).
bool CancelRequested() noexcept;

/// Clears the flag (a new run in the same process, tests).
void ResetCancel() noexcept;

/// Throws Cancelled("<what>") when the flag is set; `what` names the step, e.g. "evaluating accuracy".
void ThrowIfCancelled(const char* what);

}  // namespace qbench
