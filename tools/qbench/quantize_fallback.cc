// The stdout section of `qbench quantize --fallback-*` (see quantize_fallback.h).
#include "quantize_fallback.h"

#include "qbench/eval/eval_report.h"
#include "qbench/runtime/ort_env.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace qbench::cli {

std::string FallbackCostLine(const LatencyComparison& lat) {
  const std::string ci = fmt::format("95 % CI {:+.1f} % to {:+.1f} %", 100 * (lat.cost_ratio_ci_low - 1),
                                     100 * (lat.cost_ratio_ci_high - 1));
  // A negative cost reads as a riddle: a faster fallback is said as such.
  if (lat.cost_ms < 0)
    return fmt::format("  the fallback is {:.1f} % faster than fully quantized ({:.3f} ms less; cost {})\n",
                       100 * (1 - lat.cost_ratio), -lat.cost_ms, ci);
  return fmt::format("  latency cost of the fallback: {:+.3f} ms, {:+.1f} % vs fully quantized ({})\n", lat.cost_ms,
                     100 * (lat.cost_ratio - 1), ci);
}
namespace {

std::string Fidelity(const LayerSensitivity& s) {
  return fmt::format("SQNR {} dB, top-1 agreement {}, drop {:.2f} points", FormatDb(s.sqnr_db), FormatFraction(s.agreement),
                     s.drop_points);
}

std::string Criterion(const FallbackCriteria& c) {
  return c.fallback_top > 0 ? fmt::format("--fallback-top {} (keep the {} most sensitive layer(s) fp32)", c.fallback_top,
                                          c.fallback_top)
                            : fmt::format("--max-drop {:g} (percentage points of top-1 agreement with fp32)",
                                          c.max_drop_points);
}

}  // namespace

std::string FormatFallback(const FallbackSearch& search, const LatencyComparison& lat, const std::string& eval_note) {
  const FallbackStep& full = search.plan.steps.front();
  const FallbackStep& chosen = search.plan.steps[search.chosen];
  std::string out = "\nfp32 fallback: " + Criterion(search.criteria) + "\n";
  out += fmt::format("  evaluated on     {} ({} samples){}\n", search.dataset, search.samples, eval_note);
  out += "  fully quantized  " + Fidelity(full.result) + "\n";
  if (search.kept.empty()) {
    out += "  kept fp32        none";
    out += search.ranked.empty() ? " (the fully quantized model meets the target; no layer was ranked)\n" : "\n";
  } else {
    out += fmt::format("  kept fp32        {} of {} layers, {:.1f} % of the MACs:\n", search.kept.size(),
                       search.ranked.size(), 100 * chosen.float_mac_share);
    std::size_t width = 8;
    for (const auto& k : search.kept) width = std::max(width, k.layer.name.size() + 2);
    out += fmt::format("    {:<{}}{:<14}{:>8}{:>16}{:>13}\n", "layer", width, "op", "MACs", "alone: SQNR dB", "drop");
    for (const auto& k : search.kept) {
      out += fmt::format("    {:<{}}{:<14}{:>7.1f}%{:>16}{:>13.2f}\n", k.layer.name, width, k.layer.op_type,
                         100 * k.mac_share, FormatDb(k.sqnr_db), k.drop_points);
    }
    out += "    (alone: the model with only that layer quantized, every other layer fp32)\n";
  }
  out += "  written model    " + Fidelity(chosen.result);
  if (search.criteria.fallback_top == 0) {
    out += fmt::format(" -> target <= {:g}: {}", search.criteria.max_drop_points, search.target_met ? "met" : "NOT MET");
  }
  out += "\n";
  if (!search.target_met) {
    out += fmt::format("  the target was NOT met, even with every layer fp32; written: the configuration with the "
                       "smallest drop ({} layer(s) fp32). More --eval-limit samples, another --calibration-method or "
                       "a larger --max-drop may help.\n", chosen.keep_float.size());
  }
  if (search.plan.steps.size() > 2 || !search.target_met) {
    out += fmt::format("  configurations tried:\n    {:>10}{:>12}{:>11}{:>12}{:>9}\n", "kept fp32", "fp32 MACs", "SQNR dB",
                       "agreement", "drop");
    for (std::size_t i = 0; i < search.plan.steps.size(); ++i) {
      const auto& st = search.plan.steps[i];
      out += fmt::format("  {} {:>10}{:>11.1f}%{:>11}{:>12}{:>9.2f}\n", i == search.chosen ? "*" : " ",
                         st.keep_float.size(), 100 * st.float_mac_share, FormatDb(st.result.sqnr_db),
                         FormatFraction(st.result.agreement), st.result.drop_points);
    }
  }
  out += fmt::format("  latency, batch {} with {}, medians of {} interleaved rounds:\n", lat.batch_size,
                     IntraOpThreadsText(lat.intra_op_threads), lat.rounds);
  auto row = [&](const char* label, const Measurement& m, const SpeedupEstimate* vs_fp32) {
    std::string r = fmt::format("    {:<17}{:>10.3f} ms", label, m.statistics.median_ms);
    if (vs_fp32) {
      r += fmt::format("   {:.2f}x vs fp32 [{:.2f}, {:.2f}]", vs_fp32->speedup, vs_fp32->ci_low, vs_fp32->ci_high);
    }
    return r + "\n";
  };
  out += row("fp32", lat.fp32, nullptr);
  out += row("fully quantized", lat.quantized, &lat.quantized_vs_fp32);
  if (lat.fallback_timed) {
    out += row("with fallback", lat.fallback, &lat.fallback_vs_fp32);
    out += FallbackCostLine(lat);
  } else {
    out += "    with fallback    = fully quantized (no layer kept fp32): no latency cost\n";
  }
  out += "  (interleaved timings: the conservative ratios, see docs/measurement.md; qbench bench for more)\n";
  if (!chosen.keep_float.empty()) {
    bool comma_free = true;
    std::string list;
    for (const auto& k : chosen.keep_float) {
      comma_free = comma_free && k.find(',') == std::string::npos;
      list += (list.empty() ? "" : ",") + k;
    }
    if (comma_free) out += "  same model without the search: --exclude '" + list + "'\n";
  }
  return out;
}

}  // namespace qbench::cli
