// qbench/benchmark/compare.h — the one way qbench times models against each other: "compare these
// models on identical inputs". CompareModels makes the sessions (or takes them from a SessionCache),
// rewrites a fixed batch (BatchRewriteTarget), generates the seeded inputs once and shares them,
// warms up, times the models round-robin (RunInterleaved) or one alone (RunBenchmark), and returns
// every measurement with the speedups against the first model and their CIs. `qbench bench`, the lab,
// `quantize --fallback-*` and the bench/ programs all call it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/model/model.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"

namespace qbench {

class SessionCache;

/// How sessions timed together share the CPU (docs/measurement.md, "Timing pitfalls": an idle
/// session's spinning pool steals a core from the one being timed). Applies only when more than one
/// model is compared; a model compared alone runs with the caller's SessionConfig as given.
enum class InterleavePolicy {
  /// Every session runs on ONNX Runtime's one global intra-op pool (UseGlobalThreadPool, spinning
  /// on): no idle pool exists. The default: its figures are the closer to a model timed alone
  /// (docs/measurement.md has the numbers of bench/interleave_policy).
  kGlobalThreadPool,
  /// Every session owns its pool, with intra- and inter-op spin-waiting off, so an idle pool sleeps.
  kNoSpinning,
};

/// "global-pool" or "no-spinning".
const char* InterleavePolicyName(InterleavePolicy policy);

/// The policy named `name` (InterleavePolicyName). Throws Error(kInvalidArgument) naming --interleave
/// and the two choices otherwise.
InterleavePolicy ParseInterleavePolicy(const std::string& name);

struct EnvironmentInfo;  // qbench/benchmark/environment.h

/// Records in `env` (its allow_spinning and thread_pool) how the timed sessions shared the CPU, so
/// that results files and report text say what was used: models timed `interleaved` under
/// kGlobalThreadPool → thread_pool "global" and allow_spinning true (the global pool spins); under
/// kNoSpinning → "per-session", false; a model timed alone → "per-session" with `alone_spinning`
/// (the caller's SessionConfig::allow_spinning). `bench` and the lab call it.
void RecordTimingPool(EnvironmentInfo* env, bool interleaved, InterleavePolicy policy, bool alone_spinning);

/// One model of a comparison.
struct CompareModel {
  std::string label;                 ///< names it in warnings and errors (e.g. "resnet18.int8")
  const Model* model = nullptr;      ///< the model as loaded (must outlive the call)
  /// Concrete input shapes (ResolveInputShapes), in Model::Inputs() order. A file that fixes dim 0
  /// to another value is rewritten to this batch first (BatchRewriteTarget, WithBatchSize).
  std::vector<TensorInfo> shapes;
  std::string cache_key;             ///< with CompareOptions::cache: the session's key there
};

/// Callbacks of a comparison, for what is measured alongside the timings (an energy sampler, progress
/// lines). Model indexes are positions in the list given to CompareModels. The run callbacks come
/// from the timed loop (TimingObserver: outside the timed region). Default implementations do nothing.
class CompareObserver {
 public:
  virtual ~CompareObserver() = default;
  /// After model `model`'s session was created (or taken from the cache) and its inputs bound.
  virtual void OnSessionReady(std::size_t /*model*/, const OrtRunner& /*session*/) {}
  /// Before the warm-ups of a timed loop over `models` (all of them in one interleaved loop, or one
  /// when timed alone); `interleaved` says which.
  virtual void OnTimingStart(const std::vector<std::size_t>& /*models*/, bool /*interleaved*/) {}
  /// After the warm-ups, before the first timed run of that loop.
  virtual void OnTimedRunsStart() {}
  /// Around each run of `model` (warm-ups included, `warmup` set); `ms` is the run's time.
  virtual void BeforeRun(std::size_t /*model*/, bool /*warmup*/) {}
  virtual void AfterRun(std::size_t /*model*/, bool /*warmup*/, double /*ms*/) {}
  /// After the last timed run of that loop (not called when a run throws).
  virtual void OnTimingEnd(const std::vector<std::size_t>& /*models*/) {}
};

/// How to compare.
struct CompareOptions {
  BenchmarkConfig config;            ///< warm-ups, repetitions, extension, batch (throughput), bootstrap seed
  /// Threads, optimisation level, provider. When several models are compared, `policy` decides the
  /// pool and spinning fields; one model alone uses this config as it is.
  SessionConfig session;
  InterleavePolicy policy = InterleavePolicy::kGlobalThreadPool;
  std::uint64_t input_seed = 0;      ///< GenerateInputs' seed
  /// false: the first failure (a rewrite, inputs or session that fails) propagates. true: the model
  /// is reported with ok = false and its error, and the others are timed; Error(kInvalidArgument)
  /// still propagates when usage_errors_propagate (a usage error concerns every model).
  bool keep_going = false;
  bool usage_errors_propagate = true;
  /// When the interleaved loop throws (one model runs out of memory, ...): true times each model
  /// alone and records the failures per model (warning "interleaved_failed"); false propagates.
  bool time_alone_if_interleaving_fails = false;
  std::string context;               ///< prefixes warnings, e.g. "batch 8" or "resnet18 b8 s224 t2"
  SessionCache* cache = nullptr;     ///< sessions taken from / kept in here (CompareModel::cache_key)
  CompareObserver* observer = nullptr;
  Clock* clock = nullptr;            ///< nullptr: steady_clock (tests pass a fake)
};

/// One model's outcome.
struct ComparedModel {
  std::string label;
  bool ok = false;                   ///< measured
  std::string error;                 ///< why not (its rewrite, inputs, session or runs failed)
  ErrorCode error_code = ErrorCode::kRuntime;
  Measurement measurement;           ///< when ok; times in ms (benchmark.h)
  std::vector<GeneratedInput> inputs;  ///< the data it ran on (shared with the first model when the shapes agree)
  bool own_inputs = false;           ///< its shapes differ from the first prepared model's: own data, same seed
  std::int64_t batch_rewrite = 0;    ///< the batch its file was rewritten to; 0 = run as it is
  std::string timing;                ///< "interleaved" or "alone"
  /// Speedup against models[0]: median(models[0]) / median(this) with a paired-bootstrap CI over the
  /// rounds (EstimateSpeedup); only when both ran in one interleaved loop on inputs of the same
  /// dtypes and shapes (names may differ). speedup_unavailable says why not, when both were measured.
  bool has_speedup = false;
  SpeedupEstimate speedup;
  std::string speedup_unavailable;   ///< "inputs differ", or "" 
};

/// The outcome of a comparison.
struct Comparison {
  std::vector<ComparedModel> models; ///< one per CompareModel, in the order given
  int rounds = 0;                    ///< timed rounds of the interleaved loop (0 when none ran)
  bool interleaved = false;          ///< more than one model was timed in one loop
  /// The policy the sessions ran under: options.policy, or kNoSpinning when the global pool could not
  /// be resized (sessions outside the cache exist; warning "global_pool_unavailable").
  InterleavePolicy policy = InterleavePolicy::kGlobalThreadPool;
  std::vector<Warning> warnings;     ///< "inputs_differ", "interleaved_failed", "global_pool_unavailable"
};

/// Compares `models` on identical inputs (see the top of this file). Inputs: GenerateInputs with
/// options.input_seed at each model's shapes; a model whose shapes (names, dtypes, dims) equal the
/// first prepared model's shares that model's tensors. Sessions: options.session, with the policy's
/// pool and spinning when several models are compared; from options.cache when given (a global pool
/// of another size first clears the cache). Timing: all prepared models round-robin
/// (RunInterleaved), or RunBenchmark when one is left. Throws Error(kInvalidArgument) for an empty
/// list or a bad config (ValidateBenchmarkConfig); Cancelled when Ctrl-C was pressed; otherwise what
/// a model's preparation or the loop throws, unless keep_going / time_alone_if_interleaving_fails.
Comparison CompareModels(const std::vector<CompareModel>& models, const CompareOptions& options);

}  // namespace qbench
