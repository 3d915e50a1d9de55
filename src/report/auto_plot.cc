// The Pareto figure of `quantize --auto` (see qbench/report/auto_plot.h).
#include "qbench/report/auto_plot.h"

#include <fmt/format.h>
#include <plplot.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "plot_canvas.h"
#include "qbench/core/error.h"

namespace qbench {

using namespace plot_internal;

bool WriteAutoParetoPlot(const AutoQuantizeResult& r, const std::string& path) {
  bool classes = false;
  for (const auto& c : r.candidates) classes = classes || std::isfinite(c.agreement);
  auto y_of = [&](const AutoCandidate& c) { return classes ? 100.0 * c.agreement : c.sqnr_db; };
  std::vector<const AutoCandidate*> timed;
  for (const auto& c : r.candidates)
    if (c.timed && std::isfinite(c.median_ms) && std::isfinite(y_of(c))) timed.push_back(&c);
  if (timed.empty() || !std::isfinite(r.fp32_median_ms)) return false;
  Range xr, yr;
  xr.Add(r.fp32_median_ms);
  if (classes) {
    yr.Add(100.0);
    yr.Add(100.0 - r.max_drop_points);
  }
  for (const auto* c : timed) {
    xr.Add(c->median_ms);
    yr.Add(y_of(*c));
    if (classes && std::isfinite(c->agreement_ci95.lo)) yr.Add(100.0 * c->agreement_ci95.lo);
  }
  const std::string tmp = path + fmt::format(".tmp{}.png", static_cast<long>(getpid()));
  {
    const std::string title = fmt::format("quantize --auto: accuracy vs latency (batch {})", r.batch);
    const std::vector<std::string> labels = {"fp32", "candidates", "chosen", "--max-drop"};
    Page page(tmp, 1100, 650);
    const Range xp = xr.Padded(0.1), yp = yr.Padded(0.1);
    DrawAxes(xp, yp, false, false, "median latency per run (ms; interleaved with fp32)",
             classes ? "top-1 agreement with fp32 (%; bars: Wilson 95 % CI)" : "SQNR of output 0 (dB)", title, {},
             labels);
    std::vector<double> x, y, lo, hi;
    for (const auto* c : timed) {
      x.push_back(c->median_ms);
      y.push_back(y_of(*c));
      lo.push_back(classes ? 100.0 * c->agreement_ci95.lo : y.back());
      hi.push_back(classes ? 100.0 * c->agreement_ci95.hi : y.back());
    }
    ErrorBars(x, lo, hi, Color(1));
    Polyline(x, y, Color(1), Symbol(1), false);
    if (classes) {
      const double limit = 100.0 - r.max_drop_points;
      Polyline({xp.lo, xp.hi}, {limit, limit}, Color(3), "", true);
    }
    Polyline({r.fp32_median_ms}, {classes ? 100.0 : yp.hi}, Color(0), Symbol(0), false);
    if (r.chosen >= 0) {
      const AutoCandidate& c = r.candidates[r.chosen];
      Polyline({c.median_ms}, {y_of(c)}, Color(2), "★", false);
      plcol0(1);
      plschr(0, 0.7);
      plptex(c.median_ms, y_of(c), 1, 0, -0.1, (" chosen: " + c.name).c_str());
      plschr(0, 0.8);
    }
    DrawLegend({{"fp32", Color(0), Symbol(0), false},
                {"candidates", Color(1), Symbol(1), false},
                {"chosen", Color(2), "★", false},
                {"--max-drop", Color(3), "", true}});
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot write the Pareto plot '" + path + "'");
  }
  return true;
}

}  // namespace qbench
