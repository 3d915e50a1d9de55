// Model hygiene before quantizing (PrepareModelForQuantization): the fixes real exports need
// (docs/measurement.md "Model hygiene"; ../shared/cases c04, c06, c13).
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "qbench/core/error.h"
#include "qbench/model/compat.h"
#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quantization/graph_util.h"
#include "quantization/scheme_util.h"

namespace qbench {
namespace {

using quant_internal::AttrFloat;
using quant_internal::FloatTensorOf;
using quant_internal::GraphIndex;
using quant_internal::NameScope;

// Tensor held by a Constant node, or false when the attribute kind is not a plain tensor/number.
bool ConstantValue(const onnx::NodeProto& node, onnx::TensorProto* out) {
  for (const auto& a : node.attribute()) {
    if (a.name() == "value" && a.has_t()) {
      *out = a.t();
      return true;
    }
    HostTensor t;
    if (a.name() == "value_float") {
      t = HostTensor::Zeros(DType::kFloat32, {});
      t.data<float>()[0] = a.f();
    } else if (a.name() == "value_floats") {
      t = HostTensor::Zeros(DType::kFloat32, {a.floats_size()});
      std::memcpy(t.bytes.data(), a.floats().data(), t.bytes.size());
    } else if (a.name() == "value_int") {
      t = HostTensor::Zeros(DType::kInt64, {});
      t.data<std::int64_t>()[0] = a.i();
    } else if (a.name() == "value_ints") {
      t = HostTensor::Zeros(DType::kInt64, {a.ints_size()});
      std::memcpy(t.bytes.data(), a.ints().data(), t.bytes.size());
    } else {
      continue;
    }
    FillTensorProto("", t, out);
    return true;
  }
  return false;
}

// Constant nodes of `g` (not of its subgraphs) → initializers of `g`. Returns the count.
int FoldConstants(onnx::GraphProto* g) {
  int constants = 0;
  for (int i = g->node_size() - 1; i >= 0; --i) {
    const auto& node = g->node(i);
    if (node.op_type() != "Constant" || !(node.domain().empty() || node.domain() == "ai.onnx") || node.output_size() != 1)
      continue;
    onnx::TensorProto t;
    if (!ConstantValue(node, &t)) continue;
    t.set_name(node.output(0));
    *g->add_initializer() = t;
    g->mutable_node()->DeleteSubrange(i, 1);
    ++constants;
  }
  return constants;
}

// Scales a float initializer by `factor` into `name` (a new initializer, or in place).
void ScaledInitializer(onnx::GraphProto* g, const onnx::TensorProto& src, float factor, const std::string& name) {
  HostTensor t = FloatTensorOf(src);
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] *= factor;
  quant_internal::SetInitializer(g, name, t);
}

// Folds BatchNormalization (inference form) into the Conv before it:
//   W'[o] = W[o]·γ[o]/sqrt(σ²[o]+ε),  b'[o] = (b[o] − μ[o])·γ[o]/sqrt(σ²[o]+ε) + β[o]
// when the Conv's weight/bias and every BN parameter are constants and the BN is the Conv output's
// only consumer. Returns the number of folds.
int FoldBatchNorm(onnx::GraphProto* g, NameScope* names) {
  int folded = 0;
  for (int i = g->node_size() - 1; i >= 0; --i) {
    const onnx::NodeProto bn = g->node(i);
    if (bn.op_type() != "BatchNormalization" || !bn.domain().empty() || bn.input_size() != 5 || bn.output_size() != 1)
      continue;
    if (quant_internal::AttrInt(bn, "training_mode", 0) != 0 || quant_internal::AttrInt(bn, "is_test", 1) == 0)
      continue;  // batch statistics, not the running ones: never folded (TrainingModeBatchNorms)
    GraphIndex idx(*g);
    auto pr = idx.producer.find(bn.input(0));
    if (pr == idx.producer.end() || idx.UseCount(bn.input(0)) != 1) continue;
    onnx::NodeProto* conv = g->mutable_node(pr->second);
    if (conv->op_type() != "Conv" || !conv->domain().empty() || conv->input_size() < 2) continue;
    const onnx::TensorProto* w_proto = idx.Initializer(conv->input(1));
    bool constant = w_proto != nullptr;
    for (int k = 1; k < 5; ++k) constant = constant && idx.Initializer(bn.input(k));
    const bool has_bias = conv->input_size() >= 3 && !conv->input(2).empty();
    if (has_bias) constant = constant && idx.Initializer(conv->input(2));
    if (!constant) continue;
    HostTensor w = FloatTensorOf(*w_proto);
    const std::int64_t c_out = w.shape.empty() ? 0 : w.shape[0];
    std::vector<HostTensor> p;
    for (int k = 1; k < 5; ++k) p.push_back(FloatTensorOf(*idx.Initializer(bn.input(k))));
    bool shapes_ok = c_out > 0;
    for (const auto& t : p) shapes_ok = shapes_ok && t.num_elements() == c_out;
    HostTensor b = has_bias ? FloatTensorOf(*idx.Initializer(conv->input(2))) : HostTensor::Zeros(DType::kFloat32, {c_out});
    if (!shapes_ok || b.num_elements() != c_out) continue;
    const float eps = AttrFloat(bn, "epsilon", 1e-5f);
    const std::int64_t per_channel = w.num_elements() / c_out;
    for (std::int64_t o = 0; o < c_out; ++o) {
      const double k = p[0].data<float>()[o] / std::sqrt(double(p[3].data<float>()[o]) + eps);
      for (std::int64_t j = 0; j < per_channel; ++j) w.data<float>()[o * per_channel + j] *= static_cast<float>(k);
      b.data<float>()[o] = static_cast<float>((b.data<float>()[o] - p[2].data<float>()[o]) * k + p[1].data<float>()[o]);
    }
    b.shape = {c_out};
    const std::string w_name = names->Unique(conv->input(1) + "_bn_folded"), b_name = names->Unique(bn.name() + "_folded_bias");
    quant_internal::SetInitializer(g, w_name, w);
    quant_internal::SetInitializer(g, b_name, b);
    conv = g->mutable_node(pr->second);
    conv->set_input(1, w_name);
    if (has_bias) conv->set_input(2, b_name);
    else conv->add_input(b_name);
    conv->set_output(0, bn.output(0));
    g->mutable_node()->DeleteSubrange(i, 1);
    ++folded;
  }
  return folded;
}

std::string Plural(int n, const std::string& what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

}  // namespace

Model PrepareModelForQuantization(const Model& model, std::vector<std::string>* actions, std::int64_t min_opset) {
  Model m = model;
  std::vector<std::string> done;
  if (HasExternalData(m)) {
    InlineExternalData(m);
    if (m.proto.ByteSizeLong() > 0x7fffffffULL)
      throw Error(ErrorCode::kUnsupported, "model '" + model.path + "' holds more than 2 GiB of weights in external data; "
                                           "qbench writes quantized models as one file, which protobuf limits to 2 GiB");
    done.push_back("inlined external data (the quantized model is written as a single file)");
  }
  onnx::GraphProto* g = m.proto.mutable_graph();
  // Unnamed nodes are named "#<index>", their index in the input graph (as `qbench inspect` and
  // `qbench sensitivity` show them), before anything moves: --exclude '#12' and the report then
  // name the same node however hygiene reorders or removes others. A name already taken is skipped.
  std::set<std::string> taken;
  for (const auto& node : g->node()) taken.insert(node.name());
  for (int i = 0; i < g->node_size(); ++i) {
    const std::string name = "#" + std::to_string(i);
    if (g->node(i).name().empty() && !taken.count(name)) g->mutable_node(i)->set_name(name);
  }
  std::string note;
  m = UpgradeOpset(m, min_opset, &note);  // opsets below the scheme's: ONNX's version converter
  if (!note.empty()) done.push_back(note);
  m = UpcastFloat16(m, &note);  // float16 weights and activations: computed in float32, interface kept
  if (!note.empty()) done.push_back(note);
  g = m.proto.mutable_graph();
  quant_internal::TopologicalSort(g);

  // Constant nodes → initializers (weights, biases, Clip bounds, Reshape shapes), in the main graph
  // and in every subgraph (a Loop body's weights then are body initializers the schemes can quantize).
  int constants = FoldConstants(g);
  quant_internal::ForEachSubgraph(g, [&](onnx::GraphProto* sub) { constants += FoldConstants(sub); });
  if (constants) done.push_back("folded " + Plural(constants, "Constant node") + " into initializers");

  // Cast(float16/float64 initializer → float32) → float32 initializer; Identity(initializer) → the
  // initializer; Transpose of a float32 matrix initializer → the transposed initializer (PyTorch
  // exports a Linear without bias as MatMul(x, Transpose(W))), so every scheme sees a constant weight.
  int casts = 0, identities = 0, transposes = 0;
  for (int i = g->node_size() - 1; i >= 0; --i) {
    const onnx::NodeProto node = g->node(i);
    if (node.input_size() < 1 || node.output_size() != 1 || !node.domain().empty()) continue;
    if (node.op_type() != "Cast" && node.op_type() != "Identity" && node.op_type() != "Transpose") continue;
    GraphIndex idx(*g);
    const onnx::TensorProto* src = idx.Initializer(node.input(0));
    if (!src) continue;
    const bool is_output = idx.graph_outputs.count(node.output(0)) > 0;
    if (node.op_type() == "Cast" && quant_internal::AttrInt(node, "to", 0) == static_cast<int>(DType::kFloat32) &&
        (src->data_type() == static_cast<int>(DType::kFloat16) || src->data_type() == static_cast<int>(DType::kFloat64) ||
         src->data_type() == static_cast<int>(DType::kFloat32))) {
      HostTensor t = FloatTensorOf(*src);
      quant_internal::SetInitializer(g, node.output(0), t);
      g->mutable_node()->DeleteSubrange(i, 1);
      ++casts;
    } else if (node.op_type() == "Transpose" && src->data_type() == static_cast<int>(DType::kFloat32) &&
               src->dims_size() == 2 && !is_output) {
      const std::vector<std::int64_t> perm = quant_internal::AttrInts(node, "perm");
      if (!perm.empty() && perm != std::vector<std::int64_t>{1, 0}) continue;
      quant_internal::SetInitializer(g, node.output(0), quant_internal::Transpose2D(FloatTensorOf(*src)));
      g->mutable_node()->DeleteSubrange(i, 1);
      ++transposes;
    } else if (node.op_type() == "Identity" && !is_output) {
      quant_internal::RenameReads(g, node.output(0), node.input(0));
      g->mutable_node()->DeleteSubrange(i, 1);
      ++identities;
    }
  }
  if (casts) done.push_back("folded " + Plural(casts, "Cast of a constant") + " into float32 initializers");
  if (identities) done.push_back("bypassed " + Plural(identities, "Identity node") + " on initializers");
  if (transposes) done.push_back("folded " + Plural(transposes, "Transpose of a constant matrix") + " into initializers");

  NameScope names(*g);
  const int bn_folds = FoldBatchNorm(g, &names);
  if (bn_folds) done.push_back("folded " + Plural(bn_folds, "BatchNormalization") + " into the preceding Conv");

  // Gemm: alpha folded into a constant B, beta into a constant C, so integer kernels see Y = A·B + C.
  int gemm_folds = 0;
  for (int i = 0; i < g->node_size(); ++i) {
    onnx::NodeProto* node = g->mutable_node(i);
    if (node->op_type() != "Gemm" || !node->domain().empty()) continue;
    const float alpha = AttrFloat(*node, "alpha", 1.0f), beta = AttrFloat(*node, "beta", 1.0f);
    if (alpha == 1.0f && beta == 1.0f) continue;
    GraphIndex idx(*g);
    if (alpha != 1.0f && node->input_size() >= 2 && idx.Initializer(node->input(1))) {
      const std::string name = names.Unique(node->input(1) + "_alpha");
      ScaledInitializer(g, *idx.Initializer(node->input(1)), alpha, name);
      node->set_input(1, name);
      quant_internal::RemoveAttr(node, "alpha");
      ++gemm_folds;
    }
    GraphIndex idx2(*g);
    if (beta != 1.0f && node->input_size() >= 3 && !node->input(2).empty() && idx2.Initializer(node->input(2))) {
      const std::string name = names.Unique(node->input(2) + "_beta");
      ScaledInitializer(g, *idx2.Initializer(node->input(2)), beta, name);
      node->set_input(2, name);
      quant_internal::RemoveAttr(node, "beta");
      ++gemm_folds;
    } else if (beta != 1.0f && (node->input_size() < 3 || node->input(2).empty())) {
      quant_internal::RemoveAttr(node, "beta");  // beta without C has no effect
    }
  }
  if (gemm_folds) done.push_back("folded " + Plural(gemm_folds, "Gemm alpha/beta factor") + " into constant B/C");

  const auto removed = quant_internal::RemoveUnusedInitializers(g);
  if (!removed.empty()) done.push_back("dropped " + Plural(static_cast<int>(removed.size()), "unused initializer"));
  m.path = model.path;
  if (actions) actions->insert(actions->end(), done.begin(), done.end());
  return m;
}

}  // namespace qbench
