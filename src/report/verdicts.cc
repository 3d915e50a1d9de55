// Verdicts that respect the statistics: speedup trends only where the 95 % CIs separate, and the
// accuracy trade-off from the paired comparison with the baseline (docs/statistics.md).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qbench/report/analysis.h"
#include "report/report_util.h"

namespace qbench {

using namespace report_internal;

std::string SpeedupWord(const PointResult& p) {
  if (!p.has_speedup) return "unknown";
  if (p.speedup_ci95_low > 1.0) return "faster";
  if (p.speedup_ci95_high < 1.0) return "slower";
  return "not clearly different";
}

bool SpeedupCiUninformative(const PointResult& p) {
  if (!p.has_speedup) return false;
  const double lo = p.speedup_ci95_low, hi = p.speedup_ci95_high;
  return !(lo > 0 && std::isfinite(lo) && std::isfinite(hi)) || hi / lo > kUninformativeSpeedupCiRatio;
}

double OutlierRoundResampleChance(std::int64_t k) {
  if (k < 1) return 0;
  const double q = 1.0 / static_cast<double>(k);
  double below = 0, term = std::pow(1 - q, static_cast<double>(k));  // P(X = 0)
  for (std::int64_t j = 0; j < (k + 1) / 2; ++j) {
    below += term;
    term *= static_cast<double>(k - j) / static_cast<double>(j + 1) * q / (1 - q);  // P(X = j + 1)
  }
  return std::max(0.0, 1 - below);
}

std::string FormatSpeedupCi(const PointResult& p) {
  if (!p.has_speedup) return "n/a";
  std::string s = fmt::format("{} [{}, {}]", FormatRatio(p.speedup), FormatRatio(p.speedup_ci95_low), FormatRatio(p.speedup_ci95_high));
  if (SpeedupCiUninformative(p))
    s += p.speedup_ci95_low > 0 ? fmt::format(" (CI uninformative: spans {:.1f}x)", p.speedup_ci95_high / p.speedup_ci95_low)
                                : std::string(" (CI uninformative)");
  return s;
}

std::string SpeedupSize(const PointResult& p) {
  if (!SpeedupCiUninformative(p)) return FormatSpeedupCi(p);
  const std::string ci = fmt::format("95 % CI [{}, {}]", FormatRatio(p.speedup_ci95_low), FormatRatio(p.speedup_ci95_high));
  return p.speedup_ci95_low > 0 && std::isfinite(p.speedup_ci95_high)
             ? fmt::format("size unknown ({} spans {:.1f}x)", ci, p.speedup_ci95_high / p.speedup_ci95_low)
             : fmt::format("size unknown ({} is unbounded)", ci);
}

std::string SpeedupWithVerdict(const PointResult& p) {
  const std::string word = SpeedupWord(p);
  const std::string size = SpeedupSize(p);
  if (word == "slower") return size + ": slower, the CI lies below 1.00x";
  if (word == "not clearly different") return size + ": no clear speedup, the CI includes 1.00x";
  if (word == "faster" && SpeedupCiUninformative(p)) return size + ": faster, the CI lies above 1.00x";
  return size;
}

std::vector<std::string> StudySummaryLines(const LabStudy& study) {
  std::vector<std::string> lines;
  const std::string base = BaselineVariant(study);
  for (const auto& m : StudyModels(study)) {
    std::vector<std::string> parts;
    std::string where;
    for (const auto& v : StudyVariants(study)) {
      const PointResult* p = ReferencePoint(study, m, v);
      if (!p) continue;
      where = PointWhere(study, *p) + ", " + InputSizeLabel(p->point.input_size);
      std::vector<std::string> ratios;  // "; "-separated: a verdict holds a comma
      if (p->has_speedup) ratios.push_back("speedup " + SpeedupWithVerdict(*p));
      const double r = SizeRatio(study, m, v);
      if (v != base && std::isfinite(r)) ratios.push_back("size " + FormatRatio(r));
      std::string part = VariantLabel(study, m, v) + " " + FormatMs(p->latency.median_ms);
      if (!ratios.empty()) part += " (" + Join(ratios, "; ") + ")";
      if (OutputCollapsed(study, m, v)) part += " " + CollapsedStatus(study, m, v);
      parts.push_back(part);
    }
    lines.push_back("  " + m + (where.empty() ? ": nothing measured" : " (" + where + "): " + Join(parts, "; ")));
  }
  return lines;
}

bool SpeedupsSeparate(const PointResult& a, const PointResult& b) {
  if (!a.has_speedup || !b.has_speedup) return false;
  return a.speedup_ci95_low > b.speedup_ci95_high || b.speedup_ci95_low > a.speedup_ci95_high;
}

namespace {

// How a speedup moved from `from` to `to`, worded by where each lies relative to 1.00x: a gain
// (speedup > 1) grows or shrinks, a slowdown (speedup < 1) deepens or narrows, and crossing 1.00x
// turns one into the other.
std::string SpeedupChange(double from, double to) {
  if (to < from) {
    if (from <= 1.0) return "it got slower relative to the baseline (the slowdown grew)";
    return to < 1.0 ? "the gain turned into a slowdown" : "the gain shrank";
  }
  if (from >= 1.0) return "the gain grew";
  return to > 1.0 ? "the slowdown turned into a gain" : "the slowdown narrowed";
}

}  // namespace

std::string DescribeSpeedupTrend(const std::vector<const PointResult*>& series, const std::string& axis) {
  if (series.size() < 2) return "";
  auto at = [&axis](const PointResult* p) {
    return axis == "px" ? fmt::format("{} px", p->point.input_size) : fmt::format("{} {}", axis, p->point.batch);
  };
  // A point whose interval is uninformative says nothing about the speedup's size: it is no end, peak
  // or step of a trend (R2: a load artefact "11.24x [2.57x, 11.54x]" made "the gain shrank").
  std::vector<const PointResult*> s;
  std::vector<std::string> left_out;
  for (const auto* p : series) {
    if (SpeedupCiUninformative(*p)) left_out.push_back(at(p));
    else s.push_back(p);
  }
  const std::string note =
      left_out.empty() ? ""
                       : fmt::format("{} left out: {} 95 % CI{} span{} more than {:.0f}x, uninformative", Join(left_out),
                                     left_out.size() == 1 ? "its" : "their", left_out.size() == 1 ? "" : "s",
                                     left_out.size() == 1 ? "s" : "", kUninformativeSpeedupCiRatio);
  if (s.size() < 2) return "no trend stated (" + note + ")";
  const PointResult* first = s.front();
  const PointResult* last = s.back();
  std::string txt = fmt::format("speedup {} at {} → {} at {}", FormatRatio(first->speedup), at(first), FormatRatio(last->speedup), at(last));
  const PointResult* best = *std::max_element(s.begin(), s.end(), [](auto* a, auto* b) { return a->speedup < b->speedup; });
  const bool peak = best != first && best != last && SpeedupsSeparate(*best, *first) && SpeedupsSeparate(*best, *last);
  if (peak) txt += fmt::format(" (peak {} at {})", FormatRatio(best->speedup), at(best));
  // Stopped paying off: a significantly faster point followed by a significantly slower one.
  const PointResult* stop = nullptr;
  bool was_faster = false;
  for (const auto* p : s) {
    was_faster = was_faster || p->speedup_ci95_low > 1.0;
    if (was_faster && p->speedup_ci95_high < 1.0) {
      stop = p;
      break;
    }
  }
  const bool all_slower = std::all_of(s.begin(), s.end(), [](auto* p) { return p->speedup_ci95_high < 1.0; });
  if (stop) txt += fmt::format("; int8 stopped paying off from {} (95 % CIs above, then below 1.00x)", at(stop));
  else if (all_slower) txt += fmt::format("; slower than the baseline at every {} (every 95 % CI below 1.00x)", axis == "px" ? "size" : axis);
  else if (SpeedupsSeparate(*first, *last)) txt += "; " + SpeedupChange(first->speedup, last->speedup);
  else if (!peak) txt += "; no clear trend (the 95 % CIs overlap)";
  return note.empty() ? txt : txt + "; " + note;
}

std::string AccuracyMeaningless(const LabStudy& study, const std::string& model) {
  const std::string base = BaselineVariant(study);
  const auto* a0 = study.FindAccuracy(model, base);
  if (HasRandomWeights(study, model))
    return "its weights are seeded random numbers (a qbench zoo architecture), so its accuracy and top-1 agreement mean "
           "nothing: its fidelity is judged by the verification's SQNR and cosine against " + BaselineName(study) + " only";
  if (!a0 || !a0->ok) return "";
  if (a0->labels_out_of_range > 0)
    return fmt::format("{} label(s) are outside the model's {} classes: the evaluation labels are not this model's", a0->labels_out_of_range,
                       a0->num_classes);
  if (a0->num_classes >= 2 && a0->top1_ci95_low < 2.0 / static_cast<double>(a0->num_classes))
    return fmt::format("its {} top-1 ({:.1f} %, 95 % CI from {:.1f} %) cannot be told from chance (1/{} classes = {:.1f} %)",
                       VariantLabel(study, model, base), 100 * a0->top1, 100 * a0->top1_ci95_low, a0->num_classes,
                       100.0 / static_cast<double>(a0->num_classes));
  return "";
}

std::string VerificationFidelity(const LabStudy& study, const std::string& model) {
  if (!HasRandomWeights(study, model)) return "";
  std::vector<std::string> parts;
  std::string samples;
  bool collapsed = false;
  for (const auto& v : StudyVariants(study)) {
    const ModelRecord* r = study.FindModel(model, v);
    if (v == BaselineVariant(study) || !r || !r->ok || !r->has_verification || !r->verification.performed) continue;
    for (const auto& o : r->verification.outputs) {
      if (!o.compared) continue;
      parts.push_back(v + " " + FidelityText(o.sqnr_db, o.cosine));
      break;  // the first compared output, as the fidelity of a model without class scores
    }
    samples = r->verification.samples;
    collapsed = collapsed || r->verification.collapsed;
  }
  if (parts.empty()) return " No variant was verified, so its fidelity is unknown.";
  return fmt::format(" Verification against {} ({}): {}; {}.", BaselineName(study), samples, Join(parts, "; "),
                     collapsed ? "see Collapsed for the variants that collapsed" : "no output collapsed");
}

std::string AccuracyObservation(const LabStudy& study, const std::string& model) {
  const std::string base = BaselineVariant(study);
  const auto* a0 = study.FindAccuracy(model, base);
  if (!a0 || !a0->ok) return "";
  const std::string base_label = VariantLabel(study, model, base);
  std::vector<std::string> parts;
  if (a0->metric == "fidelity") {  // no class scores, so no top-1: the label-free fidelity instead
    for (const auto& v : StudyVariants(study)) {
      const auto* a = study.FindAccuracy(model, v);
      if (v != base && a && a->ok) parts.push_back(VariantLabel(study, model, v) + " " + FidelityText(*a));
    }
    return fmt::format("**Accuracy, {}** (no top-1: its first output is not class scores; fidelity vs {} on {} sample(s)): {}.",
                       model, base_label, a0->samples, parts.empty() ? std::string("no quantized variant evaluated") : Join(parts, "; "));
  }
  struct Candidate {
    std::string variant;
    double speedup;
    bool faster, within, drop;
    const AccuracyRecord* acc;
    bool size_unknown;  // its speedup's CI is uninformative: "faster, size unknown", never "11.24x faster"
    std::string Faster() const { return size_unknown ? "faster, size unknown" : FormatRatio(speedup) + " faster"; }
  };
  std::vector<Candidate> cands;
  for (const auto& v : StudyVariants(study)) {
    const auto* a = study.FindAccuracy(model, v);
    if (!a || !a->ok) continue;
    std::string part = fmt::format("{} {:.1f} %", VariantLabel(study, model, v), 100 * a->top1);
    if (v != base && a->has_paired) {
      part += fmt::format(" (change {:+.1f} points, paired 95 % CI [{:+.1f}, {:+.1f}]; agreement with {} {:.1f} % [{:.1f}, {:.1f}])",
                          100 * a->top1_change, 100 * a->top1_change_ci95_low, 100 * a->top1_change_ci95_high, base_label,
                          100 * a->top1_agreement, 100 * a->top1_agreement_ci95_low, 100 * a->top1_agreement_ci95_high);
      const auto* p = ReferencePoint(study, model, v);
      cands.push_back({v, p && p->has_speedup ? p->speedup : 0.0, p && p->has_speedup && p->speedup_ci95_low > 1.0,
                       a->top1_change_ci95_low >= -kAccuracyMargin, a->top1_change_ci95_high < 0, a, p && SpeedupCiUninformative(*p)});
    }
    parts.push_back(part);
  }
  std::string s = fmt::format("**Accuracy, {}** (top-1 on {} samples): {}.", model, a0->samples, Join(parts, "; "));
  const std::string why_not = AccuracyMeaningless(study, model);
  if (!why_not.empty()) return s + " No trade-off verdict: " + why_not + "." + VerificationFidelity(study, model);
  if (cands.empty()) return s;
  const Candidate* best = nullptr;
  for (const auto& c : cands)
    if (c.faster && c.within && (!best || c.speedup > best->speedup)) best = &c;
  if (best)
    return s + fmt::format(" Best trade-off: **{}** ({}; its top-1 change's paired 95 % CI [{:+.1f}, {:+.1f}] points rules out "
                           "a drop of more than {:.0f} point vs {}).",
                           best->variant, best->Faster(), 100 * best->acc->top1_change_ci95_low,
                           100 * best->acc->top1_change_ci95_high, 100 * kAccuracyMargin, base_label);
  std::vector<std::string> undecided, dropped;
  for (const auto& c : cands) {
    if (c.drop) dropped.push_back(fmt::format("{} ({:+.1f} points, McNemar p = {:.2g})", c.variant, 100 * c.acc->top1_change, c.acc->mcnemar_p));
    else if (c.faster && !c.within)
      undecided.push_back(fmt::format("{} ({}, but its interval allows a drop of up to {:.1f} points)", c.variant, c.Faster(),
                                      -100 * c.acc->top1_change_ci95_low));
  }
  s += " No best trade-off named:";
  if (!dropped.empty()) s += " significant top-1 drop for " + Join(dropped) + ";";
  if (!undecided.empty())
    s += fmt::format(" undecided at {} samples for {} — more evaluation samples narrow the interval;", a0->samples, Join(undecided));
  if (dropped.empty() && undecided.empty()) s += " no quantized variant was significantly faster;";
  s.back() = '.';
  return s;
}

}  // namespace qbench
