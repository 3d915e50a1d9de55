// `qbench bench` reporters: table (stdout), JSON, CSV, Markdown — one schema, BenchColumns().
#include "qbench/benchmark/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

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
std::string Full(double v) { return Num(v, "%.9g"); }
std::string Ms(double v) { return Num(v, "%.3f"); }
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

std::string Pad(const std::string& s, size_t width, bool right) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

// Aligned text table; the first column is left-aligned, the rest right-aligned.
std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    std::string l;
    for (size_t c = 0; c < r.size(); ++c) l += (c ? "  " : "") + Pad(r[c], width[c], c > 0);
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& r : rows) line(r);
  return out;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string MdField(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : (c == '\n' ? std::string(" ") : std::string(1, c));
  return out;
}

ordered_json StatisticsJson(const Statistics& s) {
  ordered_json j;
  j["n"] = s.n;
  j["mean_ms"] = s.mean_ms;
  j["stddev_ms"] = s.stddev_ms;
  j["median_ms"] = s.median_ms;
  j["median_ci_low_ms"] = s.median_ci_low_ms;
  j["median_ci_high_ms"] = s.median_ci_high_ms;
  j["median_ci_level"] = s.median_ci_level;
  j["min_ms"] = s.min_ms;
  j["max_ms"] = s.max_ms;
  j["p90_ms"] = s.p90_ms;
  j["p99_ms"] = s.p99_ms;
  j["cv"] = s.cv;
  j["outliers"] = s.outliers;
  return j;
}

ordered_json EnvironmentJson(const EnvironmentInfo& e) {
  ordered_json j;
  j["cpu_model"] = e.cpu_model;
  j["architecture"] = e.architecture;
  ordered_json isa = ordered_json::object();
  for (const auto& f : e.isa_flags) isa[f.first] = f.second;
  j["isa"] = isa;
  j["logical_cores"] = e.logical_cores;
  j["cpufreq_governor"] = e.cpufreq_governor.empty() ? ordered_json() : ordered_json(e.cpufreq_governor);
  j["load_average_1min"] = e.load_average_1min < 0 ? ordered_json() : ordered_json(e.load_average_1min);
  j["ort_version"] = e.ort_version;
  j["execution_provider"] = e.execution_provider;
  if (!e.accelerator_name.empty()) j["accelerator"] = {{"name", e.accelerator_name}, {"driver", e.accelerator_driver}};
  j["intra_op_threads"] = e.intra_op_threads;
  j["inter_op_threads"] = e.inter_op_threads;
  j["graph_optimization"] = e.graph_optimization;
  j["allow_spinning"] = e.allow_spinning;
  j["thread_pool"] = e.thread_pool;
  j["qbench_version"] = e.qbench_version;
  j["git_commit"] = e.git_commit;
  j["build_type"] = e.build_type;
  j["hostname"] = e.hostname;
  j["os"] = e.os;
  j["date_utc"] = e.date_utc;
  return j;
}

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

const std::vector<std::string>& BenchColumns() {
  static const std::vector<std::string> k = {
      "model", "batch", "inputs", "status", "n", "mean_ms", "stddev_ms", "median_ms", "median_ci_low_ms",
      "median_ci_high_ms", "median_ci_level", "min_ms", "max_ms", "p90_ms", "p99_ms", "cv", "outliers", "throughput_samples_per_s",
      "session_create_ms", "first_run_ms", "peak_rss_bytes", "rss_growth_bytes", "weights_memory_bytes",
      "session_memory_bytes", "arena_peak_bytes", "memory_scope", "speedup_vs_first",
      "speedup_ci_low", "speedup_ci_high", "note"};
  return k;
}

std::vector<std::string> BenchRow(const BenchPoint& p, bool full) {
  auto ms = [&](double v) { return full ? Full(v) : Ms(v); };
  auto ratio = [&](double v) { return full ? Full(v) : Num(v, "%.3f"); };
  std::vector<std::string> row = {p.model, Int(p.batch_size), InputsText(p), p.measured ? "measured" : "skipped"};
  if (!p.measured) {
    row.resize(BenchColumns().size());
    row.back() = p.skip_reason;
    return row;
  }
  const Measurement& m = p.measurement;
  const Statistics& s = m.statistics;
  row.push_back(std::to_string(s.n));
  for (double v : {s.mean_ms, s.stddev_ms, s.median_ms, s.median_ci_low_ms, s.median_ci_high_ms})
    row.push_back(ms(v));
  row.push_back(full ? Full(s.median_ci_level) : Num(s.median_ci_level * 100, "%.1f%%"));
  for (double v : {s.min_ms, s.max_ms, s.p90_ms, s.p99_ms}) row.push_back(ms(v));
  row.push_back(full ? Full(s.cv) : Num(s.cv * 100, "%.1f%%"));
  row.push_back(std::to_string(s.outliers));
  row.push_back(full ? Full(m.throughput_samples_per_s) : Num(m.throughput_samples_per_s, "%.1f"));
  row.push_back(ms(m.session_create_ms));
  row.push_back(ms(m.first_run_ms));
  const std::int64_t peak = p.memory.ok ? p.memory.peak_rss_bytes : m.peak_rss_bytes;
  row.push_back(peak < 0 ? "" : Int(peak));
  row.push_back(m.rss_before_bytes < 0 ? "" : Int(m.rss_growth_bytes));
  row.push_back(p.memory.ok && p.memory.weights_bytes >= 0 ? Int(p.memory.weights_bytes) : "");
  row.push_back(p.memory.ok && p.memory.session_bytes >= 0 ? Int(p.memory.session_bytes) : "");
  row.push_back(p.memory.ok && p.memory.arena_peak_bytes >= 0 ? Int(p.memory.arena_peak_bytes) : "");
  row.push_back(p.memory.ok ? "isolated" : "process");
  if (p.has_speedup) {
    row.push_back(ratio(p.speedup.speedup));
    row.push_back(ratio(p.speedup.ci_low));
    row.push_back(ratio(p.speedup.ci_high));
  } else {
    row.insert(row.end(), 3, "");
  }
  std::string note;
  if (m.extended) note += "extended to " + std::to_string(s.n) + " runs (CV)";
  if (m.hit_cap) note += std::string(note.empty() ? "" : "; ") + "stopped at --max-repetitions";
  if (p.has_speedup) note += std::string(note.empty() ? "" : "; ") + "speedup vs " + p.speedup_baseline;
  if (!p.speedup_unavailable.empty())
    note += std::string(note.empty() ? "" : "; ") + "no speedup vs " + p.speedup_baseline + ": " + p.speedup_unavailable;
  row.push_back(note);
  return row;
}

std::string FormatBenchTable(const BenchReport& r) {
  std::vector<std::vector<std::string>> rows, memory_rows;
  bool any_isolated = false;
  std::string skipped;
  bool any_speedup = false;
  // Order statistics reach 95 % only from n = 6 on; below, the cells say their true level.
  bool any_low_level = false;
  for (const auto& p : r.points) any_low_level |= p.measured && BelowNominal(p.measurement.statistics.median_ci_level);
  for (const auto& p : r.points) {
    if (!p.measured) {
      rows.push_back({p.model, Int(p.batch_size), "skipped", "-", "-", "-", "-", "-", "-", "-", "-", "-", ""});
      skipped += "Skipped " + p.model + " batch " + Int(p.batch_size) + ": " + p.skip_reason + "\n";
      continue;
    }
    const Statistics& s = p.measurement.statistics;
    any_speedup |= p.has_speedup || !p.speedup_unavailable.empty();
    std::string ci = "[" + Ms(s.median_ci_low_ms) + ", " + Ms(s.median_ci_high_ms) + "]";
    if (any_low_level) ci += " " + (BelowNominal(s.median_ci_level) ? LevelText(s.median_ci_level) : std::string("≥95%"));
    rows.push_back({p.model, Int(p.batch_size), std::to_string(s.n), Ms(s.median_ms), ci,
                    Ms(s.mean_ms) + " ± " + Ms(s.stddev_ms), Ms(s.min_ms), Ms(s.p90_ms), Ms(s.p99_ms),
                    Num(s.cv * 100, "%.1f%%"), std::to_string(s.outliers),
                    Num(p.measurement.throughput_samples_per_s, "%.1f"), SpeedupText(p)});
    any_isolated |= p.memory.ok;
    memory_rows.push_back({p.model, Int(p.batch_size), Ms(p.measurement.session_create_ms),
                           Ms(p.measurement.first_run_ms),
                           p.memory.ok ? MiB(p.memory.weights_bytes) : std::string("-"),
                           p.memory.ok ? MiB(p.memory.session_bytes) : std::string("-"),
                           p.memory.ok ? MiB(p.memory.arena_peak_bytes) : std::string("-"),
                           MiB(p.memory.ok ? p.memory.peak_rss_bytes : p.measurement.peak_rss_bytes) +
                               (p.memory.ok ? "" : " (process)")});
  }
  std::vector<std::string> header = {"model", "batch", "runs", "median ms",
                                     any_low_level ? "median CI ms, level" : "95% CI ms", "mean ± sd ms", "min ms",
                                     "p90 ms", "p99 ms", "CV", "outliers", "samples/s"};
  if (any_speedup) {
    header.push_back("speedup vs first [95% CI]");
  } else {
    for (auto& row : rows)
      if (row.size() == header.size() + 1) row.pop_back();
  }
  std::string out = RenderTable(header, rows);
  if (!memory_rows.empty()) {
    out += "\n";
    out += RenderTable({"model", "batch", "session create ms", "first run ms", "weights MiB", "session MiB", "arena peak MiB",
                        "peak RSS MiB"},
                       memory_rows);
  }
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
  j["schema"] = "qbench.bench/1";
  j["environment"] = EnvironmentJson(r.environment);
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
    e["status"] = p.measured ? "measured" : "skipped";
    if (!p.measured) {
      e["skip_reason"] = p.skip_reason;
      results.push_back(e);
      continue;
    }
    const Measurement& m = p.measurement;
    e["statistics"] = StatisticsJson(m.statistics);
    e["throughput_samples_per_s"] = m.throughput_samples_per_s;
    e["session_create_ms"] = m.session_create_ms;
    e["first_run_ms"] = m.first_run_ms;
    e["timed_total_s"] = m.timed_total_s;
    e["extended"] = m.extended;
    e["hit_cap"] = m.hit_cap;
    ordered_json mem;
    mem["peak_rss_bytes"] = m.peak_rss_bytes < 0 ? ordered_json() : ordered_json(m.peak_rss_bytes);
    mem["rss_before_bytes"] = m.rss_before_bytes < 0 ? ordered_json() : ordered_json(m.rss_before_bytes);
    mem["rss_after_bytes"] = m.rss_after_bytes < 0 ? ordered_json() : ordered_json(m.rss_after_bytes);
    mem["rss_growth_bytes"] = m.rss_before_bytes < 0 ? ordered_json() : ordered_json(m.rss_growth_bytes);
    mem["scope"] = "process";
    if (p.memory.ok) {  // this model alone (memory_probe.h); the process figures above stay for comparison
      mem["scope"] = "isolated";
      mem["process_peak_rss_bytes"] = mem["peak_rss_bytes"];
      mem["peak_rss_bytes"] = p.memory.peak_rss_bytes;
      mem["weights_bytes"] = p.memory.weights_bytes < 0 ? ordered_json() : ordered_json(p.memory.weights_bytes);
      mem["session_bytes"] = p.memory.session_bytes < 0 ? ordered_json() : ordered_json(p.memory.session_bytes);
      mem["arena_peak_bytes"] = p.memory.arena_peak_bytes < 0 ? ordered_json() : ordered_json(p.memory.arena_peak_bytes);
      mem["baseline_rss_bytes"] = p.memory.baseline_rss_bytes;
    } else if (!p.memory.error.empty()) {
      mem["isolated_error"] = p.memory.error;
    }
    e["memory"] = mem;
    if (!p.speedup_unavailable.empty()) e["speedup_unavailable"] = p.speedup_unavailable;
    if (p.has_speedup) {
      ordered_json sp;
      sp["baseline"] = p.speedup_baseline;
      sp["value"] = p.speedup.speedup;
      sp["ci_low"] = p.speedup.ci_low;
      sp["ci_high"] = p.speedup.ci_high;
      sp["ci_level"] = p.speedup.ci_level;
      sp["method"] = std::string(p.speedup.paired ? "paired" : "independent") +
                     " percentile bootstrap of median(baseline)/median(this), " + std::to_string(p.speedup.resamples) +
                     " resamples";
      e["speedup_vs_first"] = sp;
    } else {
      e["speedup_vs_first"] = nullptr;
    }
    e["latency_ms"] = m.latency_ms;
    e["warmup_latency_ms"] = m.warmup_latency_ms;
    results.push_back(e);
  }
  j["results"] = results;
  ordered_json warnings = ordered_json::array();
  for (const auto& w : r.warnings) warnings.push_back({{"code", w.code}, {"message", w.message}});
  j["warnings"] = warnings;
  return j.dump(2) + "\n";
}

std::string BenchReportCsv(const BenchReport& r) {
  std::string out;
  const auto& cols = BenchColumns();
  for (size_t c = 0; c < cols.size(); ++c) out += (c ? "," : "") + cols[c];
  out += "\n";
  for (const auto& p : r.points) {
    const auto row = BenchRow(p, /*full_precision=*/true);
    for (size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + CsvField(row[c]);
    out += "\n";
  }
  return out;
}

std::string BenchReportMarkdown(const BenchReport& r) {
  const EnvironmentInfo& e = r.environment;
  std::string isa;
  for (const auto& f : e.isa_flags)
    if (f.second) isa += (isa.empty() ? "" : " ") + f.first;
  std::string out = "# qbench bench\n\n";
  out += "- CPU: " + MdField(e.cpu_model) + " (" + e.architecture + ", " + std::to_string(e.logical_cores) +
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
  const auto& cols = BenchColumns();
  out += "|";
  for (const auto& c : cols) out += " " + c + " |";
  out += "\n|";
  for (size_t c = 0; c < cols.size(); ++c) out += c < 4 || c == cols.size() - 1 ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& p : r.points) {
    out += "|";
    for (const auto& f : BenchRow(p, /*full_precision=*/false)) out += " " + MdField(f) + " |";
    out += "\n";
  }
  if (!r.warnings.empty()) {
    out += "\n## Warnings\n\n";
    for (const auto& w : r.warnings) out += "- `" + w.code + "`: " + MdField(w.message) + "\n";
  }
  return out;
}

void WriteBenchReports(const BenchReport& report, const BenchOutputs& outputs) {
  if (!outputs.json_path.empty()) WriteFileAtomic(outputs.json_path, BenchReportJson(report));
  if (!outputs.csv_path.empty()) WriteFileAtomic(outputs.csv_path, BenchReportCsv(report));
  if (!outputs.md_path.empty()) WriteFileAtomic(outputs.md_path, BenchReportMarkdown(report));
}

}  // namespace qbench
