// qbench/lab/op_profile.h — time and work per op type, from ONNX Runtime's per-node profiler, for the
// roofline view of a lab (achieved MAC/s and arithmetic intensity per op type).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/lab/results.h"
#include "qbench/model/model.h"

namespace qbench {

/// One node execution read from an ONNX Runtime profile (a "Node" event named "<node>_kernel_time").
struct ProfiledNode {
  std::string node;       ///< node name as ORT ran it (after its graph optimisations)
  std::string op_type;    ///< ORT's op_name: Conv, FusedConv, NchwcConv, QLinearConv, ConvInteger, …
  double duration_us = 0; ///< the event's "dur"
  std::int64_t activation_bytes = 0;  ///< args.activation_size: bytes of the non-constant inputs
  std::int64_t parameter_bytes = 0;   ///< args.parameter_size: bytes of the constant inputs (weights)
  std::int64_t output_bytes = 0;      ///< args.output_size
  std::vector<std::vector<std::int64_t>> input_shapes;   ///< args.input_type_shape, in input order
  std::vector<std::vector<std::int64_t>> output_shapes;  ///< args.output_type_shape
};

/// Parses the JSON array ORT's profiler writes (chrome tracing format) and returns the node kernel
/// events in file order. Events of other categories (Session, fences) are skipped.
/// Throws Error(kInvalidInput) naming `name` when the text is not a JSON array.
std::vector<ProfiledNode> ParseOrtProfile(const std::string& json_text, const std::string& name);

/// MACs of one profiled node from its shapes (the same rules as InspectModel, applied to the ops ORT
/// actually ran, including its fused and layout-transformed forms):
///  - Conv, FusedConv, NchwcConv, ConvInteger, QLinearConv (weight = input 3), com.microsoft
///    QLinearConv: elements(Y) · elements(W) / C_out, with C_out = Y[1]·Y[4] for the blocked NCHWc
///    output [N, C/8, H, W, 8], else W[0] (W [C_out, C_in/group, kh, kw], which also holds for the NHWC
///    layout ORT runs QLinearConv in); elements(W) / C_out = C_in/group · kh · kw in every layout.
///  - Gemm, FusedGemm, QGemm: elements(Y) · K with K = elements(A) / Y[0].
///  - MatMul, FusedMatMul, MatMulInteger, QLinearMatMul, DynamicQuantizeMatMul, MatMulIntegerToFloat:
///    elements(Y) · K with K = the last dim of A.
///  - anything else: 0.
std::int64_t ProfiledNodeMacs(const ProfiledNode& node);

/// True for a depthwise convolution: one input channel per group (elements(W) / C_out equals the
/// kernel area) and as many input as output channels (> 1), in NCHW, NHWC or NCHWc layout.
bool IsDepthwiseConv(const ProfiledNode& node);

/// Aggregates node events per op type (depthwise convolutions get their own type,
/// "<op> (depthwise)"): per-run time (total duration / runs), MACs and bytes (activation + parameter +
/// output bytes, per run). `runs` >= 1 runs are assumed to be in `nodes`.
std::vector<OpTypeProfile> AggregateProfile(const std::vector<ProfiledNode>& nodes, int runs);

/// Profiles `model` with ONNX Runtime (CPU provider, graph optimisation "all", `threads` intra-op
/// threads): creates a session with profiling on, runs `feeds` (in Model::Inputs() order)
/// `warmup_runs` + `runs` times, ends profiling, drops each node's first `warmup_runs` events and
/// aggregates the rest. The profile file is written under `scratch_dir` and removed.
/// Throws Error(kRuntime) when ORT fails, Error(kIo) when the profile cannot be read.
OpProfileRecord ProfileModelOps(const Model& model, const std::vector<HostTensor>& feeds, int threads, int warmup_runs,
                                int runs, const std::string& scratch_dir);

}  // namespace qbench
