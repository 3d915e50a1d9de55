#include "qbench/model/graph_builder.h"

#include <cstring>

#include "qbench/core/error.h"

namespace qbench {

Attribute AttrInt(const std::string& name, std::int64_t v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
Attribute AttrFloat(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
Attribute AttrInts(const std::string& name, std::vector<std::int64_t> v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute AttrString(const std::string& name, const std::string& v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kString;
  a.s = v;
  return a;
}

namespace {
void SetValueInfo(onnx::ValueInfoProto* vi, const std::string& name, DType dtype, const std::vector<Dim>& shape) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(static_cast<int>(dtype));
  auto* sh = tt->mutable_shape();
  for (const auto& d : shape) {
    auto* dim = sh->add_dim();
    if (!d.param.empty())
      dim->set_dim_param(d.param);
    else
      dim->set_dim_value(d.value);
  }
}
}  // namespace

GraphBuilder::GraphBuilder(const std::string& graph_name, std::int64_t opset) {
  model_.proto.set_ir_version(8);
  model_.proto.set_producer_name("qbench");
  auto* op = model_.proto.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model_.proto.mutable_graph()->set_name(graph_name);
}

void GraphBuilder::AddInput(const std::string& name, DType dtype, const std::vector<Dim>& shape) {
  SetValueInfo(model_.proto.mutable_graph()->add_input(), name, dtype, shape);
}

void GraphBuilder::AddOutput(const std::string& name, DType dtype, const std::vector<Dim>& shape) {
  SetValueInfo(model_.proto.mutable_graph()->add_output(), name, dtype, shape);
}

void FillTensorProto(const std::string& name, const HostTensor& tensor, onnx::TensorProto* out) {
  out->Clear();
  out->set_name(name);
  out->set_data_type(static_cast<int>(tensor.dtype));
  for (auto d : tensor.shape) out->add_dims(d);
  out->set_raw_data(std::string(reinterpret_cast<const char*>(tensor.bytes.data()), tensor.bytes.size()));
}

HostTensor TensorFromProto(const onnx::TensorProto& proto) {
  HostTensor t;
  t.dtype = ToDType(proto.data_type());
  for (auto d : proto.dims()) t.shape.push_back(d);
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(ErrorCode::kUnsupported, "initializer '" + proto.name() + "' holds external data that was not loaded");
  const size_t esize = DTypeSize(t.dtype);
  if (esize == 0) throw Error(ErrorCode::kUnsupported, "initializer '" + proto.name() + "' has unsupported dtype " + DTypeName(t.dtype));
  const auto n = static_cast<size_t>(NumElements(t.shape));
  t.bytes.assign(n * esize, 0);
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != n * esize)
      throw Error(ErrorCode::kInvalidInput, "initializer '" + proto.name() + "' has " + std::to_string(proto.raw_data().size()) +
                                                " bytes of data, expected " + std::to_string(n * esize));
    std::memcpy(t.bytes.data(), proto.raw_data().data(), n * esize);
    return t;
  }
  auto check = [&](size_t got) {
    if (got != n)
      throw Error(ErrorCode::kInvalidInput, "initializer '" + proto.name() + "' has " + std::to_string(got) +
                                                " values, expected " + std::to_string(n));
  };
  switch (t.dtype) {
    case DType::kFloat32:
      check(static_cast<size_t>(proto.float_data_size()));
      std::memcpy(t.bytes.data(), proto.float_data().data(), n * 4);
      break;
    case DType::kFloat64:
      check(static_cast<size_t>(proto.double_data_size()));
      std::memcpy(t.bytes.data(), proto.double_data().data(), n * 8);
      break;
    case DType::kInt64:
      check(static_cast<size_t>(proto.int64_data_size()));
      std::memcpy(t.bytes.data(), proto.int64_data().data(), n * 8);
      break;
    case DType::kUint64:
      check(static_cast<size_t>(proto.uint64_data_size()));
      std::memcpy(t.bytes.data(), proto.uint64_data().data(), n * 8);
      break;
    case DType::kInt32: case DType::kInt16: case DType::kInt8: case DType::kUint16: case DType::kUint8:
    case DType::kBool: case DType::kFloat16: case DType::kBFloat16: {
      // ONNX stores these in int32_data, one element per entry (float16 as its bit pattern).
      check(static_cast<size_t>(proto.int32_data_size()));
      for (size_t i = 0; i < n; ++i) {
        const std::int32_t v = proto.int32_data(static_cast<int>(i));
        std::memcpy(t.bytes.data() + i * esize, &v, esize);  // little-endian low bytes
      }
      break;
    }
    default:
      throw Error(ErrorCode::kUnsupported, "initializer '" + proto.name() + "' has unsupported dtype " + DTypeName(t.dtype));
  }
  return t;
}

std::string GraphBuilder::AddTensorInitializer(const std::string& name, const HostTensor& tensor) {
  FillTensorProto(name, tensor, model_.proto.mutable_graph()->add_initializer());
  return name;
}

std::string GraphBuilder::AddInitializer(const std::string& name, const std::vector<std::int64_t>& dims,
                                         const std::vector<float>& values) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, dims);
  if (values.size() != static_cast<size_t>(t.num_elements()))
    throw Error(ErrorCode::kInvalidArgument, "initializer '" + name + "': " + std::to_string(values.size()) +
                                                 " values for shape " + ShapeToString(dims));
  std::memcpy(t.bytes.data(), values.data(), values.size() * 4);
  return AddTensorInitializer(name, t);
}

std::string GraphBuilder::AddInt64Initializer(const std::string& name, const std::vector<std::int64_t>& dims,
                                              const std::vector<std::int64_t>& values) {
  HostTensor t = HostTensor::Zeros(DType::kInt64, dims);
  if (values.size() != static_cast<size_t>(t.num_elements()))
    throw Error(ErrorCode::kInvalidArgument, "initializer '" + name + "': " + std::to_string(values.size()) +
                                                 " values for shape " + ShapeToString(dims));
  std::memcpy(t.bytes.data(), values.data(), values.size() * 8);
  return AddTensorInitializer(name, t);
}

std::string GraphBuilder::AddNode(const std::string& op_type, const std::string& name, const std::vector<std::string>& inputs,
                                  const std::vector<std::string>& outputs, const std::vector<Attribute>& attributes,
                                  const std::string& domain) {
  auto* node = model_.proto.mutable_graph()->add_node();
  node->set_op_type(op_type);
  node->set_name(name);
  if (!domain.empty()) node->set_domain(domain);
  for (const auto& i : inputs) node->add_input(i);
  for (const auto& o : outputs) node->add_output(o);
  for (const auto& a : attributes) {
    auto* ap = node->add_attribute();
    ap->set_name(a.name);
    switch (a.kind) {
      case Attribute::Kind::kInt: ap->set_type(onnx::AttributeProto::INT); ap->set_i(a.i); break;
      case Attribute::Kind::kFloat: ap->set_type(onnx::AttributeProto::FLOAT); ap->set_f(a.f); break;
      case Attribute::Kind::kInts:
        ap->set_type(onnx::AttributeProto::INTS);
        for (auto v : a.ints) ap->add_ints(v);
        break;
      case Attribute::Kind::kString: ap->set_type(onnx::AttributeProto::STRING); ap->set_s(a.s); break;
    }
  }
  return outputs.empty() ? std::string() : outputs[0];
}

void GraphBuilder::AddOpsetImport(const std::string& domain, std::int64_t version) {
  auto* op = model_.proto.add_opset_import();
  op->set_domain(domain);
  op->set_version(version);
}

Model GraphBuilder::Build() const { return model_; }

std::map<std::string, const onnx::TensorProto*> ConstantTensors(const onnx::GraphProto& g) {
  std::map<std::string, const onnx::TensorProto*> out;
  for (const auto& t : g.initializer()) out[t.name()] = &t;
  for (const auto& n : g.node())
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.has_t()) out[n.output(0)] = &a.t();
  return out;
}

}  // namespace qbench
