#include "report/plot_canvas.h"

#include <plplot/plplot.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qbench/core/log.h"

namespace qbench::plot_internal {
namespace {

// A colour-blind-friendly palette (Okabe & Ito 2008), cmap0 indices 2.. ; 0 = white, 1 = black.
constexpr int kPalette[][3] = {{0, 114, 178}, {213, 94, 0}, {0, 158, 115}, {204, 121, 167}, {230, 159, 0},
                               {86, 180, 233}, {120, 120, 120}, {240, 228, 66}, {150, 60, 30}, {60, 60, 160}};
constexpr int kNumColors = sizeof(kPalette) / sizeof(kPalette[0]);
const char* const kSymbols[] = {"●", "■", "▲", "◆", "▼", "★", "⬟", "✚"};
constexpr int kNumSymbols = sizeof(kSymbols) / sizeof(kSymbols[0]);
int g_page_width_px = 1100, g_page_height_px = 650;
// The last DrawAxes' layout and world window (DrawLegend, PxOfX/PxOfY).
plot_layout::PlotLayout g_layout;
Range g_x, g_y;

int ExitHandler(const char* message) {
  Log(LogLevel::kWarning, std::string("PLplot: ") + (message ? message : "error"));
  return 0;  // do not exit the process
}

}  // namespace

int Color(int i) { return 2 + (i % kNumColors); }
const char* Symbol(int i) { return kSymbols[i % kNumSymbols]; }

Page::Page(const std::string& path, int width, int height) {
  plsexit(ExitHandler);
  plsdev("pngcairo");
  plsfnam(path.c_str());
  plsetopt("geometry", fmt::format("{}x{}", width, height).c_str());
  g_page_width_px = width;
  g_page_height_px = height;
  plscolbg(255, 255, 255);
  plscmap0n(16);
  plscol0(0, 255, 255, 255);
  plscol0(1, 0, 0, 0);
  for (int i = 0; i < kNumColors; ++i) plscol0(2 + i, kPalette[i][0], kPalette[i][1], kPalette[i][2]);
  plscol0(15, 200, 200, 200);
  plinit();
  pladv(0);
  plschr(0, 1.0);
}
Page::~Page() { plend(); }

void Range::Add(double v) {
  if (!std::isfinite(v)) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

Range Range::Padded(double frac) const {
  Range r = *this;
  double span = hi - lo;
  if (span <= 0) span = std::max(std::abs(hi), 1.0) * 0.5;
  r.lo -= span * frac;
  r.hi += span * frac;
  return r;
}

double L10(double v) { return std::log10(std::max(v, 1e-30)); }

Ticks LogTicks(double lo, double hi) {
  // 1-2-5 steps per decade; finer mantissas when the axis spans less than a decade, so that at
  // least three labels show; thinned to the powers of ten above 9 labels.
  const std::vector<std::vector<double>> mantissa_sets = {{1, 2, 5}, {1, 1.5, 2, 3, 5, 7}, {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9}};
  Ticks all;
  for (const auto& mantissas : mantissa_sets) {
    all.clear();
    for (int e = static_cast<int>(std::floor(lo)) - 1; e <= static_cast<int>(std::ceil(hi)) + 1; ++e)
      for (double m : mantissas) {
        const double v = m * std::pow(10.0, e), l = std::log10(v);
        if (l < lo || l > hi) continue;
        const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(v) + 1e-9)) + (m == std::floor(m) ? 0 : 1));
        all.emplace_back(l, fmt::format("{:.{}f}", v, decimals));
      }
    if (all.size() >= 3) break;
  }
  if (all.size() <= 9) return all;
  Ticks thinned;
  for (const auto& t : all)
    if (std::abs(t.first - std::round(t.first)) < 1e-9) thinned.push_back(t);
  return thinned.size() >= 2 ? thinned : all;
}

Ticks LinearTicks(double lo, double hi) {
  Ticks out;
  if (!(hi > lo)) return out;
  const double raw = (hi - lo) / 6.0, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)) + (std::fmod(step / mag, 1.0) != 0 ? 1 : 0));
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.emplace_back(v, fmt::format("{:.{}f}", std::abs(v) < step * 1e-9 ? 0.0 : v, decimals));
  return out;
}

plot_layout::PlotLayout DrawAxes(const Range& x, const Range& y, bool log_x, bool log_y, const std::string& xlabel,
                                 const std::string& ylabel, const std::string& title, Ticks x_ticks,
                                 const std::vector<std::string>& legend_labels) {
  if (log_x && x_ticks.empty()) x_ticks = LogTicks(x.lo, x.hi);
  if (!log_x && x_ticks.empty()) x_ticks = LinearTicks(x.lo, x.hi);
  const Ticks y_ticks = log_y ? LogTicks(y.lo, y.hi) : LinearTicks(y.lo, y.hi);
  plot_layout::LayoutInput in;
  in.width_px = g_page_width_px;
  in.height_px = g_page_height_px;
  for (const auto& t : y_ticks) in.y_tick_labels.push_back(t.second);
  in.legend_labels = legend_labels;
  in.has_x_title = !xlabel.empty();
  const plot_layout::PlotLayout L = plot_layout::ComputePlotLayout(in);
  g_layout = L;
  g_x = x;
  g_y = y;
  const double left = L.left, right = L.right;
  plschr(0, 0.8);
  plvpor(left, right, L.bottom, L.top);
  plwind(x.lo, x.hi, y.lo, y.hi);
  // Grid lines.
  plcol0(15);
  plwidth(0.5);
  for (const auto& t : x_ticks) pljoin(t.first, y.lo, t.first, y.hi);
  for (const auto& t : y_ticks) pljoin(x.lo, t.first, x.hi, t.first);
  plcol0(1);
  plwidth(1.0);
  plbox("bc", 0, 0, "bc", 0, 0);
  const double xtick = (y.hi - y.lo) * 0.015, ytick = (x.hi - x.lo) * 0.01;
  for (const auto& [pos, label] : x_ticks) {
    plmtex("b", 1.6, (pos - x.lo) / (x.hi - x.lo), 0.5, label.c_str());
    pljoin(pos, y.lo, pos, y.lo + xtick);
  }
  for (const auto& [pos, label] : y_ticks) {
    plmtex("lv", 0.8, (pos - y.lo) / (y.hi - y.lo), 1.0, label.c_str());
    pljoin(x.lo, pos, x.lo + ytick, pos);
  }
  plschr(0, 0.9);
  plmtex("b", 3.4, 0.5, 0.5, xlabel.c_str());
  // The y title sits just outside the widest tick label (disp is in title character heights).
  plmtex("l", L.y_title_disp, 0.5, 0.5, ylabel.c_str());
  plschr(0, 1.0);
  // The title is centred on the page (a legend narrows the plot area; centring on it would push a
  // long title off the left edge).
  plmtex("t", 1.8, std::clamp((0.5 - left) / (right - left), 0.0, 1.0), 0.5, title.c_str());
  plschr(0, 0.8);
  return L;
}

double PxOfX(double wx) { return g_layout.plot.x0 + (wx - g_x.lo) / (g_x.hi - g_x.lo) * g_layout.plot.Width(); }
double PxOfY(double wy) { return g_layout.plot.y1 - (wy - g_y.lo) / (g_y.hi - g_y.lo) * g_layout.plot.Height(); }
double XOfPx(double px) { return g_x.lo + (px - g_layout.plot.x0) / g_layout.plot.Width() * (g_x.hi - g_x.lo); }
double YOfPx(double px) { return g_y.lo + (g_layout.plot.y1 - px) / g_layout.plot.Height() * (g_y.hi - g_y.lo); }

void DrawPointLabels(const std::vector<double>& x, const std::vector<double>& y, const std::vector<std::string>& texts,
                     const std::vector<ErrorBar>& bars) {
  std::vector<plot_layout::LabelRequest> requests;
  for (std::size_t i = 0; i < texts.size() && i < x.size() && i < y.size(); ++i)
    requests.push_back({PxOfX(x[i]), PxOfY(y[i]), plot_layout::kLabelCharPx * static_cast<double>(plot_layout::DisplayLength(texts[i])),
                        plot_layout::kLabelHeightPx});
  std::vector<plot_layout::Box> obstacles;  // each bar with its caps (a few px each side)
  for (const auto& b : bars) {
    const double px = PxOfX(b.x), top = PxOfY(b.hi), bottom = PxOfY(b.lo);
    obstacles.push_back({px - 4, std::min(top, bottom), px + 4, std::max(top, bottom)});
  }
  const auto boxes = plot_layout::PlaceLabels(requests, g_layout.plot, 10, obstacles);
  plschr(0, 0.7);
  plcol0(1);
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    // A label not beside its point (pushed up, down or sideways) is tied to it by a thin line.
    const plot_layout::LabelDrawing d = plot_layout::DrawingOf(requests[i], boxes[i]);
    if (d.leader) {
      plcol0(15);
      pljoin(x[i], y[i], XOfPx(d.leader_x), YOfPx(d.leader_y));
      plcol0(1);
    }
    plptex(XOfPx(d.text_x), YOfPx(d.text_y), 1, 0, d.just, texts[i].c_str());
  }
  plschr(0, 0.8);
}

void DrawLegend(const std::vector<LegendItem>& items) {
  if (items.empty()) return;
  const int n = static_cast<int>(items.size());
  std::vector<PLINT> opt(n), text_colors(n, 1), line_colors(n), line_styles(n, 1), symbol_colors(n), symbol_numbers(n, 1);
  std::vector<PLFLT> line_widths(n, 2.0), symbol_scales(n, 1.0);
  std::vector<const char*> text(n), symbols(n);
  for (int i = 0; i < n; ++i) {
    opt[i] = PL_LEGEND_SYMBOL | (items[i].line ? PL_LEGEND_LINE : 0);
    line_colors[i] = items[i].color;
    line_styles[i] = items[i].line_style;
    symbol_colors[i] = items[i].color;
    text[i] = items[i].text.c_str();
    symbols[i] = items[i].symbol;
  }
  PLFLT w = 0, h = 0;
  plschr(0, 0.7);
  // Placed on the page (PL_POSITION_SUBPAGE) where the layout left room: right of the plot,
  // vertically at its centre, or centred below the x title in the layout's columns.
  const plot_layout::PlotLayout& L = g_layout;
  const int columns = L.legend_below ? std::max(1, L.legend_columns) : 1;
  const int rows = (n + columns - 1) / columns;
  const PLINT position = PL_POSITION_SUBPAGE | PL_POSITION_INSIDE | (L.legend_below ? PL_POSITION_BOTTOM : PL_POSITION_RIGHT);
  pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX | (L.legend_below ? PL_LEGEND_ROW_MAJOR : 0), position,
           L.legend_x, L.legend_y, 0.06, 0, 1, 1, rows, columns, n, opt.data(), 0.8, 0.9, 2.0, 0.0, text_colors.data(),
           text.data(), nullptr, nullptr, nullptr, nullptr, line_colors.data(), line_styles.data(), line_widths.data(),
           symbol_colors.data(), symbol_scales.data(), symbol_numbers.data(), symbols.data());
  plschr(0, 0.8);
}

void Polyline(const std::vector<double>& x, const std::vector<double>& y, int color, const char* symbol, bool line,
              int line_style) {
  if (x.empty()) return;
  plcol0(color);
  if (line && x.size() > 1) {
    plwidth(2.0);
    pllsty(line_style);
    plline(static_cast<PLINT>(x.size()), x.data(), y.data());
    pllsty(1);
    plwidth(1.0);
  }
  plstring(static_cast<PLINT>(x.size()), x.data(), y.data(), symbol);
}

void ErrorBars(const std::vector<double>& x, const std::vector<double>& lo, const std::vector<double>& hi, int color) {
  if (x.empty()) return;
  plcol0(color);
  plerry(static_cast<PLINT>(x.size()), x.data(), lo.data(), hi.data());
}

std::string SafeName(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  return out;
}

}  // namespace qbench::plot_internal
