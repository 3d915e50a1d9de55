#include "qbench/model/inspect.h"

#include <onnx/defs/schema.h>

#include <climits>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "model/contrib_shapes.h"
#include "model/guarded_inference.h"
#include "model/safe_math.h"
#include "model/shapes_internal.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/model/compat.h"
#include "qbench/model/macs.h"

namespace qbench {
namespace {

using internal::SafeMul;
using internal::SafeProduct;
using internal::SatAdd;


std::string OpKey(const onnx::NodeProto& n) {
  if (n.domain().empty() || n.domain() == "ai.onnx") return n.op_type();
  return n.domain() + "." + n.op_type();
}

std::string NodeName(const onnx::NodeProto& n, int index) {
  return n.name().empty() ? "#" + std::to_string(index) : n.name();
}

// A constant tensor: an initializer or the value of a Constant node.
struct ConstInfo {
  DType dtype = DType::kUndefined;
  std::int64_t elements = 0;
};

bool CountsAsParameter(DType t) {
  return t != DType::kInt64 && t != DType::kBool && t != DType::kString && t != DType::kUndefined;
}

// Number of values in the typed field a tensor without raw_data uses; -1 for dtypes not checked.
std::int64_t TypedCount(const onnx::TensorProto& t) {
  switch (ToDType(t.data_type())) {
    case DType::kFloat32: return t.float_data_size();
    case DType::kFloat64: return t.double_data_size();
    case DType::kInt64: return t.int64_data_size();
    case DType::kUint64: case DType::kUint32: return t.uint64_data_size();
    case DType::kString: return t.string_data_size();
    case DType::kInt32: case DType::kInt16: case DType::kInt8: case DType::kUint16: case DType::kUint8:
    case DType::kBool: case DType::kFloat16: case DType::kBFloat16: return t.int32_data_size();
    default: return -1;
  }
}

// Checks what shape inference and the size arithmetic rely on; throws Error(kInvalidInput).
void ValidateGraph(const onnx::GraphProto& g, const std::string& label) {
  std::unordered_set<std::string> provided;
  for (const auto& t : g.initializer()) {
    std::vector<std::int64_t> dims(t.dims().begin(), t.dims().end());
    const std::int64_t n = SafeProduct(dims);
    if (n < 0)
      throw Error(ErrorCode::kInvalidInput, label + ": initializer '" + t.name() + "' has invalid dims [" +
                                                ShapeToString(dims) + "] (negative or too large)");
    const size_t esize = DTypeSize(ToDType(t.data_type()));
    const std::int64_t typed = TypedCount(t);
    if (!t.has_raw_data() && t.data_location() != onnx::TensorProto::EXTERNAL && typed >= 0 && typed != n)
      throw Error(ErrorCode::kInvalidInput, label + ": initializer '" + t.name() + "' holds " + std::to_string(typed) +
                                                " values but its dims [" + ShapeToString(dims) + "] need " +
                                                std::to_string(n));
    if (t.has_raw_data() && t.data_location() != onnx::TensorProto::EXTERNAL && esize > 0 &&
        t.raw_data().size() != static_cast<size_t>(n) * esize)
      throw Error(ErrorCode::kInvalidInput, label + ": initializer '" + t.name() + "' holds " +
                                                std::to_string(t.raw_data().size()) + " bytes but its dims [" +
                                                ShapeToString(dims) + "] of " + DTypeName(ToDType(t.data_type())) +
                                                " need " + std::to_string(n * static_cast<std::int64_t>(esize)));
    provided.insert(t.name());
  }
  for (const auto& v : g.input()) provided.insert(v.name());
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (n.op_type().empty())
      throw Error(ErrorCode::kInvalidInput, label + ": node " + NodeName(n, i) + " has no op_type");
    for (const auto& o : n.output()) provided.insert(o);
    for (const auto& a : n.attribute()) {
      if (!a.has_t()) continue;
      std::vector<std::int64_t> dims(a.t().dims().begin(), a.t().dims().end());
      if (SafeProduct(dims) < 0)
        throw Error(ErrorCode::kInvalidInput, label + ": node " + NodeName(n, i) + " attribute '" + a.name() +
                                                  "' holds a tensor with invalid dims [" + ShapeToString(dims) + "]");
    }
  }
  for (int i = 0; i < g.node_size(); ++i)
    for (const auto& in : g.node(i).input())
      if (!in.empty() && !provided.count(in))
        throw Error(ErrorCode::kInvalidInput, label + ": node " + NodeName(g.node(i), i) + " (" + g.node(i).op_type() +
                                                  ") reads '" + in + "', which no node, initializer or graph input provides");
}

// Which inputs of an op hold weights/biases (ModelSummary::params). Add is handled separately.
std::vector<int> WeightInputs(const std::string& key) {
  static const std::map<std::string, std::vector<int>> kTable = {
      {"Conv", {1, 2}}, {"ConvTranspose", {1, 2}}, {"Gemm", {0, 1, 2}}, {"MatMul", {0, 1}},
      {"LSTM", {1, 2, 3}}, {"GRU", {1, 2, 3}}, {"RNN", {1, 2, 3}}, {"BatchNormalization", {1, 2}},
      {"InstanceNormalization", {1, 2}}, {"LayerNormalization", {1, 2}}, {"PRelu", {1}}, {"Gather", {0}},
      {"QLinearConv", {3, 8}}, {"ConvInteger", {1}}, {"MatMulInteger", {0, 1}}, {"QLinearMatMul", {0, 3}},
      {"com.microsoft.QGemm", {0, 3, 6}}, {"com.microsoft.DynamicQuantizeMatMul", {1, 4}},
      {"com.microsoft.MatMulIntegerToFloat", {0, 1, 6}},
  };
  auto it = kTable.find(key);
  return it == kTable.end() ? std::vector<int>{} : it->second;
}

bool ProducesLinearOutput(const std::string& key) {
  return key == "MatMul" || key == "Gemm" || key == "Conv" || key == "MatMulInteger" || key == "ConvInteger" ||
         key == "QLinearMatMul" ||
         key == "com.microsoft.DynamicQuantizeMatMul" || key == "com.microsoft.MatMulIntegerToFloat";
}

class Analyzer {
 public:
  explicit Analyzer(const onnx::GraphProto& g) : g_(g) {
    for (const auto& t : g.initializer()) {
      ConstInfo c;
      c.dtype = ToDType(t.data_type());
      c.elements = SafeProduct({t.dims().begin(), t.dims().end()});
      consts_[t.name()] = c;
    }
    for (int i = 0; i < g.node_size(); ++i) {
      const auto& n = g.node(i);
      for (const auto& o : n.output()) producer_[o] = i;
      if (n.op_type() != "Constant" || n.output_size() < 1 || !(n.domain().empty() || n.domain() == "ai.onnx")) continue;
      ConstInfo c;
      bool known = true;
      for (const auto& a : n.attribute()) {
        if (a.name() == "value" && a.has_t()) {
          c.dtype = ToDType(a.t().data_type());
          c.elements = SafeProduct({a.t().dims().begin(), a.t().dims().end()});
        } else if (a.name() == "value_float") {
          c = {DType::kFloat32, 1};
        } else if (a.name() == "value_floats") {
          c = {DType::kFloat32, a.floats_size()};
        } else if (a.name() == "value_int") {
          c = {DType::kInt64, 1};
        } else if (a.name() == "value_ints") {
          c = {DType::kInt64, a.ints_size()};
        } else if (a.name() == "sparse_value" || a.name() == "value_string" || a.name() == "value_strings") {
          known = false;
        }
      }
      if (known && c.dtype != DType::kUndefined) consts_[n.output(0)] = c;
    }
  }

  const std::unordered_map<std::string, ConstInfo>& consts() const { return consts_; }
  int Producer(const std::string& name) const {
    auto it = producer_.find(name);
    return it == producer_.end() ? -1 : it->second;
  }

  // The constant tensor a value comes from, through Identity/Cast/DequantizeLinear/Transpose/Reshape.
  std::string ConstSource(const std::string& name, int depth = 0) const {
    if (name.empty() || depth > 16) return "";
    auto c = consts_.find(name);
    if (c != consts_.end()) return name;
    const int p = Producer(name);
    if (p < 0) return "";
    const auto& n = g_.node(p);
    static const std::set<std::string> kPassThrough = {"Identity", "Cast", "DequantizeLinear", "Transpose", "Reshape"};
    if (!kPassThrough.count(n.op_type()) || n.input_size() < 1) return "";
    return ConstSource(n.input(0), depth + 1);
  }

 private:
  const onnx::GraphProto& g_;
  std::unordered_map<std::string, ConstInfo> consts_;
  std::unordered_map<std::string, int> producer_;
};

// Whether tensor `name` is the output of a linear op (ProducesLinearOutput), directly or through the
// Cast and Mul ops that rescale an integer op's output to float (ConvInteger -> Cast -> Mul(scales)):
// at most 4 such steps.
bool FromLinearOp(const Analyzer& an, const onnx::GraphProto& g, const std::string& name, int depth) {
  const int p = an.Producer(name);
  if (p < 0) return false;
  const auto& n = g.node(p);
  const std::string key = OpKey(n);
  if (ProducesLinearOutput(key)) return true;
  if (depth >= 4) return false;
  if (key == "Cast" && n.input_size() >= 1) return FromLinearOp(an, g, n.input(0), depth + 1);
  if (key == "Mul" && n.input_size() == 2)
    return FromLinearOp(an, g, n.input(0), depth + 1) || FromLinearOp(an, g, n.input(1), depth + 1);
  return false;
}

void AddFileSizes(const Model& model, ModelSummary* s) {
  if (model.path.empty()) return;
  s->file_size_bytes = FileSizeBytes(model.path);
  s->disk_usage_bytes = DiskUsageBytes(model.path);
  std::set<std::string> files;
  for (const auto& t : model.proto.graph().initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    for (const auto& kv : t.external_data())
      if (kv.key() == "location") files.insert(kv.value());
  }
  for (const auto& loc : files) {
    if (loc.empty() || loc[0] == '/' || loc.find("..") != std::string::npos)
      throw Error(ErrorCode::kInvalidInput, "'" + model.path + "': invalid external-data location '" + loc + "'");
    const std::string file = DirName(model.path) + "/" + loc;
    s->file_size_bytes += FileSizeBytes(file);
    s->disk_usage_bytes += DiskUsageBytes(file);
    s->external_data_files.push_back(file);
  }
}

}  // namespace

ModelSummary InspectModel(const Model& model, const ShapeOverrides& overrides) {
  const auto& g = model.proto.graph();
  const std::string label = model.path.empty() ? "model '" + g.name() + "'" : "'" + model.path + "'";
  ValidateGraph(g, label);

  ModelSummary s;
  s.path = model.path;
  s.graph_name = g.name();
  s.ir_version = model.proto.ir_version();
  s.opset = model.OpsetVersion();
  for (const auto& o : model.proto.opset_import()) s.opset_imports[o.domain() == "ai.onnx" ? "" : o.domain()] = o.version();
  s.producer_name = model.proto.producer_name();
  s.producer_version = model.proto.producer_version();
  for (const auto& kv : model.proto.metadata_props()) s.metadata[kv.key()] = kv.value();
  s.inputs = model.Inputs();
  s.outputs = model.Outputs();
  s.node_count = g.node_size();
  s.initializer_count = g.initializer_size();
  s.serialized_size_bytes = model.proto.ByteSizeLong();
  AddFileSizes(model, &s);
  s.int8_storage = ReadInt8Storage(g);

  Analyzer an(g);
  for (const auto& kv : an.consts()) {
    const std::int64_t bytes = SafeMul(kv.second.elements, static_cast<std::int64_t>(DTypeSize(kv.second.dtype)));
    SatAdd(s.weight_bytes_by_dtype[DTypeName(kv.second.dtype)], bytes);
    SatAdd(s.weight_bytes, bytes);
  }

  // Parameters and the op histogram.
  std::set<std::string> counted;
  std::vector<std::vector<std::string>> node_weights(g.node_size());
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    const std::string key = OpKey(n);
    s.op_histogram[key]++;
    if (key == "Constant") s.constant_node_count++;
    std::vector<int> idx = WeightInputs(key);
    if (key == "Add" && n.input_size() == 2) {  // bias of MatMul + Add
      for (int k = 0; k < 2; ++k) {
        // Through the rescaling a dynamic int8 layer puts between its integer op and its fp32 bias
        // (ConvInteger -> Cast -> Mul(scales) -> Add(bias)): the bias is a parameter in every scheme.
        if (FromLinearOp(an, g, n.input(1 - k), 0)) idx.push_back(k);
      }
    }
    for (int k : idx) {
      if (k >= n.input_size()) continue;
      const std::string src = an.ConstSource(n.input(k));
      if (src.empty()) continue;
      const ConstInfo& c = an.consts().at(src);
      if (!CountsAsParameter(c.dtype) || c.elements < 0) continue;
      if (key == "Gather" && c.dtype != DType::kFloat32 && c.dtype != DType::kFloat16 && c.dtype != DType::kBFloat16 &&
          c.dtype != DType::kFloat64 && c.dtype != DType::kInt8 && c.dtype != DType::kUint8)
        continue;
      node_weights[i].push_back(src);
      if (counted.insert(src).second) {
        SatAdd(s.params, c.elements);
        SatAdd(s.params_by_dtype[DTypeName(c.dtype)], c.elements);
      }
    }
  }

  // Input shapes: concrete where known; a fixed dim 0 changed by --batch/--shape goes through
  // WithBatchSize so that a hard-coded batch is refused rather than mis-counted.
  std::vector<std::string> unresolved;
  s.resolved_inputs = internal::ResolveInputShapesImpl(model, overrides, &unresolved);
  for (const auto& u : unresolved)
    s.warnings.push_back({"unresolved_input_dims", u + "; MACs that depend on it are reported unknown"});
  Model rewritten;
  const Model* shaped = &model;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    const auto& file = s.inputs[i];
    const auto& res = s.resolved_inputs[i];
    if (file.has_shape && !file.shape.empty() && file.shape[0] >= 0 && res.has_shape && !res.shape.empty() &&
        res.shape[0] > 0 && res.shape[0] != file.shape[0]) {
      rewritten = WithBatchSize(model, res.shape[0]);
      shaped = &rewritten;
      break;
    }
  }

  // Ops neither ONNX nor ContribSchema (ORT's quantized com.microsoft ops) knows have no shape
  // inference: their outputs (and what follows) stay unknown.
  std::set<std::string> unknown_ops;
  for (const auto& n : g.node()) {
    const std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
    auto it = s.opset_imports.find(domain);
    const int version = it == s.opset_imports.end() ? INT_MAX : static_cast<int>(std::min<std::int64_t>(it->second, INT_MAX));
    if (!onnx::OpSchemaRegistry::Schema(n.op_type(), version, domain) && !internal::ContribSchema(n.op_type(), version, domain))
      unknown_ops.insert(OpKey(n));
  }
  if (!unknown_ops.empty()) {
    std::string list;
    for (const auto& u : unknown_ops) list += (list.empty() ? "" : ", ") + u;
    s.warnings.push_back({"unknown_ops", "op types unknown to ONNX " + list +
                                             ": no shape inference for them, so MACs after them may be unknown"});
  }

  for (const auto& bn : TrainingModeBatchNorms(model))
    s.warnings.push_back({"training_mode_batchnorm", "node " + bn + " is in training mode: it normalizes each "
                                                     "batch with the batch's own statistics (outputs depend on the "
                                                     "batch); `qbench quantize` keeps it fp32 and unfolded: re-export "
                                                     "in inference mode (PyTorch: model.eval())"});

  std::string failure;
  const ValueShapes shapes = InferValueShapes(*shaped, s.resolved_inputs, &failure);
  if (!failure.empty())
    s.warnings.push_back({"shape_inference_failed", "ONNX shape inference failed on this graph (" + failure +
                                                        "); MACs of nodes whose shapes stay unknown are reported unknown"});
  for (const auto& o : s.outputs) {
    TensorInfo t = o;
    auto it = shapes.find(o.name);
    t.has_shape = it != shapes.end();
    t.shape = t.has_shape ? it->second : std::vector<std::int64_t>{};
    t.dim_names.assign(t.shape.size(), "");
    s.inferred_outputs.push_back(t);
  }

  // Per-node MACs and params.
  std::string first_unknown;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    NodeCost c;
    c.name = NodeName(n, i);
    c.op_type = OpKey(n);
    const NodeMacCount count = CountNodeMacs(n, shapes);
    c.macs = count.macs;
    c.has_mac_formula = count.has_formula;
    for (const auto& w : node_weights[i]) SatAdd(c.params, an.consts().at(w).elements);
    if (n.output_size() > 0) {
      auto it = shapes.find(n.output(0));
      if (it != shapes.end()) c.output_shape = it->second;
    }
    if (c.has_mac_formula) {
      SatAdd(s.macs_by_op_type[c.op_type], c.macs);
      if (c.macs < 0) {
        c.note = "input/output shapes unknown after shape inference";
        s.macs_complete = false;
        s.macs_unknown_nodes++;
        if (first_unknown.empty()) first_unknown = c.name + " (" + c.op_type + ")";
      } else {
        SatAdd(s.macs, c.macs);
      }
    }
    s.nodes.push_back(std::move(c));
  }
  if (!s.macs_complete)
    s.warnings.push_back({"macs_unknown", std::to_string(s.macs_unknown_nodes) + " node(s) with a MAC formula have "
                                              "unknown shapes (first: " + first_unknown + "); total MACs " +
                                              "count only the others. Give input shapes with --shape/--dim"});
  return s;
}

std::string MacsGapCause(const ModelSummary& s) {
  if (s.macs_complete) return "";
  std::string first;
  for (const auto& n : s.nodes)
    if (n.has_mac_formula && n.macs < 0) {
      first = n.name + " (" + n.op_type + ")";
      break;
    }
  std::string why = "shape inference could not size " + std::to_string(s.macs_unknown_nodes) + " MAC node(s)" +
                    (first.empty() ? "" : " (first: " + first + ")");
  for (const auto& w : s.warnings)
    if (w.code == "unresolved_input_dims" || w.code == "unknown_ops" || w.code == "shape_inference_failed")
      why += "; " + w.message;
  return why;
}

}  // namespace qbench
