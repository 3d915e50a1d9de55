// Report sections: energy, external variants, execution provider (qbench/report/device_report.h).
#include "qbench/report/device_report.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "qbench/report/analysis.h"
#include "qbench/runtime/placement.h"
#include "report_util.h"

namespace qbench {
namespace {

std::string Joules(double j) {
  if (j >= 1) return fmt::format("{:.3g} J", j);
  if (j >= 1e-3) return fmt::format("{:.3g} mJ", j * 1e3);
  return fmt::format("{:.3g} µJ", j * 1e6);
}

}  // namespace

std::string EnergyMarkdown(const LabStudy& study) {
  std::string md = "## Energy\n\n";
  std::string reason;
  bool any = false;
  for (const auto& p : study.points) {
    if (!p.ok) continue;
    if (p.energy.available) any = true;
    else if (reason.empty()) reason = p.energy.reason;
  }
  if (!any) {
    if (study.points.empty()) return "";
    return md + "Not measured: " + (reason.empty() ? std::string("no energy figures in these results") : reason) +
           ". Energy per inference needs a readable power sensor (RAPL, hwmon or a Jetson's INA3221; docs/energy.md).\n\n";
  }
  const std::string base = BaselineVariant(study);
  std::string source;
  bool coarse = false;
  for (const auto& p : study.points)
    if (p.ok && p.energy.available) {
      source = p.energy.source;
      coarse = coarse || p.energy.coarse;
    }
  md += "From the " + source + " power sensors, sampled during the timed runs; each run's share is the rise of the "
        "energy curve over that run (docs/energy.md). Energy per inference is per run (one batch). The ratio is median J per "
        "run of the variant / of " + base + " in the same interleaved rounds, with a paired bootstrap 95 % CI (< 1: the "
        "variant uses less energy).";
  if (coarse)
    md += " **Points marked coarse ran shorter than two sensor sampling periods: neighbouring runs of other variants share "
          "their samples, which pulls their ratio toward 1.**";
  md += "\n\n";
  for (const auto& m : StudyModels(study)) {
    md += "### " + m + "\n\n| variant | batch | input | threads | energy per inference | per sample | average power | energy vs " +
          base + " [95 % CI] |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (const auto& p : study.points) {
      if (p.point.model != m || !p.ok) continue;
      const auto& e = p.energy;
      const std::string who = VariantLabel(study, m, p.point.variant);
      if (!e.available) {
        md += fmt::format("| {} | {} | {} | {} | not measured: {} | | | |\n", who, p.point.batch, p.point.input_size,
                          p.point.threads, e.reason);
        continue;
      }
      md += fmt::format("| {} | {} | {} | {} | {}{} | {} | {:.2f} W | {} |\n", who, p.point.batch, p.point.input_size,
                        p.point.threads, Joules(e.energy_per_inference_j), e.coarse ? " (coarse)" : "",
                        Joules(e.energy_per_sample_j), e.average_power_w,
                        e.has_ratio ? fmt::format("{:.2f}× [{:.2f}, {:.2f}]", e.ratio, e.ratio_ci95_low, e.ratio_ci95_high)
                                    : (p.point.variant == base ? "(baseline)" : "—"));
    }
    md += "\n";
  }
  return md;
}

std::string ExternalVariantsMarkdown(const LabStudy& study) {
  std::string md;
  for (const auto& r : study.models) {
    if (!r.external) continue;
    if (md.empty())
      md = "## External variants\n\nModels made elsewhere (`--compare-file`), measured exactly like qbench's variants "
           "(interleaved with the baseline, on the same inputs and data) and never rewritten.\n\n";
    md += fmt::format("- **{} {}**: `{}`", r.model, r.variant, r.file);
    if (!r.ok) {
      md += " — could not be loaded: " + r.error + "\n";
      continue;
    }
    md += fmt::format(", {:.2f} MiB; the file holds **{}**", static_cast<double>(r.file_size_bytes) / (1024.0 * 1024.0), r.content);
    const ExternalFileCoverage& c = r.file_coverage;
    if (r.has_file_coverage && c.analyzed) {
      const OptimizedGraphContent& a = c.after_ort_optimization;
      std::string ops;
      for (const auto& [op, n] : a.int8_ops) ops += (ops.empty() ? "" : ", ") + fmt::format("{} ×{}", op, n);
      md += fmt::format("; after ONNX Runtime's optimization ({}): {}, int8 ops {}, ", a.graph_optimization, a.content,
                        ops.empty() ? "none" : ops);
      md += a.macs_complete ? fmt::format("{:.1f} % of MACs in int8", 100 * a.int8_mac_share)
                            : fmt::format("int8 share of MACs unknown ({} MAC-bearing node(s) with unknown shapes)",
                                          a.unknown_mac_nodes);
    }
    md += ".";
    if (r.has_file_coverage && c.u8s8_saturation)
      md += " **Its int8 weights go beyond [-64, 64] against u8 activations, and this CPU's ONNX Runtime u8·s8 kernels "
            "saturate (x86 AVX2 without VNNI): its accuracy here can be lower than on a CPU with VNNI "
            "(docs/quantized_graphs.md).**";
    md += "\n";
  }
  return md.empty() ? md : md + "\n";
}

std::string ProviderMarkdown(const LabStudy& study) {
  std::set<std::string> providers;
  for (const auto& p : study.points) providers.insert(p.provider);
  bool fallback = false;
  for (const auto& r : study.models) fallback = fallback || (r.has_placement && r.placement.fallback);
  if (!fallback && (providers.empty() || (providers.size() == 1 && *providers.begin() == "cpu"))) return "";
  std::string list;
  for (const auto& p : providers) list += (list.empty() ? "" : ", ") + p;
  std::string md = "## Execution provider\n\nPoints measured with the " + list +
                   " provider. Where ONNX Runtime placed each variant's nodes (its profiler, one run at batch 1):\n\n";
  for (int pass = 0; pass < 2; ++pass)  // fallbacks first
    for (const auto& r : study.models) {
      if (!r.has_placement || r.placement.fallback != (pass == 0)) continue;
      md += fmt::format("- {} {}: {}\n", r.model, VariantLabel(study, r.model, r.variant), DescribePlacement(r.placement));
    }
  return md + "\n";
}

}  // namespace qbench
