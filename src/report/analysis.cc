#include "qbench/report/analysis.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "qbench/benchmark/environment.h"
#include "qbench/lab/config.h"
#include "qbench/lab/model_content.h"
#include "report/report_util.h"

namespace qbench {
bool VerificationCollapsed(const LabStudy& study, const std::string& model, const std::string& variant) {
  const ModelRecord* r = study.FindModel(model, variant);
  return r && r->ok && r->has_verification && r->verification.collapsed;
}

bool AccuracyCollapsed(const LabStudy& study, const std::string& model, const std::string& variant) {
  const AccuracyRecord* a = study.FindAccuracy(model, variant);
  // Random weights: agreement on data whose accuracy means nothing is no test (R10); verification judges them.
  return a && a->ok && a->metric == "top1" && a->top1_agreement >= 0 && a->samples >= kAccuracyCollapseMinSamples &&
         a->top1_agreement_ci95_high < kAccuracyCollapseAgreement && !HasRandomWeights(study, model);
}

bool OutputCollapsed(const LabStudy& study, const std::string& model, const std::string& variant) {
  return VerificationCollapsed(study, model, variant) || AccuracyCollapsed(study, model, variant);
}

std::string CollapsedStatus(const LabStudy& study, const std::string& model, const std::string& variant) {
  if (VerificationCollapsed(study, model, variant)) return "COLLAPSED in verification: outputs unusable (see Warnings)";
  if (!AccuracyCollapsed(study, model, variant)) return "";
  return fmt::format("COLLAPSED in accuracy: top-1 agreement with {} {:.1f} % (see Observations)",
                     BaselineName(study), 100 * study.FindAccuracy(model, variant)->top1_agreement);
}

namespace report_internal {

bool IsIntegerOp(const std::string& op) {
  return op.rfind("QLinear", 0) == 0 || op.find("Integer") != std::string::npos || op == "QGemm" ||
         op == "DynamicQuantizeMatMul" || op == "QAttention";
}

const SchemeInfo* VariantScheme(const std::string& variant) {
  for (const auto& v : LabVariants())
    if (v.name == variant) return v.scheme;
  return nullptr;
}

bool HasCalibratedIntegerActivations(const std::string& variant) {
  const SchemeInfo* s = VariantScheme(variant);
  return s && s->needs_calibration && IsIntegerPrecision(s->activation_precision);
}

std::string PerTensorRemedy(const LabStudy& study, const std::string& variant) {
  const LabVariantInfo* info = LookupLabVariant(variant);
  if (!info || !info->scheme || info->granularity != Granularity::kPerTensor) return "";
  const LabVariantInfo* per_channel = nullptr;  // the same scheme with per-channel weights (not "auto": its choice varies)
  for (const auto& v : LabVariants())
    if (!per_channel && v.scheme == info->scheme && !v.auto_search && v.granularity == Granularity::kPerChannel) per_channel = &v;
  if (!per_channel) return "";
  const std::string why = " Its weights are per-tensor (one scale for a whole weight tensor), which a layer whose channels "
                          "have very different ranges does not survive: per-channel weights often keep it";
  const auto measured = StudyVariants(study);
  if (std::find(measured.begin(), measured.end(), per_channel->name) != measured.end())
    return why + ", as the `" + per_channel->name + "` variant of this study has them: compare its rows.";
  const bool flag = per_channel->weight_granularity == WeightGranularity::kPerChannel;
  return why + ": add the `" + per_channel->name + "` variant to --variants (the file `qbench quantize MODEL --mode " +
         info->scheme->name + (flag ? " --per-channel" : "") + "` writes).";
}

}  // namespace report_internal

bool AutoKeptUnchanged(const LabStudy& study, const std::string& model, const std::string& variant) {
  const ModelRecord* r = study.FindModel(model, variant);
  return r && r->ok && r->has_auto_search && r->auto_search.wrote_fp32_unchanged;
}

namespace report_internal {

std::string Percent(double share) { return fmt::format("{:.0f} %", 100.0 * share); }

std::string FidelityText(double sqnr_db, double cosine) {
  return (std::isfinite(sqnr_db) ? fmt::format("SQNR {:.1f} dB", sqnr_db) : std::string("identical outputs")) +
         fmt::format(", cosine {:.4f}", cosine);
}

std::string FidelityText(const AccuracyRecord& a) { return FidelityText(a.sqnr_db, a.cosine); }

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::string PointWords(const SweepPoint& p) { return p.model + ": " + p.Label(); }

std::string PointWords(const std::string& id) {
  const auto p = SweepPoint::FromKey(id);
  return p ? PointWords(*p) : "`" + id + "`";
}

const RooflinePeaks* PeaksFor(const LabStudy& study, std::int64_t threads) {
  for (const auto& r : study.roofline)
    if (r.ok && r.threads == threads) return &r;
  for (const auto& r : study.roofline)
    if (r.ok) return &r;
  return nullptr;
}

const OpProfileRecord* ProfileFor(const LabStudy& study, const std::string& model, const std::string& variant) {
  for (const auto& o : study.op_profiles)
    if (o.ok && o.model == model && o.variant == variant) return &o;
  return nullptr;
}

std::vector<const PointResult*> BatchSeries(const LabStudy& study, const std::string& model, const std::string& variant,
                                            std::int64_t input_size, std::int64_t threads) {
  std::vector<const PointResult*> out;
  for (const auto& p : study.points)
    if (p.ok && p.point.model == model && p.point.variant == variant && p.point.input_size == input_size &&
        p.point.threads == threads)
      out.push_back(&p);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->point.batch < b->point.batch; });
  return out;
}

double TimeShare(const OpProfileRecord& prof, const std::function<bool(const std::string&)>& pred) {
  if (prof.total_ms <= 0) return 0;
  double t = 0;
  for (const auto& o : prof.op_types)
    if (pred(o.op_type)) t += o.time_ms;
  return t / prof.total_ms;
}

std::int64_t FirstThreads(const LabStudy& study) {
  const auto& t = study.config.threads;
  return t.empty() ? 1 : t.front();
}

std::string ThreadsText(std::int64_t threads) { return fmt::format("{} thread{}", threads, threads == 1 ? "" : "s"); }

std::string PointWhere(const LabStudy& study, const PointResult& p) {
  return fmt::format("batch {}", p.point.batch) + (study.config.threads.size() > 1 ? ", " + ThreadsText(p.point.threads) : "");
}

std::int64_t FirstInputSize(const LabStudy& study, const std::string& model) {
  const auto s = ModelInputSizes(study, model);
  return s.empty() ? 0 : s.front();
}

}  // namespace report_internal

using namespace report_internal;

std::string BaselineVariant(const LabStudy& study) {
  auto v = StudyVariants(study);
  return v.empty() ? "" : v.front();
}

std::vector<std::string> StudyVariants(const LabStudy& study) {
  auto v = study.config.variants;
  if (!v.empty()) {
    // External variants (--compare-file) after qbench's own, each once.
    for (const auto& e : study.config.external_variants)
      if (!e.label.empty() && std::find(v.begin(), v.end(), e.label) == v.end()) v.push_back(e.label);
    return v;
  }
  std::vector<std::string> out;
  for (const auto& m : study.models)
    if (std::find(out.begin(), out.end(), m.variant) == out.end()) out.push_back(m.variant);
  return out;
}

std::vector<std::string> StudyModels(const LabStudy& study) {
  std::vector<std::string> out;
  for (const auto& m : study.models)
    if (std::find(out.begin(), out.end(), m.model) == out.end()) out.push_back(m.model);
  for (const auto& p : study.points)
    if (std::find(out.begin(), out.end(), p.point.model) == out.end()) out.push_back(p.point.model);
  return out;
}

namespace {

// Ranks 1..n of v, ties given their average rank.
std::vector<double> AverageRanks(const std::vector<double>& v) {
  const std::size_t n = v.size();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;  // 1-based average rank
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

// Pearson's correlation of two rank vectors; NaN when either is constant.
double RankPearson(const std::vector<double>& rx, const std::vector<double>& ry) {
  const std::size_t n = rx.size();
  const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n, my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx == 0 || syy == 0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace

double SpearmanRankCorrelation(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  if (n < 3 || y.size() != n) return kNaN;
  return RankPearson(AverageRanks(x), AverageRanks(y));
}

double SizeRatio(const LabStudy& study, const std::string& model, const std::string& variant) {
  const auto* a = study.FindModel(model, variant);
  const auto* b = study.FindModel(model, BaselineVariant(study));
  if (!a || !b || !a->ok || !b->ok || b->file_size_bytes <= 0) return kNaN;
  return static_cast<double>(a->file_size_bytes) / static_cast<double>(b->file_size_bytes);
}

std::vector<std::int64_t> ModelInputSizes(const LabStudy& study, const std::string& model) {
  const auto it = study.config.model_input_sizes.find(model);
  if (it != study.config.model_input_sizes.end() && !it->second.empty()) return it->second;
  return study.config.input_size;
}

const PointResult* ReferencePoint(const LabStudy& study, const std::string& model, const std::string& variant) {
  const auto sizes = ModelInputSizes(study, model);
  const auto& threads = study.config.threads;
  const PointResult* best = nullptr;
  for (const auto& p : study.points) {
    if (!p.ok || p.point.model != model || p.point.variant != variant) continue;
    if (!sizes.empty() && p.point.input_size != sizes.front()) continue;
    if (!threads.empty() && p.point.threads != threads.front()) continue;
    if (!best || p.point.batch < best->point.batch) best = &p;
  }
  return best;
}

RankCorrelation SpearmanWithInterval(const std::vector<double>& x, const std::vector<double>& y) {
  RankCorrelation r;
  r.n = x.size();
  r.rho = SpearmanRankCorrelation(x, y);
  r.lo = r.hi = r.p_exact = kNaN;
  if (!std::isfinite(r.rho)) return r;
  if (r.n <= kMaxExactPermutationModels) {
    // Every pairing of y's ranks with x's is equally likely when the two are unrelated: count the n! orders of
    // y's ranks whose |ρ| reaches the observed one (two-sided).
    const auto rx = AverageRanks(x), ry = AverageRanks(y);
    std::vector<std::size_t> order(r.n);
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> permuted(r.n);
    do {
      for (std::size_t i = 0; i < r.n; ++i) permuted[i] = ry[order[i]];
      ++r.orders;
      if (std::abs(RankPearson(rx, permuted)) >= std::abs(r.rho) - 1e-9) ++r.extreme;
    } while (std::next_permutation(order.begin(), order.end()));
    r.p_exact = static_cast<double>(r.extreme) / static_cast<double>(r.orders);
  }
  // Fisher's z is infinite at |ρ| = 1 and its normal approximation means nothing over a handful of models.
  if (r.n < kMinModelsForCorrelation || std::abs(r.rho) >= 1.0) return r;
  const double se = std::sqrt(1.06 / static_cast<double>(r.n - 3));
  r.lo = std::tanh(std::atanh(r.rho) - 1.959963984540054 * se);
  r.hi = std::tanh(std::atanh(r.rho) + 1.959963984540054 * se);
  return r;
}

std::string VariantLabel(const LabStudy& study, const std::string& model, const std::string& variant) {
  const auto* rec = study.FindModel(model, variant);
  if (rec && rec->external) return variant + " (external" + (rec->ok ? ", " + rec->content : std::string()) + ")";
  if (variant != BaselineVariant(study)) return variant;
  return rec && rec->ok ? BaselineLabel(rec->content, variant) : variant;
}

std::string BaselineName(const LabStudy& study) {
  const std::string base = BaselineVariant(study);
  if (VariantScheme(base)) return base;  // a scheme's variant as the baseline: a file qbench made, named by its variant
  std::set<std::string> contents;
  for (const auto& m : StudyModels(study)) {
    const auto* rec = study.FindModel(m, base);
    contents.insert(!rec || !rec->ok || rec->content.empty() ? base : rec->content);
  }
  if (contents.empty() || (contents.size() == 1 && *contents.begin() == base)) return base;
  return contents.size() == 1 ? "baseline (" + *contents.begin() + ")" : "baseline";
}

std::string VariantLegend(const LabStudy& study, const std::string& variant) {
  std::vector<std::string> labels;
  for (const auto& m : StudyModels(study)) {
    // Only the models that have this variant (an external file belongs to one model).
    bool has = study.FindModel(m, variant) != nullptr;
    for (const auto& p : study.points) has = has || (p.point.model == m && p.point.variant == variant);
    if (!has) continue;
    const std::string l = VariantLabel(study, m, variant);
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
  }
  if (labels.empty()) return variant;
  std::string out;
  for (const auto& l : labels) out += (out.empty() ? "" : " / ") + l;
  return out;
}

std::string NothingQuantizedReason(const ModelRecord& r) {
  if (!r.ok || r.external || !r.has_coverage_report || r.op_coverage.empty()) return "";
  for (const auto& [op, c] : r.op_coverage)
    if (c.quantized > 0) return "";
  std::vector<std::string> why;
  for (const auto& c : r.coverage_report.by_op_type) {
    const bool mac = c.op_type.find("Conv") != std::string::npos || c.op_type.find("Gemm") != std::string::npos ||
                     c.op_type.find("MatMul") != std::string::npos || c.op_type.find("LSTM") != std::string::npos;
    if (mac && c.kept_float > 0 && !c.reasons.empty()) why.push_back(c.op_type + ": " + Join(c.reasons, "; "));
  }
  return why.empty() ? "no op could be quantized" : Join(why, "; ");
}

bool HasRandomWeights(const LabStudy& study, const std::string& model) {
  for (const auto& m : study.models)
    if (m.model == model) return m.model_spec.rfind("zoo:", 0) == 0;
  for (const auto& p : study.points)
    if (p.point.model == model) return p.model_spec.rfind("zoo:", 0) == 0;
  return false;
}

std::vector<PlotSeries> SpeedupSeries(const LabStudy& study, std::size_t size_index) {
  const std::string base = BaselineVariant(study);
  std::map<std::string, std::int64_t> size_of;  // model → its input size number `size_index`
  for (const auto& m : StudyModels(study)) {
    const auto sizes = ModelInputSizes(study, m);
    if (size_index == 0 || size_index < sizes.size()) size_of[m] = sizes.size() > size_index ? sizes[size_index] : 0;
  }
  auto shown = [&](const PointResult& p) {
    return p.ok && p.has_speedup && p.point.variant != base && size_of.count(p.point.model) && p.point.input_size == size_of[p.point.model];
  };
  std::set<std::int64_t> threads;
  for (const auto& p : study.points)
    if (shown(p)) threads.insert(p.point.threads);
  std::map<std::string, std::vector<const PointResult*>> by_key;
  for (const auto& p : study.points)
    if (shown(p))
      by_key[p.point.model + " " + p.point.variant + (threads.size() > 1 ? fmt::format(" t{}", p.point.threads) : "") +
             (OutputCollapsed(study, p.point.model, p.point.variant) ? " (collapsed)" : "")]
          .push_back(&p);
  const double n = static_cast<double>(by_key.size());
  const double shift = by_key.size() > 1 ? 0.12 / (n - 1) : 0.0;
  std::vector<PlotSeries> out;
  for (auto& [key, pts] : by_key) {
    std::sort(pts.begin(), pts.end(), [](auto* a, auto* b) { return a->point.batch < b->point.batch; });
    PlotSeries s;
    s.key = key;
    s.model = pts.front()->point.model;
    s.variant = pts.front()->point.variant;
    s.points = pts;
    const double offset = (static_cast<double>(out.size()) - (n - 1) / 2) * shift;
    for (auto* p : pts) {
      s.x.push_back(std::log2(static_cast<double>(p->point.batch)) + offset);
      s.y.push_back(p->speedup);
      s.lo.push_back(p->speedup_ci95_low);
      s.hi.push_back(p->speedup_ci95_high);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::size_t VariantStyleIndex(const LabStudy& study, const std::string& variant) {
  const auto v = StudyVariants(study);
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), variant) - v.begin());
}

std::string PlotPointLabel(const LabStudy& study, const std::string& model, const std::string& variant) {
  return OutputCollapsed(study, model, variant) ? model + " (collapsed)" : model;
}

std::string FormatMs(double ms) {
  if (!std::isfinite(ms)) return "n/a";
  if (ms < 1) return fmt::format("{:.3f} ms", ms);
  if (ms < 10) return fmt::format("{:.2f} ms", ms);
  if (ms < 100) return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.0f} ms", ms);
}

std::string FormatRatio(double r) { return std::isfinite(r) ? fmt::format("{:.2f}x", r) : "n/a"; }

std::string FormatRatioRange(double lo, double hi) {
  const std::string a = FormatRatio(lo), b = FormatRatio(hi);
  return a == b ? a : a + "–" + b;
}

bool BelowNominalCi(double level) { return !(level >= 0.95 - 1e-9); }

std::string FormatCiLevel(double level) {
  const double pct = 100 * level;
  if (!std::isfinite(pct)) return "n/a";
  return std::abs(pct - std::round(pct)) < 0.05 ? fmt::format("{:.0f} %", pct) : fmt::format("{:.1f} %", pct);
}

std::string FormatMedianCi(const Statistics& l) {
  std::string s = "[" + FormatMs(l.median_ci_low_ms) + ", " + FormatMs(l.median_ci_high_ms) + "]";
  if (!BelowNominalCi(l.median_ci_level)) return s;
  if (l.n <= 1 || l.median_ci_level <= 0) return s + fmt::format(" (no CI: n={})", l.n);
  return s + fmt::format(" ({} CI: n={})", FormatCiLevel(l.median_ci_level), l.n);
}

std::string FormatBytes(double b) {
  if (!std::isfinite(b)) return "n/a";
  if (b < 1e6) return fmt::format("{:.1f} kB", b / 1e3);
  const double mb = b / 1e6;
  if (mb < 10) return fmt::format("{:.2f} MB", mb);
  if (mb < 100) return fmt::format("{:.1f} MB", mb);
  return fmt::format("{:.0f} MB", mb);
}

std::string FormatGiga(double v) {
  const double g = v / 1e9;
  if (!std::isfinite(g)) return "n/a";
  // Below a million, "0.000 G" would hide the value (a tiny or an incompletely sized model): k or units.
  if (std::fabs(v) < 1e3) return fmt::format("{:.0f} ", v);
  if (std::fabs(v) < 1e6) return fmt::format("{:.1f} k", v / 1e3);
  if (g < 1) return fmt::format("{:.3f} G", g);
  if (g < 10) return fmt::format("{:.2f} G", g);
  if (g < 100) return fmt::format("{:.1f} G", g);
  return fmt::format("{:.0f} G", g);
}

std::string RunToRunNote(const LabStudy& study) {
  std::string note =
      "**Absolute milliseconds move from one run to the next on a shared machine** (other processes, frequency, how many "
      "cores the scheduler grants): compare them only within one study. ";
  // The figures are bench/speedup_repeatability's, recorded in docs/measurement.md ("Run-to-run
  // repeatability of speedups"); change both together.
  if (const std::string busy = BusyMachine(study.environment.load_average_1min, study.environment.logical_cores);
      !busy.empty())
    return note + "**This study ran on a busy machine (" + busy +
           "): there even the interleaved speedups move from one run to the next, beyond their 95 % CIs.** Measured "
           "(docs/measurement.md, \"Run-to-run repeatability of speedups\"): SqueezeNet 1.1 static int8 against fp32, "
           "compared 24 times back to back as the lab measures a point at a 1-minute load average of 6.7 to 6.9 on 2 cores, "
           "gave speedups from 1.20x to 12.8x, and 4 of the 24 CIs missed the median of all 24 (2.24x). Rerun on a quiet "
           "machine before comparing speedups that lie close together.";
  return note + "The interleaved speedups, measured in the same rounds on identical inputs, are the figure to compare "
                "between studies, but even on a quiet machine they move a little beyond their CIs from run to run "
                "(docs/measurement.md, \"Run-to-run repeatability of speedups\": SqueezeNet 1.1 static int8 against fp32, "
                "compared 24 times at a 1-minute load average below 0.9 on 2 cores, gave 2.57x to 2.84x, and 5 of the 24 "
                "CIs missed the median of all 24, 2.68x): treat speedups of two studies within about 10 % of each other "
                "as equal.";
}

}  // namespace qbench
