#include "qbench/lab/device.h"

#include <unistd.h>

#include <fmt/format.h>

#include "qbench/benchmark/environment.h"
#include "qbench/lab/results.h"  // ResultsJsonlPath

namespace qbench {

std::string DefaultDeviceLabel() {
  char host[256] = {0};
  std::string hostname;
  if (::gethostname(host, sizeof host - 1) == 0) hostname = host;
  const std::string cpu = CaptureCpu().cpu_model;
  if (hostname.empty() && cpu.empty()) return "unknown device";
  if (cpu.empty()) return hostname;
  if (hostname.empty()) return cpu;
  return hostname + " (" + cpu + ")";
}

std::string LabDeviceLabel(const LabConfig& config) { return config.device.empty() ? DefaultDeviceLabel() : config.device; }

std::string DeviceFileName(const std::string& label) {
  std::string out;
  for (char c : label) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (keep)
      out += c;
    else if (out.empty() || out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.front() == '_') out.erase(out.begin());
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.size() > 80) out.resize(80);
  while (!out.empty() && (out.back() == '_' || out.back() == '.')) out.pop_back();
  if (out.empty() || out == "." || out == "..") out = "device";
  return out;
}

std::string LabResultsPath(const LabConfig& config) {
  if (config.shard_count <= 0) return ResultsJsonlPath(config.output_dir);
  return fmt::format("{}/results.{}.{}.jsonl", config.output_dir, DeviceFileName(LabDeviceLabel(config)), config.shard_index);
}

std::string LabModelsDir(const LabConfig& config) {
  if (config.shard_count <= 0) return config.output_dir + "/models";
  return fmt::format("{}/models/{}.{}", config.output_dir, DeviceFileName(LabDeviceLabel(config)), config.shard_index);
}

}  // namespace qbench
