// qbench/quantization/quantize_report_json.h — the coverage report (quantizer.h QuantizeReport) to and
// from JSON, from one field list (coverage.cc, with core/json_fields.h's JsonWriter/JsonReader).
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "qbench/quantization/quantizer.h"

namespace qbench {

/// The report back from QuantizeReportToJson's text (or the lab's results.json "coverage_report"):
/// every field of QuantizeReport; missing keys keep their defaults, "size_ratio" is derived and
/// ignored. Throws Error(kInvalidInput) naming a key of the wrong type, or on text that is not JSON.
QuantizeReport QuantizeReportFromJson(const std::string& text);

/// nlohmann's hooks: the same JSON object as QuantizeReportToJson. "nodes" is written only when the
/// report has decisions (the lab keeps none in results.json).
void to_json(nlohmann::json& j, const QuantizeReport& r);
void from_json(const nlohmann::json& j, QuantizeReport& r);

}  // namespace qbench
