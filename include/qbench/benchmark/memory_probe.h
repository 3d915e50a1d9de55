// qbench/benchmark/memory_probe.h — memory of one model in isolation: a child process (qbench itself,
// started with the hidden command `__memory-probe`) loads the model, creates one session, runs the
// warm-up and a few runs, and reports its own figures back through a pipe. Each model and variant is
// thus measured alone, whatever else the measuring process has loaded (docs/measurement.md, "Memory").
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "qbench/model/model.h"
#include "qbench/model/shapes.h"

namespace qbench {

/// The hidden subcommand the child runs: `qbench __memory-probe '<request JSON>'`.
inline constexpr const char* kMemoryProbeCommand = "__memory-probe";

/// What to measure.
struct MemoryProbeRequest {
  std::string model;           ///< an ONNX file, or zoo:NAME (built in the child with zoo_seed/zoo_input_size)
  ShapeOverrides shapes;       ///< input shapes as the timing used them (batch, --shape, --dim)
  /// > 0: a file that fixes dim 0 to another value is rewritten to this batch first (WithBatchSize).
  std::int64_t batch = 0;
  int intra_op_threads = 1;
  int inter_op_threads = 0;
  std::string graph_optimization = "all";
  int warmup_runs = 1;         ///< untimed runs before the measured ones
  int runs = 2;                ///< runs after the warm-up (the arena's peak is reached in the first)
  std::uint64_t seed = 0;      ///< random inputs (GenerateInputs), as the timing's
  std::uint64_t zoo_seed = 0;
  int zoo_input_size = 224;
};

/// Memory of one model alone, in bytes; -1 = not available.
struct MemoryProbeResult {
  bool ok = false;
  std::string error;                  ///< why not, when !ok
  /// VmRSS of the child after loading the model file and making the inputs, before the session.
  std::int64_t baseline_rss_bytes = -1;
  /// Bytes of the model's weights (initializer tensors, external data included) as loaded: element
  /// count × dtype size, summed — 4 bytes per fp32 weight, 1 per int8 one.
  std::int64_t weights_bytes = -1;
  /// VmRSS growth over this model's session creation, measured after a warm-up session of a one-node
  /// model has initialized the runtime (environment, thread pools, allocators): the weights as the
  /// session holds them (copied, pre-packed for the kernels), the optimized graph, and the runtime
  /// code its kernels first touch. What loading this model costs.
  std::int64_t session_bytes = -1;
  /// ONNX Runtime's CPU arena peak ("MaxInUse", OrtRunner::AllocatorStats) after the runs:
  /// activations and kernel workspaces. -1 when the arena keeps no statistics.
  std::int64_t arena_peak_bytes = -1;
  /// VmHWM of the child: the peak resident memory of a process that loads and runs only this model
  /// (the runtime's code and heap included) — what `qbench bench MODEL` alone reports.
  std::int64_t peak_rss_bytes = -1;
  double wall_ms = 0;                 ///< the child's lifetime as seen by the parent
};

nlohmann::json ToJson(const MemoryProbeRequest& r);
MemoryProbeRequest MemoryProbeRequestFromJson(const nlohmann::json& j);  ///< throws Error(kInvalidArgument)
nlohmann::json ToJson(const MemoryProbeResult& r);
MemoryProbeResult MemoryProbeResultFromJson(const nlohmann::json& j);

/// The child's side, in this process: `model` (already loaded from request.model; pass it with
/// std::move so that the measuring process holds one copy, as `bench` does) is rewritten to
/// request.batch when needed, its inputs generated, a session created and run; returns the figures.
/// Meant for a fresh process (the figures are this process's own). Never throws: errors are in
/// the result.
MemoryProbeResult MeasureMemoryInProcess(Model model, const MemoryProbeRequest& request);

/// Runs `exe __memory-probe <request>` (exe "": this executable, /proc/self/exe; the environment
/// variable QBENCH_EXE overrides it, e.g. for library tests) with stdout on a pipe and stderr
/// discarded, and parses the JSON result it prints. fork + execv at once: nothing of this process's
/// threads or sessions is inherited. Polls CancelRequested() every 100 ms: on Ctrl-C the child is
/// killed and Cancelled is thrown. A child that fails, prints no result or dies is an !ok result
/// with the reason (never throws otherwise).
MemoryProbeResult ProbeMemoryIsolated(const MemoryProbeRequest& request, const std::string& exe = "");

}  // namespace qbench
