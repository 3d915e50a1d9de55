// src/lab/results_json.h — reading a results record's keys (results.cc, results_energy.cc).
// Private to the lab module.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "qbench/core/error.h"

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

}  // namespace lab_internal
}  // namespace qbench
