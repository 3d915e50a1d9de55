// qbench/report/memory_report.h — the lab's memory per model variant: a report.md section and a
// plot of fp32 vs int8 memory, from the isolated measurements of each point (benchmark/memory_probe.h).
#pragma once

#include <string>

#include "qbench/lab/results.h"

namespace qbench {

/// "## Memory per variant": for each model and variant at its reference point (ReferencePoint: the
/// smallest batch, first input size and thread count), the weights (initializer bytes), the session
/// memory (RSS growth over session creation), the arena peak and the
/// peak RSS (MiB = 2^20 bytes), and the peak RSS relative to the baseline's; then how they were
/// measured (isolated in a child process, or process-wide for points whose probe failed or that come
/// from an older results file). "" when no point has memory figures.
std::string MemoryMarkdown(const LabStudy& study);

/// Draws plots/memory.png into `path`: grouped bars per model, one per variant, whose height is the
/// peak RSS measured alone and whose darker inner bar is the session memory (MiB), at the
/// reference point. Returns false (and draws nothing) when no point was measured in isolation.
/// `title` receives the plot's title. PLplot is not thread-safe.
bool MemoryPlot(const LabStudy& study, const std::string& path, std::string* title);

}  // namespace qbench
