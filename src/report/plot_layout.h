// src/report/plot_layout.h — where the parts of a report figure go, computed from the extents of
// their texts before anything is drawn (not public API; pure, no PLplot: plot_canvas.cc draws what
// this decides, and tests/report/plot_layout_test.cc checks the numbers).
//
// Coordinates: page pixels, x from the left edge, y from the TOP edge (as in the PNG). Text extents
// are estimated from the character count (UTF-8 code points) × a per-size character width measured
// on the pngcairo PNGs of the report (1100 px wide pages, PLplot's default sans font): digits and
// lower-case letters of the tick-label size (0.8) are at most 12 px wide, of the legend text 12 px
// after a 90 px symbol sample, of point labels (0.7) 9.5 px; a title-size (0.9) line is 16 px high,
// a legend row 24.5 px.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace qbench::plot_layout {

constexpr double kTickCharPx = 12.0;        ///< width of one tick-label character (size 0.8)
constexpr double kTickHeightPx = 14.0;      ///< height of a tick label
constexpr double kLegendCharPx = 12.0;      ///< width of one legend-text character
constexpr double kLegendSymbolPx = 90.0;    ///< a legend entry's symbol and line sample, before its text
constexpr double kLegendMarginPx = 15.0;    ///< the legend box's inner margins, left and right together
constexpr double kLegendRowPx = 24.5;       ///< one legend row (text spacing 2 character heights)
constexpr double kTitleCharHeightPx = 16.0; ///< one line of an axis title (size 0.9)
constexpr double kLabelCharPx = 9.5;        ///< width of one point-label character (size 0.7)
constexpr double kLabelHeightPx = 14.0;     ///< height of a point label's box
/// A legend right of the plot may take at most this share of the page width; a wider one goes
/// below the plot (in columns), so that the plot keeps most of the page.
constexpr double kMaxRightLegendShare = 0.3;

/// A rectangle in page pixels (y from the top).
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double Width() const { return x1 - x0; }
  double Height() const { return y1 - y0; }
  /// True when the interiors intersect (touching edges do not count).
  bool Overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
  bool Inside(const Box& o) const { return x0 >= o.x0 && x1 <= o.x1 && y0 >= o.y0 && y1 <= o.y1; }
};

/// Characters of `s` as displayed: UTF-8 code points (a multi-byte "⁶" or "·" counts once).
std::size_t DisplayLength(const std::string& s);

/// Width in pixels of the widest of `texts` at `char_px` per character (0 for none).
double WidestPx(const std::vector<std::string>& texts, double char_px);

/// What a figure holds, as far as its layout depends on it.
struct LayoutInput {
  int width_px = 1100, height_px = 650;
  std::vector<std::string> y_tick_labels;  ///< the labels of the y axis
  std::vector<std::string> legend_labels;  ///< one per legend entry; empty: no legend
  bool has_x_title = true;
};

/// Where everything goes. The viewport fractions are PLplot's plvpor arguments (y from the
/// bottom); the boxes are the same places in page pixels (y from the top) for checking.
struct PlotLayout {
  double left = 0, right = 0, bottom = 0, top = 0;  ///< plot area, fractions of the page (plvpor)
  /// Displacement of the y title from the plot's left edge in title character heights (plmtex "l").
  double y_title_disp = 0;
  bool legend_below = false;  ///< else right of the plot, vertically centred
  int legend_columns = 1, legend_rows = 0;
  Box plot, y_ticks, y_title, x_title, legend;  ///< legend: empty box when there is none
  /// The legend's anchor for pllegend with PL_POSITION_SUBPAGE (x, y offsets as fractions of the page).
  double legend_x = 0, legend_y = 0;
};

/// The layout of a figure with these texts: the left margin fits the widest y tick label, a gap and
/// the y title (so they never overlap); a legend goes right of the plot when its width (the longest
/// label × kLegendCharPx + symbol + margins) is at most kMaxRightLegendShare of the page, the plot
/// ending before it, else below the x title in as many columns as fit in 92 % of the page width
/// (rows = ⌈entries / columns⌉), the plot's bottom raised over it. Every box lies inside the page.
PlotLayout ComputePlotLayout(const LayoutInput& in);

/// A legend column right of a plot: a colour swatch of kSwatchPx, a gap, then each label at `char_px` per
/// character. The plot's right edge (a fraction of the page, for plvpor) that leaves the widest label
/// room before the page border: 1 − (swatch + gap + widest label + border) / width, at most
/// `max_right`, at least 0.5 (the plot keeps half the page; a longer label runs to the edge).
constexpr double kSwatchPx = 30.0;
double PlotRightBeforeLegend(const std::vector<std::string>& labels, double char_px, int width_px, double max_right);

/// A point with a label to place: the point (page pixels) and the label's size.
struct LabelRequest {
  double x = 0, y = 0;
  double width = 0, height = kLabelHeightPx;
};

/// Boxes for the labels, one per request in order, none overlapping another or any of the points
/// (a marker of `marker_px` around each), all inside `bounds` where the bounds leave room. Greedy
/// (after the label-placement heuristics of Christensen, Marks & Shieber 1995, "An empirical study of
/// algorithms for point-feature label placement", simplified): each label takes the first free spot
/// among right, left, above and below its point, then the same spots moved up and down by one label
/// height at a time (up to 8), keeping the one nearest the point; when none is free, the spot with
/// the least overlap. A label moved off its point is linked to it by a leader line (the caller draws
/// it when the box does not touch the point's marker). `obstacles` (page pixels) are avoided as the
/// markers are: the points' error bars, so that no label sits on another point's CI bar.
std::vector<Box> PlaceLabels(const std::vector<LabelRequest>& labels, const Box& bounds, double marker_px = 10,
                             const std::vector<Box>& obstacles = {});

/// How a placed label is drawn. The text is justified toward its point: a box left of the point is
/// drawn right-justified at its right edge, one right of it left-justified at its left edge, one above
/// or below centred — so a text narrower than its estimated box still ends next to its point. A leader
/// line runs from the point to the box's nearest edge point whenever the box is farther from the point
/// than the adjacent spots PlaceLabels tries first (marker_px / 2 + 3 px, with 2 px of slack), whichever
/// way it was pushed (up, down or sideways).
struct LabelDrawing {
  double text_x = 0, text_y = 0;  ///< where the text is anchored (page pixels; y the box's middle)
  double just = 0;                ///< PLplot justification: 0 left, 0.5 centre, 1 right
  bool leader = false;
  double leader_x = 0, leader_y = 0;  ///< the leader's end on the box (from the point)
};
LabelDrawing DrawingOf(const LabelRequest& label, const Box& box, double marker_px = 10);

}  // namespace qbench::plot_layout
