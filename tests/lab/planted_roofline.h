// tests/lab/planted_roofline.h — a roofline peaks cache file with planted numbers, to test the
// cache's age rule and --refresh-roofline without waiting for real peaks.
#pragma once

#include <chrono>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "qbench/benchmark/environment.h"
#include "qbench/lab/results.h"
#include "qbench/lab/roofline.h"
#include "qbench/runtime/runner.h"

namespace qbench::testing {

/// The cache key of this machine at 1 thread, as the lab computes it (RooflineCacheKey).
inline std::string ThisMachineRooflineKey() {
  return RooflineCacheKey(CaptureEnvironment("cpu", 0, 0, "all", true).cpu_model, OrtVersion(), 1);
}

/// Seconds since the epoch (system clock), as RooflinePeaks::measured_at_unix_s.
inline double UnixNowS() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Writes `path`: planted peaks (by default fp32 1.0, int8 2.0 GMAC/s, 3 GB/s: far below any real
/// machine, method "planted by the test") for this machine at 1 thread, measured `age_days` ago, and
/// the same under another machine's key ("Some Other CPU|ort 0.0|threads 1"). `fp32_macs_per_s`
/// (int8 twice it) plants other peaks: 1e15 is beyond any machine (never taken as stale).
inline void PlantRooflineCache(const std::string& path, double age_days, double fp32_macs_per_s = 1e9) {
  RooflinePeaks planted;
  planted.ok = true;
  planted.threads = 1;
  planted.fp32_macs_per_s = fp32_macs_per_s;
  planted.int8_macs_per_s = 2 * fp32_macs_per_s;
  planted.bytes_per_s = 3e9;
  planted.method = "planted by the test";
  planted.measured_at_unix_s = UnixNowS() - age_days * 86400;
  nlohmann::json j;
  j[ThisMachineRooflineKey()] = ToJson(planted);
  j["Some Other CPU|ort 0.0|threads 1"] = ToJson(planted);
  std::ofstream(path) << j.dump(2);
}

}  // namespace qbench::testing
