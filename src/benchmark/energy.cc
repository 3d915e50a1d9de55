// EnergyMeter: sampling thread, cumulative energy trace, energy between two times (qbench/benchmark/energy.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>

#include <fmt/format.h>

#include "qbench/benchmark/energy.h"

namespace qbench {

// The samples so far. Per sensor: the last raw value and the cumulative joules since the first
// sample; per sample: the time and the sum of the total sensors' cumulative joules.
struct EnergyMeter::Trace {
  std::vector<double> t;             // sample times, s
  std::vector<double> total_j;       // cumulative J of the total sensors at each sample
  std::vector<long double> last_raw; // per sensor
  std::vector<double> last_power_w;  // per power sensor: the last reading, W
  std::vector<double> cum_j;         // per sensor
  std::vector<std::string> lost;     // per sensor: why it stopped ("" while fine)
  std::vector<double> lost_at;       // per sensor: the time of the first failed sample
  std::vector<double> good_until;    // per sensor: the time of its last good sample
  std::condition_variable cv;
  std::mutex cv_mu;
};

EnergyMeter::EnergyMeter(EnergyDiscovery discovery, SysfsReadFn read)
    : discovery_(std::move(discovery)), read_(std::move(read)), trace_(std::make_unique<Trace>()) {
  const std::size_t n = discovery_.sensors.size();
  trace_->last_raw.assign(n, 0);
  trace_->last_power_w.assign(n, 0);
  trace_->cum_j.assign(n, 0);
  trace_->lost.assign(n, "");
  trace_->lost_at.assign(n, 0);
  trace_->good_until.assign(n, 0);
}

EnergyMeter::~EnergyMeter() { Stop(); }

double EnergyMeter::NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void EnergyMeter::SampleAt(double t_s) {
  // Read outside the lock (sysfs reads take microseconds; a RAPL read is an MSR access).
  const auto& sensors = discovery_.sensors;
  std::vector<long double> raw(sensors.size(), 0);
  std::vector<std::string> error(sensors.size());
  for (std::size_t i = 0; i < sensors.size(); ++i) {
    auto read_one = [&](const std::string& path, long double* v) {
      std::string text, err;
      if (!read_(path, &text, &err)) {
        error[i] = path + ": " + err;
        return false;
      }
      char* end = nullptr;
      *v = std::strtold(text.c_str(), &end);
      if (end == text.c_str()) {
        error[i] = path + ": not a number";
        return false;
      }
      return true;
    };
    long double a = 0, b = 1;
    if (read_one(sensors[i].path, &a) && (sensors[i].second_path.empty() || read_one(sensors[i].second_path, &b)))
      raw[i] = a * b;
  }
  std::lock_guard<std::mutex> lock(mu_);
  Trace& T = *trace_;
  const bool first = T.t.empty();
  const double dt = first ? 0 : t_s - T.t.back();
  double total = 0;
  for (std::size_t i = 0; i < sensors.size(); ++i) {
    const EnergySensor& s = sensors[i];
    if (!T.lost[i].empty()) continue;
    if (!error[i].empty()) {
      T.lost[i] = error[i];
      T.lost_at[i] = t_s;
      continue;
    }
    if (s.kind == SensorKind::kEnergyCounter) {
      if (!first) {
        long double step = raw[i] - T.last_raw[i];
        if (step < 0) {
          if (s.range > 0) {
            step += s.range;  // one wraparound of the counter
          } else {
            T.lost[i] = s.path + ": the counter went backwards and its range is unknown";
            T.lost_at[i] = t_s;
            continue;
          }
        }
        T.cum_j[i] += static_cast<double>(step) * s.scale;
      }
    } else {
      const double w = static_cast<double>(raw[i]) * s.scale;
      if (!first) T.cum_j[i] += 0.5 * (w + T.last_power_w[i]) * dt;  // trapezoid rule
      T.last_power_w[i] = w;
    }
    T.last_raw[i] = raw[i];
    T.good_until[i] = t_s;
  }
  for (std::size_t i = 0; i < sensors.size(); ++i)
    if (sensors[i].in_total) total += T.cum_j[i];
  T.t.push_back(t_s);
  T.total_j.push_back(total);
}

void EnergyMeter::Start(double period_s) {
  if (!available() || running_.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);  // a new series: the previous one's samples are dropped
    Trace& T = *trace_;
    T.t.clear();
    T.total_j.clear();
    std::fill(T.cum_j.begin(), T.cum_j.end(), 0.0);
    std::fill(T.lost.begin(), T.lost.end(), std::string());
  }
  SampleAt(NowSeconds());
  const auto period = std::chrono::duration<double>(std::max(period_s, 1e-4));
  thread_ = std::thread([this, period] {
    auto next = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(trace_->cv_mu);
    while (running_) {
      next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period);
      if (trace_->cv.wait_until(lock, next, [this] { return !running_; })) break;
      SampleAt(NowSeconds());
    }
  });
}

void EnergyMeter::Stop() {
  if (!running_.exchange(false)) return;
  {
    std::lock_guard<std::mutex> lock(trace_->cv_mu);
  }
  trace_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
  SampleAt(NowSeconds());
}

EnergyReading EnergyMeter::Between(double t0_s, double t1_s) const {
  EnergyReading r;
  if (!available()) {
    r.error = discovery_.reason;
    return r;
  }
  std::lock_guard<std::mutex> lock(mu_);
  const Trace& T = *trace_;
  for (std::size_t i = 0; i < discovery_.sensors.size(); ++i) {
    const EnergySensor& s = discovery_.sensors[i];
    // Its data ends at its last good sample: when it failed after that is unknown.
    if (s.in_total && !T.lost[i].empty() && t1_s > T.good_until[i]) {
      r.error = fmt::format("sensor {} ({}) could not be read from {:.3f} s after the first sample on ({}): it vanished "
                            "or failed during the runs",
                            s.label, s.path, T.lost_at[i] - T.t.front(), T.lost[i]);
      return r;
    }
  }
  if (T.t.empty() || t0_s < T.t.front() || t1_s > T.t.back() || t1_s < t0_s) {
    r.error = "no energy sample around the interval (sampling not running?)";
    return r;
  }
  // Samples taken after a total sensor was lost carry its frozen value; Between refused those above.
  auto at = [&](double t) {
    auto hi = std::lower_bound(T.t.begin(), T.t.end(), t);
    const std::size_t k = static_cast<std::size_t>(hi - T.t.begin());
    if (T.t[k] == t || k == 0) return T.total_j[k];
    const double f = (t - T.t[k - 1]) / (T.t[k] - T.t[k - 1]);
    return T.total_j[k - 1] + f * (T.total_j[k] - T.total_j[k - 1]);
  };
  r.ok = true;
  r.joules = at(t1_s) - at(t0_s);
  r.seconds = t1_s - t0_s;
  return r;
}

double EnergyMeter::MeanSamplePeriod() const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto& t = trace_->t;
  return t.size() < 2 ? 0 : (t.back() - t.front()) / static_cast<double>(t.size() - 1);
}

std::size_t EnergyMeter::samples() const {
  std::lock_guard<std::mutex> lock(mu_);
  return trace_->t.size();
}

RunsEnergy EnergyOfRuns(const EnergyMeter& meter, const std::vector<std::pair<double, double>>& intervals, std::size_t skip) {
  RunsEnergy e;
  if (!meter.available()) {
    e.error = meter.discovery().reason;
    return e;
  }
  if (intervals.size() <= skip) {
    e.error = "no timed run to measure";
    return e;
  }
  for (std::size_t i = skip; i < intervals.size(); ++i) {
    const EnergyReading r = meter.Between(intervals[i].first, intervals[i].second);
    if (!r.ok) {
      e.error = r.error;
      e.joules_per_run.clear();
      e.joules = e.seconds = 0;
      return e;
    }
    e.joules_per_run.push_back(r.joules);
    e.joules += r.joules;
    e.seconds += r.seconds;
  }
  e.ok = true;
  return e;
}

}  // namespace qbench
