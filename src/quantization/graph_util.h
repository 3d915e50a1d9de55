// src/quantization/graph_util.h — internal helpers to read and rewrite an onnx::GraphProto.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"

namespace qbench::quant_internal {

/// Attribute readers; return `fallback` when the attribute is absent.
std::int64_t AttrInt(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback);
float AttrFloat(const onnx::NodeProto& node, const std::string& name, float fallback);
std::vector<std::int64_t> AttrInts(const onnx::NodeProto& node, const std::string& name);
std::string AttrString(const onnx::NodeProto& node, const std::string& name, const std::string& fallback);
bool HasAttr(const onnx::NodeProto& node, const std::string& name);
/// Sets (adds or replaces) an INT / FLOAT / INTS attribute; RemoveAttr drops one.
void SetAttrInt(onnx::NodeProto* node, const std::string& name, std::int64_t value);
void SetAttrFloat(onnx::NodeProto* node, const std::string& name, float value);
void SetAttrInts(onnx::NodeProto* node, const std::string& name, const std::vector<std::int64_t>& values);
void RemoveAttr(onnx::NodeProto* node, const std::string& name);

/// True when ONNX Runtime runs `conv` (Conv or QLinearConv) whose weight has shape `weight_shape`
/// with MLAS's depthwise kernel: group > 1 and every group holds one input and one output channel
/// (W [group, 1, ...]). That kernel widens u8 activations and int8 weights to int16 and keeps the
/// full 32-bit products (onnxruntime/core/mlas/lib/qdwconv*.cpp): it never saturates, on any CPU, so
/// full-range s8 weights are exact there (qbench/quantization/weight_range.h).
bool RunsDepthwiseKernel(const onnx::NodeProto& conv, const std::vector<std::int64_t>& weight_shape);

/// "conv1 (Conv)" or "#12 (Conv)" for an unnamed node: how messages name a node.
std::string NodeLabel(const onnx::NodeProto& node, int index);

/// Subgraphs (Loop/Scan body, If then/else branches: GRAPH and GRAPHS attributes) of `node`, not nested.
std::vector<const onnx::GraphProto*> Subgraphs(const onnx::NodeProto& node);
std::vector<onnx::GraphProto*> MutableSubgraphs(onnx::NodeProto* node);
/// Calls `visit` on every subgraph nested in `graph`'s nodes at any depth (parents before
/// children), not on `graph` itself.
void ForEachSubgraph(onnx::GraphProto* graph, const std::function<void(onnx::GraphProto*)>& visit);
/// Names `node`'s subgraphs read from enclosing scopes (ONNX outer-scope references: read by a
/// node or listed as an output inside, defined by no input, initializer or node output inside).
/// Empty for a node without subgraphs.
std::set<std::string> OuterScopeReads(const onnx::NodeProto& node);

/// Read-only index of a graph: who produces and who consumes each tensor.
struct GraphIndex {
  explicit GraphIndex(const onnx::GraphProto& graph);
  const onnx::GraphProto& graph;
  std::map<std::string, int> initializer;          ///< name → index in graph.initializer()
  std::map<std::string, int> producer;             ///< tensor → node index
  std::map<std::string, std::vector<int>> consumers;  ///< tensor → node indices (a node once per input use)
  /// tensor → nodes whose subgraphs read it from the outer scope (OuterScopeReads), once per node.
  std::map<std::string, std::vector<int>> subgraph_readers;
  std::set<std::string> graph_inputs, graph_outputs;

  bool IsInitializer(const std::string& name) const { return initializer.count(name) > 0; }
  const onnx::TensorProto* Initializer(const std::string& name) const;
  /// Number of node inputs that read `name`, +1 per node whose subgraphs read it, +1 when it is a
  /// graph output.
  int UseCount(const std::string& name) const;
};

/// Generates names that do not collide with any tensor or node name already in the graph or in
/// any of its subgraphs (ONNX forbids a subgraph name that shadows an outer one).
class NameScope {
 public:
  explicit NameScope(const onnx::GraphProto& graph);
  /// `base` itself when unused, else base_1, base_2, ...; the name is then reserved.
  std::string Unique(const std::string& base);

 private:
  std::set<std::string> used_;
};

/// Appends (or replaces, when one of that name exists) an initializer built from `tensor`.
void SetInitializer(onnx::GraphProto* graph, const std::string& name, const HostTensor& tensor);
/// Scalar initializers (shape []).
void SetScalarInitializer(onnx::GraphProto* graph, const std::string& name, float value);
void SetScalarInitializer(onnx::GraphProto* graph, const std::string& name, DType dtype, std::int32_t value);
/// 1-D initializers.
void SetVectorInitializer(onnx::GraphProto* graph, const std::string& name, const std::vector<float>& values,
                          const std::vector<std::int64_t>& shape);
void SetVectorInitializer(onnx::GraphProto* graph, const std::string& name, DType dtype,
                          const std::vector<std::int32_t>& values, const std::vector<std::int64_t>& shape);

/// Removes initializers that no node input, no subgraph (outer-scope reads, at any depth) and no
/// graph output reads, and graph inputs backed by an initializer that is gone; does the same
/// inside every subgraph. Returns the removed initializer names.
std::vector<std::string> RemoveUnusedInitializers(onnx::GraphProto* graph);

/// Removes QuantizeLinear and DequantizeLinear nodes of `graph` (top level) whose output no node
/// input, no subgraph (outer-scope reads) and no graph output reads, repeatedly (a Q whose only
/// reader was such a DQ goes too). ORT keeps such nodes and runs them: a DQ left unread when every
/// consumer of a tensor reads its own DequantizeLinear (an fp32 island) would cost a pass over the
/// tensor per run. Returns the number of nodes removed.
int RemoveUnreadQdqNodes(onnx::GraphProto* graph);

/// Replaces every read of tensor `from` by `to`: node inputs and graph outputs, in `graph` and in
/// every subgraph (names are unique across scopes, so no shadowing is possible).
void RenameReads(onnx::GraphProto* graph, const std::string& from, const std::string& to);

/// Sorts graph.node() topologically (stable: keeps the file order where it is already valid); a
/// node with subgraphs also waits for the tensors its subgraphs read from this graph.
/// Throws Error(kInvalidInput) naming a node when the graph has a cycle or reads a tensor nothing
/// provides.
void TopologicalSort(onnx::GraphProto* graph);

/// Copies a node with a new name/op/domain and the same attributes.
onnx::NodeProto MakeNode(const std::string& op_type, const std::string& name, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::string& domain = "");

/// Float32 values of an initializer (float32/float16/float64 converted). Throws Error(kUnsupported).
HostTensor FloatTensorOf(const onnx::TensorProto& proto);

}  // namespace qbench::quant_internal
