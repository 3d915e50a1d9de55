// The one field list of Statistics in results files (qbench/benchmark/statistics_report.h).
#include "qbench/benchmark/statistics_report.h"

#include <cmath>
#include <limits>
#include <string>

#include "qbench/core/error.h"

namespace qbench {
namespace {

enum class Unit { kCount, kMs, kFraction };

// Each field once: its key, the key older lab files used (or nullptr), its unit and its member.
struct Field {
  const char* key;
  const char* old_key;
  Unit unit;
  double Statistics::*real;       // kMs, kFraction
  std::size_t Statistics::*count; // kCount
};

const Field kFields[] = {
    {"n", nullptr, Unit::kCount, nullptr, &Statistics::n},
    {"mean_ms", nullptr, Unit::kMs, &Statistics::mean_ms, nullptr},
    {"stddev_ms", "std_ms", Unit::kMs, &Statistics::stddev_ms, nullptr},
    {"median_ms", nullptr, Unit::kMs, &Statistics::median_ms, nullptr},
    {"median_ci_low_ms", "ci95_low_ms", Unit::kMs, &Statistics::median_ci_low_ms, nullptr},
    {"median_ci_high_ms", "ci95_high_ms", Unit::kMs, &Statistics::median_ci_high_ms, nullptr},
    {"median_ci_level", nullptr, Unit::kFraction, &Statistics::median_ci_level, nullptr},
    {"min_ms", nullptr, Unit::kMs, &Statistics::min_ms, nullptr},
    {"max_ms", nullptr, Unit::kMs, &Statistics::max_ms, nullptr},
    {"p90_ms", nullptr, Unit::kMs, &Statistics::p90_ms, nullptr},
    {"p99_ms", nullptr, Unit::kMs, &Statistics::p99_ms, nullptr},
    {"cv", nullptr, Unit::kFraction, &Statistics::cv, nullptr},
    {"outliers", nullptr, Unit::kCount, nullptr, &Statistics::outliers},
};

// The value under `key`, else under `old_key`; nullptr when neither is there or it is null.
const nlohmann::json* Find(const nlohmann::json& j, const Field& f) {
  for (const char* k : {f.key, f.old_key}) {
    if (!k) continue;
    auto it = j.find(k);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

}  // namespace

nlohmann::ordered_json StatisticsToJson(const Statistics& s) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const Field& f : kFields) {
    if (f.count) j[f.key] = s.*f.count;
    else j[f.key] = s.*f.real;  // NaN dumps as null
  }
  return j;
}

Statistics StatisticsFromJson(const nlohmann::json& j) {
  Statistics s;
  for (const Field& f : kFields) {
    const nlohmann::json* v = j.is_object() ? Find(j, f) : nullptr;
    if (v && !v->is_number())
      throw Error(ErrorCode::kInvalidInput, std::string("latency statistics: key '") + f.key + "' is not a number: " + v->dump());
    if (f.count) s.*f.count = v ? v->get<std::size_t>() : 0;
    else s.*f.real = v ? v->get<double>() : std::numeric_limits<double>::quiet_NaN();
  }
  return s;
}

void to_json(nlohmann::json& j, const Statistics& s) { j = StatisticsToJson(s); }
void from_json(const nlohmann::json& j, Statistics& s) { s = StatisticsFromJson(j); }
void to_json(nlohmann::ordered_json& j, const Statistics& s) { j = StatisticsToJson(s); }

std::vector<Column> StatisticsColumns() {
  std::vector<Column> cols;
  for (const Field& f : kFields) cols.push_back(Column{f.key, "", Align::kRight});
  return cols;
}

std::vector<Cell> StatisticsCells(const Statistics& s) {
  std::vector<Cell> cells;
  for (const Field& f : kFields) {
    if (f.unit == Unit::kCount) {
      cells.push_back(Cell::Integer(static_cast<std::int64_t>(s.*f.count)));
      continue;
    }
    const double v = s.*f.real;
    const std::string shown = f.unit == Unit::kMs ? FormatFixed(v, 3) : (std::isfinite(v) ? FormatFixed(v * 100, 1) + "%" : "");
    cells.push_back(Cell::Number(v, shown));
  }
  return cells;
}

}  // namespace qbench
