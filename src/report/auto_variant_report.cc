// Report section: the lab variant "auto" (quantize --auto's choice) against "static"
// (qbench/report/device_report.h AutoVariantMarkdown).
#include <fmt/format.h>

#include <cmath>

#include "qbench/report/analysis.h"
#include "qbench/report/device_report.h"
#include "report_util.h"

namespace qbench {
namespace {

using report_internal::FirstInputSize;
using report_internal::FirstThreads;

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:.1f} %", 100 * v) : "—"; }

std::string Ci(double low, double high, double scale, const char* unit) {
  if (!std::isfinite(low) || !std::isfinite(high)) return "";
  return fmt::format(" [{:.{}f}{}, {:.{}f}{}]", scale * low, scale == 1 ? 2 : 1, unit, scale * high, scale == 1 ? 2 : 1,
                     unit);
}

// What the search chose, in words: "mse calibration, u8 activations, reduced s8 weights (conv-per-channel),
// 3 nodes kept fp32 (…), bias correction".
std::string DescribeChoice(const AutoCandidateRecord& c) {
  const auto known = [](const std::string& s) { return s.empty() ? std::string("?") : s; };
  std::string s = fmt::format("{} calibration, {} activations, {} weights ({})", known(c.calibration_method),
                              known(c.activation_type), known(c.weight_range), known(c.weight_granularity));
  if (!c.equalize.empty() && c.equalize != "off") s += ", cross-layer equalization (" + c.equalize + ")";
  if (c.bias_correction) s += ", bias correction";
  const auto keep = c.keep_fp32.size();
  s += keep ? fmt::format(", {} node(s) kept fp32 ({})", keep, c.islands_reason) : ", no fp32 islands";
  return s;
}

// A figure of the search, 0 when it was not measured (as older reports printed it).
double Figure(double v) { return std::isfinite(v) ? v : 0.0; }

std::string Speedup(const PointResult* p) {
  if (!p || !p->ok) return "—";
  if (!p->has_speedup) return "(baseline)";
  return FormatSpeedupCi(*p);
}

std::string Agreement(const AccuracyRecord* a) {
  if (!a || !a->ok || a->top1_agreement < 0) return "—";
  return fmt::format("{:.1f} % [{:.1f}, {:.1f}]", 100 * a->top1_agreement, 100 * a->top1_agreement_ci95_low,
                     100 * a->top1_agreement_ci95_high);
}

}  // namespace

std::string AutoVariantMarkdown(const LabStudy& study) {
  std::string md;
  for (const auto& r : study.models) {
    if (r.variant != "auto" || r.external) continue;
    if (md.empty())
      md = "## Variant auto (quantize --auto) vs static\n\nFor each model, `auto` is the fastest static int8 "
           "configuration the search found within its accuracy budget that beats fp32 on this machine, or the fp32 "
           "model unchanged (docs/auto.md); it is then measured like every variant.\n\n";
    if (!r.ok) {
      md += fmt::format("- **{}**: the search failed: {}\n", r.model, r.error);
      continue;
    }
    const LabAutoRecord& a = r.auto_search;
    if (r.has_auto_search && a.wrote_fp32_unchanged) {
      md += fmt::format("- **{}**: auto kept the **fp32 model unchanged** (its file holds {}; it is not counted as "
                        "int8): {}", r.model, r.content.empty() ? "fp32" : r.content, a.decision);
      if (a.has_best_int8)
        md += fmt::format(" Best int8 figure found: `{}`, agreement {}, {:.2f}× in the search.", a.best_int8.name,
                          Pct(a.best_int8.agreement), Figure(a.best_int8.speedup));
      md += "\n";
    } else if (r.has_auto_search && a.has_choice) {
      const AutoCandidateRecord& c = a.choice;
      md += fmt::format("- **{}**: auto chose `{}`: {}. In the search: agreement {}{} on {} samples, {:.2f}×{} at batch {} "
                        "({} candidates, {:.0f} s).\n",
                        r.model, c.name, DescribeChoice(c), Pct(c.agreement),
                        Ci(c.agreement_ci95_low, c.agreement_ci95_high, 100, " %"), c.samples, Figure(c.speedup),
                        Ci(c.speedup_ci95_low, c.speedup_ci95_high, 1, "×"), a.batch, a.candidates, a.elapsed_s);
    } else {
      md += fmt::format("- **{}**: auto's choice was not recorded.\n", r.model);
    }
  }
  if (md.empty()) return md;
  // The lab's own measurements of both, at the first input size and thread count.
  md += "\n| model | batch | static speedup [95% CI] | auto speedup [95% CI] | static agreement | auto agreement |\n"
        "| --- | --- | --- | --- | --- | --- |\n";
  const std::int64_t threads = FirstThreads(study);
  for (const auto& m : StudyModels(study)) {
    if (!study.FindModel(m, "auto")) continue;
    const std::int64_t size = FirstInputSize(study, m);
    const auto st = report_internal::BatchSeries(study, m, "static", size, threads);
    const auto au = report_internal::BatchSeries(study, m, "auto", size, threads);
    const AccuracyRecord* sa = study.FindAccuracy(m, "static");
    const AccuracyRecord* aa = study.FindAccuracy(m, "auto");
    for (const PointResult* p : au) {
      const PointResult* s = nullptr;
      for (const PointResult* q : st)
        if (q->point.batch == p->point.batch) s = q;
      md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", m, p->point.batch, Speedup(s), Speedup(p), Agreement(sa),
                        Agreement(aa));
    }
  }
  return md + "\n";
}

}  // namespace qbench
