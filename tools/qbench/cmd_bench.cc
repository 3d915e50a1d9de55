// qbench bench MODEL [MODEL2 ...]: time models with ONNX Runtime — one alone, several interleaved on
// identical inputs — over a batch sweep, and report every sample, statistics, memory and warnings.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "flags.h"
#include "qbench/benchmark/bench_report.h"
#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/environment.h"
#include "qbench/benchmark/memory.h"
#include "qbench/benchmark/memory_probe.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/core/tensor.h"
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
  std::string interleave = InterleavePolicyName(InterleavePolicy::kGlobalThreadPool);
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

// Progress lines on stderr as the comparison of one batch point goes.
class BenchProgress : public CompareObserver {
 public:
  BenchProgress(const std::vector<BenchPoint>& points, const std::vector<CompareModel>& models)
      : points_(points), models_(models) {}
  void OnSessionReady(std::size_t i, const OrtRunner&) override {
    LogInfo("bench: " + points_[i].model + " batch " + std::to_string(points_[i].batch_size) + ": session created (" +
            JoinShapes(models_[i].shapes) + ")");
  }
  void OnTimingStart(const std::vector<std::size_t>& models, bool interleaved) override {
    LogInfo("bench: batch " + std::to_string(points_[models.front()].batch_size) + ": " + std::to_string(warmup_runs) +
            " warm-up runs, " + std::to_string(repetitions) + " timed runs" + (interleaved ? " per model, interleaved" : ""));
  }
  int warmup_runs = 0, repetitions = 0;

 private:
  const std::vector<BenchPoint>& points_;
  const std::vector<CompareModel>& models_;
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
  std::vector<PathFlag> inputs;
  for (const auto& m : o.models) inputs.push_back({"the model '" + m + "'", m});
  CheckOutputs({{"--json", o.outputs.json_path}, {"--csv", o.outputs.csv_path}, {"--md", o.outputs.md_path}}, inputs);
  // --json -: the JSON goes to stdout once, at the end; the files are rewritten after every point.
  BenchOutputs files = o.outputs;
  if (IsStdout(files.json_path)) files.json_path.clear();
  if (IsStdout(files.csv_path) || IsStdout(files.md_path))
    throw Error(ErrorCode::kInvalidArgument, "--csv and --md take a file name; only --json - writes to stdout");
  const bool interleaved = o.models.size() > 1;
  CompareOptions compare;
  compare.session.intra_op_threads = o.threads;
  compare.session.inter_op_threads = o.inter_op_threads;
  compare.session.graph_optimization = o.graph_optimization;
  compare.session.execution_provider = o.provider;
  compare.policy = ParseInterleavePolicy(o.interleave);
  compare.input_seed = o.seed;
  compare.keep_going = true;  // a point that cannot run is skipped with its reason; usage errors exit 2
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
  // docs/measurement.md: an idle session's spinning workers steal a core from the one being timed;
  // interleaved sessions share ORT's global pool (which spins) or run with spinning off.
  const bool global_pool = interleaved && compare.policy == InterleavePolicy::kGlobalThreadPool;
  report.environment = CaptureEnvironment(o.provider, o.threads, o.inter_op_threads, o.graph_optimization, true);
  RecordTimingPool(&report.environment, interleaved, compare.policy, /*alone_spinning=*/true);
  report.config = o.config;
  report.config.seed = o.seed;
  report.input_seed = o.seed;
  report.interleaved = interleaved;
  WarningList warnings;
  AddEnvironmentWarnings(report.environment, &warnings);
  if (interleaved)
    warnings.Add("interleaved", std::string("models timed interleaved (A B A B ...) ") +
                                    (global_pool ? "on ONNX Runtime's global thread pool"
                                                 : "with intra-op spinning off") +
                                    "; they share the caches, so the speedups are the conservative figure");
  int measured_points = 0;
  std::vector<std::string> skip_reasons;  // distinct, in order

  for (const std::int64_t batch : batches) {
    ShapeOverrides overrides = base;
    overrides.batch = batch;
    ResetPeakRss();  // peak RSS of this point: its sessions and runs (still process-wide)
    std::vector<BenchPoint> points;
    std::vector<CompareModel> compared;
    for (size_t i = 0; i < models.size(); ++i) {
      BenchPoint point;
      point.model = names[i];
      point.model_spec = o.models[i];
      // A usage error (unknown input in --shape, missing --dim) aborts the whole run: exit 2.
      const std::vector<TensorInfo> shapes = ResolveInputShapes(models[i], WithZooDefaultDims(models[i], overrides));
      // A 0-sized dim (as the file declares it, or as --shape sets it) leaves nothing to run: say which
      // input, not "--batch 0 is out of range" about a flag the user never gave.
      for (const TensorInfo& in : shapes)
        for (std::size_t d = 0; d < in.shape.size(); ++d)
          if (in.shape[d] == 0)
            throw Error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: input '{}' has a 0-sized dim {} (shape {}): a run would compute nothing; give "
                                    "it a size with --shape {}=D0xD1...",
                                    o.models[i], in.name, d, ShapeToString(in.shape), in.name));
      point.batch_size = BatchOf(models[i].Inputs(), shapes);
      if (const std::string note = DescribeBatchPolicy(models[i].Inputs(), batch); !note.empty())
        warnings.Add("batch_not_applied", point.model + ": " + note);
      point.inputs = shapes;
      compared.push_back({point.model, &models[i], shapes, ""});
      points.push_back(std::move(point));
    }
    // Sessions, identical inputs, warm-ups and interleaved timing: one call (benchmark/compare.h).
    compare.config = report.config;
    compare.config.batch_size = points.front().batch_size;
    compare.context = "batch " + std::to_string(points.front().batch_size);
    BenchProgress progress(points, compared);
    progress.warmup_runs = compare.config.warmup_runs;
    progress.repetitions = compare.config.repetitions;
    compare.observer = &progress;
    Comparison result = CompareModels(compared, compare);
    for (const auto& w : result.warnings) warnings.Add(w.code, w.message);
    const bool baseline_measured = result.models.front().ok;
    for (size_t i = 0; i < points.size(); ++i) {
      BenchPoint& point = points[i];
      ComparedModel& c = result.models[i];
      for (const auto& g : c.inputs) point.input_distributions.push_back(g.distribution);
      if (!c.ok) {
        point.measured = false;
        point.skip_reason = c.error;
        // Printed with the other warnings at the end, or as the error when no point could be measured.
        warnings.Add("point_skipped", "bench: " + point.model + " batch " + std::to_string(point.batch_size) +
                                          " skipped: " + c.error);
        if (std::find(skip_reasons.begin(), skip_reasons.end(), point.skip_reason) == skip_reasons.end())
          skip_reasons.push_back(point.skip_reason);
        continue;
      }
      point.measured = true;
      point.measurement = std::move(c.measurement);
      if (i > 0 && baseline_measured) {
        point.speedup_baseline = points[0].model;
        point.has_speedup = c.has_speedup;
        point.speedup = c.speedup;
        point.speedup_unavailable = c.speedup_unavailable;
      }
      const std::string label = point.model + " batch " + std::to_string(point.batch_size);
      AddMeasurementWarnings(point.measurement, label, compare.config.cv_threshold, &warnings);
      // Memory of this model alone (a child process per model and batch): the process-wide peak
      // would include every model loaded so far (docs/measurement.md, "Memory").
      if (o.provider == "cpu") {
        MemoryProbeRequest memory;
        memory.model = o.models[i];
        memory.shapes = WithZooDefaultDims(models[i], overrides);
        memory.batch = c.batch_rewrite;
        memory.intra_op_threads = o.threads;
        memory.inter_op_threads = o.inter_op_threads;
        memory.graph_optimization = o.graph_optimization;
        memory.seed = o.seed;
        point.memory = ProbeMemoryIsolated(memory);
        if (!point.memory.ok)
          warnings.Add("memory_not_isolated", label + ": memory could not be measured in a separate process (" +
                                                  point.memory.error + "); its peak RSS is this process's");
      }
      LogInfo("bench: " + label + ": median " + std::to_string(point.measurement.statistics.median_ms) + " ms over " +
              std::to_string(point.measurement.statistics.n) + " runs");
      ++measured_points;
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
  cmd->add_option("--interleave", opts->interleave,
                  "How models timed together share the CPU: global-pool (one ONNX Runtime thread pool for all, "
                  "the default) or no-spinning (a pool each, spin-waiting off); docs/measurement.md")
      ->default_str(opts->interleave);
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
