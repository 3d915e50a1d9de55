// The tables of `qbench sensitivity` and of the fp32-fallback search (qbench/eval/eval_report.h),
// as core/table.h Tables: one place for their columns, written as text by the CLI.
#include <cmath>

#include <fmt/format.h>

#include "qbench/eval/eval_report.h"
#include "qbench/quantization/scheme.h"

namespace qbench {

std::string SensitivityCalibrationText(const std::string& scheme, const std::string& method, std::size_t samples) {
  const SchemeInfo& info = FindQuantizationScheme(scheme);
  if (info.needs_calibration) return fmt::format("calibration {}, {} samples", method, samples);
  return info.ActivationsQuantizedAtRunTime() ? "no calibration: activations quantized at run time" : "no calibration";
}

std::string FormatDb(double db) {
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  return std::isfinite(db) ? fmt::format("{:.2f}", db) : "-";
}

std::string FormatFraction(double f) { return std::isfinite(f) ? fmt::format("{:.2f} %", 100 * f) : "-"; }

namespace {

Cell Db(double v) { return Cell::Number(v, FormatDb(v)); }
Cell Fraction(double v) { return Cell::Number(v, FormatFraction(v)); }
Cell Share(double v) { return Cell::Number(v, std::isfinite(v) ? fmt::format("{:.1f}%", 100 * v) : "-"); }
Cell Fixed(double v, int decimals) { return Cell::Number(v, std::isfinite(v) ? FormatFixed(v, decimals) : "-"); }

}  // namespace

Table SensitivityTable(const std::vector<LayerSensitivity>& ranked) {
  Table t;
  t.columns = {{"rank", "rank", Align::kRight},          {"layer", "layer", Align::kLeft},
               {"op_type", "op", Align::kLeft},          {"mac_share", "MACs", Align::kRight},
               {"sqnr_db", "SQNR dB", Align::kRight},    {"agreement", "agreement", Align::kRight},
               {"kl_nats", "KL nats", Align::kRight},    {"drop_points", "drop", Align::kRight},
               {"top1", "top-1", Align::kRight}};
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const auto& s = ranked[i];
    t.AddRow({Cell::Integer(static_cast<std::int64_t>(i + 1)), Cell::Text(s.layer.name), Cell::Text(s.layer.op_type),
              Share(s.mac_share), Db(s.sqnr_db), Fraction(s.agreement), Fixed(s.kl, 5), Fixed(s.drop_points, 2),
              Fraction(s.top1)});
  }
  return t;
}

Table FallbackTable(const FallbackPlan& plan) {
  Table t;
  t.columns = {{"chosen", " ", Align::kLeft},              {"kept_fp32", "kept fp32", Align::kRight},
               {"float_mac_share", "fp32 MACs", Align::kRight}, {"sqnr_db", "SQNR dB", Align::kRight},
               {"agreement", "agreement", Align::kRight}, {"drop_points", "drop", Align::kRight}};
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& st = plan.steps[i];
    t.AddRow({Cell::Text(i == plan.chosen ? "*" : ""), Cell::Integer(static_cast<std::int64_t>(st.keep_float.size())),
              Share(st.float_mac_share), Db(st.result.sqnr_db), Fraction(st.result.agreement),
              Fixed(st.result.drop_points, 2)});
  }
  return t;
}

}  // namespace qbench
