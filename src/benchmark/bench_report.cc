// `qbench bench` reporters: table (stdout), JSON, CSV, Markdown — one schema, BenchTable() (core/table.h writers).
#include "qbench/benchmark/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "qbench/benchmark/statistics_report.h"
#include "qbench/core/json_fields.h"
#include "qbench/core/fs.h"

namespace qbench {
namespace {

// How the interleaved sessions shared the CPU (benchmark/compare.h, InterleavePolicy).
std::string InterleavingPool(const BenchReport& r) {
  return r.environment.thread_pool == "global" ? "on ONNX Runtime's global thread pool" : "intra-op spinning off";
}

using ordered_json = nlohmann::ordered_json;

std::string Num(double v, const char* format) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}
std::string Ms(double v) { return FormatFixed(v, 3); }
std::string Int(std::int64_t v) { return std::to_string(v); }

std::string InputsText(const BenchPoint& p) {
  std::string s;
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    if (i) s += " ";
    s += p.inputs[i].name + "=" + ShapeToString(p.inputs[i].shape);
  }
  return s;
}

std::string MiB(std::int64_t bytes) { return bytes < 0 ? "" : Num(static_cast<double>(bytes) / (1 << 20), "%.1f"); }

// A byte count, empty when unknown (< 0).
Cell Bytes(std::int64_t v) { return v < 0 ? Cell::Empty() : Cell::Integer(v); }
Cell MsCell(double v) { return Cell::Number(v, Ms(v)); }
Cell Ratio(double v) { return Cell::Number(v, Num(v, "%.3f")); }

// A CI's level below this is shown with the interval (the table's header says 95 % otherwise).
constexpr double kNominalLevel = 0.95;
// Coverage is exact; 1e-9 absorbs the rounding of 1 − 2·P(B ≤ j − 1).
bool BelowNominal(double level) { return level < kNominalLevel - 1e-9; }

// 0.75 → "75%", 0.875 → "87.5%", 0.9375 → "93.8%".
std::string LevelText(double level) { return Num(level * 100, "%.3g") + "%"; }

std::string SpeedupText(const BenchPoint& p) {
  if (!p.speedup_unavailable.empty()) return "n/a (" + p.speedup_unavailable + ")";
  if (!p.has_speedup || !std::isfinite(p.speedup.speedup)) return "";
  return Num(p.speedup.speedup, "%.3f") + "x [" + Num(p.speedup.ci_low, "%.3f") + ", " +
         Num(p.speedup.ci_high, "%.3f") + "]";
}

}  // namespace

TimedPoint TimedPointOf(const BenchPoint& p) {
  TimedPoint t;
  if (!p.measured) {
    t.error = p.skip_reason;
    return t;
  }
  ApplyMeasurement(p.measurement, &t);
  ApplyMemoryProbe(p.memory, &t);
  if (p.has_speedup) ApplySpeedup(p.speedup_baseline, p.speedup, &t);
  return t;
}

Table BenchTable(const BenchReport& r) {
  Table t;
  t.columns = {{"model", "", Align::kLeft}, {"batch", "", Align::kLeft}, {"inputs", "", Align::kLeft}, {"status", "", Align::kLeft}};
  for (auto& c : StatisticsColumns()) t.columns.push_back(c);
  for (const char* k : {"throughput_samples_per_s", "session_create_ms", "first_run_ms", "peak_rss_bytes", "rss_growth_bytes",
                        "weights_memory_bytes", "session_memory_bytes", "arena_peak_bytes", "memory_method", "speedup",
                        "speedup_ci95_low", "speedup_ci95_high"})
    t.columns.push_back({k, "", Align::kRight});
  t.columns.push_back({"note", "", Align::kLeft});
  for (const BenchPoint& p : r.points) {
    std::vector<Cell> row = {Cell::Text(p.model), Cell::Integer(p.batch_size), Cell::Text(InputsText(p)),
                             Cell::Text(p.measured ? "ok" : "failed")};
    if (!p.measured) {
      row.resize(t.columns.size());
      row.back() = Cell::Text(p.skip_reason);
      t.AddRow(std::move(row));
      continue;
    }
    const Measurement& m = p.measurement;
    for (auto& c : StatisticsCells(m.statistics)) row.push_back(std::move(c));
    row.push_back(Cell::Number(m.throughput_samples_per_s, Num(m.throughput_samples_per_s, "%.1f")));
    row.push_back(MsCell(m.session_create_ms));
    row.push_back(MsCell(m.first_run_ms));
    row.push_back(Bytes(p.memory.ok ? p.memory.peak_rss_bytes : m.peak_rss_bytes));
    row.push_back(m.rss_before_bytes < 0 ? Cell::Empty() : Cell::Integer(m.rss_growth_bytes));
    for (std::int64_t v : {p.memory.weights_bytes, p.memory.session_bytes, p.memory.arena_peak_bytes})
      row.push_back(p.memory.ok ? Bytes(v) : Cell::Empty());
    row.push_back(Cell::Text(p.memory.ok ? "isolated" : "process"));
    for (double v : {p.speedup.speedup, p.speedup.ci_low, p.speedup.ci_high})
      row.push_back(p.has_speedup ? Ratio(v) : Cell::Empty());
    std::string note;
    auto add = [&](const std::string& s) { note += (note.empty() ? "" : "; ") + s; };
    if (m.extended) add("extended to " + std::to_string(m.statistics.n) + " runs (CV)");
    if (m.hit_cap) add("stopped at --max-repetitions");
    if (p.has_speedup) add("speedup vs " + p.speedup_baseline);
    if (!p.speedup_unavailable.empty()) add("no speedup vs " + p.speedup_baseline + ": " + p.speedup_unavailable);
    row.push_back(Cell::Text(note));
    t.AddRow(std::move(row));
  }
  return t;
}

namespace {

// A text table of the titles: the first column left-aligned, the others right-aligned.
Table TextTable(const std::vector<std::string>& titles) {
  Table t;
  for (const auto& title : titles) t.columns.push_back({title, title, t.columns.empty() ? Align::kLeft : Align::kRight});
  return t;
}

void AddTextRow(Table* t, const std::vector<std::string>& cells) {
  std::vector<Cell> row;
  for (const auto& c : cells) row.push_back(Cell::Text(c));
  t->AddRow(std::move(row));
}

}  // namespace

std::string FormatBenchTable(const BenchReport& r) {
  bool any_isolated = false, any_speedup = false;
  std::string skipped;
  // Order statistics reach 95 % only from n = 6 on; below, the cells say their true level.
  bool any_low_level = false;
  for (const auto& p : r.points) {
    any_low_level |= p.measured && BelowNominal(p.measurement.statistics.median_ci_level);
    any_speedup |= p.measured && (p.has_speedup || !p.speedup_unavailable.empty());
  }
  std::vector<std::string> header = {"model", "batch", "runs", "median ms",
                                     any_low_level ? "median CI ms, level" : "95% CI ms", "mean ± sd ms", "min ms",
                                     "p90 ms", "p99 ms", "CV", "outliers", "samples/s"};
  if (any_speedup) header.push_back("speedup vs first [95% CI]");
  Table main = TextTable(header);
  Table memory = TextTable({"model", "batch", "session create ms", "first run ms", "weights MiB", "session MiB",
                            "arena peak MiB", "peak RSS MiB"});
  for (const auto& p : r.points) {
    if (!p.measured) {
      AddTextRow(&main, {p.model, Int(p.batch_size), "skipped", "-", "-", "-", "-", "-", "-", "-", "-", "-"});
      skipped += "Skipped " + p.model + " batch " + Int(p.batch_size) + ": " + p.skip_reason + "\n";
      continue;
    }
    const Statistics& s = p.measurement.statistics;
    std::string ci = "[" + Ms(s.median_ci_low_ms) + ", " + Ms(s.median_ci_high_ms) + "]";
    if (any_low_level) ci += " " + (BelowNominal(s.median_ci_level) ? LevelText(s.median_ci_level) : std::string("≥95%"));
    std::vector<std::string> row = {p.model, Int(p.batch_size), std::to_string(s.n), Ms(s.median_ms), ci,
                                    Ms(s.mean_ms) + " ± " + Ms(s.stddev_ms), Ms(s.min_ms), Ms(s.p90_ms), Ms(s.p99_ms),
                                    Num(s.cv * 100, "%.1f%%"), std::to_string(s.outliers),
                                    Num(p.measurement.throughput_samples_per_s, "%.1f")};
    if (any_speedup) row.push_back(SpeedupText(p));
    AddTextRow(&main, row);
    any_isolated |= p.memory.ok;
    AddTextRow(&memory, {p.model, Int(p.batch_size), Ms(p.measurement.session_create_ms), Ms(p.measurement.first_run_ms),
                         p.memory.ok ? MiB(p.memory.weights_bytes) : std::string("-"),
                         p.memory.ok ? MiB(p.memory.session_bytes) : std::string("-"),
                         p.memory.ok ? MiB(p.memory.arena_peak_bytes) : std::string("-"),
                         MiB(p.memory.ok ? p.memory.peak_rss_bytes : p.measurement.peak_rss_bytes) +
                             (p.memory.ok ? "" : " (process)")});
  }
  std::string out = WriteText(main);
  if (!memory.rows.empty()) out += "\n" + WriteText(memory);
  if (!skipped.empty()) out += "\n" + skipped;
  out += "\n";
  if (r.interleaved)
    out += "Interleaved A B A B ... on identical inputs, " + InterleavingPool(r) +
           ": the models share the caches, so the speedups are the conservative figure.\nSpeedup CI: paired bootstrap "
           "(by round) of the ratio of medians. ";
  out += "Median CI: order statistics (distribution-free)";
  if (any_low_level) out += "; below 6 runs it is [min, max] and its level is under 95 %";
  out += any_isolated ? ". Memory: each model alone at each batch, in a child process (weights = initializer bytes, "
                        "session = RSS growth over session creation, arena peak = ONNX Runtime's CPU arena, peak RSS = "
                        "the child's VmHWM).\n"
                      : ". Peak RSS is process-wide.\n";
  return out;
}

std::string BenchReportJson(const BenchReport& r) {
  ordered_json j;
  j["schema"] = "qbench.bench/2";
  j["environment"] = EnvironmentToJson(r.environment);
  ordered_json settings;
  settings["warmup_runs"] = r.config.warmup_runs;
  settings["repetitions"] = r.config.repetitions;
  settings["min_time_s"] = r.config.min_time_s;
  settings["max_repetitions"] = r.config.max_repetitions;
  settings["cv_threshold"] = r.config.cv_threshold;
  settings["input_seed"] = r.input_seed;
  settings["bootstrap_seed"] = r.config.seed;
  settings["interleaved"] = r.interleaved;
  settings["timing_mode"] = r.interleaved ? "interleaved (A B A B ...), " + InterleavingPool(r) : "alone";
  j["settings"] = settings;
  ordered_json results = ordered_json::array();
  for (const auto& p : r.points) {
    ordered_json e;
    e["model"] = p.model;
    e["model_spec"] = p.model_spec;
    e["batch"] = p.batch_size;
    ordered_json inputs = ordered_json::array();
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      ordered_json in;
      in["name"] = p.inputs[i].name;
      in["dtype"] = DTypeName(p.inputs[i].dtype);
      in["shape"] = p.inputs[i].shape;
      in["values"] = i < p.input_distributions.size() ? p.input_distributions[i] : "";
      inputs.push_back(in);
    }
    e["inputs"] = inputs;
    const TimedPoint timed = TimedPointOf(p);
    TimedPointFields(json_fields::BasicJsonWriter<ordered_json>{e}, timed);  // the lab's point keys too
    if (p.measured) {  // bench's own figures beside them
      const Measurement& m = p.measurement;
      e["warmup_samples_ms"] = m.warmup_latency_ms;
      e["timed_total_s"] = m.timed_total_s;
      e["extended"] = m.extended;
      e["hit_cap"] = m.hit_cap;
      // The process-wide memory (memory.h), beside the model-alone figures when memory_method is "isolated".
      e["process_peak_rss_bytes"] = m.peak_rss_bytes;
      e["rss_before_bytes"] = m.rss_before_bytes;
      e["rss_after_bytes"] = m.rss_after_bytes;
      e["rss_growth_bytes"] = m.rss_before_bytes < 0 ? ordered_json() : ordered_json(m.rss_growth_bytes);
      if (p.memory.ok) e["baseline_rss_bytes"] = p.memory.baseline_rss_bytes;
    }
    if (!p.speedup_unavailable.empty()) e["speedup_unavailable"] = p.speedup_unavailable;
    results.push_back(e);
  }
  j["results"] = results;
  ordered_json warnings = ordered_json::array();
  for (const auto& w : r.warnings) warnings.push_back({{"code", w.code}, {"message", w.message}});
  j["warnings"] = warnings;
  return j.dump(2) + "\n";
}

std::string BenchReportCsv(const BenchReport& r) { return WriteCsv(BenchTable(r)); }

std::string BenchReportMarkdown(const BenchReport& r) {
  const EnvironmentInfo& e = r.environment;
  std::string isa;
  for (const auto& f : e.isa_flags)
    if (f.second) isa += (isa.empty() ? "" : " ") + f.first;
  std::string out = "# qbench bench\n\n";
  out += "- CPU: " + MarkdownCell(e.cpu_model) + " (" + e.architecture + ", " + std::to_string(e.logical_cores) +
         " logical cores; ISA: " + (isa.empty() ? "none of interest" : isa) + ")\n";
  out += "- ONNX Runtime " + e.ort_version + ", provider " + e.execution_provider + ", intra-op threads " +
         std::to_string(e.intra_op_threads) + ", inter-op threads " + std::to_string(e.inter_op_threads) +
         " (0 = default), graph optimization " + e.graph_optimization + "\n";
  out += "- qbench " + e.qbench_version + " (" + e.git_commit + ", " + e.build_type + "), " + e.os + ", " +
         e.date_utc + "\n";
  out += "- " + std::to_string(r.config.warmup_runs) + " warm-up runs, " + std::to_string(r.config.repetitions) +
         " repetitions (extended while CV > " + Num(r.config.cv_threshold * 100, "%.1f") + " %, at most " +
         std::to_string(r.config.max_repetitions) + "), min time " + Num(r.config.min_time_s, "%g") + " s\n";
  out += std::string("- Timing: ") +
         (r.interleaved ? "interleaved A B A B … on identical inputs, " + InterleavingPool(r) +
                              "; speedups are the conservative figure"
                        : std::string("each model alone")) +
         "\n\n";
  out += WriteMarkdown(BenchTable(r));
  if (!r.warnings.empty()) {
    out += "\n## Warnings\n\n";
    for (const auto& w : r.warnings) out += "- `" + w.code + "`: " + MarkdownCell(w.message) + "\n";
  }
  return out;
}

void WriteBenchReports(const BenchReport& report, const BenchOutputs& outputs) {
  if (!outputs.json_path.empty()) WriteFileAtomic(outputs.json_path, BenchReportJson(report));
  if (!outputs.csv_path.empty()) WriteFileAtomic(outputs.csv_path, BenchReportCsv(report));
  if (!outputs.md_path.empty()) WriteFileAtomic(outputs.md_path, BenchReportMarkdown(report));
}

}  // namespace qbench
