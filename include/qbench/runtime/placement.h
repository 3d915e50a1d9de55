// qbench/runtime/placement.h — where ONNX Runtime placed a model's nodes: which execution provider
// ran each node of the optimized graph, read from ORT's profiler (every "Node" event carries
// args.provider), so that a provider that silently leaves work on the CPU is said.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/core/tensor.h"
#include "qbench/model/model.h"
#include "qbench/runtime/runner.h"

namespace qbench {

/// Node placement of one session.
struct NodePlacement {
  std::string requested;                        ///< the provider asked for ("cpu", "cuda", …)
  std::map<std::string, int> nodes_by_provider; ///< ORT's provider name ("CPUExecutionProvider") → distinct nodes
  /// Compute nodes (Conv, Gemm, MatMul and their fused, integer and quantized forms, Attention, LSTM,
  /// GRU) run by CPUExecutionProvider although another provider was requested: "name (op)".
  std::vector<std::string> cpu_compute_nodes;
  /// How many compute nodes ran on the CPU: all of them, where JSON keeps the first
  /// kPlacementNodesKept names in cpu_compute_nodes.
  int cpu_compute_node_count = 0;
  int total_nodes = 0;
  /// True when another provider than the CPU was requested and compute nodes ran on the CPU (ORT's
  /// silent fallback: the provider has no kernel for them, e.g. int8 ops without a GPU kernel).
  bool fallback = false;
};

/// ORT's provider name for qbench's short name: "cpu" → "CPUExecutionProvider", "cuda" →
/// "CUDAExecutionProvider", "tensorrt" → "TensorrtExecutionProvider", "openvino" →
/// "OpenVINOExecutionProvider", others → the short name with "ExecutionProvider" appended after
/// capitalising its first letter.
std::string OrtProviderName(const std::string& short_name);

/// qbench's short name for ORT's provider name, from the same table as OrtProviderName:
/// "CUDAExecutionProvider" → "cuda", "ROCMExecutionProvider" → "rocm"; a name not in the table is
/// returned unchanged.
std::string ShortProviderName(const std::string& ort_name);

/// Reads the node placement from the text of an ORT profile (a JSON array of chrome-tracing events;
/// node events have "cat": "Node", "name": "<node>_kernel_time", "args": {"op_name", "provider"}).
/// Each distinct node counts once. Throws Error(kInvalidInput) naming `name` when the text is not a
/// JSON array.
NodePlacement ParseNodePlacement(const std::string& profile_json, const std::string& requested, const std::string& name);

/// Creates a session of `model` with `config` (profiling on, its file under `scratch_dir` and removed
/// afterwards), runs `feeds` (in the session's input order) once and returns the placement. Throws
/// as OrtRunner::Create / Run, Error(kIo) when the profile cannot be read.
NodePlacement MeasureNodePlacement(const Model& model, SessionConfig config, const std::vector<HostTensor>& feeds,
                                   const std::string& scratch_dir);

/// Compute nodes named in JSON ("cpu_compute_nodes"); "cpu_compute_node_count" counts them all.
constexpr std::size_t kPlacementNodesKept = 20;

/// {"requested", "nodes_by_provider", "total_nodes", "fallback", "cpu_compute_node_count",
/// "cpu_compute_nodes" (the first kPlacementNodesKept)}, from one field list (placement.cc); the
/// reader keeps defaults for missing keys.
void to_json(nlohmann::json& j, const NodePlacement& p);
void from_json(const nlohmann::json& j, NodePlacement& p);

/// One sentence for the report: "all 64 nodes on CUDAExecutionProvider", or "12 of 64 nodes on
/// CPUExecutionProvider, 8 of them compute nodes (QLinearConv …): ORT fell back to the CPU for them".
std::string DescribePlacement(const NodePlacement& placement);

}  // namespace qbench
