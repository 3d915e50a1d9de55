// EnergyObserver: energy per timed run of CompareModels (energy_observer.h).
#include "qbench/benchmark/energy_observer.h"

#include <algorithm>
#include <cmath>

namespace qbench {

EnergyObserver::EnergyObserver(EnergyMeter& meter, std::uint64_t seed, double period_s)
    : meter_(meter), seed_(seed), period_s_(period_s) {}

EnergyObserver::~EnergyObserver() { meter_.Stop(); }

void EnergyObserver::OnTimingStart(const std::vector<std::size_t>& models, bool interleaved) {
  meter_.Stop();  // a loop that threw left it running
  interleaved_ = interleaved;
  started_.clear();
  for (std::size_t m : models) {
    intervals_[m].clear();
    results_.erase(m);
  }
  meter_.Start(period_s_);
}

void EnergyObserver::BeforeRun(std::size_t model, bool warmup) {
  if (!warmup && meter_.available()) started_[model] = EnergyMeter::NowSeconds();
}

void EnergyObserver::AfterRun(std::size_t model, bool warmup, double /*ms*/) {
  if (warmup || !meter_.available()) return;
  intervals_[model].emplace_back(started_[model], EnergyMeter::NowSeconds());
}

void EnergyObserver::OnTimingEnd(const std::vector<std::size_t>& models) {
  meter_.Stop();
  const double period = meter_.MeanSamplePeriod();
  for (std::size_t m : models) {
    ModelEnergy e;
    const auto& iv = intervals_[m];
    e.runs = EnergyOfRuns(meter_, iv, 0);
    e.sample_period_s = period;
    std::vector<double> run_s;
    for (const auto& [t0, t1] : iv) run_s.push_back(t1 - t0);
    if (!run_s.empty()) {
      std::nth_element(run_s.begin(), run_s.begin() + run_s.size() / 2, run_s.end());
      e.median_run_s = run_s[run_s.size() / 2];
      e.coarse = e.median_run_s < 2 * period;
    }
    results_[m] = e;
  }
  // Ratios against model 0, paired by round: only within one interleaved loop that timed it.
  if (!interleaved_ || std::find(models.begin(), models.end(), std::size_t{0}) == models.end()) return;
  const RunsEnergy& base = results_[0].runs;
  if (!base.ok) return;
  for (std::size_t m : models) {
    ModelEnergy& e = results_[m];
    if (m == 0 || !e.runs.ok || e.runs.joules_per_run.size() != base.joules_per_run.size()) continue;
    e.ratio = EstimateSpeedup(e.runs.joules_per_run, base.joules_per_run, true, seed_);
    e.has_ratio = std::isfinite(e.ratio.speedup);
  }
}

ModelEnergy EnergyObserver::Result(std::size_t model) const {
  auto it = results_.find(model);
  if (it != results_.end()) return it->second;
  ModelEnergy e;
  e.runs.error = meter_.available() ? "not measured" : meter_.discovery().reason;
  return e;
}

}  // namespace qbench
