#include "qbench/report/plots.h"

#include <plplot/plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "qbench/core/error.h"
#include "qbench/report/analysis.h"
#include "report/plot_canvas.h"
#include "report/report_util.h"
#include "qbench/report/memory_report.h"

namespace qbench {
namespace {

using namespace plot_internal;

// Legend text of a variant in plots that show several models: the baseline says when some model's
// baseline is not fp32 but the file as given.
std::string LegendName(const LabStudy& study, const std::string& variant) { return VariantLegend(study, variant); }

std::vector<std::string> LegendNames(const LabStudy& study) {
  std::vector<std::string> out;
  for (const auto& v : StudyVariants(study)) out.push_back(LegendName(study, v));
  return out;
}

std::vector<std::int64_t> report_threads(const LabStudy& study) {
  std::set<std::int64_t> t;
  for (const auto& p : study.points)
    if (p.ok) t.insert(p.point.threads);
  return {t.begin(), t.end()};
}

bool LatencyPlot(const LabStudy& study, const std::string& model, const std::string& path, std::string* title) {
  const auto variants = StudyVariants(study);
  const auto model_sizes = ModelInputSizes(study, model);
  const std::int64_t size0 = model_sizes.empty() ? 0 : model_sizes.front(), threads0 = report_internal::FirstThreads(study);
  struct S {
    std::vector<double> x, y, lo, hi;
  };
  std::map<std::string, S> series;
  std::set<std::int64_t> batches;
  Range xr, yr;
  double min_level = 1.0;
  std::int64_t min_level_n = 0;
  for (const auto& p : study.points) {
    if (!p.ok || p.point.model != model || p.point.input_size != size0 || p.point.threads != threads0) continue;
    if (p.latency.median_ci_level < min_level) {
      min_level = p.latency.median_ci_level;
      min_level_n = p.latency.n;
    }
    auto& s = series[p.point.variant];
    s.x.push_back(std::log2(static_cast<double>(p.point.batch)));
    s.y.push_back(L10(p.latency.median_ms));
    s.lo.push_back(L10(p.latency.median_ci_low_ms));
    s.hi.push_back(L10(p.latency.median_ci_high_ms));
    batches.insert(p.point.batch);
    xr.Add(s.x.back());
    yr.Add(s.lo.back());
    yr.Add(s.hi.back());
  }
  if (series.empty()) return false;
  *title = fmt::format("{}: median latency vs batch ({}, {} thread(s))", model, InputSizeLabel(size0), threads0);
  Page page(path, 1100, 650);
  Ticks ticks;
  for (auto b : batches) ticks.emplace_back(std::log2(static_cast<double>(b)), std::to_string(b));
  std::vector<std::string> labels;
  for (const auto& v : variants) labels.push_back(VariantLabel(study, model, v));
  // The bars' label states their real coverage: below 6 runs they are [min, max], not a 95 % interval.
  const std::string bars =
      !BelowNominalCi(min_level) ? "bars: 95 % CI of median"
      : min_level > 0            ? fmt::format("bars: {} CI, k = {}", FormatCiLevel(min_level), min_level_n)
                                 : fmt::format("no CI, k = {}", min_level_n);
  DrawAxes(xr.Padded(0.06), yr.Padded(0.08), false, true, "batch size (samples per run)",
           "latency per run (ms, log; " + bars + ")", *title, ticks, labels);
  std::vector<LegendItem> legend;
  int i = 0;
  for (const auto& v : variants) {
    auto it = series.find(v);
    if (it == series.end()) {
      ++i;
      continue;
    }
    auto& s = it->second;
    std::vector<std::size_t> idx(s.x.size());
    for (std::size_t k = 0; k < idx.size(); ++k) idx[k] = k;
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return s.x[a] < s.x[b]; });
    std::vector<double> x, y, lo, hi;
    for (auto k : idx) {
      x.push_back(s.x[k]);
      y.push_back(s.y[k]);
      lo.push_back(s.lo[k]);
      hi.push_back(s.hi[k]);
    }
    plcol0(Color(i));
    plerry(static_cast<PLINT>(x.size()), x.data(), lo.data(), hi.data());
    Polyline(x, y, Color(i), Symbol(i));
    legend.push_back({VariantLabel(study, model, v), Color(i), Symbol(i), true});
    ++i;
  }
  DrawLegend(legend);
  return true;
}

bool SizePlot(const LabStudy& study, const std::string& path, std::string* title) {
  const auto models = StudyModels(study);
  const auto variants = StudyVariants(study);
  double ymax = 0;
  for (const auto& m : study.models)
    if (m.ok) ymax = std::max(ymax, m.file_size_bytes / 1e6);
  if (ymax <= 0) return false;
  *title = "model file size before and after quantization";
  Page page(path, 1100, 650);
  Range xr{0, static_cast<double>(models.size())}, yr{0, ymax * 1.15};
  Ticks ticks;
  for (std::size_t i = 0; i < models.size(); ++i) ticks.emplace_back(i + 0.5, models[i]);
  DrawAxes(xr, yr, false, false, "model", "file size (MB = 10⁶ bytes)", *title, ticks, LegendNames(study));
  const double group_w = 0.8, bar_w = group_w / std::max<std::size_t>(variants.size(), 1);
  std::vector<LegendItem> legend;
  plschr(0, 0.7);
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    for (std::size_t mi = 0; mi < models.size(); ++mi) {
      const auto* rec = study.FindModel(models[mi], variants[vi]);
      if (!rec || !rec->ok) continue;
      const double x0 = mi + 0.1 + vi * bar_w, x1 = x0 + bar_w * 0.92, h = rec->file_size_bytes / 1e6;
      PLFLT xs[4] = {x0, x0, x1, x1}, ys[4] = {0, h, h, 0};
      plcol0(Color(static_cast<int>(vi)));
      plfill(4, xs, ys);
      plcol0(1);
      plline(4, xs, ys);
      plptex((x0 + x1) / 2, h + ymax * 0.03, 1, 0, 0.5, fmt::format("{:.1f}", h).c_str());
    }
    legend.push_back({LegendName(study, variants[vi]), Color(static_cast<int>(vi)), "■", false});
  }
  plschr(0, 0.8);
  DrawLegend(legend);
  return true;
}

bool LatencyVsSizePlot(const LabStudy& study, const std::string& path, std::string* title) {
  const auto models = StudyModels(study);
  const auto variants = StudyVariants(study);
  Range xr, yr;
  struct Pt {
    double x, y;
    std::string label;
  };
  std::map<std::string, std::vector<Pt>> by_variant;
  std::int64_t batch = 0;
  for (const auto& m : models)
    for (const auto& v : variants) {
      const auto* rec = study.FindModel(m, v);
      const auto* p = ReferencePoint(study, m, v);
      if (!rec || !rec->ok || !p || rec->file_size_bytes <= 0) continue;
      batch = p->point.batch;
      by_variant[v].push_back({L10(rec->file_size_bytes / 1e6), L10(p->latency.median_ms), PlotPointLabel(study, m, v)});
      xr.Add(by_variant[v].back().x);
      yr.Add(by_variant[v].back().y);
    }
  if (by_variant.empty()) return false;
  *title = fmt::format("latency vs model size, every model and variant (batch {})", batch);
  Page page(path, 1100, 650);
  DrawAxes(xr.Padded(0.12), yr.Padded(0.12), true, true, "file size (MB, log scale)", "median latency (ms, log scale)", *title, {},
           LegendNames(study));
  std::vector<LegendItem> legend;
  std::vector<double> lx, ly;  // every point's label, placed together so that none overlap
  std::vector<std::string> texts;
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    auto it = by_variant.find(variants[vi]);
    if (it == by_variant.end()) continue;
    std::vector<double> x, y;
    for (const auto& p : it->second) {
      x.push_back(p.x);
      y.push_back(p.y);
    }
    Polyline(x, y, Color(static_cast<int>(vi)), Symbol(static_cast<int>(vi)), false);
    for (const auto& p : it->second) {
      lx.push_back(p.x);
      ly.push_back(p.y);
      texts.push_back(p.label);
    }
    legend.push_back({LegendName(study, variants[vi]), Color(static_cast<int>(vi)), Symbol(static_cast<int>(vi)), false});
  }
  DrawPointLabels(lx, ly, texts);
  DrawLegend(legend);
  return true;
}

// Speedup vs the baseline over batch size at input-size index `size_index` of each model (models
// with fewer sizes are left out), one line per model × variant (× thread count when several), with
// the 95 % CI of each speedup as error bars. `size_index` 0 is speedup.png.
bool SpeedupPlot(const LabStudy& study, std::size_t size_index, const std::string& path, std::string* title) {
  const std::string base = BaselineVariant(study);
  const std::vector<PlotSeries> series = SpeedupSeries(study, size_index);
  if (series.empty()) return false;
  std::set<std::int64_t> shown_sizes, batches;
  Range xr, yr;
  yr.Add(1.0);
  for (const auto& s : series) {
    for (const auto* p : s.points) {
      shown_sizes.insert(p->point.input_size);
      batches.insert(p->point.batch);
      xr.Add(std::log2(static_cast<double>(p->point.batch)));
    }
    for (double v : s.lo) yr.Add(v);
    for (double v : s.hi) yr.Add(v);
  }
  std::string size_text;
  for (auto v : shown_sizes) size_text += (size_text.empty() ? "" : ", ") + (v > 0 ? std::to_string(v) + " px" : std::string("own size"));
  *title = fmt::format("speedup vs {} over batch size ({} input; > 1 = faster)", base, size_text);
  Page page(path, 1100, 650);
  Ticks ticks;
  for (auto b : batches) ticks.emplace_back(std::log2(static_cast<double>(b)), std::to_string(b));
  // Series of one batch axis overlap: SpeedupSeries shifts each a little sideways (log2 units) so
  // their bars stay apart; the x range leaves room for the outermost shifts.
  Range x = xr.Padded(0.06), y = yr.Padded(0.08);
  x.lo = std::min(x.lo, xr.lo - 0.06 - 0.15);
  x.hi = std::max(x.hi, xr.hi + 0.06 + 0.15);
  y.lo = std::max(0.0, y.lo);
  std::vector<std::string> keys;
  for (const auto& s : series) keys.push_back(s.key);
  DrawAxes(x, y, false, false, "batch size (samples per run)", fmt::format("speedup vs {} (bars: 95 % CI)", base), *title, ticks,
           keys);
  plcol0(1);
  pllsty(2);
  pljoin(x.lo, 1.0, x.hi, 1.0);
  pllsty(1);
  // Colour and marker say the variant, as in every other plot of the study (VariantStyleIndex); the line
  // style says the model (solid for the first, dashed for the second, …).
  const auto models = StudyModels(study);
  std::vector<LegendItem> legend;
  for (const auto& s : series) {
    const int c = static_cast<int>(VariantStyleIndex(study, s.variant));
    const int style = 1 + static_cast<int>(std::find(models.begin(), models.end(), s.model) - models.begin()) % 8;
    ErrorBars(s.x, s.lo, s.hi, Color(c));
    Polyline(s.x, s.y, Color(c), Symbol(c), true, style);
    legend.push_back({s.key, Color(c), Symbol(c), true, style});
  }
  DrawLegend(legend);
  return true;
}

// Thread scaling of one model: median latency (95 % CI bars) vs intra-op threads per variant, at the
// smallest batch and the model's first input size. Needs two thread counts or more.
bool ThreadScalingPlot(const LabStudy& study, const std::string& model, const std::string& path, std::string* title) {
  const auto threads = report_threads(study);
  if (threads.size() < 2) return false;
  const auto sizes = ModelInputSizes(study, model);
  const std::int64_t size0 = sizes.empty() ? 0 : sizes.front();
  std::int64_t batch0 = 0;
  for (const auto& p : study.points)
    if (p.ok && p.point.model == model && p.point.input_size == size0 && (batch0 == 0 || p.point.batch < batch0)) batch0 = p.point.batch;
  std::map<std::string, std::vector<const PointResult*>> series;
  Range xr, yr;
  for (const auto& p : study.points) {
    if (!p.ok || p.point.model != model || p.point.input_size != size0 || p.point.batch != batch0) continue;
    series[p.point.variant].push_back(&p);
    xr.Add(std::log2(static_cast<double>(p.point.threads)));
    yr.Add(L10(p.latency.median_ci_low_ms));
    yr.Add(L10(p.latency.median_ci_high_ms));
  }
  if (series.empty()) return false;
  *title = fmt::format("{}: thread scaling, median latency vs intra-op threads (batch {}, {})", model, batch0, InputSizeLabel(size0));
  Page page(path, 1100, 650);
  Ticks ticks;
  for (auto t : threads) ticks.emplace_back(std::log2(static_cast<double>(t)), std::to_string(t));
  const auto variants = StudyVariants(study);
  std::vector<std::string> labels;
  for (const auto& v : variants) labels.push_back(VariantLabel(study, model, v));
  DrawAxes(xr.Padded(0.08), yr.Padded(0.08), false, true, "intra-op threads", "latency per run (ms, log; bars: CI of median)", *title,
           ticks, labels);
  std::vector<LegendItem> legend;
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    auto it = series.find(variants[vi]);
    if (it == series.end()) continue;
    auto& pts = it->second;
    std::sort(pts.begin(), pts.end(), [](auto* a, auto* b) { return a->point.threads < b->point.threads; });
    std::vector<double> xs, ys, lo, hi;
    for (auto* p : pts) {
      xs.push_back(std::log2(static_cast<double>(p->point.threads)));
      ys.push_back(L10(p->latency.median_ms));
      lo.push_back(L10(p->latency.median_ci_low_ms));
      hi.push_back(L10(p->latency.median_ci_high_ms));
    }
    const int c = static_cast<int>(vi);
    ErrorBars(xs, lo, hi, Color(c));
    Polyline(xs, ys, Color(c), Symbol(c));
    legend.push_back({labels[vi], Color(c), Symbol(c), true});
  }
  DrawLegend(legend);
  return true;
}

bool AccuracyPlot(const LabStudy& study, const std::string& path, std::string* title) {
  const auto variants = StudyVariants(study);
  std::map<std::string, std::vector<std::pair<double, double>>> by_variant;
  std::map<std::string, std::vector<std::string>> labels;
  std::map<std::string, std::vector<std::pair<double, double>>> ci;
  Range xr, yr;
  for (const auto& a : study.accuracy) {
    if (!a.ok) continue;
    const auto* p = ReferencePoint(study, a.model, a.variant);
    if (!p) continue;
    by_variant[a.variant].push_back({L10(p->latency.median_ms), 100 * a.top1});
    ci[a.variant].push_back({100 * a.top1_ci95_low, 100 * a.top1_ci95_high});
    labels[a.variant].push_back(PlotPointLabel(study, a.model, a.variant));
    xr.Add(by_variant[a.variant].back().first);
    yr.Add(100 * a.top1_ci95_low);
    yr.Add(100 * a.top1_ci95_high);
  }
  if (by_variant.empty()) return false;
  *title = "top-1 accuracy vs latency (smallest batch)";
  Page page(path, 1100, 650);
  Range y = yr.Padded(0.10), x = xr.Padded(0.12);
  x.hi += (x.hi - x.lo) * 0.25;  // room for the labels (right of the points where free)
  DrawAxes(x, y, true, false, "median latency (ms, log scale)", "top-1 accuracy (%; bars: 95 % Wilson CI)", *title, {},
           LegendNames(study));
  std::vector<LegendItem> legend;
  std::vector<double> lx, ly;  // every point's label, placed together so that crowded ones do not overlap
  std::vector<std::string> texts;
  std::vector<ErrorBar> bars;  // and off every point's CI bar
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    auto it = by_variant.find(variants[vi]);
    if (it == by_variant.end()) continue;
    std::vector<double> x, yy;
    for (const auto& [a, b] : it->second) {
      x.push_back(a);
      yy.push_back(b);
    }
    std::vector<double> lo, hi;
    for (const auto& [l, h] : ci[variants[vi]]) {
      lo.push_back(l);
      hi.push_back(h);
    }
    for (std::size_t k = 0; k < x.size() && k < lo.size(); ++k) bars.push_back({x[k], lo[k], hi[k]});
    plcol0(Color(static_cast<int>(vi)));
    plerry(static_cast<PLINT>(x.size()), x.data(), lo.data(), hi.data());
    Polyline(x, yy, Color(static_cast<int>(vi)), Symbol(static_cast<int>(vi)), false);
    for (std::size_t k = 0; k < x.size(); ++k) {
      lx.push_back(x[k]);
      ly.push_back(yy[k]);
      texts.push_back(labels[variants[vi]][k]);
    }
    legend.push_back({LegendName(study, variants[vi]), Color(static_cast<int>(vi)), Symbol(static_cast<int>(vi)), false});
  }
  DrawPointLabels(lx, ly, texts, bars);
  DrawLegend(legend);
  return true;
}

// The kind of an op type row: "1x1", "depthwise 3x3", … from "QLinearConv (1x1)"; else the op type.
std::string OpKind(const std::string& op_type) {
  const auto open = op_type.find(" (");
  if (open == std::string::npos) return op_type;
  const std::string base = op_type.substr(0, open);
  const std::string kind = op_type.substr(open + 2, op_type.size() - open - 3);
  return (base.find("Conv") != std::string::npos ? "conv " : base + " ") + kind;
}

// One roofline per variant: achieved MAC/s vs intensity of each op type, colour = kind of op,
// symbol = model, under the fp32 and int8 roofs.
bool RooflinePlot(const LabStudy& study, const std::string& variant, const std::string& path, std::string* title) {
  const RooflinePeaks* peaks = nullptr;
  for (const auto& r : study.roofline)
    if (r.ok && r.bytes_per_s > 0) {
      peaks = &r;
      break;
    }
  std::vector<RooflineRow> rows;
  for (const auto& r : OpTypeRooflineRows(study))
    if (r.variant == variant && r.macs_complete && r.intensity_macs_per_byte > 0 && r.achieved_macs_per_s > 0) rows.push_back(r);
  if (!peaks || rows.empty()) return false;
  Range xr, yr;
  for (const auto& r : rows) {
    xr.Add(L10(r.intensity_macs_per_byte));
    yr.Add(L10(r.achieved_macs_per_s / 1e9));
  }
  yr.Add(L10(std::max(peaks->fp32_macs_per_s, peaks->int8_macs_per_s) / 1e9));
  xr.Add(L10(peaks->int8_macs_per_s / peaks->bytes_per_s));
  *title = fmt::format("roofline, {} variant: MAC rate per op type ({} thread(s))", variant, peaks->threads);
  std::vector<std::string> kinds, models;
  for (const auto& r : rows) {
    if (std::find(kinds.begin(), kinds.end(), OpKind(r.op_type)) == kinds.end()) kinds.push_back(OpKind(r.op_type));
    if (std::find(models.begin(), models.end(), r.model) == models.end()) models.push_back(r.model);
  }
  std::vector<std::string> labels = kinds;
  labels.insert(labels.end(), models.begin(), models.end());
  Page page(path, 1100, 700);
  Range x = xr.Padded(0.08), y = yr.Padded(0.08);
  DrawAxes(x, y, true, true, "arithmetic intensity (MACs per byte moved, log scale)", "achieved GMAC/s (log scale)", *title, {},
           labels);
  // Roofs: min(peak, bandwidth × intensity).
  const std::pair<const char*, double> roofs[] = {{"fp32 roof", peaks->fp32_macs_per_s}, {"int8 roof", peaks->int8_macs_per_s}};
  int style = 2;
  for (const auto& [name, peak] : roofs) {
    if (peak <= 0) continue;
    std::vector<double> rx, ry;
    for (int k = 0; k <= 100; ++k) {
      const double li = x.lo + (x.hi - x.lo) * k / 100.0;
      rx.push_back(li);
      ry.push_back(L10(std::min(peak, peaks->bytes_per_s * std::pow(10.0, li)) / 1e9));
    }
    plcol0(1);
    pllsty(style);
    plwidth(1.5);
    plline(static_cast<PLINT>(rx.size()), rx.data(), ry.data());
    pllsty(1);
    plwidth(1.0);
    plschr(0, 0.65);
    // Roof labels at the right end, where the roofs are flat (the bandwidth label sits at the left).
    plptex(x.hi - (x.hi - x.lo) * 0.02, L10(peak / 1e9) + (y.hi - y.lo) * 0.02, 1, 0, 1.0,
           fmt::format("{} {:.0f} GMAC/s", name, peak / 1e9).c_str());
    plschr(0, 0.8);
    style += 2;
  }
  plschr(0, 0.65);
  plcol0(1);
  plptex(x.lo + (x.hi - x.lo) * 0.02, L10(peaks->bytes_per_s * std::pow(10.0, x.lo + (x.hi - x.lo) * 0.05) / 1e9) + (y.hi - y.lo) * 0.04,
         1, 1, 0.0, fmt::format("memory {:.1f} GB/s", peaks->bytes_per_s / 1e9).c_str());
  plschr(0, 0.8);
  for (const auto& r : rows) {
    const int ci = static_cast<int>(std::find(kinds.begin(), kinds.end(), OpKind(r.op_type)) - kinds.begin());
    const int si = static_cast<int>(std::find(models.begin(), models.end(), r.model) - models.begin());
    const double px = L10(r.intensity_macs_per_byte), py = L10(r.achieved_macs_per_s / 1e9);
    plcol0(Color(ci));
    plstring(1, &px, &py, Symbol(si));
  }
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < kinds.size(); ++i) legend.push_back({kinds[i], Color(static_cast<int>(i)), "■", false});
  for (std::size_t i = 0; i < models.size(); ++i) legend.push_back({models[i], 1, Symbol(static_cast<int>(i)), false});
  DrawLegend(legend);
  return true;
}

}  // namespace

std::vector<PlotFile> WriteStudyPlots(const LabStudy& study, const std::string& output_dir, const std::function<bool()>& stop) {
  std::error_code ec;
  std::filesystem::create_directories(output_dir + "/plots", ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create '" + output_dir + "/plots': " + ec.message());
  std::vector<PlotFile> out;
  auto add = [&](const std::string& rel, const std::function<bool(const std::string&, std::string*)>& draw) {
    if (stop && stop()) return;
    std::string title;
    const std::string full = output_dir + "/" + rel;
    if (draw(full, &title) && std::filesystem::exists(full)) out.push_back(PlotFile{rel, title});
  };
  // Plots of an earlier study in the same folder would be mistaken for this one's: remove the PNGs.
  for (const auto& e : std::filesystem::directory_iterator(output_dir + "/plots", ec))
    if (e.path().extension() == ".png") std::filesystem::remove(e.path(), ec);
  for (const auto& m : StudyModels(study))
    add("plots/latency_" + SafeName(m) + ".png", [&](const std::string& p, std::string* t) { return LatencyPlot(study, m, p, t); });
  add("plots/size.png", [&](const std::string& p, std::string* t) { return SizePlot(study, p, t); });
  add("plots/memory.png", [&](const std::string& p, std::string* t) { return MemoryPlot(study, p, t); });
  add("plots/latency_vs_size.png", [&](const std::string& p, std::string* t) { return LatencyVsSizePlot(study, p, t); });
  add("plots/speedup.png", [&](const std::string& p, std::string* t) { return SpeedupPlot(study, 0, p, t); });
  std::size_t most_sizes = 0;
  for (const auto& m : StudyModels(study)) most_sizes = std::max(most_sizes, ModelInputSizes(study, m).size());
  for (std::size_t i = 1; i < most_sizes; ++i)
    add(fmt::format("plots/speedup_size{}.png", i + 1), [&](const std::string& p, std::string* t) { return SpeedupPlot(study, i, p, t); });
  for (const auto& m : StudyModels(study))
    add("plots/threads_" + SafeName(m) + ".png", [&](const std::string& p, std::string* t) { return ThreadScalingPlot(study, m, p, t); });
  add("plots/accuracy_vs_latency.png", [&](const std::string& p, std::string* t) { return AccuracyPlot(study, p, t); });
  for (const auto& v : StudyVariants(study))
    add("plots/roofline_" + SafeName(v) + ".png", [&](const std::string& p, std::string* t) { return RooflinePlot(study, v, p, t); });
  return out;
}

}  // namespace qbench
