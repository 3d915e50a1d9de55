// Energy of a point in results records (qbench/lab/results.h PointEnergy).
#include "qbench/lab/results.h"

#include "results_json.h"

namespace qbench {

using nlohmann::json;
using lab_internal::Get;

json ToJson(const PointEnergy& e) {
  if (!e.available) return json{{"available", false}, {"reason", e.reason}};
  json j{{"available", true},
         {"source", e.source},
         {"energy_per_inference_j", e.energy_per_inference_j},
         {"energy_per_sample_j", e.energy_per_sample_j},
         {"average_power_w", e.average_power_w},
         {"runs", e.runs},
         {"sample_period_ms", e.sample_period_ms},
         {"coarse", e.coarse}};
  if (e.has_ratio) {
    j["ratio_to_baseline"] = e.ratio;
    j["ratio_ci95_low"] = e.ratio_ci95_low;
    j["ratio_ci95_high"] = e.ratio_ci95_high;
  }
  return j;
}

PointEnergy PointEnergyFromJson(const json& j) {
  PointEnergy e;
  if (!j.is_object()) {
    e.reason = "these results were written before qbench measured energy";
    return e;
  }
  Get(j, "available", &e.available);
  Get(j, "reason", &e.reason);
  Get(j, "source", &e.source);
  Get(j, "energy_per_inference_j", &e.energy_per_inference_j);
  Get(j, "energy_per_sample_j", &e.energy_per_sample_j);
  Get(j, "average_power_w", &e.average_power_w);
  Get(j, "runs", &e.runs);
  Get(j, "sample_period_ms", &e.sample_period_ms);
  Get(j, "coarse", &e.coarse);
  if (j.contains("ratio_to_baseline")) {
    e.has_ratio = true;
    Get(j, "ratio_to_baseline", &e.ratio);
    Get(j, "ratio_ci95_low", &e.ratio_ci95_low);
    Get(j, "ratio_ci95_high", &e.ratio_ci95_high);
  }
  return e;
}

}  // namespace qbench
