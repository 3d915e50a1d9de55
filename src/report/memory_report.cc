// The lab's memory per model variant: report.md section and plot (memory_report.h).
#include "qbench/report/memory_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qbench/report/analysis.h"

namespace qbench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string MiB(std::int64_t bytes) { return bytes < 0 ? "—" : fmt::format("{:.1f}", bytes / kMiB); }

}  // namespace

std::string MemoryMarkdown(const LabStudy& study) {
  const auto models = StudyModels(study);
  const auto variants = StudyVariants(study);
  const std::string base = BaselineVariant(study);
  std::string rows;
  bool any_process = false, any_isolated = false;
  for (const auto& m : models) {
    const PointResult* b = ReferencePoint(study, m, base);
    for (const auto& v : variants) {
      const PointResult* p = ReferencePoint(study, m, v);
      if (!p || p->peak_rss_bytes <= 0) continue;
      const bool isolated = p->memory_method == "isolated";
      any_isolated |= isolated;
      any_process |= !isolated;
      std::string ratio = "—";
      if (v == base)
        ratio = "(baseline)";
      else if (b && b->peak_rss_bytes > 0 && b->memory_method == p->memory_method)
        ratio = FormatRatio(static_cast<double>(p->peak_rss_bytes) / static_cast<double>(b->peak_rss_bytes));
      // The baseline of a file that is not fp32 is labelled by what it holds ("as given (int8 QOperator)").
      rows += fmt::format("| {} | {} | {} | {} | {} | {} | {}{} | {} |\n", m, VariantLabel(study, m, v), p->point.batch,
                          MiB(p->weights_memory_bytes),
                          MiB(p->session_memory_bytes), MiB(p->arena_peak_bytes), MiB(p->peak_rss_bytes), isolated ? "" : " (process)", ratio);
    }
  }
  if (rows.empty()) return "";
  std::string md = "## Memory per variant\n\n";
  md += "| model | variant | batch | weights (MiB) | session (MiB) | arena peak (MiB) | peak RSS (MiB) | peak RSS vs " + BaselineName(study) +
        " |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n" + rows + "\n";
  if (any_isolated)
    md += "Each variant was measured alone, at every point, in a child process that loads only that model file, creates "
          "one session and runs the warm-up and two runs (docs/measurement.md, \"Memory\"): *weights* are the bytes of "
          "its initializers, *session* the growth of its resident set over session creation (the weights as ONNX Runtime "
          "holds them, pre-packed for the kernels, the optimized graph and the kernels' code), *arena peak* is ONNX Runtime's CPU arena at its highest (activations and "
          "workspaces), *peak RSS* the child's VmHWM — the runtime's own code and heap included, so it is what running "
          "this model alone costs, and it does not depend on the models measured before it.";
  if (any_process)
    md += std::string(any_isolated ? " " : "") +
          "Rows marked (process) could not be measured alone: their peak RSS is the lab process's, which includes every "
          "model loaded before.";
  return md + "\n\n";
}

}  // namespace qbench
