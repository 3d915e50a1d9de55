// qbench/core/json_fields.h — one field list per record type, walked in both directions: JsonWriter
// builds the record's JSON object, JsonReader fills the record from it (lab results, the quantizer's
// coverage report).
//
// A field list is a template `Fields(const F& f, R& r)` (R the record, const when writing) that calls
// f("key", r.member) once per field; QBENCH_JSON_FIELDS(a, b, …) writes f("a", r.a); f("b", r.b); … for
// members whose key is their name. Conditions on the record (`if (r.ok)`) work both ways: the reader
// has already read what they test when it reaches them.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/core/error.h"

namespace qbench {
namespace json_fields {

// Reads j[key] into *out when present and not null; a wrong type is an Error naming the key.
template <typename T>
void Get(const nlohmann::json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    *out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidInput, std::string("record: key '") + key + "' has the wrong type: " + e.what());
  }
}

// +inf (identical outputs) is written as null, and null read back as +inf.
inline nlohmann::json Decibels(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
inline double DecibelsFrom(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::infinity();
}

// A figure that may be unmeasured: NaN (or ±inf) is written as null, null read back as NaN.
inline nlohmann::json Finite(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
inline double NumberFrom(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}
// The verification report's convention: NaN as null, ±inf as "inf" / "-inf", and back.
inline nlohmann::json UnboundedJson(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}
inline double UnboundedFrom(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>() == "-inf" ? -std::numeric_limits<double>::infinity()
                                                            : std::numeric_limits<double>::infinity();
  return NumberFrom(v);
}

/// Writes into `J`: nlohmann::json, or nlohmann::ordered_json where the order of the keys is the
/// field list's (bench --json's environment block).
template <typename J>
struct BasicJsonWriter {
  J& j;
  template <typename T>
  void operator()(const char* key, const T& v) const { j[key] = v; }
  /// Written only when `present`; read whenever it is there.
  template <typename T>
  void Optional(const char* key, const T& v, bool present) const {
    if (present) j[key] = v;
  }
  /// "status": "ok" | "failed".
  void Status(bool ok) const { j["status"] = ok ? "ok" : "failed"; }
  /// "status": "ok" | "not_applicable" | "failed".
  void Status(bool ok, bool not_applicable) const { j["status"] = ok ? "ok" : not_applicable ? "not_applicable" : "failed"; }
  /// Reading sets *has to whether `key` is there; writing leaves it to the record.
  void Has(const char*, const bool*) const {}
  /// A nested object written by `fields` when `present` (plus "method": `method` when not empty), else null.
  template <typename Fn>
  void Object(const char* key, bool present, const char* method, Fn fields) const {
    if (!present) {
      j[key] = nullptr;
      return;
    }
    J o = J::object();
    fields(BasicJsonWriter<J>{o});
    if (method && *method) o["method"] = method;
    j[key] = o;
  }
  /// `v` (through its to_json) when `present`, else null; the reader sets `present` to whether an object is there.
  template <typename T>
  void OrNull(const char* key, const T& v, bool present) const {
    if (present) j[key] = v;
    else j[key] = nullptr;
  }
  /// `v` when `present`, else null (a key always there); read whenever it is there and not null.
  template <typename T>
  void Nullable(const char* key, const T& v, bool present) const {
    if (present) j[key] = v;
    else j[key] = nullptr;
  }
  /// `v`'s own JSON object merged into this one when `present`; the reader sets `present` to
  /// whether `marker` (a key `v` always writes) is there and then reads `v` from this object.
  template <typename T>
  void Inline(const char*, const T& v, bool present) const {
    if (present) j.update(J(v));
  }
  /// A figure that may be unmeasured: a non-finite value is written as null, null read back as NaN.
  void Number(const char* key, double v) const { j[key] = Finite(v); }
  /// A figure that may be unmeasured or infinite: NaN as null, ±inf as "inf" / "-inf".
  void Unbounded(const char* key, double v) const { j[key] = UnboundedJson(v); }
  /// [low, high] (each as Number) when `present`, else null; read back as NaN when null.
  void NumberPair(const char* key, double low, double high, bool present) const {
    if (present) j[key] = nlohmann::json::array({Finite(low), Finite(high)});
    else j[key] = nullptr;
  }
  void Decibel(const char* key, double v) const { j[key] = Decibels(v); }
  void DecibelMap(const char* key, const std::map<std::string, double>& m) const {
    J o = J::object();
    for (const auto& [name, v] : m) o[name] = Decibels(v);
    j[key] = o;
  }
  /// Named flags in their order, written as one object {"name": true|false, …}.
  void Flags(const char* key, const std::vector<std::pair<std::string, bool>>& flags) const {
    J o = J::object();
    for (const auto& [name, on] : flags) o[name] = on;
    j[key] = o;
  }
};
using JsonWriter = BasicJsonWriter<nlohmann::json>;

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
  void Status(bool& ok, bool& not_applicable) const {
    std::string s;
    Get(j, "status", &s);
    ok = s == "ok";
    not_applicable = s == "not_applicable";
  }
  void Has(const char* key, bool* has) const { *has = j.contains(key); }
  template <typename Fn>
  void Object(const char* key, bool& present, const char*, Fn fields) const {
    auto it = j.find(key);
    present = it != j.end() && it->is_object();
    if (present) fields(JsonReader{*it});
  }
  template <typename T>
  void OrNull(const char* key, T& v, bool& present) const {
    auto it = j.find(key);
    present = it != j.end() && it->is_object();
    if (present) Get(j, key, &v);
  }
  template <typename T>
  void Nullable(const char* key, T& v, bool) const { Get(j, key, &v); }
  template <typename T>
  void Inline(const char* marker, T& v, bool& present) const {
    present = j.contains(marker);
    if (present) v = j.get<T>();
  }
  void Number(const char* key, double& v) const {
    auto it = j.find(key);
    if (it != j.end()) v = NumberFrom(*it);
  }
  void Unbounded(const char* key, double& v) const {
    auto it = j.find(key);
    if (it != j.end()) v = UnboundedFrom(*it);
  }
  void NumberPair(const char* key, double& low, double& high, bool) const {
    auto it = j.find(key);
    if (it == j.end()) return;
    const bool pair = it->is_array() && it->size() == 2;
    low = pair ? NumberFrom((*it)[0]) : std::numeric_limits<double>::quiet_NaN();
    high = pair ? NumberFrom((*it)[1]) : std::numeric_limits<double>::quiet_NaN();
  }
  void Decibel(const char* key, double& v) const {
    if (j.contains(key)) v = DecibelsFrom(j[key]);
  }
  void DecibelMap(const char* key, std::map<std::string, double>& m) const {
    auto it = j.find(key);
    if (it == j.end() || !it->is_object()) return;
    for (const auto& [name, v] : it->items()) m[name] = DecibelsFrom(v);
  }
  void Flags(const char* key, std::vector<std::pair<std::string, bool>>& flags) const {
    auto it = j.find(key);
    if (it == j.end() || !it->is_object()) return;
    flags.clear();
    for (const auto& [name, v] : it->items())
      if (v.is_boolean()) flags.emplace_back(name, v.get<bool>());
  }
};

}  // namespace json_fields
}  // namespace qbench

#define QBENCH_JSON_FIELD(name) f(#name, r.name);
/// f("a", r.a); f("b", r.b); … — nlohmann's own argument-pasting macro (json.hpp), as its
/// NLOHMANN_DEFINE_TYPE_* macros use it.
#define QBENCH_JSON_FIELDS(...) NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(QBENCH_JSON_FIELD, __VA_ARGS__))
