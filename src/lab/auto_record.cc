// The --auto search's JSON records (qbench/lab/auto_record.h): one field list each, walked by
// core/json_fields.h's JsonWriter and JsonReader.
#include "qbench/lab/auto_record.h"

#include <nlohmann/json.hpp>

#include "qbench/core/json_fields.h"

namespace qbench {
namespace {

using json_fields::JsonReader;
using json_fields::JsonWriter;

template <typename F, typename R>
void Fields(const F& f, R& r, const AutoCandidateRecord*) {
  QBENCH_JSON_FIELDS(name, calibration_method, activation_type, weight_granularity, hard_sigmoid, weight_range,
                     equalize, bias_correction, islands_reason, samples, agree, within_budget, timed, size_bytes, status)
  f("keep_fp32", r.keep_fp32);
  f.Number("agreement", r.agreement);
  f.NumberPair("agreement_ci95", r.agreement_ci95_low, r.agreement_ci95_high, true);
  f.Number("top1", r.top1);
  f.Number("sqnr_db", r.sqnr_db);
  f.Number("drop_points", r.drop_points);
  f.Number("median_ms", r.median_ms);
  f.Number("speedup", r.speedup);
  f.NumberPair("speedup_ci95", r.speedup_ci95_low, r.speedup_ci95_high, r.timed);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabAutoRecord*) {
  f.Nullable("chosen", r.chosen, !r.chosen.empty());
  QBENCH_JSON_FIELDS(wrote_fp32_unchanged, decision, max_drop_points, batch, seed, calibration_data, evaluation_data,
                     evaluation_samples, elapsed_s, budget_exhausted, candidates)
  f.Number("fp32_median_ms", r.fp32_median_ms);
  f.Has("choice", &r.has_choice);
  f.Optional("choice", r.choice, r.has_choice);
  f.Has("best_int8", &r.has_best_int8);
  f.Optional("best_int8", r.best_int8, r.has_best_int8);
}

template <typename R>
void Write(nlohmann::json& j, const R& r) {
  j = nlohmann::json::object();
  Fields(JsonWriter{j}, r, &r);
}

template <typename R>
void Read(const nlohmann::json& j, R& r) {
  r = R();
  if (j.is_object()) Fields(JsonReader{j}, r, &r);
}

}  // namespace

void to_json(nlohmann::json& j, const AutoCandidateRecord& c) { Write(j, c); }
void from_json(const nlohmann::json& j, AutoCandidateRecord& c) { Read(j, c); }
void to_json(nlohmann::json& j, const LabAutoRecord& r) { Write(j, r); }
void from_json(const nlohmann::json& j, LabAutoRecord& r) { Read(j, r); }

}  // namespace qbench
