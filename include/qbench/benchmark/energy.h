// qbench/benchmark/energy.h — energy and average power of timed runs, from the power sensors Linux
// exposes in sysfs, read by a sampling thread while the runs go on (docs/energy.md).
//
// Sources are rows of a table (EnergySources()): Intel/AMD RAPL energy counters
// (/sys/class/powercap/*/energy_uj, µJ, wrapping at max_energy_range_uj), hwmon energy counters
// (energy*_input, µJ) and power sensors (power*_input and power*_average, µW), and the Jetson
// INA3221 rails (hwmon "ina3221": in*_input mV × curr*_input mA; JetPack 4's iio driver:
// in_power*_input mW). The first row (in table order) with a readable sensor is the one measured;
// adding a source is adding a row. The sysfs root is a parameter, so tests run on recorded fake trees.
//
// A sample reads every sensor of the chosen source at one steady-clock time. Counters become
// cumulative joules (a negative step adds the counter's range: one wraparound per sample interval at
// most, so the period must be far below the wrap time, ~40 min for RAPL at 100 W); power sensors are
// integrated with the trapezoid rule. Energy between two times interpolates that cumulative curve
// linearly between the samples around them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace qbench {

/// What a sensor's values are: a counter of energy since some origin, or an instantaneous power.
enum class SensorKind { kEnergyCounter, kPower };

/// One row of the source table. Paths are relative to the sysfs root; in a pattern '*' matches any
/// text within one path component (in a channel file name, the channel: "energy*_input" →
/// energy1_input with channel "1").
struct EnergySourceRow {
  const char* source;        ///< "rapl", "ina3221", "hwmon"
  const char* dir_pattern;   ///< folders holding the channels: "class/powercap/*"
  const char* device_name;   ///< the folder's `name` file must hold this ("" = any; hwmon "ina3221")
  const char* skip_device;   ///< skip folders whose `name` is this ("" none; keeps ina3221 out of hwmon rows)
  const char* value_file;    ///< channel file: "energy_uj", "energy*_input", "in*_input"
  const char* second_file;   ///< V×I sensors: the current file of the same channel ("curr*_input"), else ""
  SensorKind kind;
  double scale;              ///< value (or value × second) × scale = J (counters) or W (power)
  const char* range_file;    ///< counter range in the value's unit ("max_energy_range_uj"), "" none
  const char* label_file;    ///< the channel's label ("name", "energy*_label", "in*_label", "rail_name_*")
  /// Labels counted in the total, '|'-separated, '*' allowed ("package-*"): when a source has channels
  /// matching one, only those are summed (RAPL: packages, their core/uncore subzones lie within them;
  /// INA3221: VDD_IN, the module's input, holds the other rails); otherwise every channel is.
  const char* total_labels;
};

/// The source table, in priority order: RAPL, INA3221 (hwmon, then iio), hwmon energy, hwmon power
/// (power*_input, then power*_average).
const std::vector<EnergySourceRow>& EnergySources();

/// A sensor found under the sysfs root.
struct EnergySensor {
  std::string source;       ///< the row's source
  std::string label;        ///< "package-0", "VDD_IN", "hwmon2 power1"
  std::string path;         ///< absolute path of the value file
  std::string second_path;  ///< V×I: the current file; else ""
  SensorKind kind = SensorKind::kEnergyCounter;
  double scale = 1;
  double range = 0;         ///< counter range in raw units (0 = no wraparound known)
  bool in_total = true;     ///< summed into the reported energy
};

/// Reads one sysfs file; returns false and sets *error ("permission denied", "no such file") when it
/// cannot. The default reads the file; tests pass one that behaves as an unprivileged user would.
using SysfsReadFn = std::function<bool(const std::string& path, std::string* text, std::string* error)>;

/// The default SysfsReadFn (open/read; error from errno).
bool ReadSysfsFile(const std::string& path, std::string* text, std::string* error);

/// Sensors of the first source with readable sensors.
struct EnergyDiscovery {
  bool available = false;
  std::string reason;       ///< why not available: what was found and could not be read, or that nothing was
  std::string source;       ///< the row's source ("rapl")
  std::vector<EnergySensor> sensors;
  std::vector<std::string> notes;  ///< sensors skipped (unreadable, not counted) and why
};

/// Looks for sensors under `sysfs_root` (normally "/sys") row by row and keeps the first row whose
/// total sensors can all be read (a source with an unreadable total sensor is skipped: a partial
/// total would read low). Never throws; unavailable with a reason when nothing is readable.
EnergyDiscovery DiscoverEnergySensors(const std::string& sysfs_root = "/sys", const SysfsReadFn& read = ReadSysfsFile);

/// Energy over one interval: the sum of the total sensors.
struct EnergyReading {
  bool ok = false;
  std::string error;        ///< why not (no sample around the interval, a sensor vanished, ...)
  double joules = 0;
  double seconds = 0;
  double watts() const { return seconds > 0 ? joules / seconds : 0; }
};

/// Samples a discovery's sensors (by a thread between Start and Stop, or by SampleAt) and answers
/// how much energy was used between two times. Times are seconds of std::chrono::steady_clock
/// (NowSeconds()). Thread-safe: Between may be called while sampling.
class EnergyMeter {
 public:
  explicit EnergyMeter(EnergyDiscovery discovery, SysfsReadFn read = ReadSysfsFile);
  ~EnergyMeter();
  EnergyMeter(const EnergyMeter&) = delete;
  EnergyMeter& operator=(const EnergyMeter&) = delete;

  const EnergyDiscovery& discovery() const { return discovery_; }
  bool available() const { return discovery_.available; }

  /// Drops the samples of an earlier series, takes a sample now and starts a thread sampling every
  /// `period_s` seconds until Stop (which takes a last sample). No-op when unavailable. Throws nothing.
  void Start(double period_s = 0.005);
  void Stop();
  /// Takes one sample stamped `t_s` (tests, and Start/Stop). A sensor that cannot be read any more
  /// is marked lost from then on.
  void SampleAt(double t_s);

  /// Energy of the total sensors between t0_s and t1_s (t0_s <= t1_s). Not ok when unavailable, when
  /// no sample lies at or before t0_s and at or after t1_s, when a total sensor was lost before
  /// t1_s, or when a counter without a known range went backwards.
  EnergyReading Between(double t0_s, double t1_s) const;

  /// Seconds between samples the thread achieved so far (mean; 0 before two samples).
  double MeanSamplePeriod() const;
  std::size_t samples() const;

  static double NowSeconds();

 private:
  struct Trace;
  EnergyDiscovery discovery_;
  SysfsReadFn read_;
  std::unique_ptr<Trace> trace_;
  mutable std::mutex mu_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

/// Energy of a series of runs.
struct RunsEnergy {
  bool ok = false;
  std::string error;                   ///< the first interval the meter could not answer for
  std::vector<double> joules_per_run;  ///< one per run, in order
  double joules = 0;                   ///< their sum
  double seconds = 0;                  ///< the runs' summed duration
  double joules_per_run_mean() const { return joules_per_run.empty() ? 0 : joules / joules_per_run.size(); }
  double watts() const { return seconds > 0 ? joules / seconds : 0; }
};

/// Energy of each interval after the first `skip` with `meter` (EnergyMeter::Between); intervals are
/// (start, end) seconds of EnergyMeter::NowSeconds.
/// Not ok (with the meter's reason) when the meter is unavailable, there is no interval after `skip`,
/// or any interval cannot be measured.
RunsEnergy EnergyOfRuns(const EnergyMeter& meter, const std::vector<std::pair<double, double>>& intervals, std::size_t skip);

}  // namespace qbench
