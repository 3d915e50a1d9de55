// qbench/lab/op_profile.h — time and work per op type, from ONNX Runtime's per-node profiler, for the
// roofline view of a lab (achieved MAC/s and arithmetic intensity per op type).
//
// ORT's profile names the nodes it ran after its graph optimisations (fusions, NCHWc / NHWC layout
// rewrites, prepacked weights), and it does not list prepacked weights among a node's inputs, so
// MACs cannot be read from the profile. Instead each profiled node is attributed to a node of the
// reference (fp32) graph, whose MACs and tensor sizes come from ONNX shape inference (InspectModel),
// and the traffic of that node is counted in the variant's precision (TrafficModel).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/lab/results.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"

namespace qbench {

/// One node execution read from an ONNX Runtime profile (a "Node" event named "<node>_kernel_time").
struct ProfiledNode {
  std::string node;       ///< node name as ORT ran it (after its graph optimisations)
  std::string op_type;    ///< ORT's op_name: Conv, FusedConv, QLinearConv, ConvInteger, …
  double duration_us = 0; ///< the event's "dur"
  std::int64_t output_elements = 0;  ///< elements of its first output (args.output_type_shape); 0 unknown
};

/// Parses the JSON array ORT's profiler writes (chrome tracing format) and returns the node kernel
/// events in file order. Events of other categories (Session, fences) are skipped.
/// Throws Error(kInvalidInput) naming `name` when the text is not a JSON array.
std::vector<ProfiledNode> ParseOrtProfile(const std::string& json_text, const std::string& name);

/// Work of one node of the reference graph at the profiled input shapes.
struct NodeWork {
  std::string op_type;          ///< "Conv", "Gemm", "MatMul", …; an integer form in the file (QLinearConv,
                                ///< ConvInteger, QGemm, MatMulInteger, …) as the float op it computes
  std::string kind;             ///< Conv: "depthwise 3x3", "1x1", "3x3", …; "" otherwise
  std::int64_t macs = 0;        ///< InspectModel's MACs
  std::int64_t weight_elements = 0;  ///< constant weight and bias elements (NodeCost::params)
  std::int64_t input_elements = 0;   ///< elements of the first (activation) input
  std::int64_t output_elements = 0;  ///< elements of the first output
};

/// The reference graph: every top-level node's work, and which node produces which tensor.
struct ReferenceGraph {
  std::map<std::string, NodeWork> nodes;          ///< by node name ("#i" when unnamed)
  std::map<std::string, std::string> producer;    ///< tensor name → node name
  std::map<std::string, std::vector<std::string>> inputs;  ///< node name → its input tensor names
  std::vector<std::string> order;                 ///< node names in graph order
};

/// Builds the reference graph of `model` (normally the fp32 model; a file given already quantized is
/// its own reference, its QLinearConv / ConvInteger / QGemm / … nodes taken as Conv / Gemm / MatMul)
/// at `shapes` with InspectModel.
/// Throws as InspectModel.
ReferenceGraph BuildReferenceGraph(const Model& model, const ShapeOverrides& shapes);

/// The reference node a profiled node computes, or "" when it is not one of the MAC-bearing ops
/// (Conv / Gemm / MatMul in any of ORT's forms). Rules, in order: the profiled name equals a reference
/// node name, or starts with one followed by '_' or '/' (ORT's "_token_N", the dynamic quantizer's
/// "_ConvInteger"); or it is "<tensor>_nchwc" (ORT's NCHWc rewrite names the node after its output)
/// and the tensor's producer is the node, or an activation/Add fused into it (walked back through
/// Relu, Clip, HardSigmoid, HardSwish, Sigmoid, LeakyRelu and Add to a Conv/Gemm input). In every case
/// the profiled op must be a form of the reference op: Conv ↔ Conv, FusedConv, NchwcConv, QLinearConv,
/// ConvInteger; Gemm/MatMul ↔ Gemm, FusedGemm, QGemm, MatMul, FusedMatMul, MatMulInteger,
/// QLinearMatMul, DynamicQuantizeMatMul, MatMulIntegerToFloat.
std::string AttributeNode(const ReferenceGraph& ref, const ProfiledNode& node);

/// Bytes per element of the traffic a variant's MAC nodes move: weights, input activations, outputs.
/// fp32: 4/4/4; a scheme's variant: SchemeInfo::WeightBytes/InputBytes/OutputBytes (dynamic int8:
/// weights 1, inputs 1 (DynamicQuantizeLinear makes them uint8), outputs 4 (ConvInteger/MatMulInteger
/// write int32); static int8 QDQ: 1/1/1 (uint8 activations end to end)).
struct TrafficModel {
  int weight_bytes = 4;
  int input_bytes = 4;
  int output_bytes = 4;
};

/// Aggregates profiled nodes into op types. Each distinct profiled node is attributed with
/// AttributeNode; a MAC-form node that no name identifies (models whose nodes have no names, where ORT
/// calls fused nodes "_token_N") takes, in execution order, the first reference node of its family
/// (Conv or Gemm/MatMul) not attributed yet whose output has the same number of elements (or the
/// first such node at all): ORT runs a CNN in its graph order. A MAC node attributed to a reference node is typed
/// "<profiled op> (<kind>)" (e.g. "QLinearConv (depthwise 3x3)") and carries the reference node's MACs
/// and its traffic (weight_elements·w + input_elements·i + output_elements·o bytes), each counted once
/// per run; anything else is typed by its profiled op and carries no MACs (bytes 0). Time per run =
/// total duration / `runs`. Sorted by time, largest first.
std::vector<OpTypeProfile> AggregateProfile(const std::vector<ProfiledNode>& nodes, int runs, const ReferenceGraph& ref,
                                            const TrafficModel& traffic);

/// Runs `model` with ONNX Runtime's profiler (CPU provider, graph optimisation "all", `threads`
/// intra-op threads, spinning off) on `feeds` (Model::Inputs() order) `warmup_runs` + `runs` times
/// and returns the node events of the timed runs (each node's first `warmup_runs` events dropped).
/// The profile file is written under `scratch_dir` and removed. Throws as ProfileModelOps.
std::vector<ProfiledNode> RunOrtProfile(const Model& model, const std::vector<HostTensor>& feeds, int threads,
                                        int warmup_runs, int runs, const std::string& scratch_dir);

/// Profiles `model` with ONNX Runtime (CPU provider, graph optimisation "all", `threads` intra-op
/// threads): creates a session with profiling on, runs `feeds` (in Model::Inputs() order)
/// `warmup_runs` + `runs` times, ends profiling, drops each node's first `warmup_runs` events and
/// aggregates the rest against `ref`. The record's macs/bytes are the whole reference graph's (MAC
/// nodes), total_ms the sum of all profiled nodes per run. The profile file is written under
/// `scratch_dir` and removed. Throws Error(kRuntime) when ORT fails, Error(kIo) when the profile
/// cannot be read.
OpProfileRecord ProfileModelOps(const Model& model, const std::vector<HostTensor>& feeds, int threads, int warmup_runs,
                                int runs, const std::string& scratch_dir, const ReferenceGraph& ref,
                                const TrafficModel& traffic);

}  // namespace qbench
