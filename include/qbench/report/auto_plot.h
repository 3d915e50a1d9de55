// qbench/report/auto_plot.h — the Pareto figure of `qbench quantize --auto`: accuracy against latency.
#pragma once

#include <string>

#include "qbench/lab/auto_quantize.h"

namespace qbench {

/// Writes a PNG (PLplot, pngcairo) of every timed candidate and fp32: x = median latency (ms) at the
/// search's batch, y = top-1 agreement with fp32 (%) with its Wilson 95 % interval as a bar (SQNR in
/// dB when the model has no class scores), the --max-drop line, the chosen point marked. Written to
/// a temporary file beside `path` and renamed. Returns false (nothing written) when no candidate was
/// timed, and always in a build with -DQBENCH_PLOTS=OFF (PlotsBuiltIn). Throws Error(kIo) when the file cannot be written.
bool WriteAutoParetoPlot(const AutoQuantizeResult& result, const std::string& path);

}  // namespace qbench
