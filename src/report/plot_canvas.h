// src/report/plot_canvas.h — drawing primitives of the report's PLplot figures (not public API):
// one PNG page, axes with custom log/linear ticks whose labels never collide with the axis title, a
// legend that fits inside the page, palette and symbols.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/plot_layout.h"

namespace qbench::plot_internal {

int Color(int i);
const char* Symbol(int i);

/// One PNG page: opens the pngcairo device on construction, closes it on destruction.
class Page {
 public:
  Page(const std::string& path, int width, int height);
  ~Page();
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;
};

struct Range {
  double lo = 1e300, hi = -1e300;
  void Add(double v);
  bool valid() const { return lo <= hi; }
  /// Pads the range (in the plotted coordinate) by `frac` of its span on each side.
  Range Padded(double frac) const;
};

double L10(double v);

struct LegendItem {
  std::string text;
  int color = 1;
  const char* symbol = "●";
  bool line = true;
  int line_style = 1;  ///< PLplot pllsty 1–8 (1 solid, 2 short dashes, …)
};

using Ticks = std::vector<std::pair<double, std::string>>;

/// Labels for a log10 axis spanning [lo, hi] (world coordinates are log10 values).
Ticks LogTicks(double lo, double hi);
/// 1-2-5 labels for a linear axis spanning [lo, hi], 4 to 10 of them.
Ticks LinearTicks(double lo, double hi);

/// Axes box with a light grid; log_x / log_y: world coordinates are log10 values. `x_ticks`:
/// custom labels at the given world x positions. The layout (plot_layout::ComputePlotLayout) is
/// computed from the y tick labels and the texts of the legend to be drawn (`legend_labels`):
/// the y title never overlaps the tick labels, the legend fits on the page (right of the plot, or
/// below it when wide). Returns that layout; DrawLegend places the legend by it.
plot_layout::PlotLayout DrawAxes(const Range& x, const Range& y, bool log_x, bool log_y, const std::string& xlabel,
                                 const std::string& ylabel, const std::string& title, Ticks x_ticks = {},
                                 const std::vector<std::string>& legend_labels = {});
/// The legend where the last DrawAxes' layout put it (right of the plot or below it, in columns).
void DrawLegend(const std::vector<LegendItem>& items);
/// Labels of points at world (x[i], y[i]) in the last DrawAxes' plot, at size 0.7, placed by
/// plot_layout::PlaceLabels so that no two overlap (a label moved off its point gets a leader line).
/// `bars`: vertical error bars (world x, lo, hi) the labels keep off.
struct ErrorBar {
  double x = 0, lo = 0, hi = 0;
};
void DrawPointLabels(const std::vector<double>& x, const std::vector<double>& y, const std::vector<std::string>& texts,
                     const std::vector<ErrorBar>& bars = {});
/// World coordinates of the last DrawAxes' plot ↔ page pixels (y from the top).
double PxOfX(double world_x);
double PxOfY(double world_y);
double XOfPx(double px);
double YOfPx(double px);
/// The points (symbol) and, with `line`, the line through them in PLplot line style `line_style` (1–8).
void Polyline(const std::vector<double>& x, const std::vector<double>& y, int color, const char* symbol, bool line = true,
              int line_style = 1);
/// Vertical error bars from lo to hi at x, in `color`.
void ErrorBars(const std::vector<double>& x, const std::vector<double>& lo, const std::vector<double>& hi, int color);
std::string SafeName(const std::string& s);

}  // namespace qbench::plot_internal
