// The report figures' layout (src/report/plot_layout.h), from text extents: hand-computed numbers.
#include <gtest/gtest.h>

#include "report/plot_layout.h"

namespace qbench::plot_layout {
namespace {

TEST(PlotLayout, DisplayLengthCountsCodePoints) {
  EXPECT_EQ(DisplayLength("10\xE2\x81\xB6 bytes"), 9u);  // "10⁶ bytes"
  EXPECT_EQ(DisplayLength("vm \xC2\xB7 static"), 11u);    // "vm · static"
  EXPECT_DOUBLE_EQ(WidestPx({"0.25", "1.125", "\xE2\x81\xB6"}, 12.0), 60.0);
}

TEST(PlotLayout, YTitleClearsTheWidestTickLabel) {
  LayoutInput in;
  in.y_tick_labels = {"0.25", "0.50", "1.00", "1.25"};
  PlotLayout L = ComputePlotLayout(in);
  // left = border 10 + title 16 + gap 12 + 4 characters × 12 + tick gap 11 = 97 px.
  EXPECT_DOUBLE_EQ(L.left, 97.0 / 1100);
  EXPECT_DOUBLE_EQ(L.y_title_disp, (11.0 + 48.0 + 12.0) / 16.0);
  EXPECT_DOUBLE_EQ(L.y_ticks.x0, 97.0 - 11 - 48);
  EXPECT_DOUBLE_EQ(L.y_title.x1, 97.0 - 11 - 48 - 12);
  EXPECT_FALSE(L.y_title.Overlaps(L.y_ticks));
  // Longer labels push the plot right, never the title into them.
  in.y_tick_labels = {"0.000125", "0.0005", "0.002"};
  L = ComputePlotLayout(in);
  EXPECT_DOUBLE_EQ(L.left, (10.0 + 16 + 12 + 96 + 11) / 1100);
  EXPECT_FALSE(L.y_title.Overlaps(L.y_ticks));
  EXPECT_GE(L.y_title.x0, 10.0);
  EXPECT_LE(L.y_ticks.x1, L.plot.x0);
}

TEST(PlotLayout, NarrowLegendRightOfThePlotInsideThePage) {
  LayoutInput in;
  in.y_tick_labels = {"1", "10"};
  in.legend_labels = {"fp32", "dynamic", "static"};
  const PlotLayout L = ComputePlotLayout(in);
  EXPECT_FALSE(L.legend_below);
  EXPECT_EQ(L.legend_columns, 1);
  EXPECT_EQ(L.legend_rows, 3);
  // Legend 90 + 7 × 12 + 15 = 189 px wide, 10 px from the page edge, 20 px from the plot.
  EXPECT_DOUBLE_EQ(L.legend.Width(), 189.0);
  EXPECT_DOUBLE_EQ(L.legend.x1, 1090.0);
  EXPECT_DOUBLE_EQ(L.right, (1100.0 - 10 - 189 - 20) / 1100);
  EXPECT_DOUBLE_EQ(L.legend.Height(), 3 * 24.5 + 20);
  EXPECT_FALSE(L.legend.Overlaps(L.plot));
  const Box page{0, 0, 1100, 650};
  EXPECT_TRUE(L.legend.Inside(page));
  EXPECT_TRUE(L.plot.Inside(page));
}

TEST(PlotLayout, WideLegendGoesBelowInColumns) {
  // The speedup plots' series and the merged report's "device · variant (tN)" labels.
  LayoutInput in;
  in.y_tick_labels = {"0.25", "0.50", "0.75", "1.00", "1.25"};
  in.legend_labels = {"mobilenetv2-7-hybrid dynamic", "mobilenetv2-7-hybrid static", "squeezenet1.1 dynamic", "squeezenet1.1 static"};
  const PlotLayout L = ComputePlotLayout(in);
  // One column would be 90 + 28 × 12 + 15 = 441 px > 30 % of 1100: below, 2 columns of 426 px fit in 92 %.
  EXPECT_TRUE(L.legend_below);
  EXPECT_EQ(L.legend_columns, 2);
  EXPECT_EQ(L.legend_rows, 2);
  EXPECT_DOUBLE_EQ(L.legend.Width(), 2 * 426.0 + 15);
  EXPECT_DOUBLE_EQ(L.legend.Height(), 2 * 24.5 + 20);
  EXPECT_DOUBLE_EQ(L.legend.y1, 640.0);
  EXPECT_DOUBLE_EQ(L.legend.x0, (1100.0 - 867) / 2);
  // The plot keeps the page's width and stands above the x title, which stands above the legend.
  EXPECT_DOUBLE_EQ(L.right, 1080.0 / 1100);
  EXPECT_DOUBLE_EQ(L.bottom, (66.0 + 69 + 20) / 650);
  EXPECT_GT(L.plot.Width(), 0.8 * 1100);
  EXPECT_LE(L.x_title.y1, L.legend.y0);
  EXPECT_FALSE(L.legend.Overlaps(L.plot));
  EXPECT_TRUE(L.legend.Inside(Box{0, 0, 1100, 650}));
  // Merged studies: 3 devices × 2 variants of "vm (AMD EPYC) · dynamic (t2)" (the "·" one character).
  in.legend_labels.clear();
  for (const char* d : {"vm (AMD EPYC)", "jetson-orin-nx", "rpi5 (Cortex-A76)"})
    for (const char* v : {"dynamic", "static"}) in.legend_labels.push_back(std::string(d) + " \xC2\xB7 " + v + " (t2)");
  const PlotLayout M = ComputePlotLayout(in);
  EXPECT_TRUE(M.legend_below);
  // The longest, "rpi5 (Cortex-A76) · dynamic (t2)", is 32 characters: 90 + 384 = 474 px a column, 2 fit.
  EXPECT_EQ(M.legend_columns, 2);
  EXPECT_EQ(M.legend_rows, 3);
  EXPECT_TRUE(M.legend.Inside(Box{0, 0, 1100, 650}));
  EXPECT_FALSE(M.legend.Overlaps(M.plot));
}

bool AnyOverlap(const std::vector<Box>& boxes) {
  for (std::size_t i = 0; i < boxes.size(); ++i)
    for (std::size_t j = i + 1; j < boxes.size(); ++j)
      if (boxes[i].Overlaps(boxes[j])) return true;
  return false;
}

TEST(PlaceLabels, AFreeLabelSitsRightOfItsPoint) {
  const auto boxes = PlaceLabels({{500, 300, 190, 14}}, Box{100, 50, 1000, 600});
  ASSERT_EQ(boxes.size(), 1u);
  // marker 10 px: the label starts 5 + 3 px right of the point, centred on it.
  EXPECT_DOUBLE_EQ(boxes[0].x0, 508.0);
  EXPECT_DOUBLE_EQ(boxes[0].x1, 698.0);
  EXPECT_DOUBLE_EQ(boxes[0].y0, 293.0);
  EXPECT_DOUBLE_EQ(boxes[0].y1, 307.0);
}

TEST(PlaceLabels, AtTheRightEdgeTheLabelGoesLeft) {
  const auto boxes = PlaceLabels({{990, 300, 190, 14}}, Box{100, 50, 1000, 600});
  EXPECT_DOUBLE_EQ(boxes[0].x1, 982.0);
  EXPECT_DOUBLE_EQ(boxes[0].x0, 792.0);
}

// G18: accuracy_vs_latency.png put a label on another point's CI bar. A bar right of the point (another
// variant's, x 596-604 px, y 250-350) sends the label to the left; the point's own bar (through its
// marker, above and below it) does not move it off the right.
TEST(PlaceLabels, ALabelKeepsOffAnotherPointsErrorBar) {
  const Box bounds{100, 50, 1000, 600};
  auto boxes = PlaceLabels({{500, 300, 190, 14}}, bounds, 10, {Box{596, 250, 604, 350}});
  EXPECT_DOUBLE_EQ(boxes[0].x1, 492.0);
  EXPECT_DOUBLE_EQ(boxes[0].y0, 293.0);
  boxes = PlaceLabels({{500, 300, 190, 14}}, bounds, 10, {Box{496, 250, 504, 350}});
  EXPECT_DOUBLE_EQ(boxes[0].x0, 508.0);
}

TEST(PlaceLabels, CrowdedPointsGetLabelsThatDoNotOverlap) {
  // Three variants of one model at nearly the same latency and accuracy (the real study's
  // mobilenetv2 fp32/static and the zoo int8 file), a fourth close by, and one alone.
  const std::vector<LabelRequest> in = {{500, 300, 190, 14}, {502, 301, 190, 14}, {499, 303, 190, 14},
                                        {510, 296, 120, 14}, {800, 500, 120, 14}};
  const Box bounds{100, 50, 1000, 600};
  const auto boxes = PlaceLabels(in, bounds);
  ASSERT_EQ(boxes.size(), in.size());
  EXPECT_FALSE(AnyOverlap(boxes));
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    EXPECT_TRUE(boxes[i].Inside(bounds)) << i;
    for (const auto& p : in)  // no label covers a point's marker
      EXPECT_FALSE(boxes[i].Overlaps(Box{p.x - 5, p.y - 5, p.x + 5, p.y + 5})) << i;
    EXPECT_LE(std::abs((boxes[i].y0 + boxes[i].y1) / 2 - in[i].y), 8 * 15.0) << i;  // stays near its point
  }
  // Right of the first point lies the fourth point's marker: its label takes the spot on the left
  // (ending 5 + 3 px before the point); the lone point's label sits right of it.
  EXPECT_DOUBLE_EQ(boxes[0].x1, 492.0);
  EXPECT_DOUBLE_EQ(boxes[0].y0, 293.0);
  EXPECT_DOUBLE_EQ(boxes[4].x0, 808.0);
}

TEST(PlaceLabels, ManyPointsOnOneSpotStillApart) {
  std::vector<LabelRequest> in;
  for (int i = 0; i < 9; ++i) in.push_back({400.0 + i * 0.5, 300.0 - i * 0.3, 150, 14});
  const auto boxes = PlaceLabels(in, Box{0, 0, 1100, 650});
  EXPECT_FALSE(AnyOverlap(boxes));
}

// The memory plot's legend column: the plot ends where the longest label still fits inside the page.
TEST(PlotRightBeforeLegend, TheLongestLabelFitsInsideThePage) {
  const std::vector<std::string> labels = {"fp32", "static", "zoo-int8 (external, int8 QOperator)"};  // 35 characters
  const double right = PlotRightBeforeLegend(labels, kLabelCharPx, 1100, 0.80);
  // 30 + 8 + 35 × 9.5 + 2 × 10 + 10 = 400.5 px → 1 − 400.5 / 1100
  EXPECT_NEAR(right, 1.0 - 400.5 / 1100.0, 1e-12);
  // The text, drawn from the swatch after the plot's edge (+ 1 % gap), ends before the page border.
  EXPECT_LE((right + 0.01) * 1100 + kSwatchPx + 8 + 35 * kLabelCharPx, 1100 - 10.0);
  EXPECT_DOUBLE_EQ(PlotRightBeforeLegend({"fp32", "static"}, kLabelCharPx, 1100, 0.80), 0.80);
  EXPECT_DOUBLE_EQ(PlotRightBeforeLegend({std::string(120, 'x')}, kLabelCharPx, 1100, 0.80), 0.5);
}

// Labels are justified toward their point, and one pushed off its point (sideways too) gets a leader line.
TEST(DrawingOf, JustifiedTowardThePointWithALeaderWhenPushedAway) {
  const LabelRequest p{500, 300, 190, 14};
  // Right of the point (the first spot): left-justified at 508, no leader (8 px away = the adjacent gap).
  LabelDrawing d = DrawingOf(p, Box{508, 293, 698, 307});
  EXPECT_DOUBLE_EQ(d.text_x, 508.0);
  EXPECT_DOUBLE_EQ(d.just, 0.0);
  EXPECT_FALSE(d.leader);
  // Left of the point: right-justified at its right edge 492, so a narrower text still ends by the point.
  d = DrawingOf(p, Box{302, 293, 492, 307});
  EXPECT_DOUBLE_EQ(d.text_x, 492.0);
  EXPECT_DOUBLE_EQ(d.just, 1.0);
  EXPECT_FALSE(d.leader);
  // Above, centred: no leader.
  d = DrawingOf(p, Box{405, 278, 595, 292});
  EXPECT_DOUBLE_EQ(d.text_x, 500.0);
  EXPECT_DOUBLE_EQ(d.just, 0.5);
  EXPECT_FALSE(d.leader);
  // Pushed sideways 60 px to the right on the point's row: a leader from the point to (560, 300).
  d = DrawingOf(p, Box{560, 293, 750, 307});
  EXPECT_TRUE(d.leader);
  EXPECT_DOUBLE_EQ(d.leader_x, 560.0);
  EXPECT_DOUBLE_EQ(d.leader_y, 300.0);
  // Moved up by one label height right of the point: a leader to the box's corner (508, 292).
  d = DrawingOf(p, Box{508, 278, 698, 292});
  EXPECT_TRUE(d.leader);
  EXPECT_DOUBLE_EQ(d.leader_x, 508.0);
  EXPECT_DOUBLE_EQ(d.leader_y, 292.0);
}

}  // namespace
}  // namespace qbench::plot_layout
