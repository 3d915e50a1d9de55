#include "qbench/lab/results.h"

#include <fstream>
#include <limits>
#include <cmath>
#include <map>
#include <sstream>

#include "qbench/benchmark/statistics_report.h"
#include "qbench/core/error.h"
#include "results_json.h"

namespace qbench {
namespace {

using nlohmann::json;
using lab_internal::Get;

json PointKeyJson(const SweepPoint& p) {
  return json{{"key", p.Key()},       {"model", p.model},           {"variant", p.variant},
              {"batch", p.batch},     {"input_size", p.input_size}, {"threads", p.threads}};
}

SweepPoint PointFromJson(const json& j) {
  SweepPoint p;
  Get(j, "model", &p.model);
  Get(j, "variant", &p.variant);
  Get(j, "batch", &p.batch);
  Get(j, "input_size", &p.input_size);
  Get(j, "threads", &p.threads);
  return p;
}

}  // namespace

std::int64_t LabStudy::FailedPoints() const {
  std::int64_t n = 0;
  for (const auto& p : points) n += p.ok ? 0 : 1;
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
  json j = PointKeyJson(r.point);
  j["record"] = "point";
  j["model_spec"] = r.model_spec;
  j["status"] = r.ok ? "ok" : "failed";
  j["error"] = r.error;
  if (r.ok) {
    j["latency_ms"] = StatisticsToJson(r.latency);
    j["samples_ms"] = r.samples_ms;
    j["throughput_samples_per_s"] = r.throughput_samples_per_s;
    j["session_create_ms"] = r.session_create_ms;
    j["first_run_ms"] = r.first_run_ms;
    j["peak_rss_bytes"] = r.peak_rss_bytes;
    j["weights_memory_bytes"] = r.weights_memory_bytes;
    j["session_memory_bytes"] = r.session_memory_bytes;
    j["arena_peak_bytes"] = r.arena_peak_bytes;
    j["memory_method"] = r.memory_method;
    if (!r.memory_error.empty()) j["memory_error"] = r.memory_error;
    j["macs"] = r.macs;
    j["achieved_macs_per_s"] = r.achieved_macs_per_s;
    j["timing"] = r.timing;
    j["energy"] = ToJson(r.energy);
    if (r.has_speedup) {
      j["baseline_variant"] = r.baseline_variant;
      j["speedup"] = r.speedup;
      j["speedup_ci95_low"] = r.speedup_ci95_low;
      j["speedup_ci95_high"] = r.speedup_ci95_high;
    }
  }
  j["provider"] = r.provider;
  j["finished_at_unix_s"] = r.finished_at_unix_s;
  if (!r.device.empty()) j["device"] = r.device;
  if (r.shard >= 0) j["shard"] = r.shard;
  return j;
}

PointResult PointResultFromJson(const json& j) {
  PointResult r;
  r.point = PointFromJson(j);
  Get(j, "model_spec", &r.model_spec);
  std::string status;
  Get(j, "status", &status);
  r.ok = status == "ok";
  Get(j, "error", &r.error);
  if (j.contains("latency_ms") && j["latency_ms"].is_object()) r.latency = StatisticsFromJson(j["latency_ms"]);
  Get(j, "samples_ms", &r.samples_ms);
  Get(j, "throughput_samples_per_s", &r.throughput_samples_per_s);
  Get(j, "session_create_ms", &r.session_create_ms);
  Get(j, "first_run_ms", &r.first_run_ms);
  Get(j, "peak_rss_bytes", &r.peak_rss_bytes);
  Get(j, "weights_memory_bytes", &r.weights_memory_bytes);
  Get(j, "session_memory_bytes", &r.session_memory_bytes);
  Get(j, "arena_peak_bytes", &r.arena_peak_bytes);
  Get(j, "memory_method", &r.memory_method);
  Get(j, "memory_error", &r.memory_error);
  Get(j, "macs", &r.macs);
  Get(j, "achieved_macs_per_s", &r.achieved_macs_per_s);
  Get(j, "timing", &r.timing);
  Get(j, "provider", &r.provider);
  r.energy = PointEnergyFromJson(j.contains("energy") ? j["energy"] : json());
  if (j.contains("speedup")) {
    r.has_speedup = true;
    Get(j, "baseline_variant", &r.baseline_variant);
    Get(j, "speedup", &r.speedup);
    Get(j, "speedup_ci95_low", &r.speedup_ci95_low);
    Get(j, "speedup_ci95_high", &r.speedup_ci95_high);
  }
  Get(j, "finished_at_unix_s", &r.finished_at_unix_s);
  Get(j, "device", &r.device);
  Get(j, "shard", &r.shard);
  return r;
}

json ToJson(const ModelRecord& r) {
  json cov = json::object();
  for (const auto& [op, c] : r.op_coverage) cov[op] = json{{"quantized", c.quantized}, {"kept_float", c.kept_float}};
  return json{{"record", "model"},
              {"model", r.model},
              {"model_spec", r.model_spec},
              {"variant", r.variant},
              {"status", r.ok ? "ok" : "failed"},
              {"error", r.error},
              {"file", r.file},
              {"file_size_bytes", r.file_size_bytes},
              {"params", r.params},
              {"macs_per_sample", r.macs_per_sample},
              {"macs_complete", r.macs_complete},
              {"content", r.content},
              {"weight_bytes_by_dtype", r.weight_bytes_by_dtype},
              {"original_bits", r.original_bits},
              {"weight_precision", r.weight_precision},
              {"activation_precision", r.activation_precision},
              {"op_coverage", cov},
              {"int8_mac_share", r.int8_mac_share},
              {"quantize_ms", r.quantize_ms},
              {"calibration", r.calibration},
              {"coverage_report", r.coverage_report},
              {"verification", r.verification},
              {"external", r.external},
              {"placement", r.placement},
              {"warnings", r.warnings}};
}

ModelRecord ModelRecordFromJson(const json& j) {
  ModelRecord r;
  Get(j, "model", &r.model);
  Get(j, "model_spec", &r.model_spec);
  Get(j, "variant", &r.variant);
  std::string status;
  Get(j, "status", &status);
  r.ok = status == "ok";
  Get(j, "error", &r.error);
  Get(j, "file", &r.file);
  Get(j, "file_size_bytes", &r.file_size_bytes);
  Get(j, "params", &r.params);
  Get(j, "macs_per_sample", &r.macs_per_sample);
  Get(j, "macs_complete", &r.macs_complete);
  Get(j, "content", &r.content);
  Get(j, "weight_bytes_by_dtype", &r.weight_bytes_by_dtype);
  Get(j, "original_bits", &r.original_bits);
  Get(j, "weight_precision", &r.weight_precision);
  Get(j, "activation_precision", &r.activation_precision);
  if (j.contains("op_coverage") && j["op_coverage"].is_object())
    for (const auto& [op, c] : j["op_coverage"].items()) {
      OpCoverage oc;
      Get(c, "quantized", &oc.quantized);
      Get(c, "kept_float", &oc.kept_float);
      r.op_coverage[op] = oc;
    }
  Get(j, "int8_mac_share", &r.int8_mac_share);
  Get(j, "quantize_ms", &r.quantize_ms);
  Get(j, "calibration", &r.calibration);
  if (j.contains("coverage_report")) r.coverage_report = j["coverage_report"];
  if (j.contains("verification")) r.verification = j["verification"];
  Get(j, "external", &r.external);
  if (j.contains("placement")) r.placement = j["placement"];
  Get(j, "warnings", &r.warnings);
  return r;
}

json ToJson(const AccuracyRecord& r) {
  json j{{"record", "accuracy"},   {"model", r.model},     {"variant", r.variant},
              {"status", r.ok ? "ok" : "failed"}, {"error", r.error}, {"dataset", r.dataset},
              {"samples", r.samples},   {"top1", r.top1},       {"top1_ci95_low", r.top1_ci95_low},
              {"top1_ci95_high", r.top1_ci95_high}, {"top5", r.top5}, {"top1_agreement", r.top1_agreement},
              {"top1_agreement_ci95_low", r.top1_agreement_ci95_low}, {"top1_agreement_ci95_high", r.top1_agreement_ci95_high},
              {"num_classes", r.num_classes}, {"labels_out_of_range", r.labels_out_of_range},
              {"paired", r.has_paired ? json{{"labelled", r.labelled}, {"both_correct", r.both_correct},
                                             {"variant_only_correct", r.variant_only_correct},
                                             {"baseline_only_correct", r.baseline_only_correct},
                                             {"top1_change", r.top1_change}, {"top1_change_ci95_low", r.top1_change_ci95_low},
                                             {"top1_change_ci95_high", r.top1_change_ci95_high}, {"mcnemar_p", r.mcnemar_p},
                                             {"method", "Newcombe (1998) paired score interval, method 10; exact McNemar test"}}
                                      : json(nullptr)}};
  if (r.metric != "top1") {  // SQNR +inf (identical outputs) is written as null
    auto db = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    j["metric"] = r.metric;
    j["sqnr_db"] = db(r.sqnr_db);
    j["cosine"] = r.cosine;
    json outs = json::object();
    for (const auto& [name, v] : r.output_sqnr_db) outs[name] = db(v);
    j["output_sqnr_db"] = outs;
  }
  return j;
}

AccuracyRecord AccuracyRecordFromJson(const json& j) {
  AccuracyRecord r;
  Get(j, "model", &r.model);
  Get(j, "variant", &r.variant);
  std::string status;
  Get(j, "status", &status);
  r.ok = status == "ok";
  Get(j, "error", &r.error);
  Get(j, "dataset", &r.dataset);
  Get(j, "samples", &r.samples);
  Get(j, "top1", &r.top1);
  Get(j, "top1_ci95_low", &r.top1_ci95_low);
  Get(j, "top1_ci95_high", &r.top1_ci95_high);
  Get(j, "top5", &r.top5);
  Get(j, "top1_agreement", &r.top1_agreement);
  Get(j, "top1_agreement_ci95_low", &r.top1_agreement_ci95_low);
  Get(j, "top1_agreement_ci95_high", &r.top1_agreement_ci95_high);
  Get(j, "num_classes", &r.num_classes);
  Get(j, "labels_out_of_range", &r.labels_out_of_range);
  if (j.contains("paired") && j["paired"].is_object()) {
    const json& p = j["paired"];
    r.has_paired = true;
    Get(p, "labelled", &r.labelled);
    Get(p, "both_correct", &r.both_correct);
    Get(p, "variant_only_correct", &r.variant_only_correct);
    Get(p, "baseline_only_correct", &r.baseline_only_correct);
    Get(p, "top1_change", &r.top1_change);
    Get(p, "top1_change_ci95_low", &r.top1_change_ci95_low);
    Get(p, "top1_change_ci95_high", &r.top1_change_ci95_high);
    Get(p, "mcnemar_p", &r.mcnemar_p);
  }
  Get(j, "metric", &r.metric);
  auto db = [](const json& v) { return v.is_number() ? v.get<double>() : std::numeric_limits<double>::infinity(); };
  if (j.contains("sqnr_db")) r.sqnr_db = db(j["sqnr_db"]);
  Get(j, "cosine", &r.cosine);
  if (j.contains("output_sqnr_db") && j["output_sqnr_db"].is_object())
    for (const auto& [name, v] : j["output_sqnr_db"].items()) r.output_sqnr_db[name] = db(v);
  return r;
}

json ToJson(const OpProfileRecord& r) {
  json ops = json::array();
  for (const auto& o : r.op_types)
    ops.push_back(json{{"op_type", o.op_type}, {"nodes", o.nodes}, {"time_ms", o.time_ms}, {"macs", o.macs}, {"bytes", o.bytes}});
  return json{{"record", "op_profile"}, {"model", r.model},   {"variant", r.variant},   {"batch", r.batch},
              {"input_size", r.input_size}, {"threads", r.threads}, {"status", r.ok ? "ok" : "failed"},
              {"error", r.error},           {"total_ms", r.total_ms}, {"macs", r.macs},
              {"bytes", r.bytes},           {"op_types", ops}};
}

OpProfileRecord OpProfileRecordFromJson(const json& j) {
  OpProfileRecord r;
  Get(j, "model", &r.model);
  Get(j, "variant", &r.variant);
  Get(j, "batch", &r.batch);
  Get(j, "input_size", &r.input_size);
  Get(j, "threads", &r.threads);
  std::string status;
  Get(j, "status", &status);
  r.ok = status == "ok";
  Get(j, "error", &r.error);
  Get(j, "total_ms", &r.total_ms);
  Get(j, "macs", &r.macs);
  Get(j, "bytes", &r.bytes);
  if (j.contains("op_types") && j["op_types"].is_array())
    for (const auto& o : j["op_types"]) {
      OpTypeProfile p;
      Get(o, "op_type", &p.op_type);
      Get(o, "nodes", &p.nodes);
      Get(o, "time_ms", &p.time_ms);
      Get(o, "macs", &p.macs);
      Get(o, "bytes", &p.bytes);
      r.op_types.push_back(p);
    }
  return r;
}

json ToJson(const RooflinePeaks& r) {
  return json{{"status", r.ok ? "ok" : "failed"},
              {"error", r.error},
              {"cpu_model", r.cpu_model},
              {"ort_version", r.ort_version},
              {"threads", r.threads},
              {"fp32_macs_per_s", r.fp32_macs_per_s},
              {"int8_macs_per_s", r.int8_macs_per_s},
              {"bytes_per_s", r.bytes_per_s},
              {"method", r.method},
              {"from_cache", r.from_cache},
              {"measured_at_unix_s", r.measured_at_unix_s}};
}

RooflinePeaks RooflinePeaksFromJson(const json& j) {
  RooflinePeaks r;
  std::string status;
  Get(j, "status", &status);
  r.ok = status == "ok";
  Get(j, "error", &r.error);
  Get(j, "cpu_model", &r.cpu_model);
  Get(j, "ort_version", &r.ort_version);
  Get(j, "threads", &r.threads);
  Get(j, "fp32_macs_per_s", &r.fp32_macs_per_s);
  Get(j, "int8_macs_per_s", &r.int8_macs_per_s);
  Get(j, "bytes_per_s", &r.bytes_per_s);
  Get(j, "method", &r.method);
  Get(j, "from_cache", &r.from_cache);
  Get(j, "measured_at_unix_s", &r.measured_at_unix_s);
  return r;
}

json ToJson(const LabStudy& s) {
  json j{{"qbench_lab_version", 1},
         {"config", s.config},
         {"environment", s.environment},
         {"settings", s.settings},
         {"started_at_unix_s", s.started_at_unix_s},
         {"duration_s", s.duration_s},
         {"total_duration_s", s.total_duration_s},
         {"interrupted", s.interrupted},
         {"planned_points", s.planned_points},
         {"measured_points", static_cast<std::int64_t>(s.points.size())},
         {"failed_points", s.FailedPoints()},
         {"warnings", s.warnings}};
  for (const char* k : {"models", "points", "accuracy", "op_profiles", "roofline"}) j[k] = json::array();
  for (const auto& m : s.models) j["models"].push_back(ToJson(m));
  for (const auto& p : s.points) j["points"].push_back(ToJson(p));
  for (const auto& a : s.accuracy) j["accuracy"].push_back(ToJson(a));
  for (const auto& o : s.op_profiles) j["op_profiles"].push_back(ToJson(o));
  for (const auto& r : s.roofline) j["roofline"].push_back(ToJson(r));
  return j;
}

LabStudy LabStudyFromJson(const json& j) {
  LabStudy s;
  if (j.contains("config")) s.config = j["config"];
  if (j.contains("environment")) s.environment = j["environment"];
  if (j.contains("settings")) s.settings = j["settings"];
  Get(j, "started_at_unix_s", &s.started_at_unix_s);
  Get(j, "duration_s", &s.duration_s);
  Get(j, "total_duration_s", &s.total_duration_s);
  Get(j, "interrupted", &s.interrupted);
  Get(j, "planned_points", &s.planned_points);
  Get(j, "warnings", &s.warnings);
  auto each = [&](const char* key, auto fn) {
    if (j.contains(key) && j[key].is_array())
      for (const auto& e : j[key]) fn(e);
  };
  each("models", [&](const json& e) { s.models.push_back(ModelRecordFromJson(e)); });
  each("points", [&](const json& e) { s.points.push_back(PointResultFromJson(e)); });
  each("accuracy", [&](const json& e) { s.accuracy.push_back(AccuracyRecordFromJson(e)); });
  each("op_profiles", [&](const json& e) { s.op_profiles.push_back(OpProfileRecordFromJson(e)); });
  each("roofline", [&](const json& e) { s.roofline.push_back(RooflinePeaksFromJson(e)); });
  return s;
}

json ToJson(const LabWarning& w) { return json{{"record", "warning"}, {"code", w.code}, {"message", w.message}}; }

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
      const std::string kind = j["record"].get<std::string>();
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
        if (j.contains("settings") && j["settings"].is_object()) out.settings = j["settings"];
        Get(j, "device", &out.device);
        Get(j, "shard_index", &out.shard_index);
        Get(j, "shard_count", &out.shard_count);
        Get(j, "planned", &out.planned);
      } else if (kind == "environment") {
        if (j.contains("environment")) out.environment = j["environment"];
      } else if (kind == "roofline") {
        auto r = RooflinePeaksFromJson(j);
        bool replaced = false;
        for (auto& e : out.roofline)
          if (e.threads == r.threads) e = r, replaced = true;
        if (!replaced) out.roofline.push_back(r);
      } else if (kind == "warning") {
        LabWarning w;
        Get(j, "code", &w.code);
        Get(j, "message", &w.message);
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
