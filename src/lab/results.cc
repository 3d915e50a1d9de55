// Results records to and from JSON (qbench/lab/results.h): one field list per record type
// (results_json.h), walked by JsonWriter for ToJson and by JsonReader for the parsers.
#include "qbench/lab/results.h"

#include <fstream>
#include <map>
#include <type_traits>

#include "qbench/benchmark/statistics_report.h"
#include "qbench/core/error.h"
#include "results_json.h"

namespace qbench {
namespace {

using nlohmann::json;
using lab_internal::Get;
using lab_internal::JsonReader;
using lab_internal::JsonWriter;

// The field lists. Keys are the member names unless written out.

template <typename F, typename R>
void Fields(const F& f, R& r, const OpCoverage*) {
  QBENCH_LAB_FIELDS(quantized, kept_float)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const OpTypeProfile*) {
  QBENCH_LAB_FIELDS(op_type, nodes, time_ms, macs, bytes)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const PointResult*) {
  f("model", r.point.model), f("variant", r.point.variant), f("batch", r.point.batch);
  f("input_size", r.point.input_size), f("threads", r.point.threads);
  f("model_spec", r.model_spec);
  using Timed = std::conditional_t<std::is_const_v<R>, const TimedPoint, TimedPoint>;
  TimedPointFields(f, static_cast<Timed&>(r));  // status, error, latency, memory, speedup: bench's keys too
  if (r.ok) {
    QBENCH_LAB_FIELDS(macs, achieved_macs_per_s, timing, energy)
  }
  QBENCH_LAB_FIELDS(provider, finished_at_unix_s)
  f.Optional("device", r.device, !r.device.empty());
  f.Optional("shard", r.shard, r.shard >= 0);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const ModelRecord*) {
  f.Status(r.ok, r.not_applicable);
  QBENCH_LAB_FIELDS(model, model_spec, variant, error, file, file_size_bytes, params, macs_per_sample, macs_complete,
                    content, weight_bytes_by_dtype, original_bits, weight_precision, activation_precision, op_coverage,
                    int8_mac_share, quantize_ms, calibration, external, warnings)
  f.Optional("weight_storage", r.weight_storage, !r.weight_storage.empty());
  f.OrNull("verification", r.verification, r.has_verification);
  f.OrNull("placement", r.placement, r.has_placement);
  // "coverage_report": the quantizer's report for qbench's variants, the file's facts for an external
  // one (read after `external`, which says which), null for fp32.
  if (r.external) f.OrNull("coverage_report", r.file_coverage, r.has_file_coverage);
  else {
    // The quantizer's report (its keys, "scheme" always among them) and, for variant "auto", the
    // search's record under "auto": either may be there without the other.
    bool any = r.has_coverage_report || r.has_auto_search;
    f.Object("coverage_report", any, "", [&](const auto& g) {
      g.Inline("scheme", r.coverage_report, r.has_coverage_report);
      g.Has("auto", &r.has_auto_search);
      g.Optional("auto", r.auto_search, r.has_auto_search);
    });
  }
}

template <typename F, typename R>
void Fields(const F& f, R& r, const OptimizedGraphContent*) {
  QBENCH_LAB_FIELDS(content, graph_optimization, int8_ops, int8_mac_share, int8_macs, float_macs, float_mac_nodes)
  f.Optional("macs_complete", r.macs_complete, !r.macs_complete);  // written when false (older files: complete)
  f.Optional("unknown_mac_nodes", r.unknown_mac_nodes, r.unknown_mac_nodes > 0);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const ExternalFileCoverage*) {
  QBENCH_LAB_FIELDS(file_content, u8s8_saturation)
  f.Has("after_ort_optimization", &r.analyzed);
  f.Optional("after_ort_optimization", r.after_ort_optimization, r.analyzed);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const AccuracyRecord*) {
  f.Status(r.ok);
  f.Optional("input_size", r.input_size, r.input_size > 0);  // written when known (older studies: absent)
  QBENCH_LAB_FIELDS(model, variant, error, dataset, samples)
  // Null where there is no figure, never a number a script would read as one: no top-1 when the
  // first output is not class scores (metric "fidelity") or nothing was evaluated; no agreement for
  // the baseline itself (-1 in memory). Read back: null leaves the defaults (0, -1).
  const bool top1 = r.ok && r.metric == "top1", agreement = r.top1_agreement >= 0;
  f.Nullable("top1", r.top1, top1), f.Nullable("top1_ci95_low", r.top1_ci95_low, top1);
  f.Nullable("top1_ci95_high", r.top1_ci95_high, top1), f.Nullable("top5", r.top5, top1);
  f.Nullable("top1_agreement", r.top1_agreement, agreement);
  f.Nullable("top1_agreement_ci95_low", r.top1_agreement_ci95_low, agreement);
  f.Nullable("top1_agreement_ci95_high", r.top1_agreement_ci95_high, agreement);
  QBENCH_LAB_FIELDS(num_classes, labels_out_of_range)
  f.Object("paired", r.has_paired, "Newcombe (1998) paired score interval, method 10; exact McNemar test", [&](const auto& g) {
    g("labelled", r.labelled), g("both_correct", r.both_correct), g("variant_only_correct", r.variant_only_correct);
    g("baseline_only_correct", r.baseline_only_correct), g("top1_change", r.top1_change);
    g("top1_change_ci95_low", r.top1_change_ci95_low), g("top1_change_ci95_high", r.top1_change_ci95_high);
    g("mcnemar_p", r.mcnemar_p);
  });
  f.Optional("metric", r.metric, r.metric != "top1");
  if (r.metric != "top1") {  // label-free fidelity against the baseline
    f.Decibel("sqnr_db", r.sqnr_db);
    f("cosine", r.cosine);
    f.DecibelMap("output_sqnr_db", r.output_sqnr_db);
  }
}

template <typename F, typename R>
void Fields(const F& f, R& r, const OpProfileRecord*) {
  f.Status(r.ok);
  QBENCH_LAB_FIELDS(model, variant, batch, input_size, threads, error, total_ms, macs, bytes, op_types)
  f.Has("peaks", &r.has_peaks);
  f.Optional("peaks", r.peaks, r.has_peaks);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const RooflinePeaks*) {
  f.Status(r.ok);
  QBENCH_LAB_FIELDS(error, cpu_model, ort_version, threads, fp32_macs_per_s, int8_macs_per_s, bytes_per_s, method,
                    from_cache, measured_at_unix_s)
  // Written when known (caches and studies from before they were recorded lack them).
  f.Optional("load_average_1min", r.load_average_1min, r.load_average_1min >= 0);
  f.Optional("logical_cores", r.logical_cores, r.logical_cores > 0);
  f.Optional("not_cached", r.not_cached, !r.not_cached.empty());
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabEnvironment*) {
  // The benchmark module's block ("cpu_model" always among its keys) and "device" beside its keys.
  using Base = std::conditional_t<std::is_const_v<R>, const EnvironmentInfo, EnvironmentInfo>;
  bool machine = true;
  f.Inline("cpu_model", static_cast<Base&>(r), machine);
  f("device", r.device);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabWarning*) {
  QBENCH_LAB_FIELDS(code, message)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const LabStudy*) {
  f.OrNull("environment", r.environment, r.has_environment);
  f.OrNull("settings", r.settings, r.has_settings);
  QBENCH_LAB_FIELDS(config, started_at_unix_s, duration_s, total_duration_s, interrupted,
                    planned_points, warnings, models, points, accuracy, op_profiles, roofline)
}

// `record` names the kind in results.jsonl ("point", …); nullptr for a record without one.
template <typename R>
json Write(const R& r, const char* record) {
  json j = json::object();
  if (record) j["record"] = record;
  Fields(JsonWriter{j}, r, &r);
  return j;
}

template <typename R>
R Read(const json& j, R r = R()) {
  Fields(JsonReader{j}, r, &r);
  return r;
}

}  // namespace

void to_json(json& j, const OpCoverage& c) { j = Write(c, nullptr); }
void from_json(const json& j, OpCoverage& c) { c = Read<OpCoverage>(j); }
void to_json(json& j, const OpTypeProfile& p) { j = Write(p, nullptr); }
void to_json(json& j, const OptimizedGraphContent& c) { j = Write(c, nullptr); }
void from_json(const json& j, OptimizedGraphContent& c) { c = Read<OptimizedGraphContent>(j); }
void to_json(json& j, const ExternalFileCoverage& c) { j = Write(c, nullptr); }
void from_json(const json& j, ExternalFileCoverage& c) { c = Read<ExternalFileCoverage>(j); }
void from_json(const json& j, OpTypeProfile& p) { p = Read<OpTypeProfile>(j); }
void to_json(json& j, const ModelRecord& r) { j = ToJson(r); }
void from_json(const json& j, ModelRecord& r) { r = ModelRecordFromJson(j); }
void to_json(json& j, const PointResult& r) { j = ToJson(r); }
void from_json(const json& j, PointResult& r) { r = PointResultFromJson(j); }
void to_json(json& j, const AccuracyRecord& r) { j = ToJson(r); }
void from_json(const json& j, AccuracyRecord& r) { r = AccuracyRecordFromJson(j); }
void to_json(json& j, const OpProfileRecord& r) { j = ToJson(r); }
void from_json(const json& j, OpProfileRecord& r) { r = OpProfileRecordFromJson(j); }
void to_json(json& j, const RooflinePeaks& r) { j = ToJson(r); }
void from_json(const json& j, RooflinePeaks& r) { r = RooflinePeaksFromJson(j); }
void to_json(json& j, const LabEnvironment& e) { j = Write(e, nullptr); }
void from_json(const json& j, LabEnvironment& e) { e = Read<LabEnvironment>(j); }

std::int64_t LabStudy::FailedPoints() const {
  std::int64_t n = 0;
  for (const auto& p : points) n += p.ok || p.not_applicable ? 0 : 1;
  return n;
}

std::int64_t LabStudy::NotApplicablePoints() const {
  std::int64_t n = 0;
  for (const auto& p : points) n += p.not_applicable ? 1 : 0;
  return n;
}

const PointResult* LabStudy::FindPoint(const std::string& key) const {
  for (const auto& p : points)
    if (p.point.Key() == key) return &p;
  return nullptr;
}

const ModelRecord* LabStudy::FindModel(const std::string& model, const std::string& variant) const {
  for (const auto& m : models)
    if (m.model == model && m.variant == variant) return &m;
  return nullptr;
}

const AccuracyRecord* LabStudy::FindAccuracy(const std::string& model, const std::string& variant) const {
  for (const auto& a : accuracy)
    if (a.model == model && a.variant == variant) return &a;
  return nullptr;
}

json ToJson(const PointResult& r) {
  json j = Write(r, "point");
  j["key"] = r.point.Key();
  return j;
}

PointResult PointResultFromJson(const json& j) {
  PointResult r;
  r.energy = PointEnergyFromJson(json());  // a record without "energy" predates energy measurement
  return Read(j, r);
}

json ToJson(const ModelRecord& r) { return Write(r, "model"); }
ModelRecord ModelRecordFromJson(const json& j) { return Read<ModelRecord>(j); }
json ToJson(const AccuracyRecord& r) { return Write(r, "accuracy"); }
AccuracyRecord AccuracyRecordFromJson(const json& j) { return Read<AccuracyRecord>(j); }
json ToJson(const OpProfileRecord& r) { return Write(r, "op_profile"); }
OpProfileRecord OpProfileRecordFromJson(const json& j) { return Read<OpProfileRecord>(j); }
json ToJson(const RooflinePeaks& r) { return Write(r, nullptr); }
RooflinePeaks RooflinePeaksFromJson(const json& j) { return Read<RooflinePeaks>(j); }
json ToJson(const LabWarning& w) { return Write(w, "warning"); }

json ToJson(const LabStudy& s) {
  json j = Write(s, nullptr);
  j["qbench_lab_version"] = 1;
  j["measured_points"] = static_cast<std::int64_t>(s.points.size());
  j["failed_points"] = s.FailedPoints();
  j["not_applicable_points"] = s.NotApplicablePoints();
  return j;
}

LabStudy LabStudyFromJson(const json& j) { return Read<LabStudy>(j); }

std::string ResultsJsonlPath(const std::string& output_dir) { return output_dir + "/results.jsonl"; }

JsonlRecords ReadResultsJsonl(const std::string& path) {
  JsonlRecords out;
  std::ifstream in(path);
  if (!in) return out;  // no file yet: nothing measured
  // Keep the last record per key, in first-seen order.
  std::map<std::string, std::size_t> model_idx, point_idx, acc_idx, prof_idx;
  auto upsert = [](auto& vec, std::map<std::string, std::size_t>& idx, const std::string& key, auto rec) {
    auto it = idx.find(key);
    if (it == idx.end()) {
      idx[key] = vec.size();
      vec.push_back(std::move(rec));
    } else {
      vec[it->second] = std::move(rec);
    }
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("record")) {
      ++out.skipped_lines;
      continue;
    }
    try {
      std::string kind;
      Get(j, "record", &kind);
      if (kind == "point") {
        auto r = PointResultFromJson(j);
        const std::string key = r.point.Key();
        upsert(out.points, point_idx, key, std::move(r));
      } else if (kind == "model") {
        auto r = ModelRecordFromJson(j);
        const std::string key = r.model + "|" + r.variant;
        upsert(out.models, model_idx, key, std::move(r));
      } else if (kind == "accuracy") {
        auto r = AccuracyRecordFromJson(j);
        const std::string key = r.model + "|" + r.variant;
        upsert(out.accuracy, acc_idx, key, std::move(r));
      } else if (kind == "op_profile") {
        auto r = OpProfileRecordFromJson(j);
        const std::string key = r.model + "|" + r.variant + "|b" + std::to_string(r.batch) + "|s" +
                                std::to_string(r.input_size) + "|t" + std::to_string(r.threads);
        upsert(out.op_profiles, prof_idx, key, std::move(r));
      } else if (kind == "settings") {
        JsonReader{j}.OrNull("settings", out.settings, out.has_settings);
        Get(j, "device", &out.device);
        Get(j, "shard_index", &out.shard_index);
        Get(j, "shard_count", &out.shard_count);
        Get(j, "planned", &out.planned);
      } else if (kind == "environment") {
        JsonReader{j}.OrNull("environment", out.environment, out.has_environment);
      } else if (kind == "roofline") {
        auto r = RooflinePeaksFromJson(j);
        bool replaced = false;
        for (auto& e : out.roofline)
          if (e.threads == r.threads) e = r, replaced = true;
        if (!replaced) out.roofline.push_back(r);
      } else if (kind == "warning") {
        const LabWarning w = Read<LabWarning>(j);
        bool seen = false;
        for (const auto& e : out.warnings) seen = seen || (e.code == w.code && e.message == w.message);
        if (!seen) out.warnings.push_back(w);
      } else if (kind == "run_end") {
        double d = 0;
        Get(j, "duration_s", &d);
        out.previous_duration_s += d;
      }
    } catch (const std::exception&) {
      ++out.skipped_lines;
    }
  }
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read '" + path + "'");
  return out;
}

}  // namespace qbench
