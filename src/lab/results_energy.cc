// Energy of a point in results records (qbench/lab/results.h PointEnergy): its field list.
#include "qbench/lab/results.h"

#include "results_json.h"

namespace qbench {
namespace {

using nlohmann::json;

// {"available": false, "reason"} or every measured field, with the ratio only against a baseline.
template <typename F, typename R>
void EnergyFields(const F& f, R& r) {
  f("available", r.available);
  if (!r.available) {
    f("reason", r.reason);
    return;
  }
  QBENCH_LAB_FIELDS(source, energy_per_inference_j, energy_per_sample_j, average_power_w, runs, sample_period_ms, coarse)
  f.Has("ratio_to_baseline", &r.has_ratio);
  if (r.has_ratio) {
    f("ratio_to_baseline", r.ratio);
    QBENCH_LAB_FIELDS(ratio_ci95_low, ratio_ci95_high)
  }
}

}  // namespace

json ToJson(const PointEnergy& e) {
  json j = json::object();
  EnergyFields(lab_internal::JsonWriter{j}, e);
  return j;
}

PointEnergy PointEnergyFromJson(const json& j) {
  PointEnergy e;
  if (!j.is_object()) {
    e.reason = "these results were written before qbench measured energy";
    return e;
  }
  EnergyFields(lab_internal::JsonReader{j}, e);
  return e;
}

void to_json(json& j, const PointEnergy& e) { j = ToJson(e); }
void from_json(const json& j, PointEnergy& e) { e = PointEnergyFromJson(j); }

}  // namespace qbench
