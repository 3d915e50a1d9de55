// qbench/benchmark/energy_observer.h — energy per run of the models of a comparison: a
// CompareObserver (benchmark/compare.h) that runs an EnergyMeter (benchmark/energy.h) during each
// timed loop of CompareModels and records the steady-clock interval of every timed run, so energy is
// measured on the one timing path, never by a loop of its own (docs/energy.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/energy.h"
#include "qbench/benchmark/statistics.h"

namespace qbench {

/// Energy of one compared model's timed runs.
struct ModelEnergy {
  RunsEnergy runs;              ///< joules per timed run (warm-ups excluded); not ok with the reason
  double sample_period_s = 0;   ///< the meter's mean sampling period during its loop
  double median_run_s = 0;      ///< median duration of its recorded runs
  /// Median run shorter than two sample periods: each run's joules interpolate between samples, so
  /// ratios are pulled toward 1.
  bool coarse = false;
  /// Against model 0 timed in the same interleaved loop: median J per run of this model / of model 0
  /// with a paired percentile bootstrap over rounds (EstimateSpeedup with the roles swapped, so < 1
  /// means this model uses less energy per run).
  bool has_ratio = false;
  SpeedupEstimate ratio;
};

/// Records energy for CompareModels (CompareOptions::observer). Per timed loop: the meter starts at
/// OnTimingStart (a new series) and stops at OnTimingEnd, when each model of the loop gets its
/// ModelEnergy; BeforeRun/AfterRun stamp each timed run (EnergyMeter::NowSeconds, just outside the
/// loop's own clock reads). A loop that throws (no OnTimingEnd) leaves its models unmeasured; the next
/// loop or the destructor stops the meter. With an unavailable meter nothing is sampled and every
/// model's energy is not ok with the discovery's reason.
class EnergyObserver : public CompareObserver {
 public:
  /// `meter` must outlive the observer. `seed`: the bootstrap's. `period_s`: the sampling period.
  explicit EnergyObserver(EnergyMeter& meter, std::uint64_t seed = 0, double period_s = 0.005);
  ~EnergyObserver() override;
  EnergyObserver(const EnergyObserver&) = delete;
  EnergyObserver& operator=(const EnergyObserver&) = delete;

  void OnTimingStart(const std::vector<std::size_t>& models, bool interleaved) override;
  void BeforeRun(std::size_t model, bool warmup) override;
  void AfterRun(std::size_t model, bool warmup, double ms) override;
  void OnTimingEnd(const std::vector<std::size_t>& models) override;

  /// The energy of model `model` (its last completed loop); not ok with a reason ("not measured",
  /// the meter's reason) when it has none.
  ModelEnergy Result(std::size_t model) const;

 private:
  EnergyMeter& meter_;
  std::uint64_t seed_;
  double period_s_;
  bool interleaved_ = false;
  std::map<std::size_t, std::vector<std::pair<double, double>>> intervals_;  // model → timed runs
  std::map<std::size_t, double> started_;                                   // model → start of its current run
  std::map<std::size_t, ModelEnergy> results_;
};

}  // namespace qbench
