// qbench/report/plots.h — the lab's plots as PNG files, drawn with PLplot's cairo driver ("pngcairo").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "qbench/lab/results.h"

namespace qbench {

/// One plot file written into the output folder.
struct PlotFile {
  std::string path;       ///< relative to the output folder, e.g. "plots/latency_resnet18.png"
  std::string title;      ///< what it shows (used as the image's alt text in report.md)
};

/// Draws every plot the study has data for, into `output_dir`/plots/ (created):
///  Legends sit right of the plot area, which shrinks to fit them; the left margin follows the widest
///  y tick label so the axis title never overlaps it.
///  - latency_<model>.png: median latency vs batch size, one line per variant, error bars = the
///    confidence interval of the median (first input size of the model and first thread count); the
///    axis label gives its level: "95 % CI" only when every plotted point's median_ci_level reaches
///    it, else the lowest level and k (e.g. "bars: 75 % CI, k = 3": the [min, max] of 3 runs);
///  - size.png: file size per model and variant (grouped bars, MB);
///  - latency_vs_size.png: median latency at the smallest batch vs file size, every model variant (log-log);
///  - speedup.png: speedup vs the baseline over the batch sizes at each model's first input size, one
///    line per model × variant (and thread count when several were swept), with the 1.0x line and
///    the 95 % CI of each speedup as error bars; speedup_size<N>.png the same at each model's N-th
///    input size when several were swept;
///  - threads_<model>.png: median latency (CI bars) vs intra-op threads per variant at the smallest
///    batch, when several thread counts were swept (thread scaling);
///  - accuracy_vs_latency.png: top-1 vs latency, when accuracy was measured;
///  - roofline_<variant>.png: achieved MAC/s vs arithmetic intensity of each profiled op type of that
///    variant (colour = kind of op, e.g. "conv depthwise 3x3"; symbol = model) under the fp32 and int8
///    roofs, when roofline peaks and profiles exist.
/// Plots without data are skipped; PNG files already in plots/ (an earlier study) are removed first.
/// `stop` (optional) is asked before each plot: once it returns true, the plots drawn so far are
/// returned and no other is drawn.
/// PLplot is not thread-safe: do not call concurrently.
/// Throws Error(kIo) when the folder cannot be created, Error(kRuntime) when PLplot cannot open the
/// pngcairo device.
std::vector<PlotFile> WriteStudyPlots(const LabStudy& study, const std::string& output_dir,
                                      const std::function<bool()>& stop = nullptr);

/// False when qbench was built with -DQBENCH_PLOTS=OFF (no PLplot): WriteStudyPlots then draws nothing.
bool PlotsBuiltIn();

/// The "## Plots" section of report.md: one image line per plot; with `built_in` false one line
/// saying that this build draws no plots and where the numbers are; "" when there are no plots to show.
std::string PlotsSection(const std::vector<PlotFile>& plots, bool built_in);

}  // namespace qbench
