// The lab's settings, config and plan records to and from JSON (qbench/lab/lab_records.h): one field
// list per record, walked by JsonWriter and JsonReader (core/json_fields.h).
#include "qbench/lab/lab_records.h"

#include "qbench/core/json_fields.h"

namespace qbench {
namespace {

using nlohmann::json;
using json_fields::JsonReader;
using json_fields::JsonWriter;

template <typename F, typename R>
void Fields(const F& f, R& r, const FileIdentity*) {
  f("path", r.path);
  f.Has("missing", &r.missing);
  f.Optional("missing", r.missing, r.missing);
  if (!r.missing) {
    f.Has("files", &r.folder);
    f.Optional("files", r.files, r.folder);
    QBENCH_JSON_FIELDS(size_bytes, mtime_ns)
  }
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabModelSettings*) {
  f("spec", r.spec);
  f.Has("file", &r.has_file);
  f.Optional("file", r.file, r.has_file);
  f.Optional("checksum", r.checksum, r.has_file);
  f.Optional("external", r.external, !r.external.empty());
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabSettings*) {
  QBENCH_JSON_FIELDS(repetitions, warmup_runs, seed, baseline_variant, preprocess, calibration_data, calibration_size,
                     calibration_method, eval_data, eval_limit, split, provider, models)
  f.Optional("preprocessing", r.preprocessing, !r.preprocessing.empty());
  f.Optional("no_verify", r.no_verify, r.no_verify);
  f.Optional("weight_range", r.weight_range, !r.weight_range.empty());
}

template <typename F, typename R>
void Fields(const F& f, R& r, const ExternalVariant*) {
  QBENCH_JSON_FIELDS(model, label, path)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabConfigRecord*) {
  QBENCH_JSON_FIELDS(models, variants, batch, input_size, threads, repetitions, warmup_runs, eval_data, eval_limit,
                     preprocess, calibration_data, calibration_size, calibration_method, auto_max_drop_points,
                     auto_time_budget_s, roofline, seed, dim, shape, split, provider, external_variants,
                     preprocessing_given, verify, strict)
  f.Optional("output", r.output, !r.output.empty());
  f.Optional("device", r.device, !r.device.empty());
  f.Optional("earlier_study_moved_to", r.earlier_study_moved_to, !r.earlier_study_moved_to.empty());
  f.Optional("weight_range", r.weight_range, !r.weight_range.empty());
  f.Optional("model_input_sizes", r.model_input_sizes, !r.model_input_sizes.empty());
  f.Optional("preprocessing", r.preprocessing, !r.preprocessing.empty());
  f.Has("input_size_given", &r.has_input_size_given);
  f.Optional("input_size_given", r.input_size_given, r.has_input_size_given);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const PlanUnit*) {
  QBENCH_JSON_FIELDS(unit, model, batch, input_size, threads, variants, points, extras)
  f.Optional("shard", r.shard, r.shard >= 0);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const PlanModel*) {
  QBENCH_JSON_FIELDS(name, spec, input_sizes)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabPlanFile*) {
  f.OrNull("config", r.config, r.has_config);
  f.Has("settings", &r.has_settings);
  QBENCH_JSON_FIELDS(qbench_plan_version, settings, shards, points, models, units)
}

template <typename R>
void Write(json& j, const R& r) {
  j = json::object();
  Fields(JsonWriter{j}, r, &r);
}

template <typename R>
void Read(const json& j, R& r) {
  r = R();
  Fields(JsonReader{j}, r, &r);
}

}  // namespace

void to_json(json& j, const FileIdentity& f) { Write(j, f); }
void from_json(const json& j, FileIdentity& f) { Read(j, f); }
void to_json(json& j, const DataIdentity& d) {
  if (d.given) Write(j, d.identity);
  else j = "";
}
void from_json(const json& j, DataIdentity& d) {
  d.given = j.is_object();
  d.identity = d.given ? j.get<FileIdentity>() : FileIdentity{};
}
void to_json(json& j, const LabModelSettings& m) { Write(j, m); }
void from_json(const json& j, LabModelSettings& m) { Read(j, m); }
void to_json(json& j, const LabSettings& s) { Write(j, s); }
void from_json(const json& j, LabSettings& s) { Read(j, s); }
void to_json(json& j, const ExternalVariant& e) { Write(j, e); }
void from_json(const json& j, ExternalVariant& e) { Read(j, e); }
void to_json(json& j, const LabConfigRecord& c) { Write(j, c); }
void from_json(const json& j, LabConfigRecord& c) { Read(j, c); }
void to_json(json& j, const PlanUnit& u) { Write(j, u); }
void from_json(const json& j, PlanUnit& u) { Read(j, u); }
void to_json(json& j, const PlanModel& m) { Write(j, m); }
void from_json(const json& j, PlanModel& m) { Read(j, m); }
void to_json(json& j, const LabPlanFile& p) { Write(j, p); }
void from_json(const json& j, LabPlanFile& p) { Read(j, p); }

}  // namespace qbench
