// The child side of the isolated memory probe: `qbench __memory-probe '<request JSON>'` (hidden; see
// qbench/benchmark/memory_probe.h). Loads the model (file or zoo:NAME), measures, prints one JSON
// object on stdout, exits 0 — also when the measurement failed (the error is in the JSON).
#include <cstdio>
#include <string>

#include "qbench/benchmark/memory_probe.h"
#include "qbench/core/log.h"
#include "qbench/zoo/zoo.h"

namespace qbench::cli {

int RunMemoryProbeChild(const char* request_json) {
  SetLogLevel(LogLevel::kQuiet);
  MemoryProbeResult r;
  try {
    const MemoryProbeRequest req = MemoryProbeRequestFromJson(nlohmann::json::parse(request_json ? request_json : ""));
    ZooOptions zo;
    zo.seed = req.zoo_seed;
    zo.input_size = req.zoo_input_size;
    r = MeasureMemoryInProcess(LoadModelOrZoo(req.model, zo), req);
  } catch (const std::exception& e) {
    r.ok = false;
    r.error = e.what();
  }
  std::fputs((ToJson(r).dump() + "\n").c_str(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace qbench::cli
