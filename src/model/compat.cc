// What a model holds that decides how it can be quantized, and the conversions that make older and
// float16 exports quantizable (see qbench/model/compat.h).
#include "qbench/model/compat.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "model/guarded_inference.h"
#include "model/upgrade_interface.h"
#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/core/text.h"

namespace qbench {
namespace {

using internal::RenameReads;
using internal::UniqueName;

constexpr int kFloat16 = onnx::TensorProto::FLOAT16;
constexpr int kFloat = onnx::TensorProto::FLOAT;

std::string Label(const onnx::NodeProto& n, int index) {
  return (n.name().empty() ? "#" + std::to_string(index) : "'" + n.name() + "'") + " (" + n.op_type() + ")";
}

std::string Plural(int n, const std::string& what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

// ---- quantized content --------------------------------------------------------------------------

const std::set<std::string>& QOperatorOps() {
  static const std::set<std::string> k = {
      "QLinearConv", "QLinearMatMul", "QLinearAdd", "QLinearMul", "QLinearConcat", "QLinearGlobalAveragePool",
      "QLinearAveragePool", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax", "QLinearConvTranspose",
      "QLinearReduceMean", "QLinearWhere", "QGemm", "QAttention", "QOrderedMatMul", "QEmbedLayerNormalization"};
  return k;
}
const std::set<std::string>& IntegerOps() {
  static const std::set<std::string> k = {"ConvInteger", "MatMulInteger", "DynamicQuantizeLinear",
                                          "DynamicQuantizeMatMul", "MatMulIntegerToFloat", "DynamicQuantizeLSTM"};
  return k;
}
const std::set<std::string>& WeightOnlyOps() {
  static const std::set<std::string> k = {"MatMulNBits", "MatMulBnb4", "GatherBlockQuantized", "DequantizeBFP",
                                          "QuantizeBFP"};
  return k;
}
const std::set<std::string>& QdqOps() {
  static const std::set<std::string> k = {"QuantizeLinear", "DequantizeLinear"};
  return k;
}

// ---- float16 → float32 ----------------------------------------------------------------------------

// Converts a float16 tensor (raw_data or int32_data bit patterns) to float32 in place.
void UpcastTensor(onnx::TensorProto* t) {
  HostTensor h = TensorFromProto(*t);
  HostTensor f = HostTensor::Zeros(DType::kFloat32, h.shape);
  for (std::int64_t i = 0; i < h.num_elements(); ++i) f.data<float>()[i] = HalfToFloat(h.data<std::uint16_t>()[i]);
  onnx::TensorProto out;
  FillTensorProto(t->name(), f, &out);
  if (t->has_doc_string()) out.set_doc_string(t->doc_string());
  *t = std::move(out);
}

// float16 → float32 in a type (tensors, and the elements of sequences, maps and optionals).
void UpcastType(onnx::TypeProto* type) {
  if (type->has_tensor_type()) {
    if (type->tensor_type().elem_type() == kFloat16) type->mutable_tensor_type()->set_elem_type(kFloat);
  } else if (type->has_sequence_type()) {
    UpcastType(type->mutable_sequence_type()->mutable_elem_type());
  } else if (type->has_map_type()) {
    UpcastType(type->mutable_map_type()->mutable_value_type());
  } else if (type->has_optional_type()) {
    UpcastType(type->mutable_optional_type()->mutable_elem_type());
  }
}

// Upcasts constants, Cast targets, dtype attributes and value_info of `g` and of its subgraphs;
// `interface` also upcasts the graph's own inputs and outputs (subgraphs: always). Returns the
// number of constant tensors converted.
int UpcastGraph(onnx::GraphProto* g, bool interface) {
  int constants = 0;
  for (auto& t : *g->mutable_initializer()) {
    if (t.data_type() != kFloat16) continue;
    UpcastTensor(&t);
    ++constants;
  }
  for (auto& n : *g->mutable_node()) {
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t() && a.t().data_type() == kFloat16) {
        UpcastTensor(a.mutable_t());
        ++constants;
      }
      if (a.type() == onnx::AttributeProto::INT && a.i() == kFloat16 &&
          ((n.op_type() == "Cast" && a.name() == "to") || a.name() == "dtype"))
        a.set_i(kFloat);
      if (a.has_g()) constants += UpcastGraph(a.mutable_g(), true);
      for (auto& sub : *a.mutable_graphs()) constants += UpcastGraph(&sub, true);
    }
  }
  for (auto& v : *g->mutable_value_info()) UpcastType(v.mutable_type());
  if (interface) {
    for (auto& v : *g->mutable_input()) UpcastType(v.mutable_type());
    for (auto& v : *g->mutable_output()) UpcastType(v.mutable_type());
  }
  return constants;
}

bool IsFloat16Tensor(const onnx::ValueInfoProto& v) {
  return v.type().has_tensor_type() && v.type().tensor_type().elem_type() == kFloat16;
}

onnx::NodeProto CastNode(const std::string& name, const std::string& in, const std::string& out, int to) {
  onnx::NodeProto n;
  n.set_op_type("Cast");
  n.set_name(name);
  n.add_input(in);
  n.add_output(out);
  auto* a = n.add_attribute();
  a->set_name("to");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(to);
  return n;
}

// ---- opset upgrade ------------------------------------------------------------------------------

// True when `word` occurs in `text` as a whole identifier.
bool MentionsWord(const std::string& text, const std::string& word) {
  if (word.empty()) return false;
  for (size_t pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) {
    const bool left = pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]));
    const size_t end = pos + word.size();
    const bool right = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (left && right) return true;
  }
  return false;
}

// The converter's message without its source location ("./onnx/…/transformers.h:40: operator():
// Assertion `…` failed: "), first line, trimmed, at most 160 characters.
std::string ShortMessage(std::string m) {
  const std::string failed = "failed: ";
  if (const auto pos = m.find(failed); pos != std::string::npos && m.compare(0, 2, "./") == 0) m = m.substr(pos + failed.size());
  const auto nl = m.find('\n');
  if (nl != std::string::npos) m = m.substr(0, nl);
  while (!m.empty() && (m.back() == ' ' || m.back() == '.')) m.pop_back();
  return Abbreviate(m, 160);
}

// Rank of `name` as declared or inferred in `g` (inputs, value_info, outputs); -1 when unknown.
int KnownRank(const onnx::GraphProto& g, const std::string& name) {
  for (const auto* list : {&g.input(), &g.value_info(), &g.output()})
    for (const auto& v : *list)
      if (v.name() == name && v.type().has_tensor_type() && v.type().tensor_type().has_shape())
        return v.type().tensor_type().shape().dim_size();
  return -1;
}

// PRelu before opset 7 applies a 1-D slope of size C per channel (axis 1); from opset 7 on it
// broadcasts numpy-style, against the last axis, and the converter has no adapter for that change.
// Reshapes such slopes to [C, 1, ..., 1] so that the upgraded graph computes the same.
void FixLegacyPReluSlopes(onnx::ModelProto* m) {
  auto* g = m->mutable_graph();
  for (auto& n : *g->mutable_node()) {
    if (n.op_type() != "PRelu" || !(n.domain().empty() || n.domain() == "ai.onnx") || n.input_size() != 2) continue;
    const int rank = KnownRank(*g, n.input(0));
    if (rank <= 2) continue;  // [N, C] against [C]: the same either way
    for (int i = 0; i < g->initializer_size(); ++i) {
      const onnx::TensorProto& slope = g->initializer(i);
      if (slope.name() != n.input(1) || slope.dims_size() != 1 || slope.dims(0) <= 1) continue;
      onnx::TensorProto per_channel = slope;
      per_channel.set_name(UniqueName(*g, slope.name() + "_per_channel"));
      for (int d = 2; d < rank; ++d) per_channel.add_dims(1);
      n.set_input(1, per_channel.name());
      // IR < 4 lists every initializer as a graph input too; the converter then looks the new one
      // up there ("Input …_per_channel is undefined!").
      for (int k = 0; k < g->input_size(); ++k) {
        if (g->input(k).name() != slope.name()) continue;
        onnx::ValueInfoProto declared;
        declared.set_name(per_channel.name());
        auto* tt = declared.mutable_type()->mutable_tensor_type();
        tt->set_elem_type(per_channel.data_type());
        for (int64_t d : per_channel.dims()) tt->mutable_shape()->add_dim()->set_dim_value(d);
        *g->add_input() = std::move(declared);
        break;
      }
      *g->add_initializer() = std::move(per_channel);
      break;
    }
  }
}

// ONNX shape inference in strict mode (errors thrown), in a child process: "" when the graph passes,
// else the first line of the error.
std::string StrictInferenceError(const onnx::ModelProto& m) {
  std::string result, failure;
  const bool ok = internal::RunIsolated(
      [&m] {
        onnx::ModelProto copy = m;
        onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/1, /*data_prop=*/false);
        onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
        return std::string();
      },
      &result, &failure, 60);
  return ok ? "" : (failure.empty() ? std::string("failed") : failure);
}

}  // namespace

std::string QuantizedContent::Describe() const {
  if (empty()) return "not quantized";
  return (format == "weight-only" ? "" : "int8 ") + format + ": " + Plural(quantized_nodes, "quantized node") +
         ", first " + first_node;
}

QuantizedContent DetectQuantizedContent(const Model& model) {
  QuantizedContent c;
  const auto& g = model.proto.graph();
  int rank = 99;  // QOperator 0, integer ops 1, weight-only 2, QDQ 3
  for (int i = 0; i < g.node_size(); ++i) {
    const std::string& op = g.node(i).op_type();
    int r = -1;
    if (QOperatorOps().count(op)) r = 0;
    else if (IntegerOps().count(op)) r = 1;
    else if (WeightOnlyOps().count(op)) r = 2;
    else if (QdqOps().count(op)) r = 3;
    if (r < 0) continue;
    if (c.quantized_nodes++ == 0) c.first_node = Label(g.node(i), i);
    rank = std::min(rank, r);
  }
  static const char* kNames[] = {"QOperator", "integer ops", "weight-only", "QDQ"};
  if (c.quantized_nodes > 0) c.format = kNames[rank];
  return c;
}

Float16Content DetectFloat16(const Model& model) {
  Float16Content c;
  const auto& g = model.proto.graph();
  std::set<std::string> inits;
  for (const auto& t : g.initializer()) {
    inits.insert(t.name());
    if (t.data_type() == kFloat16) ++c.constants;
    if (t.data_type() == onnx::TensorProto::FLOAT) ++c.float32_constants;
  }
  for (const auto& v : g.input())
    if (!inits.count(v.name()) && IsFloat16Tensor(v)) ++c.inputs;
  for (const auto& v : g.output())
    if (IsFloat16Tensor(v)) ++c.outputs;
  for (const auto& n : g.node())
    for (const auto& a : n.attribute())
      if (a.has_t()) {
        if (a.t().data_type() == kFloat16) ++c.constants;
        if (a.t().data_type() == onnx::TensorProto::FLOAT) ++c.float32_constants;
      }
  return c;
}

Model UpcastFloat16(const Model& model, std::string* note) {
  if (note) note->clear();
  const Float16Content before = DetectFloat16(model);
  bool casts_to_half = false;
  for (const auto& n : model.proto.graph().node())
    for (const auto& a : n.attribute())
      casts_to_half = casts_to_half || (n.op_type() == "Cast" && a.name() == "to" && a.i() == kFloat16);
  if (!before.any() && !casts_to_half) return model;

  Model m = model;
  onnx::GraphProto* g = m.proto.mutable_graph();
  const int constants = UpcastGraph(g, /*interface=*/false);
  std::set<std::string> inits;
  for (const auto& t : g->initializer()) inits.insert(t.name());
  std::set<std::string> outputs;
  for (const auto& v : g->output()) outputs.insert(v.name());

  // Inputs: x (float16) → Cast → x_fp32, read by every former reader of x.
  std::vector<onnx::NodeProto> head;
  int cast_inputs = 0, cast_outputs = 0;
  for (const auto& v : g->input()) {
    if (inits.count(v.name()) || !IsFloat16Tensor(v) || outputs.count(v.name())) continue;
    const std::string fp32 = UniqueName(*g, v.name() + "_fp32");
    RenameReads(g, v.name(), fp32);
    head.push_back(CastNode(UniqueName(*g, v.name() + "_to_fp32"), v.name(), fp32, kFloat));
    ++cast_inputs;
  }
  // Outputs: the producer writes y_fp32; a Cast at the end writes y (float16) from it.
  std::vector<onnx::NodeProto> tail;
  for (const auto& v : g->output()) {
    if (!IsFloat16Tensor(v)) continue;
    bool produced = false;
    const std::string fp32 = UniqueName(*g, v.name() + "_fp32");
    for (auto& n : *g->mutable_node())
      for (auto& o : *n.mutable_output())
        if (o == v.name()) {
          o = fp32;
          produced = true;
        }
    if (!produced) continue;  // a graph input or initializer passed through: already float16
    RenameReads(g, v.name(), fp32);
    tail.push_back(CastNode(UniqueName(*g, v.name() + "_to_fp16"), fp32, v.name(), kFloat16));
    ++cast_outputs;
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (auto& n : head) *nodes.Add() = std::move(n);
  for (auto& n : *g->mutable_node()) *nodes.Add() = std::move(n);
  for (auto& n : tail) *nodes.Add() = std::move(n);
  g->mutable_node()->Swap(&nodes);
  // Float16 graph inputs that are initializers (IR < 4 style) were upcast with the initializer.
  for (auto& v : *g->mutable_input())
    if (inits.count(v.name())) UpcastType(v.mutable_type());

  if (note) {
    *note = "float16 model computed in float32: " + Plural(constants, "constant") + " upcast";
    if (cast_inputs + cast_outputs > 0)
      *note += "; Cast nodes at the edges keep the float16 interface (" + Plural(cast_inputs, "input") + ", " +
               Plural(cast_outputs, "output") + ")";
  }
  return m;
}

bool IsTrainingModeBatchNorm(const onnx::NodeProto& n) {
  if (n.op_type() != "BatchNormalization" || !(n.domain().empty() || n.domain() == "ai.onnx")) return false;
  int outputs = 0;
  for (const auto& o : n.output()) outputs += o.empty() ? 0 : 1;
  bool training = outputs > 1;
  for (const auto& a : n.attribute()) {
    if (a.name() == "training_mode" && a.i() != 0) training = true;
    if (a.name() == "is_test" && a.i() == 0) training = true;
  }
  return training;
}

std::vector<std::string> TrainingModeBatchNorms(const Model& model) {
  std::vector<std::string> out;
  const auto& g = model.proto.graph();
  for (int i = 0; i < g.node_size(); ++i)
    if (IsTrainingModeBatchNorm(g.node(i))) out.push_back(Label(g.node(i), i));
  return out;
}

Model UpgradeOpset(const Model& model, std::int64_t target_opset, std::string* note) {
  if (note) note->clear();
  const std::int64_t from = model.OpsetVersion();
  if (from == 0 || from >= target_opset) return model;
  const std::string name = model.path.empty() ? "the model" : "'" + model.path + "'";
  const auto& g = model.proto.graph();

  // The converter looks every default-domain op up by name and fails on one ONNX does not define.
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (!(n.domain().empty() || n.domain() == "ai.onnx")) continue;  // other domains are left alone
    if (!onnx::OpSchemaRegistry::Schema(n.op_type(), static_cast<int>(from), ""))
      throw Error(ErrorCode::kUnsupported, name + ": node " + Label(n, i) + " is not an ONNX op at opset " +
                                               std::to_string(from) + ", so ONNX's version converter cannot upgrade "
                                               "the model to opset " + std::to_string(target_opset) +
                                               "; re-export the model at opset " + std::to_string(target_opset) +
                                               " or newer");
  }
  // Adapters read input ranks (Softmax-12 → 13 with a non-last axis, Resize-10 → 11): give them the
  // inferred shapes; the file's own value_info is restored afterwards.
  onnx::ModelProto in = model.proto;
  std::string bytes, failure;
  internal::InferShapesIsolated(in, &failure);
  if (from < 7) FixLegacyPReluSlopes(&in);
  const bool ok = internal::RunIsolated(
      [&in, target_opset] {
        return onnx::version_conversion::ConvertVersion(in, static_cast<int>(target_opset)).SerializeAsString();
      },
      &bytes, &failure, 120);
  if (!ok) {
    // The converter names the op it has no adapter for ("No Adapter For Upsample") or the attribute
    // an adapter rejects ("Attribute is_test must not have value 0"): name the first node that has
    // that op type, else the first default-domain node that carries that attribute.
    int culprit = -1;
    for (int i = 0; i < g.node_size() && culprit < 0; ++i)
      if (MentionsWord(failure, g.node(i).op_type())) culprit = i;
    for (int i = 0; i < g.node_size() && culprit < 0; ++i) {
      const auto& n = g.node(i);
      if (!(n.domain().empty() || n.domain() == "ai.onnx")) continue;
      for (const auto& a : n.attribute())
        if (a.name().size() > 2 && MentionsWord(failure, a.name())) culprit = i;
    }
    if (culprit >= 0)
      throw Error(ErrorCode::kUnsupported,
                  name + ": ONNX's version converter cannot upgrade node " + Label(g.node(culprit), culprit) +
                      " from opset " + std::to_string(from) + " to " + std::to_string(target_opset) + " (" +
                      ShortMessage(failure) + "); re-export the model at opset " + std::to_string(target_opset) +
                      " or newer");
    throw Error(ErrorCode::kUnsupported, name + ": ONNX's version converter cannot upgrade it from opset " +
                                             std::to_string(from) + " to " + std::to_string(target_opset) + " (" +
                                             ShortMessage(failure) + "); re-export the model at opset " +
                                             std::to_string(target_opset) + " or newer");
  }
  Model out;
  out.path = model.path;
  if (!out.proto.ParseFromString(bytes) || out.OpsetVersion() != target_opset)
    throw Error(ErrorCode::kUnsupported, name + ": ONNX's version converter returned no model at opset " +
                                             std::to_string(target_opset) + "; re-export the model at opset " +
                                             std::to_string(target_opset) + " or newer");
  // The converter rebuilds the graph from its IR: check that the interface survived.
  auto names = [](const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& vs) {
    std::vector<std::string> v;
    for (const auto& x : vs) v.push_back(x.name());
    return v;
  };
  if (names(out.proto.graph().output()) != names(g.output()))
    throw Error(ErrorCode::kUnsupported, name + ": ONNX's version converter changed the graph outputs while upgrading "
                                                "from opset " + std::to_string(from) + "; re-export the model at opset " +
                                                std::to_string(target_opset) + " or newer");
  if (out.proto.ir_version() < 7) out.proto.set_ir_version(7);
  const int bridged = internal::RestoreUpgradedInterface(g, &out.proto, target_opset, name);
  // Some semantic changes have no adapter (legacy broadcasting, say): when the original graph passes
  // strict shape inference, the upgraded one must too.
  if (StrictInferenceError(model.proto).empty()) {
    const std::string error = StrictInferenceError(out.proto);
    if (!error.empty()) {
      std::string where;
      const auto at = error.find("node name: ");
      if (at != std::string::npos) where = " at node '" + error.substr(at + 11, error.find(')', at) - at - 11) + "'";
      throw Error(ErrorCode::kUnsupported, name + ": the opset " + std::to_string(target_opset) + " graph ONNX's version "
                                               "converter made from opset " + std::to_string(from) + " is inconsistent" +
                                               where + " (" + ShortMessage(error) + "); re-export the model at opset " +
                                               std::to_string(target_opset) + " or newer");
    }
  }
  *out.proto.mutable_graph()->mutable_value_info() = g.value_info();
  *out.proto.mutable_graph()->mutable_output() = g.output();

  if (note) {
    std::map<std::string, int> before, after;
    for (const auto& n : g.node()) ++before[n.op_type()];
    for (const auto& n : out.proto.graph().node()) ++after[n.op_type()];
    std::vector<std::string> gone, added;
    for (const auto& kv : before)
      if (!after.count(kv.first)) gone.push_back(kv.first);
    for (const auto& kv : after)
      if (!before.count(kv.first) && kv.first != "Constant") added.push_back(kv.first);  // adapters' constants: noise
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    *note = "upgraded ai.onnx opset " + std::to_string(from) + " → " + std::to_string(target_opset) +
            " with ONNX's version converter";
    if (!gone.empty()) *note += " (" + join(gone) + (added.empty() ? " removed" : " → " + join(added)) + ")";
    if (bridged > 0)
      *note += "; the converter dropped a leading axis of size 1 (Scan-8 → 9): Squeeze/Unsqueeze keep the interface of " +
               Plural(bridged, "input/output");
  }
  return out;
}

}  // namespace qbench
