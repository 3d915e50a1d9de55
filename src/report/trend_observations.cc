// The trend and correlation findings of a study: speedup trends over the batch, input size and thread
// axes where the 95 % CIs separate, and rank correlations over the models (docs/statistics.md).
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "qbench/lab/sweep.h"
#include "qbench/report/analysis.h"
#include "report/report_util.h"

namespace qbench::report_internal {

// Did latency track model size (and MACs)? A correlation over fewer than kMinModelsForCorrelation
// models is given with its interval and not called a finding.
void CorrelationObservations(const LabStudy& study, std::vector<std::string>& out) {
  const std::string base = BaselineVariant(study);
  const auto models = StudyModels(study);
  std::vector<double> size, lat, macs, macs_lat;
  bool macs_ok = true;
  for (const auto& m : models) {
    const auto* rec = study.FindModel(m, base);
    const auto* p = ReferencePoint(study, m, base);
    if (!rec || !rec->ok || !p) continue;
    size.push_back(static_cast<double>(rec->file_size_bytes));
    lat.push_back(p->latency.median_ms);
    macs_ok = macs_ok && rec->macs_complete && p->macs > 0;
    macs.push_back(static_cast<double>(p->macs));
    macs_lat.push_back(p->latency.median_ms);
  }
  const RankCorrelation rs = SpearmanWithInterval(size, lat);
  if (!std::isfinite(rs.rho)) return;
  std::string s = fmt::format("**Latency vs model size** ({}, {} models): Spearman {} between file size and median latency", base,
                              rs.n, FormatRankCorrelation(rs));
  if (macs_ok) {
    const RankCorrelation rm = SpearmanWithInterval(macs, macs_lat);
    if (std::isfinite(rm.rho)) s += ", " + FormatRankCorrelation(rm) + " between MACs and latency";
  }
  // At |ρ| = 1 there is no interval: the exact p-value decides.
  const bool tracked = std::isfinite(rs.lo) ? rs.lo > 0 : rs.rho > 0 && std::isfinite(rs.p_exact) && rs.p_exact < 0.05;
  if (rs.n < kMinModelsForCorrelation)
    s += fmt::format("; {} models are too few to call this a finding (at least {} are needed)", rs.n, kMinModelsForCorrelation);
  else if (tracked)
    s += "; latency tracked size";
  else
    s += std::isfinite(rs.lo) ? "; latency did not track size reliably (the interval includes 0)"
                              : "; latency did not track size reliably";
  out.push_back(s + ".");
}

// Trends over the batch, input size and thread axes, stated only where the CIs separate: one over the batch
// per (input size, thread count), naming each that has more than one value; one over the input size per
// thread count at the smallest batch, naming both (R11).
void TrendObservations(const LabStudy& study, std::vector<std::string>& out) {
  const std::string base = BaselineVariant(study);
  const std::int64_t threads0 = FirstThreads(study);
  const auto threads = study.config.threads.empty() ? std::vector<std::int64_t>{threads0} : study.config.threads;
  for (const auto& v : StudyVariants(study)) {
    if (v == base) continue;
    for (const auto& m : StudyModels(study)) {
      if (OutputCollapsed(study, m, v)) continue;  // not a usable model: CollapseObservations
      const auto model_sizes = ModelInputSizes(study, m);
      const auto sizes = model_sizes.empty() ? std::vector<std::int64_t>{FirstInputSize(study, m)} : model_sizes;
      for (auto size : sizes)
        for (auto t : threads) {
          std::vector<const PointResult*> s;
          for (auto* p : BatchSeries(study, m, v, size, t))
            if (p->has_speedup) s.push_back(p);
          const std::string txt = DescribeSpeedupTrend(s, "batch");
          std::vector<std::string> where;
          if (sizes.size() > 1) where.push_back(InputSizeLabel(size));
          if (threads.size() > 1) where.push_back(ThreadsText(t));
          if (!txt.empty()) out.push_back(fmt::format("{} {}{}: {}.", m, v, where.empty() ? "" : " (" + Join(where) + ")", txt));
        }
      if (sizes.size() < 2) continue;
      const auto* ref = ReferencePoint(study, m, v);
      const std::int64_t batch = ref ? ref->point.batch : 1;
      for (auto t : threads) {
        std::vector<const PointResult*> s;
        for (auto size : sizes)
          for (const auto& p : study.points)
            if (p.ok && p.has_speedup && p.point.model == m && p.point.variant == v && p.point.input_size == size &&
                p.point.threads == t && p.point.batch == batch)
              s.push_back(&p);
        const std::string txt = DescribeSpeedupTrend(s, "px");
        if (!txt.empty()) out.push_back(fmt::format("{} {} over input size (batch {}, {}): {}.", m, v, batch, ThreadsText(t), txt));
      }
    }
  }
}

}  // namespace qbench::report_internal

namespace qbench {

std::string FormatRankCorrelation(const RankCorrelation& r) {
  std::string s = fmt::format("ρ = {:.2f} (", r.rho);
  if (std::isfinite(r.lo)) s += fmt::format("95 % CI [{:.2f}, {:.2f}]", r.lo, r.hi);
  else if (r.n < kMinModelsForCorrelation) s += fmt::format("no interval: n = {}", r.n);
  else s += "no interval at |ρ| = 1";
  if (std::isfinite(r.p_exact))
    s += fmt::format("; exact permutation p = {:.2g}, two-sided: {} of the {} orders as extreme", r.p_exact, r.extreme, r.orders);
  return s + ")";
}

}  // namespace qbench
