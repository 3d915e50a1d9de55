// qbench bench MODEL [MODEL2 ...]: time models with ONNX Runtime — one alone, several interleaved on
// identical inputs — over a batch sweep, and report every sample, statistics, memory and warnings.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "flags.h"
#include "qbench/benchmark/bench_report.h"
#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/environment.h"
#include "qbench/benchmark/memory.h"
#include "qbench/benchmark/memory_probe.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"
#include "qbench/zoo/zoo.h"

namespace qbench::cli {
namespace {

struct BenchOptions {
  std::vector<std::string> models;
  int threads = 0;  // intra-op
  int inter_op_threads = 0;
  std::string graph_optimization = "all";
  std::string provider = "cpu";
  ShapeFlags shape;
  std::string batch;  // "8" or a sweep in the lab's syntax: "1,2,4,8", "1-16*2"
  bool batch_given = false;  // --batch was on the command line (so "" is an error, not "unset")
  BenchmarkConfig config;
  std::uint64_t seed = 0;
  BenchOutputs outputs;
};

std::string JoinShapes(const std::vector<TensorInfo>& inputs) {
  std::string s;
  for (const auto& t : inputs) s += (s.empty() ? "" : " ") + t.name + "=" + ShapeToString(t.shape);
  return s;
}

// Dim 0 of the first input with a batch dimension (BatchDimensions of the file's inputs): the batch a
// point really runs at; 1 when no input has one.
std::int64_t BatchOf(const std::vector<TensorInfo>& file_inputs, const std::vector<TensorInfo>& inputs) {
  const std::vector<bool> batched = BatchDimensions(file_inputs);
  for (std::size_t i = 0; i < inputs.size() && i < batched.size(); ++i)
    if (batched[i]) return inputs[i].shape[0];
  return 1;
}

// Same names, dtypes and shapes: the models can share one set of generated inputs.
bool SameInputs(const std::vector<TensorInfo>& a, const std::vector<TensorInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].dtype != b[i].dtype || a[i].shape != b[i].shape) return false;
  return true;
}

// Same dtypes and shapes, in order (names may differ): the models do the same work per run, so a
// ratio of their latencies is a speedup. Otherwise (224 vs 32 pixels) the ratio means nothing.
bool ComparableInputs(const std::vector<TensorInfo>& a, const std::vector<TensorInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].dtype != b[i].dtype || a[i].shape != b[i].shape) return false;
  return true;
}

std::string DescribeInputs(const std::vector<TensorInfo>& inputs) {
  std::string s;
  for (const auto& t : inputs)
    s += (s.empty() ? "" : " ") + t.name + "=" + DTypeName(t.dtype) + "[" + ShapeToString(t.shape) + "]";
  return s;
}

// One model prepared for a point: the (possibly batch-rewritten) model, its session and its target.
struct Prepared {
  size_t model_index = 0;
  std::unique_ptr<OrtRunner> runner;
  std::unique_ptr<OrtBenchTarget> target;
  std::vector<GeneratedInput> inputs;
  MemoryProbeRequest memory;  ///< this model alone at this batch, measured in a child after the timing
};

void RunBench(const BenchOptions& o) {
  // --- validate everything that is a usage error before loading or timing anything ------------
  const ShapeOverrides base = ParseShapeFlags(o.shape);
  std::vector<std::int64_t> batches;
  if (o.batch_given) {
    batches = ParseBatchSweep(o.batch);
  } else {
    batches.push_back(0);  // unset: the model's own dim 0 (dynamic → 1)
  }
  ValidateBenchmarkConfig(o.config);
  // The folder of an output file must exist before minutes of timing, not after.
  CheckOutputPath("--json", o.outputs.json_path);
  CheckOutputPath("--csv", o.outputs.csv_path);
  CheckOutputPath("--md", o.outputs.md_path);
  // --json -: the JSON goes to stdout once, at the end; the files are rewritten after every point.
  BenchOutputs files = o.outputs;
  if (IsStdout(files.json_path)) files.json_path.clear();
  if (IsStdout(files.csv_path) || IsStdout(files.md_path))
    throw Error(ErrorCode::kInvalidArgument, "--csv and --md take a file name; only --json - writes to stdout");
  const bool interleaved = o.models.size() > 1;
  SessionConfig session;
  session.intra_op_threads = o.threads;
  session.inter_op_threads = o.inter_op_threads;
  session.graph_optimization = o.graph_optimization;
  session.execution_provider = o.provider;
  // docs/measurement.md: an idle session's spinning workers steal a core from the one being timed.
  session.allow_spinning = !interleaved;
  {
    const auto& levels = GraphOptimizationLevels();
    if (std::find(levels.begin(), levels.end(), o.graph_optimization) == levels.end())
      throw Error(ErrorCode::kInvalidArgument, "--graph-optimization '" + o.graph_optimization +
                                                   "' is unknown; expected one of: disable, basic, extended, all");
    try {
      CheckExecutionProvider(o.provider);  // compiled in and really usable here, or exit 2
    } catch (const Error& e) {
      throw Error(e.code(), std::string("--provider: ") + e.what());
    }
  }

  std::vector<Model> models;
  for (const auto& spec : o.models) models.push_back(LoadModelOrZoo(spec));
  // zoo:squeezenet1_1 and fmnist/squeezenet1_1.onnx must not both read "squeezenet1_1".
  const std::vector<std::string> names = UniqueDisplayNames(o.models);

  BenchReport report;
  report.environment = CaptureEnvironment(o.provider, o.threads, o.inter_op_threads, o.graph_optimization,
                                          session.allow_spinning);
  report.config = o.config;
  report.config.seed = o.seed;
  report.input_seed = o.seed;
  report.interleaved = interleaved;
  WarningList warnings;
  AddEnvironmentWarnings(report.environment, &warnings);
  if (interleaved)
    warnings.Add("interleaved", "models timed interleaved (A B A B ...) with intra-op spinning off; they share the "
                                "caches, so the speedups are the conservative figure");
  int measured_points = 0;
  std::vector<std::string> skip_reasons;  // distinct, in order

  for (const std::int64_t batch : batches) {
    ShapeOverrides overrides = base;
    overrides.batch = batch;
    ResetPeakRss();  // peak RSS of this point: its sessions and runs (still process-wide)
    std::vector<Prepared> prepared;
    std::vector<BenchPoint> points;
    for (size_t i = 0; i < models.size(); ++i) {
      BenchPoint point;
      point.model = names[i];
      point.model_spec = o.models[i];
      // A usage error (unknown input in --shape, missing --dim) aborts the whole run: exit 2.
      const std::vector<TensorInfo> shapes = ResolveInputShapes(models[i], WithZooDefaultDims(models[i], overrides));
      point.batch_size = BatchOf(models[i].Inputs(), shapes);
      if (const std::string note = DescribeBatchPolicy(models[i].Inputs(), batch); !note.empty())
        warnings.Add("batch_not_applied", point.model + ": " + note);
      point.inputs = shapes;
      try {
        // The file may fix dim 0 (SqueezeNet: data [1,3,224,224]): rewrite it, or refuse and skip.
        const auto file_inputs = models[i].Inputs();
        std::int64_t rewrite_to = 0;
        for (size_t k = 0; k < file_inputs.size() && k < shapes.size(); ++k)
          if (!file_inputs[k].shape.empty() && file_inputs[k].shape[0] > 0 && !shapes[k].shape.empty() &&
              shapes[k].shape[0] != file_inputs[k].shape[0])
            rewrite_to = shapes[k].shape[0];
        // A reference unless rewritten: a copy would hold the weights twice (and count in the peak RSS).
        Model rewritten;
        if (rewrite_to > 0) rewritten = WithBatchSize(models[i], rewrite_to);
        const Model& model_b = rewrite_to > 0 ? rewritten : models[i];
        Prepared p;
        p.model_index = i;
        p.memory.model = o.models[i];
        p.memory.shapes = WithZooDefaultDims(models[i], overrides);
        p.memory.batch = rewrite_to;
        p.memory.intra_op_threads = o.threads;
        p.memory.inter_op_threads = o.inter_op_threads;
        p.memory.graph_optimization = o.graph_optimization;
        p.memory.seed = o.seed;
        // Identical inputs for every model of an interleaved comparison when their inputs agree.
        if (!prepared.empty() && SameInputs(points[prepared.front().model_index].inputs, shapes)) {
          p.inputs = prepared.front().inputs;
        } else {
          if (!prepared.empty()) {
            const BenchPoint& first = points[prepared.front().model_index];
            const bool comparable = ComparableInputs(first.inputs, shapes);
            warnings.Add("inputs_differ",
                         point.model + " batch " + std::to_string(point.batch_size) + ": its inputs (" +
                             DescribeInputs(shapes) + ") differ from " + first.model + "'s (" +
                             DescribeInputs(first.inputs) + "), so it gets its own random data (same seed)" +
                             (comparable ? std::string()
                                         : "; no speedup is given: the models do different work. Compare models "
                                           "with the same input shapes (--shape, --dim)"));
          }
          InputOptions input_options;
          input_options.seed = o.seed;
          p.inputs = GenerateInputs(model_b, shapes, input_options);
        }
        for (const auto& g : p.inputs) point.input_distributions.push_back(g.distribution);
        p.runner = OrtRunner::Create(model_b, session);  // ORT's model check: no progress line before it
        LogInfo("bench: " + point.model + " batch " + std::to_string(point.batch_size) + ": session created (" +
                JoinShapes(shapes) + ")");
        p.target = std::make_unique<OrtBenchTarget>(*p.runner, FeedsInOrder(p.inputs, p.runner->inputs()));
        prepared.push_back(std::move(p));
        point.measured = true;
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kInvalidArgument) throw;
        point.measured = false;
        point.skip_reason = e.what();
        // Printed with the other warnings at the end, or as the error when no point could be measured.
        warnings.Add("point_skipped", "bench: " + point.model + " batch " + std::to_string(point.batch_size) +
                                          " skipped: " + e.what());
        if (std::find(skip_reasons.begin(), skip_reasons.end(), point.skip_reason) == skip_reasons.end())
          skip_reasons.push_back(point.skip_reason);
      }
      points.push_back(std::move(point));
    }

    if (!prepared.empty()) {
      BenchmarkConfig config = report.config;
      config.batch_size = points[prepared.front().model_index].batch_size;
      LogInfo("bench: batch " + std::to_string(config.batch_size) + ": " + std::to_string(config.warmup_runs) +
              " warm-up runs, " + std::to_string(config.repetitions) + " timed runs" +
              (prepared.size() > 1 ? " per model, interleaved" : ""));
      std::vector<BenchTarget*> targets;
      for (auto& p : prepared) targets.push_back(p.target.get());
      InterleavedResult result;
      if (targets.size() == 1) {
        result.measurements.push_back(RunBenchmark(*targets[0], config));
      } else {
        result = RunInterleaved(targets, config);
      }
      const bool baseline_measured = prepared.front().model_index == 0;
      for (size_t t = 0; t < prepared.size(); ++t) {
        BenchPoint& point = points[prepared[t].model_index];
        point.measurement = std::move(result.measurements[t]);
        if (t > 0 && baseline_measured) {
          point.speedup_baseline = points[0].model;
          if (ComparableInputs(points[0].inputs, point.inputs)) {
            point.has_speedup = true;
            point.speedup = result.speedups[t - 1];
          } else {  // 224 px vs 32 px: a latency ratio, not a speedup
            point.speedup_unavailable = "inputs differ";
          }
        }
        const std::string label = point.model + " batch " + std::to_string(point.batch_size);
        AddMeasurementWarnings(point.measurement, label, config.cv_threshold, &warnings);
        // Memory of this model alone (a child process per model and batch): the process-wide peak
        // would include every model loaded so far (docs/measurement.md, "Memory").
        if (o.provider == "cpu") {
          point.memory = ProbeMemoryIsolated(prepared[t].memory);
          if (!point.memory.ok)
            warnings.Add("memory_not_isolated", label + ": memory could not be measured in a separate process (" +
                                                    point.memory.error + "); its peak RSS is this process's");
        }
        LogInfo("bench: " + label + ": median " + std::to_string(point.measurement.statistics.median_ms) + " ms over " +
                std::to_string(point.measurement.statistics.n) + " runs");
        ++measured_points;
      }
    }
    for (auto& p : points) report.points.push_back(std::move(p));
    report.warnings = warnings.items();
    WriteBenchReports(report, files);  // after every point: an interrupted sweep keeps what it measured
  }

  if (IsStdout(o.outputs.json_path)) WriteOutput("-", BenchReportJson(report));
  std::fputs(FormatBenchTable(report).c_str(), TableStream(o.outputs.json_path));
  std::fflush(stdout);
  for (const auto& w : report.warnings)
    if (measured_points > 0 || w.code != "point_skipped") Log(LogLevel::kWarning, w.message + " [" + w.code + "]");
  if (measured_points == 0) {  // one line: the reason (or the distinct reasons) no point could run
    std::string reasons;
    for (const auto& r : skip_reasons) reasons += (reasons.empty() ? "" : "; ") + r;
    std::fprintf(stderr, "qbench: error: %s\n", skip_reasons.size() == 1 ? reasons.c_str()
                                                  : ("no point could be measured: " + reasons).c_str());
    SetExitCode(kExitFailure);
  }
}

void RegisterBench(CLI::App& app) {
  auto opts = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand(
      "bench",
      "Time ONNX models with ONNX Runtime. One model is timed alone; several are timed interleaved "
      "(A B A B ...) on identical inputs, with the speedup of each against the first and its 95 % CI.\n"
      "Exit status: 0 when at least one point was measured (points that cannot run are listed as skipped), "
      "1 when none, 2 for a usage error.");
  cmd->add_option("models", opts->models, "ONNX files or zoo:NAME (the first is the baseline)")->required();
  AddThreadsFlag(cmd, &opts->threads, "Intra-op threads (0 = ONNX Runtime's default)");
  AddCountOption(cmd, "--inter-op-threads", opts->inter_op_threads, "Inter-op threads (0 = ONNX Runtime's default)");
  cmd->add_option("--graph-optimization", opts->graph_optimization, "disable, basic, extended or all")
      ->default_str("all");
  AddProviderFlag(cmd, &opts->provider);
  AddShapeFlags(cmd, &opts->shape, "");
  auto* batch = cmd->add_option("--batch", opts->batch,
                  "Batch size, or a sweep as in the lab: 1,2,4,8, 1-16*2 (geometric), 1-8+1 (arithmetic); a file "
                  "that fixes batch 1 is rewritten, or the point is skipped with the reason");
  // NumericValue: CLI11 reads "" as 0, which would then be reported as "0 is out of range".
  cmd->add_option("--warmup-runs", opts->config.warmup_runs, "Runs before timing (excluded)")
      ->check(NumericValue())
      ->default_str("3");
  cmd->add_option("--repetitions", opts->config.repetitions,
                  "Timed runs at least (6 or more for a 95 % confidence interval of the median)")
      ->check(NumericValue())
      ->default_str("10");
  cmd->add_option("--min-time", opts->config.min_time_s, "Time at least this many seconds per point")
      ->check(NumericValue())
      ->default_str("0");
  cmd->add_option("--max-repetitions", opts->config.max_repetitions, "Cap on timed runs (extension stops here)")
      ->check(NumericValue())
      ->default_str("100");
  cmd->add_option("--cv-threshold", opts->config.cv_threshold,
                  "Extend while the coefficient of variation is above this fraction (0 = never)")
      ->check(NumericValue())
      ->default_str("0.05");
  // NonNegativeValue: CLI11 would wrap -1 to 18446744073709551615 (as `zoo export --seed`).
  cmd->add_option("--seed", opts->seed, "Seed of the random inputs and of the bootstrap")
      ->check(NumericValue())
      ->check(NonNegativeValue())
      ->default_str("0");
  AddJsonFlag(cmd, &opts->outputs.json_path, "every sample, statistics, environment and warnings");
  cmd->add_option("--csv", opts->outputs.csv_path, "Write one CSV row per (model, batch)");
  cmd->add_option("--md", opts->outputs.md_path, "Write a Markdown report");
  cmd->callback([opts, batch] {
    opts->batch_given = batch->count() > 0;
    RunBench(*opts);
  });
}

}  // namespace

QBENCH_REGISTER_COMMAND(20, RegisterBench);

}  // namespace qbench::cli
