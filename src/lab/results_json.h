// src/lab/results_json.h — the lab's records to and from JSON with qbench/core/json_fields.h's
// JsonWriter/JsonReader (results.cc, results_energy.cc). Private to the lab module.
#pragma once

#include <nlohmann/json.hpp>

#include "qbench/core/json_fields.h"
#include "qbench/lab/results.h"

namespace qbench {
namespace lab_internal {

using json_fields::Decibels;
using json_fields::DecibelsFrom;
using json_fields::Get;
using json_fields::JsonReader;
using json_fields::JsonWriter;

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
void to_json(nlohmann::json& j, const OptimizedGraphContent& c);
void from_json(const nlohmann::json& j, OptimizedGraphContent& c);
void to_json(nlohmann::json& j, const ExternalFileCoverage& c);
void from_json(const nlohmann::json& j, ExternalFileCoverage& c);
void from_json(const nlohmann::json& j, RooflinePeaks& r);

}  // namespace qbench

#define QBENCH_LAB_FIELDS QBENCH_JSON_FIELDS
