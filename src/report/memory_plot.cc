// plots/memory.png: the lab's memory per model variant as grouped bars (memory_report.h). Drawn with
// PLplot; not built with -DQBENCH_PLOTS=OFF (plots_off.cc).
#include <plplot/plplot.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qbench/report/analysis.h"
#include "qbench/report/memory_report.h"
#include "report/plot_layout.h"

namespace qbench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace

bool MemoryPlot(const LabStudy& study, const std::string& path, std::string* title) {
  const auto models = StudyModels(study);
  const auto variants = StudyVariants(study);
  double ymax = 0;
  std::int64_t batch = 0;
  for (const auto& m : models)
    for (const auto& v : variants) {
      const PointResult* p = ReferencePoint(study, m, v);
      if (!p || p->memory_method != "isolated" || p->peak_rss_bytes <= 0) continue;
      ymax = std::max(ymax, p->peak_rss_bytes / kMiB);
      batch = p->point.batch;
    }
  if (ymax <= 0) return false;
  *title = fmt::format("memory of each variant measured alone (batch {}): peak RSS, session memory darker", batch);
  static const int kRgb[][3] = {{0, 114, 178}, {213, 94, 0}, {0, 158, 115}, {204, 121, 167}, {230, 159, 0}, {86, 180, 233}};
  plsdev("pngcairo");
  plsfnam(path.c_str());
  plsetopt("geometry", "1100x650");
  plscolbg(255, 255, 255);
  plscmap0n(16);
  plscol0(0, 255, 255, 255);
  plscol0(1, 0, 0, 0);
  for (int i = 0; i < 6; ++i) {
    plscol0(2 + i, kRgb[i][0], kRgb[i][1], kRgb[i][2]);  // the variant's colour
    plscol0(8 + i, kRgb[i][0] * 3 / 5, kRgb[i][1] * 3 / 5, kRgb[i][2] * 3 / 5);  // its weights, darker
  }
  plinit();
  pladv(0);
  plschr(0, 0.8);
  // The plot ends where the legend's longest label still fits before the page's right edge.
  std::vector<std::string> legend;
  for (const auto& v : variants) legend.push_back(VariantLegend(study, v));
  const double right = plot_layout::PlotRightBeforeLegend(legend, plot_layout::kLabelCharPx, 1100, 0.80);
  plvpor(0.10, right, 0.16, 0.88);
  const double n = static_cast<double>(std::max<std::size_t>(models.size(), 1));
  plwind(0, n, 0, ymax * 1.18);
  plcol0(1);
  plbox("bc", 0, 0, "bcnstv", 0, 0);
  // Model names under their groups, placed against the viewport's bottom edge (plptex below y = 0
  // would fall outside the window and be clipped).
  for (std::size_t i = 0; i < models.size(); ++i) plmtex("b", 1.6, (static_cast<double>(i) + 0.5) / n, 0.5, models[i].c_str());
  pllab("", "memory (MiB = 2^20 bytes)", title->c_str());
  const double bar_w = 0.8 / static_cast<double>(std::max<std::size_t>(variants.size(), 1));
  plschr(0, 0.65);
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    for (std::size_t mi = 0; mi < models.size(); ++mi) {
      const PointResult* p = ReferencePoint(study, models[mi], variants[vi]);
      if (!p || p->memory_method != "isolated" || p->peak_rss_bytes <= 0) continue;
      const double x0 = mi + 0.1 + vi * bar_w, x1 = x0 + bar_w * 0.92, h = p->peak_rss_bytes / kMiB;
      const double w = std::clamp(p->session_memory_bytes / kMiB, 0.0, h);
      PLFLT xs[4] = {x0, x0, x1, x1}, ys[4] = {0, h, h, 0}, ws[4] = {0, w, w, 0};
      plcol0(2 + static_cast<int>(vi % 6));
      plfill(4, xs, ys);
      plcol0(8 + static_cast<int>(vi % 6));
      plfill(4, xs, ws);
      plcol0(1);
      plline(4, xs, ys);
      plptex((x0 + x1) / 2, h + ymax * 0.03, 1, 0, 0.5, fmt::format("{:.0f}", h).c_str());
    }
  }
  // Legend: one line per variant, right of the plot, in page pixels from the plot's edge.
  const double legend_x0 = right + 0.01;
  plvpor(legend_x0, 1.0, 0.16, 0.88);
  plwind(0, (1.0 - legend_x0) * 1100, 0, 1);
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    const double y = 0.95 - 0.07 * static_cast<double>(vi);
    PLFLT xs[4] = {2, 2, plot_layout::kSwatchPx, plot_layout::kSwatchPx}, ys[4] = {y - 0.02, y + 0.02, y + 0.02, y - 0.02};
    plcol0(2 + static_cast<int>(vi % 6));
    plfill(4, xs, ys);
    plcol0(1);
    plptex(plot_layout::kSwatchPx + 8, y, 1, 0, 0, legend[vi].c_str());
  }
  plend();
  return true;
}

}  // namespace qbench
