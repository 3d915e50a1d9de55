// The merged report's plots (merge.h): latency and speedup per model, one line per device and
// variant, drawn with the report's PLplot primitives (plot_canvas.h).
#include <plplot/plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "qbench/core/error.h"
#include "qbench/report/analysis.h"
#include "qbench/report/merge.h"
#include "report/plot_canvas.h"
#include "report/report_util.h"

namespace qbench {
namespace {

using namespace plot_internal;

struct Series {
  std::string label;
  std::vector<double> x, y, lo, hi;
};

// Each device at its own first input size and thread count (ReferencePoint's choice).
std::vector<Series> DeviceSeries(const MergedStudy& merged, const std::string& model, bool speedup) {
  std::vector<Series> out;
  for (const auto& d : merged.devices) {
    const std::int64_t size = report_internal::FirstInputSize(d.study, model);
    const std::int64_t threads = report_internal::FirstThreads(d.study);
    const auto variants = StudyVariants(d.study);
    for (std::size_t vi = 0; vi < variants.size(); ++vi) {
      if (speedup && vi == 0) continue;  // the baseline's speedup is 1 by definition
      Series s;
      s.label = d.device + " · " + variants[vi] + (merged.devices.size() > 1 ? fmt::format(" (t{})", threads) : "");
      for (const auto* p : report_internal::BatchSeries(d.study, model, variants[vi], size, threads)) {
        if (speedup && !p->has_speedup) continue;
        s.x.push_back(std::log2(static_cast<double>(p->point.batch)));
        if (speedup) {
          s.y.push_back(p->speedup);
          s.lo.push_back(p->speedup_ci95_low);
          s.hi.push_back(p->speedup_ci95_high);
        } else {
          s.y.push_back(L10(p->latency.median_ms));
          s.lo.push_back(L10(p->latency.median_ci_low_ms));
          s.hi.push_back(L10(p->latency.median_ci_high_ms));
        }
      }
      if (!s.x.empty()) out.push_back(std::move(s));
    }
  }
  return out;
}

bool DevicePlot(const MergedStudy& merged, const std::string& model, bool speedup, const std::string& path, std::string* title) {
  auto series = DeviceSeries(merged, model, speedup);
  if (series.empty()) return false;
  Range xr, yr;
  std::set<double> xs;
  if (speedup) yr.Add(1.0);
  for (const auto& s : series)
    for (std::size_t k = 0; k < s.x.size(); ++k) {
      xr.Add(s.x[k]);
      xs.insert(s.x[k]);
      yr.Add(s.lo[k]);
      yr.Add(s.hi[k]);
    }
  *title = speedup ? fmt::format("{}: speedup vs the baseline per device (> 1 = faster; bars: 95 % CI)", model)
                   : fmt::format("{}: median latency vs batch per device (bars: CI of the median)", model);
  Page page(path, 1100, 650);
  Ticks ticks;
  for (double x : xs) ticks.emplace_back(x, std::to_string(static_cast<long long>(std::llround(std::exp2(x)))));
  std::vector<std::string> labels;
  for (const auto& s : series) labels.push_back(s.label);
  Range x = xr.Padded(0.06);
  x.lo -= 0.1;  // room for the sideways shifts
  x.hi += 0.1;
  if (!(x.hi > x.lo)) x.lo -= 0.5, x.hi += 0.5;
  Range y = yr.Padded(0.08);
  if (!(y.hi > y.lo)) y.lo -= 0.5, y.hi += 0.5;
  if (speedup) y.lo = std::max(0.0, y.lo);
  DrawAxes(x, y, false, !speedup, "batch size (samples per run)",
           speedup ? "speedup vs baseline (same device)" : "latency per run (ms, log)", *title, ticks, labels);
  if (speedup) {
    plcol0(1);
    pllsty(2);
    pljoin(x.lo, 1.0, x.hi, 1.0);
    pllsty(1);
  }
  std::vector<LegendItem> legend;
  // Series share the batch axis: each is shifted a little sideways (log2 units) so their bars stay apart.
  const double shift = series.size() > 1 ? 0.12 / static_cast<double>(series.size() - 1) : 0.0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const int c = Color(static_cast<int>(i));
    std::vector<double> xs = series[i].x;
    for (double& v : xs) v += (static_cast<double>(i) - (static_cast<double>(series.size()) - 1) / 2) * shift;
    ErrorBars(xs, series[i].lo, series[i].hi, c);
    Polyline(xs, series[i].y, c, Symbol(static_cast<int>(i)));
    legend.push_back({series[i].label, c, Symbol(static_cast<int>(i)), true});
  }
  DrawLegend(legend);
  return true;
}

}  // namespace

std::vector<PlotFile> WriteMergedPlots(const MergedStudy& merged, const std::string& output_dir) {
  std::error_code ec;
  std::filesystem::create_directories(output_dir + "/plots", ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create '" + output_dir + "/plots': " + ec.message());
  for (const auto& e : std::filesystem::directory_iterator(output_dir + "/plots", ec))
    if (e.path().extension() == ".png") std::filesystem::remove(e.path(), ec);
  std::vector<std::string> models;
  for (const auto& d : merged.devices)
    for (const auto& m : StudyModels(d.study))
      if (std::find(models.begin(), models.end(), m) == models.end()) models.push_back(m);
  std::vector<PlotFile> out;
  for (const auto& m : models)
    for (bool speedup : {false, true}) {
      PlotFile f;
      f.path = "plots/" + std::string(speedup ? "speedup_" : "latency_") + SafeName(m) + ".png";
      if (DevicePlot(merged, m, speedup, output_dir + "/" + f.path, &f.title)) out.push_back(f);
    }
  return out;
}

}  // namespace qbench
