// The fp32-fallback search and its latency cost for `qbench quantize` (see quantize_fallback.h).
#include "quantize_fallback.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/benchmark/compare.h"

namespace qbench::cli {
namespace {

nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string Db(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return std::isfinite(v) ? fmt::format("{:.2f}", v) : "-";
}

std::string Percent(double fraction) { return std::isfinite(fraction) ? fmt::format("{:.2f} %", 100 * fraction) : "-"; }

std::string Fidelity(const LayerSensitivity& s) {
  return fmt::format("SQNR {} dB, top-1 agreement {}, drop {:.2f} points", Db(s.sqnr_db), Percent(s.agreement),
                     s.drop_points);
}

nlohmann::json ScoreJson(const LayerSensitivity& s) {
  return {{"sqnr_db", Num(s.sqnr_db)}, {"agreement", Num(s.agreement)}, {"kl", Num(s.kl)}, {"top1", Num(s.top1)},
          {"drop_points", Num(s.drop_points)}};
}

nlohmann::json MeasurementJson(const Measurement& m) {
  const Statistics& s = m.statistics;
  return {{"median_ms", Num(s.median_ms)}, {"median_ci_low_ms", Num(s.median_ci_low_ms)},
          {"median_ci_high_ms", Num(s.median_ci_high_ms)}, {"mean_ms", Num(s.mean_ms)}, {"p90_ms", Num(s.p90_ms)},
          {"cv", Num(s.cv)}, {"runs", s.n}};
}

nlohmann::json SpeedupJson(const SpeedupEstimate& e) {
  return {{"speedup", Num(e.speedup)}, {"ci_low", Num(e.ci_low)}, {"ci_high", Num(e.ci_high)}, {"ci_level", e.ci_level}};
}

std::string Criterion(const FallbackCriteria& c) {
  return c.fallback_top > 0 ? fmt::format("--fallback-top {} (keep the {} most sensitive layer(s) fp32)", c.fallback_top,
                                          c.fallback_top)
                            : fmt::format("--max-drop {:g} (percentage points of top-1 agreement with fp32)",
                                          c.max_drop_points);
}

}  // namespace

LatencyComparison CompareLatency(const Model& fp32, const Model& quantized, const Model* fallback,
                                 const ShapeOverrides& shapes, int intra_op_threads) {
  LatencyComparison c;
  c.intra_op_threads = intra_op_threads;
  c.fallback_timed = fallback != nullptr;
  const std::vector<TensorInfo> inputs = ResolveInputShapes(fp32, shapes);
  if (!inputs.empty() && !inputs[0].shape.empty()) c.batch_size = inputs[0].shape[0];
  std::vector<CompareModel> models = {{"fp32", &fp32, inputs, ""}, {"fully quantized", &quantized, inputs, ""}};
  if (fallback) models.push_back({"with fallback", fallback, inputs, ""});
  CompareOptions options;  // identical seeded inputs (seed 0); the interleaving policy's default pool
  options.session.intra_op_threads = intra_op_threads;
  options.config.warmup_runs = 3;
  options.config.repetitions = 30;
  options.config.max_repetitions = 100;
  options.config.cv_threshold = 0.05;
  options.config.batch_size = c.batch_size;
  LogInfo(fmt::format("fallback: timing {} models interleaved at batch {} ({} intra-op threads)", models.size(),
                      c.batch_size, intra_op_threads));
  const Comparison r = CompareModels(models, options);
  for (const auto& w : r.warnings) Log(LogLevel::kWarning, w.message + " [" + w.code + "]");
  c.rounds = r.rounds;
  c.fp32 = r.models[0].measurement;
  c.quantized = r.models[1].measurement;
  c.quantized_vs_fp32 = r.models[1].speedup;
  if (fallback) {
    c.fallback = r.models[2].measurement;
    c.fallback_vs_fp32 = r.models[2].speedup;
    // median(fallback) / median(quantized): EstimateSpeedup's baseline / candidate, paired by round.
    const SpeedupEstimate cost =
        EstimateSpeedup(c.fallback.latency_ms, c.quantized.latency_ms, true, options.config.seed);
    c.cost_ratio = cost.speedup;
    c.cost_ratio_ci_low = cost.ci_low;
    c.cost_ratio_ci_high = cost.ci_high;
  } else {
    c.fallback = c.quantized;
    c.fallback_vs_fp32 = c.quantized_vs_fp32;
  }
  c.cost_ms = c.fallback.statistics.median_ms - c.quantized.statistics.median_ms;
  return c;
}

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
                         100 * k.mac_share, Db(k.sqnr_db), k.drop_points);
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
                         st.keep_float.size(), 100 * st.float_mac_share, Db(st.result.sqnr_db),
                         Percent(st.result.agreement), st.result.drop_points);
    }
  }
  out += fmt::format("  latency, batch {}, {} intra-op threads, medians of {} interleaved rounds:\n", lat.batch_size,
                     lat.intra_op_threads > 0 ? std::to_string(lat.intra_op_threads) : "ORT default", lat.rounds);
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
    out += fmt::format("  latency cost of the fallback: {:+.3f} ms, {:+.1f} % vs fully quantized (95 % CI {:+.1f} % to "
                       "{:+.1f} %)\n", lat.cost_ms, 100 * (lat.cost_ratio - 1), 100 * (lat.cost_ratio_ci_low - 1),
                       100 * (lat.cost_ratio_ci_high - 1));
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

nlohmann::json FallbackJson(const FallbackSearch& search, const LatencyComparison& lat, bool eval_on_calibration_data) {
  const FallbackStep& chosen = search.plan.steps[search.chosen];
  nlohmann::json j;
  j["criterion"] = search.criteria.fallback_top > 0 ? "fallback_top" : "max_drop";
  j["fallback_top"] = search.criteria.fallback_top > 0 ? nlohmann::json(search.criteria.fallback_top) : nlohmann::json(nullptr);
  j["max_drop_points"] = search.criteria.fallback_top > 0 ? nlohmann::json(nullptr) : Num(search.criteria.max_drop_points);
  j["drop_definition"] = "100 x (1 - top-1 agreement with fp32), percentage points";
  j["eval_data"] = search.dataset;
  j["eval_samples"] = search.samples;
  j["eval_on_calibration_data"] = eval_on_calibration_data;
  j["target_met"] = search.target_met;
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& k : search.kept) {
    kept.push_back({{"name", k.layer.name}, {"op_type", k.layer.op_type}, {"macs", k.layer.macs},
                    {"mac_share", k.mac_share}, {"alone", ScoreJson(k)}});
  }
  j["kept_float"] = kept;
  j["float_mac_share"] = chosen.float_mac_share;
  j["fully_quantized"] = ScoreJson(search.plan.steps.front().result);
  j["written"] = ScoreJson(chosen.result);
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& st : search.plan.steps) {
    nlohmann::json e = ScoreJson(st.result);
    e["keep_float"] = st.keep_float;
    e["float_mac_share"] = st.float_mac_share;
    steps.push_back(e);
  }
  j["steps"] = steps;
  j["chosen_step"] = search.chosen;
  nlohmann::json ranked = nlohmann::json::array();
  for (const auto& r : search.ranked) {
    nlohmann::json e = ScoreJson(r);
    e["name"] = r.layer.name;
    e["op_type"] = r.layer.op_type;
    e["mac_share"] = r.mac_share;
    ranked.push_back(e);
  }
  j["sensitivity"] = ranked;
  nlohmann::json l = {{"batch_size", lat.batch_size}, {"intra_op_threads", lat.intra_op_threads},
                      {"interleaved", true}, {"rounds", lat.rounds}, {"fallback_timed", lat.fallback_timed},
                      {"fp32", MeasurementJson(lat.fp32)}, {"quantized", MeasurementJson(lat.quantized)},
                      {"fallback", MeasurementJson(lat.fallback)},
                      {"quantized_speedup_vs_fp32", SpeedupJson(lat.quantized_vs_fp32)},
                      {"fallback_speedup_vs_fp32", SpeedupJson(lat.fallback_vs_fp32)},
                      {"fallback_cost_ms", Num(lat.cost_ms)},
                      {"fallback_cost_ratio", {{"ratio", Num(lat.cost_ratio)}, {"ci_low", Num(lat.cost_ratio_ci_low)},
                                               {"ci_high", Num(lat.cost_ratio_ci_high)}}}};
  j["latency"] = l;
  return j;
}

}  // namespace qbench::cli
