#include "report/plot_layout.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qbench::plot_layout {
namespace {

// Fixed parts of the page (pixels), measured on the report's PNGs.
constexpr double kTickGapPx = 11.0;      // plot edge to the y tick labels (plmtex "lv" disp 0.8)
constexpr double kTitleGapPx = 12.0;     // y tick labels to the y title
constexpr double kPageBorderPx = 10.0;   // the page edge to the outermost text
constexpr double kTopFraction = 0.88;    // the plot's top (the title above it)
constexpr double kXAxisTextPx = 66.0;    // below the plot: x tick labels (disp 1.6) and the x title (disp 3.4)
constexpr double kLegendGapPx = 20.0;    // plot to a legend on its right
constexpr double kLegendPadPx = 10.0;    // a legend's box above and below its rows

}  // namespace

std::size_t DisplayLength(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count every byte that starts a code point
  return n;
}

double WidestPx(const std::vector<std::string>& texts, double char_px) {
  std::size_t longest = 0;
  for (const auto& t : texts) longest = std::max(longest, DisplayLength(t));
  return char_px * static_cast<double>(longest);
}

PlotLayout ComputePlotLayout(const LayoutInput& in) {
  const double W = in.width_px, H = in.height_px;
  PlotLayout L;
  // Left: border, the y title (one line), a gap, the widest tick label, the tick gap.
  const double tick_px = WidestPx(in.y_tick_labels, kTickCharPx);
  const double left_px = kPageBorderPx + kTitleCharHeightPx + kTitleGapPx + tick_px + kTickGapPx;
  L.y_title_disp = (kTickGapPx + tick_px + kTitleGapPx) / kTitleCharHeightPx;
  // The legend: one column on the right when narrow enough, else columns below.
  const double text_px = WidestPx(in.legend_labels, kLegendCharPx);
  const double entry_px = kLegendSymbolPx + text_px;
  const int n = static_cast<int>(in.legend_labels.size());
  double right_px = W - kPageBorderPx - 10.0;  // no legend: room for the last x tick label
  double bottom_px = kXAxisTextPx + kPageBorderPx + 9.0;
  double legend_w = 0, legend_h = 0;
  if (n > 0) {
    const double one_column_w = entry_px + kLegendMarginPx;
    if (one_column_w <= kMaxRightLegendShare * W) {
      L.legend_below = false;
      L.legend_columns = 1;
      L.legend_rows = n;
      legend_w = one_column_w;
      legend_h = n * kLegendRowPx + 2 * kLegendPadPx;
      right_px = W - kPageBorderPx - legend_w - kLegendGapPx;
    } else {
      L.legend_below = true;
      const int fit = static_cast<int>(std::floor((0.92 * W - kLegendMarginPx) / entry_px));
      L.legend_columns = std::clamp(fit, 1, n);
      L.legend_rows = (n + L.legend_columns - 1) / L.legend_columns;
      legend_w = std::min(W - 2 * kPageBorderPx, L.legend_columns * entry_px + kLegendMarginPx);
      legend_h = L.legend_rows * kLegendRowPx + 2 * kLegendPadPx;
      bottom_px = kXAxisTextPx + legend_h + 2 * kPageBorderPx;
    }
  }
  const double top_px = (1.0 - kTopFraction) * H;
  // Never squeeze the plot below ~40 % of the page in either direction.
  right_px = std::max(right_px, left_px + 0.4 * W);
  bottom_px = std::min(bottom_px, H - top_px - 0.4 * H);
  L.left = left_px / W;
  L.right = right_px / W;
  L.bottom = bottom_px / H;
  L.top = kTopFraction;
  L.plot = {left_px, top_px, right_px, H - bottom_px};
  const double mid_y = (L.plot.y0 + L.plot.y1) / 2;
  L.y_ticks = {left_px - kTickGapPx - tick_px, L.plot.y0 - kTickHeightPx / 2, left_px - kTickGapPx, L.plot.y1 + kTickHeightPx / 2};
  const double title_right = L.y_ticks.x0 - kTitleGapPx;
  L.y_title = {title_right - kTitleCharHeightPx, L.plot.y0, title_right, L.plot.y1};
  const double x_title_top = L.plot.y1 + kXAxisTextPx - kTitleCharHeightPx - 4.0;
  L.x_title = {left_px, x_title_top, right_px, in.has_x_title ? x_title_top + kTitleCharHeightPx : x_title_top};
  if (n > 0) {
    if (L.legend_below) {
      const double x0 = (W - legend_w) / 2, y1 = H - kPageBorderPx;
      L.legend = {x0, y1 - legend_h, x0 + legend_w, y1};
      L.legend_x = 0;
      L.legend_y = kPageBorderPx / H;
    } else {
      const double x1 = W - kPageBorderPx;
      L.legend = {x1 - legend_w, mid_y - legend_h / 2, x1, mid_y + legend_h / 2};
      L.legend_x = kPageBorderPx / W;
      L.legend_y = (H / 2 - mid_y) / H;  // pllegend's y offset from the page centre, upwards
    }
  }
  return L;
}

std::vector<Box> PlaceLabels(const std::vector<LabelRequest>& labels, const Box& bounds, double marker_px,
                             const std::vector<Box>& obstacles) {
  std::vector<Box> placed;
  std::vector<Box> markers = obstacles;
  for (const auto& l : labels)
    markers.push_back({l.x - marker_px / 2, l.y - marker_px / 2, l.x + marker_px / 2, l.y + marker_px / 2});
  auto overlap_area = [](const Box& a, const Box& b) {
    const double w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0), h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
    return w > 0 && h > 0 ? w * h : 0.0;
  };
  for (const auto& l : labels) {
    const double gap = marker_px / 2 + 3, w = l.width, h = l.height;
    // The four spots around the point: right, left, above, below.
    const Box base[] = {{l.x + gap, l.y - h / 2, l.x + gap + w, l.y + h / 2},
                        {l.x - gap - w, l.y - h / 2, l.x - gap, l.y + h / 2},
                        {l.x - w / 2, l.y - gap - h, l.x + w / 2, l.y - gap},
                        {l.x - w / 2, l.y + gap, l.x + w / 2, l.y + gap + h}};
    Box best{};
    double best_cost = std::numeric_limits<double>::infinity();
    bool found = false;
    for (int step = 0; step <= 8 && !found; ++step)
      for (int sign : {-1, 1}) {
        if (step == 0 && sign == 1) continue;
        for (const Box& b0 : base) {
          const double dy = sign * step * (h + 1);
          Box b{b0.x0, b0.y0 + dy, b0.x1, b0.y1 + dy};
          double cost = 0;
          for (const auto& p : placed) cost += overlap_area(b, p);
          for (const auto& m : markers) cost += overlap_area(b, m);
          // Outside the bounds costs as much as overlapping.
          const Box in{std::max(b.x0, bounds.x0), std::max(b.y0, bounds.y0), std::min(b.x1, bounds.x1), std::min(b.y1, bounds.y1)};
          cost += w * h - std::max(0.0, in.Width()) * std::max(0.0, in.Height());
          if (cost <= 0) {
            best = b;
            found = true;
            break;
          }
          if (cost < best_cost) {
            best_cost = cost;
            best = b;
          }
        }
        if (found) break;
      }
    placed.push_back(best);
  }
  return placed;
}

double PlotRightBeforeLegend(const std::vector<std::string>& labels, double char_px, int width_px, double max_right) {
  const double legend_px = kSwatchPx + 8.0 + WidestPx(labels, char_px) + 2 * kPageBorderPx + 10.0;
  return std::clamp(1.0 - legend_px / width_px, 0.5, max_right);
}

LabelDrawing DrawingOf(const LabelRequest& l, const Box& b, double marker_px) {
  LabelDrawing d;
  d.text_y = (b.y0 + b.y1) / 2;
  if (b.x1 <= l.x) {
    d.text_x = b.x1, d.just = 1.0;
  } else if (b.x0 >= l.x) {
    d.text_x = b.x0, d.just = 0.0;
  } else {
    d.text_x = (b.x0 + b.x1) / 2, d.just = 0.5;
  }
  d.leader_x = std::clamp(l.x, b.x0, b.x1);
  d.leader_y = std::clamp(l.y, b.y0, b.y1);
  const double dx = d.leader_x - l.x, dy = d.leader_y - l.y;
  d.leader = std::sqrt(dx * dx + dy * dy) > marker_px / 2 + 3 + 2;
  return d;
}

}  // namespace qbench::plot_layout
