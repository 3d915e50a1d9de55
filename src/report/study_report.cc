#include "qbench/report/study_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "qbench/benchmark/statistics_report.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/config.h"
#include "qbench/report/accuracy_report.h"
#include "qbench/report/analysis.h"
#include "qbench/report/device_report.h"
#include "qbench/report/html_report.h"
#include "qbench/report/memory_report.h"
#include "qbench/quantization/scheme.h"
#include "report/report_util.h"

namespace qbench {
namespace {

// " (here ×0.65 for mobilenetv2 fp32, ×0.83 for squeezenet static)": the profiles whose op times were scaled.
std::string ScaleNote(const std::vector<RooflineRow>& rows) {
  std::map<std::string, double> scaled;
  for (const auto& r : rows)
    if (r.time_scale < 1) scaled[r.model + " " + r.variant] = r.time_scale;
  std::string list;
  for (const auto& [who, s] : scaled) list += (list.empty() ? "" : ", ") + fmt::format("×{:.2f} for {}", s, who);
  return list.empty() ? "" : " (here " + list + ")";
}

// The bytes per element each variant's MAC nodes move (the scheme table's traffic model; a scheme's
// lab variants share it): "fp32: 4 bytes each; dynamic, dynamic-per-channel: 1-byte weights, 1-byte
// inputs, 4-byte outputs; static, static-per-tensor, auto: 1 byte each; fp16: 2 bytes each".
std::string TrafficText() {
  std::string s = "fp32: 4 bytes each";
  for (const auto& sc : QuantizationSchemes()) {
    std::string names;
    for (const auto& v : LabVariants())
      if (v.scheme == &sc) names += (names.empty() ? "" : ", ") + v.name;
    const int w = sc.WeightBytes(), in = sc.InputBytes(), out = sc.OutputBytes();
    s += w == in && in == out ? fmt::format("; {}: {} byte{} each", names, w, w == 1 ? "" : "s")
                              : fmt::format("; {}: {}-byte weights, {}-byte inputs, {}-byte outputs", names, w, in, out);
  }
  return s;
}

// "12.3 s" under a minute, else whole seconds: "2 min 00 s" (rounded first: 119.6 s read "1 min 60 s").
std::string Duration(double s) {
  if (s < 59.95) return fmt::format("{:.1f} s", s);
  const long long whole = std::llround(s);
  return fmt::format("{} min {:02d} s", whole / 60, whole % 60);
}

std::string JoinText(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "; " : "") + v[i];
  return s;
}

// A report.md table of text cells under `titles`, every column left-aligned ("---").
Table MarkdownTable(const std::vector<std::string>& titles) {
  Table t;
  for (const auto& title : titles) t.columns.push_back({title, title, Align::kLeft});
  return t;
}

void AddTextRow(Table* t, const std::vector<std::string>& cells) {
  std::vector<Cell> row;
  for (const auto& c : cells) row.push_back(Cell::Text(c));
  t->AddRow(std::move(row));
}

std::string Pct(double f) { return std::isfinite(f) && f >= 0 ? fmt::format("{:.1f} %", 100 * f) : "n/a"; }

// How the timed sessions shared the CPU, from the environment block (RecordTimingPool): the results
// files and this sentence say the same.
std::string TimingPoolSentence(const LabStudy& study) {
  if (!study.has_environment) return "How the sessions shared the CPU was not recorded";
  if (study.environment.thread_pool == "global")
    return "Interleaved sessions share ONNX Runtime's one global thread pool, so no idle pool steals a core";
  return "Each session owns its intra-op thread pool with spin-waiting off, so an idle pool sleeps instead of stealing a core";
}

}  // namespace

Table StudyTable(const LabStudy& study) {
  Table t;
  for (const char* k : {"model", "variant"}) t.columns.push_back({k, "", Align::kLeft});
  for (const char* k : {"batch", "input_size", "threads"}) t.columns.push_back({k, "", Align::kRight});
  t.columns.push_back({"status", "", Align::kLeft});
  for (auto& c : StatisticsColumns()) t.columns.push_back(c);
  for (const char* k : {"throughput_samples_per_s", "session_create_ms", "first_run_ms", "peak_rss_bytes", "macs",
                        "achieved_macs_per_s", "speedup", "speedup_ci95_low", "speedup_ci95_high"})
    t.columns.push_back({k, "", Align::kRight});
  t.columns.push_back({"provider", "", Align::kLeft});
  for (const char* k : {"energy_per_inference_j", "average_power_w", "energy_ratio", "energy_ratio_ci95_low",
                        "energy_ratio_ci95_high", "file_size_bytes", "top1"})
    t.columns.push_back({k, "", Align::kRight});
  t.columns.push_back({"content", "", Align::kLeft});  // what the variant's file holds (ModelRecord::content)
  t.columns.push_back({"error", "", Align::kLeft});
  const std::size_t per_ok = StatisticsColumns().size() + 9;  // the cells only a measured point has
  auto number = [](double v) { return Cell::Number(v, FormatFixed(v, 3)); };
  auto number_if = [&](bool known, double v) { return known ? number(v) : Cell::Empty(); };
  for (const auto& p : study.points) {
    const auto* rec = study.FindModel(p.point.model, p.point.variant);
    const auto* acc = study.FindAccuracy(p.point.model, p.point.variant);
    std::vector<Cell> row = {Cell::Text(p.point.model), Cell::Text(p.point.variant), Cell::Integer(p.point.batch),
                             Cell::Integer(p.point.input_size), Cell::Integer(p.point.threads), Cell::Text(p.ok ? "ok" : p.not_applicable ? "not applicable" : "failed")};
    if (p.ok) {
      for (auto& c : StatisticsCells(p.latency)) row.push_back(std::move(c));
      for (double v : {p.throughput_samples_per_s, p.session_create_ms, p.first_run_ms}) row.push_back(number(v));
      row.push_back(Cell::Integer(p.peak_rss_bytes));
      row.push_back(Cell::Integer(p.macs));
      row.push_back(number(p.achieved_macs_per_s));
      for (double v : {p.speedup, p.speedup_ci95_low, p.speedup_ci95_high}) row.push_back(number_if(p.has_speedup, v));
    } else {
      row.resize(row.size() + per_ok);
    }
    // Energy: empty where not measured (the reason is in results.json), never 0.
    const auto& e = p.energy;
    row.push_back(Cell::Text(p.provider));
    row.push_back(number_if(p.ok && e.available, e.energy_per_inference_j));
    row.push_back(number_if(p.ok && e.available, e.average_power_w));
    for (double v : {e.ratio, e.ratio_ci95_low, e.ratio_ci95_high}) row.push_back(number_if(p.ok && e.available && e.has_ratio, v));
    row.push_back(rec && rec->ok ? Cell::Integer(rec->file_size_bytes) : Cell::Empty());
    row.push_back(number_if(acc && acc->ok && acc->metric == "top1", acc ? acc->top1 : 0));  // empty: no top-1
    row.push_back(Cell::Text(rec ? rec->content : ""));
    row.push_back(Cell::Text(p.error));
    t.AddRow(std::move(row));
  }
  return t;
}

std::string StudyCsv(const LabStudy& study) { return WriteCsv(StudyTable(study)); }

namespace {

std::string CalibrationLines(const LabStudy& study) {
  // Each distinct calibration once, with the variants it was used for (N6: static and auto may calibrate
  // differently): a variant whose every model shares the line is named alone, else "model variant".
  std::map<std::string, std::vector<const ModelRecord*>> by_text;
  std::map<std::string, std::set<std::string>> texts_of_variant;
  for (const auto& r : study.models)
    if (!r.calibration.empty()) by_text[r.calibration].push_back(&r), texts_of_variant[r.variant].insert(r.calibration);
  std::string md;
  for (const auto& [text, recs] : by_text) {
    std::vector<std::string> who;
    for (const auto* r : recs) {
      const std::string w = texts_of_variant[r->variant].size() == 1 ? r->variant : r->model + " " + r->variant;
      if (std::find(who.begin(), who.end(), w) == who.end()) who.push_back(w);
    }
    md += "Calibration (" + report_internal::Join(who) + "): " + text + ".\n";
  }
  return md.empty() ? md : md + "\n";
}

// The MACs/sample cell of a model record: "0.349 G", or, for a model swept over several input sizes, each
// size's from its points (MACs of a run / batch; the record's own figure is the first size's): "0.171 G at
// 160 px, 0.349 G at 224 px" (R11: "0.171 G" alone was the first size's, unlabelled).
std::string MacsPerSampleCell(const LabStudy& study, const ModelRecord& r) {
  const std::string incomplete = r.macs_complete ? "" : " (incomplete: ≥)";
  const auto sizes = ModelInputSizes(study, r.model);
  if (sizes.size() < 2) return FormatGiga(static_cast<double>(r.macs_per_sample)) + incomplete;
  std::vector<std::string> cells;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    double macs = i == 0 ? static_cast<double>(r.macs_per_sample) : 0;
    for (const auto& p : study.points)
      if (macs <= 0 && p.ok && p.point.model == r.model && p.point.variant == r.variant && p.point.input_size == sizes[i] &&
          p.macs > 0 && p.point.batch > 0)
        macs = static_cast<double>(p.macs) / static_cast<double>(p.point.batch);
    cells.push_back((macs > 0 ? FormatGiga(macs) : std::string("?")) + " at " + InputSizeLabel(sizes[i]));
  }
  return report_internal::Join(cells) + incomplete;
}

}  // namespace

std::string ModelsMarkdown(const LabStudy& study) {
  std::string md;
  const std::string base = BaselineVariant(study);
  const auto models = StudyModels(study);
  Table table = MarkdownTable({"model", "variant", "original bits", "weights", "activations",
                               "quantized op types (quantized / kept float)", "int8 share of MACs", "MACs/sample",
                               "file size", "size vs " + BaselineName(study), "quantize time", "status"});
  for (const auto& r : study.models) {
    std::string ops;
    for (const auto& [op, c] : r.op_coverage) ops += (ops.empty() ? "" : ", ") + fmt::format("{} {}/{}", op, c.quantized, c.kept_float);
    // A variant that does not apply, or failed before its file was counted, has no MACs of its own ("—", as
    // its other columns), not unknown ("?"): "?" is left for a model file whose MACs could not be counted.
    const std::string macs = r.not_applicable ? "—"
                             : r.macs_per_sample <= 0 ? (r.ok ? "?" : "—")
                             : MacsPerSampleCell(study, r);
    // A scheme that quantized nothing wrote a float file: said so, with why, never its scheme's "int8".
    const std::string unquantized = NothingQuantizedReason(r);
    const std::string weights = !r.ok                 ? "—"
                                : !unquantized.empty() ? r.content + " (nothing quantized: " + unquantized + ")"
                                : r.weight_storage.empty() ? r.weight_precision
                                                           : r.weight_storage;
    const std::string activations = !r.ok ? "—" : !unquantized.empty() ? r.content : r.activation_precision;
    AddTextRow(&table, {r.model, VariantLabel(study, r.model, r.variant), std::to_string(r.original_bits), weights,
                        activations, ops.empty() ? "—" : ops,
                        Pct(r.int8_mac_share), macs, r.ok ? FormatBytes(static_cast<double>(r.file_size_bytes)) : "—",
                        r.ok ? FormatRatio(SizeRatio(study, r.model, r.variant)) : "—",
                        r.quantize_ms <= 0     ? "—"
                        : r.quantize_ms < 1000 ? fmt::format("{:.0f} ms", r.quantize_ms)
                                               : fmt::format("{:.1f} s", r.quantize_ms / 1000),
                        r.not_applicable ? "not applicable"
                        : !r.ok          ? "failed: " + r.error
                        : OutputCollapsed(study, r.model, r.variant) ? CollapsedStatus(study, r.model, r.variant)
                                                                   : "ok"});
  }
  md += WriteMarkdown(table);
  md += "\n";
  md += CalibrationLines(study);
  // What the models are: a file that is not fp32 is measured as given; zoo weights are random.
  std::vector<std::string> given, random;
  bool not_applicable = false;
  for (const auto& m : models) {
    const std::string label = VariantLabel(study, m, base);
    if (label != base) given.push_back(m + " is " + label);
    if (HasRandomWeights(study, m)) random.push_back(m);
  }
  for (const auto& r : study.models) not_applicable = not_applicable || r.not_applicable;
  if (!given.empty())
    md += "Models not in fp32 are measured as given (the baseline column shows what the file holds): " + JoinText(given) +
          (not_applicable ? ". A file is not converted into what it already holds (an int8 file's scheme variants, an fp16 file's fp16 variant): "
                                            "those variants are not applicable (see Observations)"
                          : "") +
          ".\n\n";
  if (!random.empty())
    md += "**" + JoinText(random) + ": qbench zoo architectures with seeded random weights.** Their timings are real, but "
          "accuracy on them means nothing, and no trade-off verdict is drawn from it; give trained models (`--models FILE.onnx`) "
          "to judge accuracy.\n\n";

  return md;
}

std::string StudyMarkdown(const LabStudy& study, const std::vector<PlotFile>& plots) {
  std::string md;
  const std::string base = BaselineVariant(study);
  const auto models = StudyModels(study);
  const auto variants = StudyVariants(study);
  const auto& env = study.environment;
  const auto& cfg = study.config;

  md += "# qbench lab report\n\n";
  if (!env.device.empty())
    md += "Device: **" + env.device + "** (`--device`; `qbench report DIR1 DIR2 -o OUT` merges the studies of "
          "several devices into one report).\n\n";
  std::string isa;
  for (const auto& [flag, on] : env.isa_flags)
    if (on) isa += (isa.empty() ? "" : ", ") + flag;
  md += fmt::format("Measured on **{}** ({} logical cores{}), ONNX Runtime {} ({} provider), qbench {} ({}, {} build), {}.\n\n",
                    env.cpu_model.empty() ? "an unknown CPU" : env.cpu_model,
                    env.logical_cores > 0 ? std::to_string(env.logical_cores) : "", isa.empty() ? "" : "; " + isa,
                    env.ort_version, env.execution_provider, env.qbench_version, env.git_commit, env.build_type, env.date_utc);
  if (!env.accelerator_name.empty())
    md += fmt::format("Accelerator: **{}** (driver {}).\n\n", env.accelerator_name,
                      env.accelerator_driver.empty() ? "?" : env.accelerator_driver);
  const std::int64_t measured = static_cast<std::int64_t>(study.points.size());
  md += fmt::format("**The study took {}**", Duration(study.duration_s));
  if (study.total_duration_s > study.duration_s + 0.05)
    md += fmt::format(" in this run ({} in total with the earlier runs of this study)", Duration(study.total_duration_s));
  md += fmt::format(": {} of {} planned point(s) recorded, {} failed.", measured, study.planned_points, study.FailedPoints());
  if (study.interrupted) md += " **The run was interrupted (Ctrl-C): these results are partial; `qbench lab --resume` measures the rest.**";
  md += "\n\n";
  auto list = [](const auto& values) {
    std::string s;
    for (const auto& v : values) s += (s.empty() ? "" : ", ") + fmt::format("{}", v);
    return s;
  };
  // Input sizes: the configured ones, and each model measured at another size (its file fixes it).
  std::string sizes = list(cfg.input_size) + " px";
  std::vector<std::string> own;
  bool any_configured = false;  // some model was swept over the configured sizes
  const auto& configured = cfg.input_size;
  for (const auto& m : models) {
    const auto used = ModelInputSizes(study, m);
    if (used == configured || used.empty()) {
      any_configured = true;
      continue;
    }
    std::string u;
    for (auto v : used) u += (u.empty() ? "" : ", ") + InputSizeLabel(v);
    own.push_back(m + " at " + u + " (fixed by its model file)");
  }
  if (!own.empty()) {
    std::string o;
    for (const auto& x : own) o += (o.empty() ? "" : "; ") + x;
    sizes = any_configured ? sizes + " for models with dynamic H/W; " + o : o;
  }
  md += fmt::format("Sweep: models {}; variants {} (baseline: {}); batch {}; input size {}; threads {}. "
                    "Each point: {} warm-up run(s), then k = {} timed runs; the variants of a point are timed interleaved "
                    "(one run of each in turn) on identical inputs.\n\n",
                    list(cfg.models), list(cfg.variants), base, list(cfg.batch), sizes, list(cfg.threads),
                    cfg.warmup_runs, cfg.repetitions);

  // Observations.
  md += "## Observations\n\n";
  const auto obs = GenerateObservations(study);
  if (obs.empty()) md += "Not enough measurements for observations.\n";
  for (const auto& o : obs) md += "- " + o + "\n";
  md += "\n";

  md += "## Models\n\n" + ModelsMarkdown(study);

  // Latency tables.
  md += "## Latency\n\n";
  double min_level = 1.0;
  std::int64_t min_level_n = 0;
  for (const auto& p : study.points)
    if (p.ok && p.latency.median_ci_level < min_level) {
      min_level = p.latency.median_ci_level;
      min_level_n = p.latency.n;
    }
  md += "Per run (one batch). mean ± std over the timed runs; median with its confidence interval (order statistics, "
        "distribution-free, docs/statistics.md): 95 % (or more) once a point has at least 6 timed runs";
  if (BelowNominalCi(min_level))
    md += fmt::format("; **with fewer runs the interval is the [min, max] of the runs and covers the median with a smaller "
                      "probability, shown in the cell** (here as low as {} with n = {}: use --repetitions >= 6 for 95 %)",
                      min_level > 0 ? FormatCiLevel(min_level) : std::string("0 %"), min_level_n);
  md += "; speedup = median(" + base + ") / median(variant) from the same interleaved rounds, with a paired bootstrap 95 % CI. "
        "Peak RSS: each variant alone (see Memory per variant).\n\n" + RunToRunNote(study) + "\n\n";
  for (const auto& m : models) {
    md += "### " + m + "\n\n";
    Table table = MarkdownTable({"variant", "batch", "input", "threads", "mean ± std", "median [CI]", "throughput",
                                 "speedup vs " + BaselineName(study) + " [95 % CI]", "session create", "peak RSS"});
    for (const auto& p : study.points) {
      if (p.point.model != m) continue;
      std::vector<std::string> row = {VariantLabel(study, m, p.point.variant), std::to_string(p.point.batch),
                                      InputSizeLabel(p.point.input_size, false), std::to_string(p.point.threads)};
      if (p.not_applicable) {
        row.push_back("not applicable");
      } else if (!p.ok) {
        row.push_back("failed: " + Abbreviate(p.error, 200));
      } else {
        const std::string speedup = p.has_speedup ? FormatSpeedupCi(p) : (p.point.variant == base ? "(baseline)" : "—");
        const std::string collapsed = CollapsedStatus(study, m, p.point.variant);
        row.insert(row.end(), {FormatMs(p.latency.mean_ms) + " ± " + FormatMs(p.latency.stddev_ms),
                               FormatMs(p.latency.median_ms) + " " + FormatMedianCi(p.latency),
                               fmt::format("{:.1f} samples/s", p.throughput_samples_per_s),
                               collapsed.empty() ? speedup : speedup + " — " + collapsed,
                               FormatMs(p.session_create_ms), fmt::format("{:.0f} MiB", p.peak_rss_bytes / (1024.0 * 1024.0))});
      }
      AddTextRow(&table, row);
    }
    md += WriteMarkdown(table);
    md += "\n";
  }

  md += MemoryMarkdown(study);
  md += EnergyMarkdown(study);
  md += ExternalVariantsMarkdown(study);
  md += AutoVariantMarkdown(study);
  md += ProviderMarkdown(study);

  md += AccuracyMarkdown(study);

  // Roofline.
  const auto model_rows = ModelRooflineRows(study);
  if (!study.roofline.empty()) {
    md += "## Roofline: why a smaller model is not proportionally faster\n\n";
    md += "| threads | fp32 peak | int8 peak | memory bandwidth | ridge fp32 / int8 | source |\n| --- | --- | --- | --- | --- | --- |\n";
    for (const auto& r : study.roofline) {
      if (!r.ok) {
        md += fmt::format("| {} | failed: {} | | | | |\n", r.threads, MarkdownCell(r.error));
        continue;
      }
      md += fmt::format("| {} | {}MAC/s | {}MAC/s | {:.1f} GB/s | {:.1f} / {:.1f} MAC/B | {} |\n", r.threads, FormatGiga(r.fp32_macs_per_s),
                        FormatGiga(r.int8_macs_per_s), r.bytes_per_s / 1e9, r.fp32_macs_per_s / std::max(r.bytes_per_s, 1.0),
                        r.int8_macs_per_s / std::max(r.bytes_per_s, 1.0), MarkdownCell(RooflineSource(r)));
    }
    if (!study.roofline.empty() && study.roofline.front().ok) md += "\nMethod: " + study.roofline.front().method + "\n";
    md += "\n";
    if (const std::string busy = RooflineBusyNote(study); !busy.empty())
      md += "**Not to be trusted: " + busy + ".** Other processes stretch the op times and pull measured peaks down, so the "
            "shares of peak and the bounds below can be the load's, not the kernels' (\"below both roofs\" especially). "
            "Rerun on a quiet machine (and `--refresh-roofline`) before reading them.\n\n";
    if (!model_rows.empty()) {
      md += "Whole models at the profiled point (batch " +
            (study.op_profiles.empty() ? std::string("?") : std::to_string(study.op_profiles.front().batch)) +
            "; the rate is the MACs over the interleaved timed median, which includes the non-MAC ops and the "
            "interleaving with the other variants, so it sits below the per-op rows, timed in the profiler's own run):\n\n";
      md += "| model | variant | MACs | median latency (interleaved, all ops) | achieved MAC/s | share of peak | intensity (MAC/B) | bound |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
      for (const auto& r : model_rows)
        md += r.macs_complete
                  ? fmt::format("| {} | {} | {} | {} | {}MAC/s | {:.1f} % | {:.1f} | {} |\n", r.model, VariantLabel(study, r.model, r.variant),
                                FormatGiga(static_cast<double>(r.macs)), FormatMs(r.time_ms), FormatGiga(r.achieved_macs_per_s),
                                100 * r.share_of_peak, r.intensity_macs_per_byte, RooflineBoundName(r.bound))
                  : fmt::format("| {} | {} | ≥ {} (incomplete) | {} | n/a | n/a (MACs incomplete) | n/a | ? |\n", r.model,
                                VariantLabel(study, r.model, r.variant), FormatGiga(static_cast<double>(r.macs)), FormatMs(r.time_ms));
      md += "\n";
    }
    const auto op_rows = OpTypeRooflineRows(study);
    if (!op_rows.empty()) {
      md += "Per op type (ONNX Runtime's profiler; op types as ORT ran them after fusion, with the convolution's kind):\n\n";
      md += "| model | variant | op type | time/run | MACs | achieved MAC/s | share of peak | intensity (MAC/B) | bound |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
      for (const auto& r : op_rows) {
        if (!r.macs_complete) continue;  // listed as incomplete in the whole-model table
        md += fmt::format("| {} | {} | {} | {} | {} | {}MAC/s | {:.1f} % | {:.1f} | {} |\n", r.model, VariantLabel(study, r.model, r.variant),
                          r.op_type, FormatMs(r.time_ms), FormatGiga(static_cast<double>(r.macs)), FormatGiga(r.achieved_macs_per_s),
                          100 * r.share_of_peak, r.intensity_macs_per_byte, RooflineBoundName(r.bound));
      }
      md += "\n";
    }
    md += "How these numbers are made: each node ONNX Runtime ran (after its fusions and layout rewrites) is attributed "
          "to a Conv/Gemm/MatMul of the fp32 graph by name (unnamed nodes: by execution order and output size); time is the profiler's per-node time (mean of 5 "
          "runs after 2 warm-ups), scaled down where the per-node times sum to more than the timed median of the run (the profiler's own cost per node)" +
          ScaleNote(op_rows) + ", MACs come from ONNX shape inference of the fp32 graph (a file given already quantized: "
          "its own graph, QLinearConv as the Conv it computes). Arithmetic intensity = MACs / "
          "bytes moved, where bytes = weights + the node's input activation + its output, each counted once per run in the "
          "variant's precision (" + TrafficText() + "; a file measured as given, with --models or --compare-file, in "
          "what it holds: int8 QOperator or QDQ 1 byte each): caches are ignored, so this is the compulsory traffic, an approximation that overstates "
          "intensity where a tensor is re-read. Ops without MACs (quantize/dequantize, pooling, activations, layout "
          "reorders) are not in this table; their time is in the whole-model rows. An op type below the ridge point "
          "(peak / bandwidth) cannot reach the peak MAC rate whatever its precision: making its weights 4x smaller does "
          "not make it 4x faster. Three cases: memory-bound (below the ridge), compute-bound (above it), and below both roofs: "
          "an op that reaches less than " + fmt::format("{:.0f} %", 100 * kKernelBoundShare) + " of the rate its roofline allows is limited "
          "by its kernel (e.g. ConvInteger's im2col path), not by bandwidth or the MAC peak. An op faster than its roof "
          "allows is \"above its roof (peaks too low)\": its data came from cache, or the peaks were measured under load; "
          "no bound is claimed for it. Integer ops and int8 models are "
          "compared with the int8 peak; a model whose MACs are incomplete gets no rate or share of peak.\n\n";
  }

  md += PlotsSection(plots, PlotsBuiltIn());

  // Failures and warnings.
  if (study.FailedPoints() > 0) {
    md += "## Failed points\n\n| point | error |\n| --- | --- |\n";
    for (const auto& p : study.points)
      if (!p.ok && !p.not_applicable) md += fmt::format("| {} | {} |\n", p.point.Key(), MarkdownCell(p.error));  // in full here
    md += "\n";
  }
  if (!study.warnings.empty()) {
    md += "## Warnings\n\n";
    for (const auto& w : study.warnings) md += "- " + MarkdownCell(w) + "\n";
    md += "\n";
  }
  md += "## Method\n\n"
        "- Latency: ONNX Runtime CPU sessions with inputs bound once; only `Run` is timed. Interleaved timing keeps machine "
        "drift out of the ratios but lets the models evict each other from the caches, so the speedups are the conservative "
        "figure. " + TimingPoolSentence(study) + " (docs/measurement.md).\n"
        "- Inputs: seeded random data (normal(0,1) for float inputs), the same bytes for every variant of a point.\n"
        "- MACs: multiply-accumulates of Conv/Gemm/MatMul from ONNX shape inference (see `qbench inspect`).\n"
        "- Statistics: median by linear interpolation between closest ranks; its interval from order statistics (Conover "
        "1999), whose exact coverage is `median_ci_level` in the results files; speedup intervals by a paired percentile "
        "bootstrap over the interleaved rounds. Definitions and sources: docs/statistics.md.\n"
        "- Raw data: `results.jsonl` (one record per line, written as measured; with --resume also earlier runs' records, "
        "settings and warnings), `results.json`, `results.csv`.\n";
  return md;
}

bool PlotsBuiltIn() { return QBENCH_PLOTS_ON != 0; }

std::string PlotsSection(const std::vector<PlotFile>& plots, bool built_in) {
  if (!built_in)
    return "## Plots\n\nNo plots: this qbench was built without PLplot (-DQBENCH_PLOTS=OFF); every number is in the "
           "tables above and in results.json / results.csv.\n\n";
  if (plots.empty()) return "";
  std::string md = "## Plots\n\n";
  for (const auto& p : plots) md += fmt::format("![{}]({})\n\n", p.title, p.path);
  return md;
}

std::vector<std::string> WriteStudyOutputs(const LabStudy& study, const std::string& output_dir, bool with_plots,
                                           const std::function<bool()>& stop_plots) {
  std::vector<std::string> written;
  LabStudy s = study;
  std::vector<PlotFile> plots;
  if (with_plots) {
    try {
      plots = WriteStudyPlots(s, output_dir, stop_plots);
      for (const auto& p : plots) written.push_back(output_dir + "/" + p.path);
    } catch (const std::exception& e) {
      s.warnings.push_back(std::string("plots_failed: ") + e.what());
    }
  }
  report_internal::WriteOutput(output_dir, "results.json", ToJson(s).dump(2) + "\n", &written);
  report_internal::WriteOutput(output_dir, "results.csv", StudyCsv(s), &written);
  report_internal::WriteReportPages(output_dir, StudyMarkdown(s, plots), "qbench lab report", &written);
  return written;
}

}  // namespace qbench
