#include "quantization/scheme_util.h"

#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cstring>

#include "qbench/core/error.h"
#include "quantization/graph_util.h"

namespace qbench::quant_internal {

ExcludeMatcher::ExcludeMatcher(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (p.empty() || p == "op:" || p == "re:")
      throw Error(ErrorCode::kInvalidArgument, "--exclude '" + p + "' is empty; use a node name, op:TYPE or re:REGEX");
    Rule r;
    r.text = p;
    if (p.rfind("op:", 0) == 0) {
      r.kind = Rule::Kind::kOpType;
      r.value = p.substr(3);
    } else if (p.rfind("re:", 0) == 0) {
      r.kind = Rule::Kind::kRegex;
      r.value = p.substr(3);
      try {
        r.regex = std::regex(r.value, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        throw Error(ErrorCode::kInvalidArgument, "--exclude '" + p + "': invalid regular expression (" + e.what() + ")");
      }
    } else {
      r.kind = Rule::Kind::kName;
      r.value = p;
    }
    rules_.push_back(std::move(r));
  }
  used_.assign(rules_.size(), false);
}

std::string ExcludeMatcher::Match(const onnx::NodeProto& node) const {
  std::string first;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& r = rules_[i];
    bool hit = false;
    switch (r.kind) {
      case Rule::Kind::kOpType: hit = node.op_type() == r.value; break;
      case Rule::Kind::kRegex: hit = std::regex_search(node.name(), r.regex); break;
      case Rule::Kind::kName: hit = node.name() == r.value; break;
    }
    if (hit) {
      used_[i] = true;  // every rule that matches counts as used, not only the first
      if (first.empty()) first = r.text;
    }
  }
  return first;
}

std::vector<std::string> ExcludeMatcher::Unused() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < rules_.size(); ++i)
    if (!used_[i]) out.push_back(rules_[i].text);
  return out;
}

std::map<std::string, InferredTensor> InferTensors(const Model& model) {
  std::map<std::string, InferredTensor> tensors;
  onnx::ModelProto copy = model.proto;
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/0, /*data_prop=*/false);
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
  } catch (...) {
    // Partial information is fine: tensors without a known type are never quantized.
  }
  auto add = [&](const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type() || v.type().tensor_type().elem_type() == 0) return;
    InferredTensor& t = tensors[v.name()];
    t.elem_type = v.type().tensor_type().elem_type();
    if (v.type().tensor_type().has_shape()) {
      t.has_shape = true;
      t.dims.clear();
      for (const auto& d : v.type().tensor_type().shape().dim()) t.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
  };
  // Names are unique across scopes (ONNX forbids shadowing), so subgraph tensors share the map.
  auto add_graph = [&](const onnx::GraphProto& g) {
    for (const auto& t : g.initializer()) {
      InferredTensor& info = tensors[t.name()];
      info.elem_type = t.data_type();
      info.has_shape = true;
      info.dims.assign(t.dims().begin(), t.dims().end());
    }
    for (const auto& v : g.input()) add(v);
    for (const auto& v : g.output()) add(v);
    for (const auto& v : g.value_info()) add(v);
  };
  add_graph(copy.graph());
  ForEachSubgraph(copy.mutable_graph(), [&](onnx::GraphProto* sub) { add_graph(*sub); });
  return tensors;
}

std::map<std::string, int> InferElemTypes(const Model& model) {
  std::map<std::string, int> types;
  for (const auto& [name, t] : InferTensors(model)) types[name] = t.elem_type;
  return types;
}

bool IsDefaultDomain(const onnx::NodeProto& node) { return node.domain().empty() || node.domain() == "ai.onnx"; }

std::string DisplayName(const onnx::NodeProto& node, int index) {
  return node.name().empty() ? "#" + std::to_string(index) : node.name();
}

void ReportSubgraphNodesKeptFloat(const onnx::NodeProto& node, const std::string& label, const std::string& reason,
                                  std::vector<NodeDecision>* out) {
  auto report = [&](const onnx::GraphProto& g, const std::string& prefix) {
    for (int i = 0; i < g.node_size(); ++i) {
      const std::string name = prefix + DisplayName(g.node(i), i);
      out->push_back({name, g.node(i).op_type(), false, "", reason});
      ReportSubgraphNodesKeptFloat(g.node(i), name, reason, out);
    }
  };
  for (const auto& a : node.attribute()) {
    if (a.has_g()) report(a.g(), label + "/" + a.name() + "/");
    for (int k = 0; k < a.graphs_size(); ++k) report(a.graphs(k), label + "/" + a.name() + "[" + std::to_string(k) + "]/");
  }
}

void EnsureMsDomain(onnx::ModelProto* model) {
  for (const auto& o : model->opset_import())
    if (o.domain() == "com.microsoft") return;
  auto* o = model->add_opset_import();
  o->set_domain("com.microsoft");
  o->set_version(1);
}

HostTensor Transpose2D(const HostTensor& t) {
  if (t.shape.size() != 2 || t.dtype != DType::kFloat32)
    throw Error(ErrorCode::kInvalidArgument, "Transpose2D expects a float32 matrix, got " + ShapeToString(t.shape));
  const std::int64_t r = t.shape[0], c = t.shape[1];
  HostTensor out = HostTensor::Zeros(DType::kFloat32, {c, r});
  for (std::int64_t i = 0; i < r; ++i)
    for (std::int64_t j = 0; j < c; ++j) out.data<float>()[j * r + i] = t.data<float>()[i * c + j];
  return out;
}

StoredWeight StoreQuantizedWeight(onnx::GraphProto* graph, const std::string& data_name, const std::string& scale_name,
                                  const std::string& zp_name, const HostTensor& quantized, const WeightQuantParams& params,
                                  const std::vector<std::int64_t>& scale_shape) {
  SetInitializer(graph, data_name, quantized);
  SetVectorInitializer(graph, scale_name, params.scales, scale_shape);
  SetVectorInitializer(graph, zp_name, params.dtype, params.zero_points, scale_shape);
  return {data_name, scale_name, zp_name};
}

bool ReduceWeightRange(const QuantizeOptions& options) {
  return ResolveWeightRange(options.weight_range, options.activation_type).range == WeightRange::kReduced;
}
bool UnsignedWeights(const QuantizeOptions& options) {
  return ResolveWeightRange(options.weight_range, options.activation_type).range == WeightRange::kUnsigned;
}
std::string WeightTypeLabel(const QuantizeOptions& options) {
  if (UnsignedWeights(options)) return "u8 (zero point 128)";
  return ReduceWeightRange(options) ? "s8 7-bit [-64, 64]" : "s8";
}

ColumnQuantizedWeight QuantizeMatMulColumns(const HostTensor& b, DType dtype, const std::string& name, bool reduce_range) {
  if (b.shape.size() < 2)
    throw Error(ErrorCode::kInvalidArgument, "MatMul weight '" + name + "' has rank " + std::to_string(b.shape.size()) + ", expected >= 2");
  const std::int64_t k = b.shape[b.shape.size() - 2], n = b.shape.back();
  const std::int64_t matrices = k * n == 0 ? 0 : b.num_elements() / (k * n);
  ColumnQuantizedWeight out;
  out.quantized = HostTensor::Zeros(dtype, b.shape);
  out.params.dtype = dtype;
  out.params.symmetric = true;
  out.params.reduce_range = reduce_range;
  out.params.axis = static_cast<int>(b.shape.size()) - 1;
  const size_t elem = b.bytes.size() / static_cast<size_t>(std::max<std::int64_t>(b.num_elements(), 1));
  const size_t q_elem = out.quantized.bytes.size() / static_cast<size_t>(std::max<std::int64_t>(b.num_elements(), 1));
  for (std::int64_t m = 0; m < matrices; ++m) {
    HostTensor slice = HostTensor::Zeros(DType::kFloat32, {k, n});
    std::memcpy(slice.bytes.data(), b.bytes.data() + static_cast<size_t>(m * k * n) * elem, slice.bytes.size());
    const WeightQuantParams wp = ComputeWeightQuantParams(slice, 1, dtype, true, name, reduce_range);
    const HostTensor q = QuantizeWeight(slice, wp);
    std::memcpy(out.quantized.bytes.data() + static_cast<size_t>(m * k * n) * q_elem, q.bytes.data(), q.bytes.size());
    out.params.scales.insert(out.params.scales.end(), wp.scales.begin(), wp.scales.end());
    out.params.zero_points.insert(out.params.zero_points.end(), wp.zero_points.begin(), wp.zero_points.end());
    out.params.degenerate.insert(out.params.degenerate.end(), wp.degenerate.begin(), wp.degenerate.end());
  }
  out.scale_shape.assign(b.shape.begin(), b.shape.end() - 2);
  if (!out.scale_shape.empty()) out.scale_shape.push_back(1);
  out.scale_shape.push_back(n);
  return out;
}

std::string ShortTypeName(DType t) {
  switch (t) {
    case DType::kInt8: return "s8";
    case DType::kUint8: return "u8";
    case DType::kInt32: return "s32";
    default: return DTypeName(t);
  }
}

}  // namespace qbench::quant_internal
