// qbench/model/inspect.h — what a model is: I/O, opset, op histogram, parameters, weight bytes by
// dtype, file size, and multiply-accumulates (MACs) per node from ONNX shape inference.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qbench/core/log.h"
#include "qbench/model/int8_storage.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"

namespace qbench {

/// Cost of one graph node (top-level graph, in graph order).
///
/// MAC rules (one multiply-accumulate = one multiply and one add; biases, activations, scales,
/// zero points, alpha/beta and elementwise ops are not counted; shapes come from
/// onnx::shape_inference::InferShapes run on the fixed input shapes):
///  - Conv, ConvInteger, QLinearConv: N·C_out·prod(spatial_out)·(C_in/group)·prod(kernel)
///    = elements(Y) · elements(W)/C_out (so depthwise: group = C_in, C_in/group = 1).
///  - ConvTranspose: N·C_in·prod(spatial_in)·(C_out/group)·prod(kernel) = elements(X)·elements(W)/C_in
///    (W is [C_in, C_out/group, k...]).
///  - Gemm, QGemm: M·N·K with A [M,K] (or [K,M] when transA=1) and B [K,N] (or [N,K] when transB=1).
///  - MatMul, MatMulInteger, QLinearMatMul, DynamicQuantizeMatMul: numpy-style batched
///    A [..., M, K] · B [..., K, N] → prod(broadcast batch dims)·M·N·K (1-D operands as in numpy).
///  - LSTM / GRU / RNN: seq·batch·num_directions·G·H·(input_size + H) with G = 4 / 3 / 1 gates
///    (the input and recurrent matrix products; peepholes and gate nonlinearities not counted).
///  - every other op: 0.
struct NodeCost {
  std::string name;     ///< node name, or "#<index>" when the file leaves it empty
  std::string op_type;  ///< domain-qualified for non-default domains ("com.microsoft.QGemm")
  bool has_mac_formula = false;  ///< one of the op types above
  std::int64_t macs = 0;         ///< -1 when the formula applies but shapes are unknown
  std::int64_t params = 0;       ///< elements of the constant weight/bias inputs (see ModelSummary::params)
  std::vector<std::int64_t> output_shape;  ///< first output as inferred (-1 dims unknown); empty when unknown
  std::string note;     ///< why `macs` is unknown ("" otherwise)
};

/// Everything `qbench inspect` reports. Sizes in bytes, counts in elements.
struct ModelSummary {
  std::string path;            ///< model file ("" for a model built in code, e.g. zoo:NAME)
  std::string graph_name;
  std::int64_t ir_version = 0;
  std::int64_t opset = 0;      ///< default (ai.onnx) domain
  std::map<std::string, std::int64_t> opset_imports;  ///< domain ("" = ai.onnx) → version
  std::string producer_name, producer_version;
  std::map<std::string, std::string> metadata;  ///< ModelProto.metadata_props (e.g. the zoo's torchvision_params)

  std::vector<TensorInfo> inputs;           ///< graph inputs as in the file (dynamic dims by name, -1)
  std::vector<TensorInfo> outputs;          ///< graph outputs as in the file
  std::vector<TensorInfo> resolved_inputs;  ///< the concrete input shapes the MACs were computed for
                                            ///< (-1 left where no value was given: see warnings)
  std::vector<TensorInfo> inferred_outputs; ///< output shapes from shape inference (-1 unknown)

  std::int64_t node_count = 0;                         ///< top-level graph nodes
  std::map<std::string, std::int64_t> op_histogram;   ///< op type → node count
  std::int64_t initializer_count = 0;
  std::int64_t constant_node_count = 0;                ///< Constant nodes (tensors held outside initializers)

  /// Parameters: elements of the distinct constant tensors (initializers or Constant-node values,
  /// followed back through Identity, Cast, DequantizeLinear, Transpose and Reshape) that feed a
  /// weight or bias input of Conv, ConvTranspose, Gemm, MatMul, LSTM, GRU, RNN, BatchNormalization,
  /// InstanceNormalization, LayerNormalization, PRelu, Gather (the table), an Add that adds a bias to
  /// a MatMul/Gemm/Conv output, and their quantized forms (QLinearConv, ConvInteger, MatMulInteger,
  /// QLinearMatMul, QGemm, DynamicQuantizeMatMul). A tensor shared by several nodes counts once.
  /// Tensors of dtype int64, bool and string (shapes, indices) never count. For the torchvision
  /// exports (BatchNorm folded) this is every weight and bias of the network.
  std::int64_t params = 0;
  std::map<std::string, std::int64_t> params_by_dtype;  ///< dtype name → parameter elements

  /// Bytes of every constant tensor (initializers, external ones included, and Constant-node values),
  /// elements × dtype size, keyed by dtype name ("float32", "float16", "int8", "int64", ...).
  std::map<std::string, std::int64_t> weight_bytes_by_dtype;
  std::int64_t weight_bytes = 0;  ///< sum of weight_bytes_by_dtype
  /// How the file stores its int8 weights and activations (ReadInt8Storage; empty for a float file).
  Int8Storage int8_storage;

  std::uint64_t file_size_bytes = 0;    ///< st_size of the model file + its external-data files
  std::uint64_t disk_usage_bytes = 0;   ///< st_blocks × 512 of the same files (as `du`)
  std::vector<std::string> external_data_files;  ///< paths, as resolved next to the model
  std::uint64_t serialized_size_bytes = 0;  ///< size of the ModelProto in memory (external data excluded)

  std::int64_t macs = 0;        ///< sum of the known per-node MACs
  bool macs_complete = true;    ///< false when some node with a MAC formula had unknown shapes
  std::int64_t macs_unknown_nodes = 0;
  std::map<std::string, std::int64_t> macs_by_op_type;
  std::vector<NodeCost> nodes;  ///< every top-level node, in graph order

  std::vector<Warning> warnings;  ///< e.g. shape inference failed, unknown ops, unresolved dims
};

/// Describes `model`. Input shapes for MACs: ResolveInputShapes(model, overrides) (default batch 1);
/// when a dynamic dim has no value the MACs that depend on it are reported unknown with a warning,
/// instead of failing. A --batch/--shape dim 0 that differs from a fixed dim 0 in the file goes
/// through WithBatchSize first (so a hard-coded batch is refused, not silently mis-counted).
/// Shape inference failures are caught: the nodes whose shapes stay unknown get macs = -1, and a
/// warning says so. Ops unknown to ONNX (custom domains) are listed and warned about.
/// Throws Error(kInvalidArgument) for bad overrides (unknown input or dim name, rank mismatch, ...),
/// Error(kUnsupported) from WithBatchSize, Error(kInvalidInput) for a malformed graph (an initializer
/// with negative or overflowing dims or a data size that does not match them, a node without an op
/// type, a node input that no node, initializer or graph input provides) and Error(kNotFound) for a
/// missing external-data file.
ModelSummary InspectModel(const Model& model, const ShapeOverrides& overrides = {});

/// Why `summary`'s MAC count is a lower bound, in one line: how many MAC-bearing nodes shape inference
/// could not size and the first of them, followed by the inspection warnings that explain it (an
/// input dimension without a value, op types unknown to ONNX, a failed shape inference). "" when
/// summary.macs_complete.
std::string MacsGapCause(const ModelSummary& summary);

}  // namespace qbench
