// The Accuracy section of report.md (AccuracyMarkdown), and what an interrupted study did not evaluate.
#include "qbench/report/accuracy_report.h"

#include <fmt/format.h>

#include "qbench/core/table.h"
#include "qbench/report/analysis.h"
#include "report/report_util.h"

namespace qbench {

using namespace report_internal;

std::vector<std::string> AccuracyNotEvaluated(const LabStudy& study) {
  std::vector<std::string> out;
  if (!study.interrupted || study.config.eval_data.empty()) return out;
  for (const auto& m : StudyModels(study))
    for (const auto& v : StudyVariants(study)) {
      const ModelRecord* r = study.FindModel(m, v);
      if (r && r->ok && !r->not_applicable && !study.FindAccuracy(m, v)) out.push_back(m + " " + v);
    }
  return out;
}

std::string AccuracyMarkdown(const LabStudy& study) {
  const std::string base = BaselineVariant(study);
  const auto models = StudyModels(study);
  const auto missing = AccuracyNotEvaluated(study);
  if (study.accuracy.empty() && missing.empty()) return "";
  std::string md = "## Accuracy\n\n";
  const std::string gap = missing.empty() ? ""
      : "accuracy: not evaluated (interrupted) for " + Join(missing) + "; `qbench lab --resume` evaluates it.\n\n";
  if (study.accuracy.empty()) return md + gap;
  md += "Each quantized variant is compared with its model's baseline on the same samples: top-1 agreement (share of samples "
        "with the same top-1 class, 95 % Wilson CI) and the paired top-1 change with its 95 % interval (Newcombe's paired score "
        "interval, McNemar's design; docs/statistics.md). The baseline is not compared with itself.\n\n";
  std::vector<std::string> at;  // models timed at several input sizes: accuracy is measured at one
  for (const auto& m : models) {
    const auto sizes = ModelInputSizes(study, m);
    const auto* a = study.FindAccuracy(m, base);
    if (sizes.size() > 1) at.push_back(fmt::format("{} at {}", m, InputSizeLabel(a && a->input_size > 0 ? a->input_size : sizes.front(), true)));
  }
  if (!at.empty()) md += "Accuracy is measured at one input size per model, its first (the others are timed only): " + Join(at, "; ") + ".\n\n";
  md += "| model | variant | samples | top-1 [95 % Wilson CI] | top-5 | top-1 agreement with baseline [95 % CI] | top-1 change "
        "[paired 95 % CI] | speedup at the smallest batch [95 % CI] |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& a : study.accuracy) {
    const std::string label = VariantLabel(study, a.model, a.variant);
    if (!a.ok) {
      md += fmt::format("| {} | {} | failed: {} | | | | | |\n", a.model, label, MarkdownCell(Abbreviate(a.error, 200)));
      continue;
    }
    const auto* p = ReferencePoint(study, a.model, a.variant);
    if (a.metric == "fidelity") {  // no class scores: label-free fidelity against the baseline instead
      md += fmt::format("| {} | {} | {} | — (first output is not class scores) | — | {} | — | {} |\n", a.model, label,
                        a.samples,
                        a.variant == base ? std::string("(reference)") : FidelityText(a),
                        p && p->has_speedup ? FormatSpeedupCi(*p) : "—");
      continue;
    }
    const bool is_base = a.variant == base;
    md += fmt::format("| {} | {} | {} | {:.1f} % [{:.1f}, {:.1f}] | {:.1f} % | {} | {} | {} |\n", a.model, label, a.samples, 100 * a.top1,
                      100 * a.top1_ci95_low, 100 * a.top1_ci95_high, 100 * a.top5,
                      is_base ? "(baseline)"
                      : a.top1_agreement >= 0
                          ? fmt::format("{:.1f} % [{:.1f}, {:.1f}]", 100 * a.top1_agreement, 100 * a.top1_agreement_ci95_low,
                                        100 * a.top1_agreement_ci95_high)
                          : "—",
                      is_base ? "(baseline)"
                      : a.has_paired ? fmt::format("{:+.1f} points [{:+.1f}, {:+.1f}]", 100 * a.top1_change, 100 * a.top1_change_ci95_low,
                                                   100 * a.top1_change_ci95_high)
                                     : "—",
                      p && p->has_speedup ? FormatSpeedupCi(*p) : "—");
  }
  std::string ds;
  for (const auto& a : study.accuracy)
    if (a.ok && !a.dataset.empty()) ds = a.dataset;
  if (!ds.empty()) md += "\nEvaluation data: " + ds + ".\n";
  for (const auto& m : models) {
    const std::string why = AccuracyMeaningless(study, m);
    if (!why.empty() && study.FindAccuracy(m, base)) md += "\n" + m + ": no accuracy verdict — " + why + ".\n";
  }
  md += "\n";
  return md + gap;
}

}  // namespace qbench
