// src/report/plot_canvas.h — drawing primitives of the report's PLplot figures (not public API):
// one PNG page, axes with custom log/linear ticks whose labels never collide with the axis title, a
// legend that fits inside the page, palette and symbols.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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
};

using Ticks = std::vector<std::pair<double, std::string>>;

/// Labels for a log10 axis spanning [lo, hi] (world coordinates are log10 values).
Ticks LogTicks(double lo, double hi);
/// 1-2-5 labels for a linear axis spanning [lo, hi], 4 to 10 of them.
Ticks LinearTicks(double lo, double hi);

/// Right edge of the plot area (fraction of the page) that leaves room for a legend of these
/// labels on a page `width` pixels wide.
double RightEdge(const std::vector<std::string>& labels, int width = 1100);

/// Axes box with a light grid; log_x / log_y: world coordinates are log10 values. `x_ticks`:
/// custom labels at the given world x positions. The left margin and the y title's distance
/// follow the widest y tick label, so they never overlap.
void DrawAxes(const Range& x, const Range& y, bool log_x, bool log_y, const std::string& xlabel, const std::string& ylabel,
              const std::string& title, Ticks x_ticks = {}, double right = 0.74);
/// A legend outside the plot area, on the right.
void DrawLegend(const std::vector<LegendItem>& items);
void Polyline(const std::vector<double>& x, const std::vector<double>& y, int color, const char* symbol, bool line = true);
/// Vertical error bars from lo to hi at x, in `color`.
void ErrorBars(const std::vector<double>& x, const std::vector<double>& lo, const std::vector<double>& hi, int color);
std::string SafeName(const std::string& s);
std::int64_t FirstOf(const nlohmann::json& config, const char* key, std::int64_t def);

}  // namespace qbench::plot_internal
