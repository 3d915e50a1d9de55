// src/lab/results_json.h — one field list per results record, walked in both directions: JsonWriter
// builds the record's JSON object, JsonReader fills the record from it (results.cc,
// results_energy.cc). Private to the lab module.
//
// A field list is a template `Fields(const F& f, R& r)` (R the record, const when writing) that calls
// f("key", r.member) once per field; QBENCH_LAB_FIELDS(a, b, …) writes f("a", r.a); f("b", r.b); … for
// members whose key is their name. Conditions on the record (`if (r.ok)`) work both ways: the reader
// has already read what they test when it reaches them.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "qbench/core/error.h"
#include "qbench/lab/results.h"

namespace qbench {
namespace lab_internal {

// Reads j[key] into *out when present and not null; a wrong type is an Error naming the key.
template <typename T>
void Get(const nlohmann::json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    *out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidInput, std::string("results record: key '") + key + "' has the wrong type: " + e.what());
  }
}

// +inf (identical outputs) is written as null, and null read back as +inf.
inline nlohmann::json Decibels(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
inline double DecibelsFrom(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::infinity();
}

struct JsonWriter {
  nlohmann::json& j;
  template <typename T>
  void operator()(const char* key, const T& v) const { j[key] = v; }
  /// Written only when `present`; read whenever it is there.
  template <typename T>
  void Optional(const char* key, const T& v, bool present) const {
    if (present) j[key] = v;
  }
  /// "status": "ok" | "failed".
  void Status(bool ok) const { j["status"] = ok ? "ok" : "failed"; }
  /// Reading sets *has to whether `key` is there; writing leaves it to the record.
  void Has(const char*, const bool*) const {}
  /// A nested object written by `fields` when `present` (plus "method": `method` when not empty), else null.
  template <typename Fn>
  void Object(const char* key, bool present, const char* method, Fn fields) const {
    if (!present) {
      j[key] = nullptr;
      return;
    }
    nlohmann::json o = nlohmann::json::object();
    fields(JsonWriter{o});
    if (method && *method) o["method"] = method;
    j[key] = o;
  }
  void Decibel(const char* key, double v) const { j[key] = Decibels(v); }
  void DecibelMap(const char* key, const std::map<std::string, double>& m) const {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [name, v] : m) o[name] = Decibels(v);
    j[key] = o;
  }
};

struct JsonReader {
  const nlohmann::json& j;
  template <typename T>
  void operator()(const char* key, T& v) const { Get(j, key, &v); }
  template <typename T>
  void Optional(const char* key, T& v, bool) const { Get(j, key, &v); }
  void Status(bool& ok) const {
    std::string s;
    Get(j, "status", &s);
    ok = s == "ok";
  }
  void Has(const char* key, bool* has) const { *has = j.contains(key); }
  template <typename Fn>
  void Object(const char* key, bool& present, const char*, Fn fields) const {
    auto it = j.find(key);
    present = it != j.end() && it->is_object();
    if (present) fields(JsonReader{*it});
  }
  void Decibel(const char* key, double& v) const {
    if (j.contains(key)) v = DecibelsFrom(j[key]);
  }
  void DecibelMap(const char* key, std::map<std::string, double>& m) const {
    auto it = j.find(key);
    if (it == j.end() || !it->is_object()) return;
    for (const auto& [name, v] : it->items()) m[name] = DecibelsFrom(v);
  }
};

}  // namespace lab_internal

// nlohmann's hooks for the records and their parts (results.cc, results_energy.cc), so a field list can
// name a nested record, a vector or a map of them like any other member.
void to_json(nlohmann::json& j, const OpCoverage& c);
void from_json(const nlohmann::json& j, OpCoverage& c);
void to_json(nlohmann::json& j, const OpTypeProfile& p);
void from_json(const nlohmann::json& j, OpTypeProfile& p);
void to_json(nlohmann::json& j, const PointEnergy& e);
void from_json(const nlohmann::json& j, PointEnergy& e);
void to_json(nlohmann::json& j, const ModelRecord& r);
void from_json(const nlohmann::json& j, ModelRecord& r);
void to_json(nlohmann::json& j, const PointResult& r);
void from_json(const nlohmann::json& j, PointResult& r);
void to_json(nlohmann::json& j, const AccuracyRecord& r);
void from_json(const nlohmann::json& j, AccuracyRecord& r);
void to_json(nlohmann::json& j, const OpProfileRecord& r);
void from_json(const nlohmann::json& j, OpProfileRecord& r);
void to_json(nlohmann::json& j, const RooflinePeaks& r);
void from_json(const nlohmann::json& j, RooflinePeaks& r);

}  // namespace qbench

#define QBENCH_LAB_FIELD(name) f(#name, r.name);
/// f("a", r.a); f("b", r.b); … — nlohmann's own argument-pasting macro (json.hpp), as its
/// NLOHMANN_DEFINE_TYPE_* macros use it.
#define QBENCH_LAB_FIELDS(...) NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(QBENCH_LAB_FIELD, __VA_ARGS__))
