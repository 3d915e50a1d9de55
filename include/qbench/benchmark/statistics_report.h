// qbench/benchmark/statistics_report.h — the one schema of latency Statistics (statistics.h) in every
// results file: the JSON object of `bench --json` ("statistics") and of the lab's records
// ("latency_ms"), and the columns of `bench`'s CSV/Markdown and the lab's results.csv. One field list
// (statistics_report.cc) writes and reads all of them, with one spelling.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/benchmark/statistics.h"
#include "qbench/core/table.h"

namespace qbench {

/// {"n", "mean_ms", "stddev_ms", "median_ms", "median_ci_low_ms", "median_ci_high_ms",
/// "median_ci_level", "min_ms", "max_ms", "p90_ms", "p99_ms", "cv", "outliers"} in that order; ms per
/// run, cv and median_ci_level as fractions. A NaN (undefined for so few samples) is written as null.
/// `median_ci_level` is the exact coverage of [median_ci_low_ms, median_ci_high_ms]: below 0.95 when
/// n < 6 (docs/statistics.md), so every file that has the interval has its level beside it.
nlohmann::ordered_json StatisticsToJson(const Statistics& s);

/// Reads StatisticsToJson's object: null or a missing key is NaN (n and outliers: 0). Also reads the
/// spelling of lab results written before the schema was shared (results.jsonl/results.json of older
/// studies): "std_ms" for stddev_ms, "ci95_low_ms"/"ci95_high_ms" for median_ci_low_ms/high_ms.
/// Throws Error(kInvalidInput) naming the key when a value is not a number.
Statistics StatisticsFromJson(const nlohmann::json& j);

/// nlohmann's hooks, so a record's field list can hold a Statistics like any member: j = s writes
/// StatisticsToJson(s), j.get<Statistics>() reads StatisticsFromJson(j).
void to_json(nlohmann::json& j, const Statistics& s);
void from_json(const nlohmann::json& j, Statistics& s);
/// The same for an ordered document (`bench --json`).
void to_json(nlohmann::ordered_json& j, const Statistics& s);

/// The table columns of Statistics, the JSON keys in the same order (all right-aligned).
std::vector<Column> StatisticsColumns();

/// The cells of `s` under StatisticsColumns(): counts as integers; ms shown with 3 decimals; cv and
/// median_ci_level shown as percentages with one decimal ("75.0%"); NaN shown empty. CSV and JSON
/// writers take the exact values.
std::vector<Cell> StatisticsCells(const Statistics& s);

}  // namespace qbench
