// qbench/benchmark/memory.h — process memory probes from Linux /proc (process-wide, not per session).
#pragma once

#include <cstdint>

namespace qbench {

/// Current resident set size (VmRSS in /proc/self/status), in bytes; -1 when unavailable (not Linux).
std::int64_t ReadRssBytes();

/// Peak resident set size (VmHWM in /proc/self/status), in bytes; -1 when unavailable.
std::int64_t ReadPeakRssBytes();

/// Resets the peak (VmHWM) to the current RSS by writing "5" to /proc/self/clear_refs (Linux ≥ 4.0,
/// see proc(5)). Returns false when the kernel refuses; the peak then covers the whole process life.
bool ResetPeakRss();

}  // namespace qbench
