// qbench/model/graph_builder.h — builds ONNX graphs in code (zoo architectures, test models).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/model/model.h"

namespace qbench {

/// One node attribute. Construct with the helpers below: AttrInt("group", 32), AttrInts("pads", {1,1,1,1}).
struct Attribute {
  std::string name;
  enum class Kind { kInt, kFloat, kInts, kString } kind = Kind::kInt;
  std::int64_t i = 0;
  float f = 0;
  std::vector<std::int64_t> ints;
  std::string s;
};
Attribute AttrInt(const std::string& name, std::int64_t v);
Attribute AttrFloat(const std::string& name, float v);
Attribute AttrInts(const std::string& name, std::vector<std::int64_t> v);
Attribute AttrString(const std::string& name, const std::string& v);

/// Dimension of a graph input/output: a fixed value, or a symbolic name for a dynamic one.
struct Dim {
  std::int64_t value = -1;
  std::string param;
  Dim(std::int64_t v) : value(v) {}            // NOLINT(runtime/explicit)
  Dim(const char* p) : param(p) {}             // NOLINT(runtime/explicit)
  Dim(const std::string& p) : param(p) {}      // NOLINT(runtime/explicit)
};

/// Appends nodes, initializers, inputs and outputs to an ONNX graph, in order.
/// Node names must be unique; Add* return the (first) output name so calls chain.
class GraphBuilder {
 public:
  /// `opset` of the default domain (ai.onnx); ir_version 8; producer "qbench".
  explicit GraphBuilder(const std::string& graph_name, std::int64_t opset = 13);

  void AddInput(const std::string& name, DType dtype, const std::vector<Dim>& shape);
  void AddOutput(const std::string& name, DType dtype, const std::vector<Dim>& shape);
  /// float32 initializer [dims], row-major values; returns `name`.
  std::string AddInitializer(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& values);
  /// int64 initializer (shapes, axes); returns `name`.
  std::string AddInt64Initializer(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<std::int64_t>& values);
  /// Generic initializer from a host tensor (any dtype, raw little-endian bytes).
  std::string AddTensorInitializer(const std::string& name, const HostTensor& tensor);
  /// Adds a node; an empty string in `inputs` is an omitted optional input. Returns outputs[0].
  std::string AddNode(const std::string& op_type, const std::string& name, const std::vector<std::string>& inputs,
                      const std::vector<std::string>& outputs, const std::vector<Attribute>& attributes = {},
                      const std::string& domain = "");
  /// Adds an opset import for another domain (e.g. "com.microsoft", 1).
  void AddOpsetImport(const std::string& domain, std::int64_t version);

  /// The model built so far (the builder stays usable).
  Model Build() const;
  onnx::GraphProto* graph() { return model_.proto.mutable_graph(); }

 private:
  Model model_;
};

/// Fills an onnx::TensorProto from a HostTensor (raw_data). Used by the quantizer and the zoo.
void FillTensorProto(const std::string& name, const HostTensor& tensor, onnx::TensorProto* out);
/// Reads any initializer (raw_data or typed fields: float_data, int32_data, int64_data, double_data)
/// into a HostTensor. Throws Error(kUnsupported) for external data that was not inlined or a
/// dtype it cannot read, naming the tensor.
HostTensor TensorFromProto(const onnx::TensorProto& proto);

/// The constant tensors of graph `g` (not its subgraphs) by name: its initializers and the `value`
/// of its Constant nodes. The pointers live as long as `g`.
std::map<std::string, const onnx::TensorProto*> ConstantTensors(const onnx::GraphProto& g);

}  // namespace qbench
