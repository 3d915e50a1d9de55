// Planning of the static QDQ scheme: roles, exclusions, Relu/Clip folding, the tensors that get a
// Q→DQ pair and the scale sharing rules (docs/measurement.md "Static int8 that ORT runs fully fused").
#include "quantization/static_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "quantization/graph_util.h"
#include "quantization/scheme_util.h"

namespace qbench::quant_internal {
namespace {

constexpr int kFloat = 1;  // onnx TensorProto.FLOAT

// The op types the static scheme converts and how (the scheme table's op_types read it too).
const std::map<std::string, StaticRole>& RoleTable() {
  static const std::map<std::string, StaticRole> k = {
      {"Conv", StaticRole::kConv},           {"ConvTranspose", StaticRole::kConvTranspose},
      {"Gemm", StaticRole::kGemm},           {"MatMul", StaticRole::kMatMul},
      {"Add", StaticRole::kBinary},          {"Mul", StaticRole::kBinary},
      {"Concat", StaticRole::kConcat},       {"GlobalAveragePool", StaticRole::kPool},
      {"AveragePool", StaticRole::kPool},    {"MaxPool", StaticRole::kPassthrough},
      {"Flatten", StaticRole::kPassthrough}, {"Reshape", StaticRole::kPassthrough},
      {"Transpose", StaticRole::kPassthrough}, {"Resize", StaticRole::kPassthrough},
      {"Squeeze", StaticRole::kPassthrough}, {"Unsqueeze", StaticRole::kPassthrough},
      {"Relu", StaticRole::kActivation},     {"Clip", StaticRole::kActivation},
      {"HardSigmoid", StaticRole::kHardSigmoid},
  };
  return k;
}

StaticRole Classify(const onnx::NodeProto& n) {
  if (!IsDefaultDomain(n)) return StaticRole::kNone;
  const auto it = RoleTable().find(n.op_type());
  return it == RoleTable().end() ? StaticRole::kNone : it->second;
}

// Producers whose quantized output can absorb a following Relu/Clip (the output Q clamps).
bool CanAbsorbActivation(StaticRole r) {
  return r == StaticRole::kConv || r == StaticRole::kGemm ||
         r == StaticRole::kMatMul || r == StaticRole::kBinary || r == StaticRole::kConcat || r == StaticRole::kPool;
}

// Bounds of a Relu/Clip as [lo, hi]; false when a bound is not a constant scalar.
// Clip takes min/max as optional inputs since opset 11 (an empty name = omitted), as attributes before.
bool ActivationBounds(const onnx::NodeProto& n, const GraphIndex& idx, std::int64_t opset, double* lo, double* hi) {
  *lo = -std::numeric_limits<double>::infinity();
  *hi = std::numeric_limits<double>::infinity();
  if (n.op_type() == "Relu") {
    *lo = 0.0;
    return true;
  }
  if (opset < 11) {
    *lo = AttrFloat(n, "min", -std::numeric_limits<float>::max());
    *hi = AttrFloat(n, "max", std::numeric_limits<float>::max());
    return true;
  }
  for (int k = 1; k <= 2 && k < n.input_size(); ++k) {
    if (n.input(k).empty()) continue;
    const onnx::TensorProto* t = idx.Initializer(n.input(k));
    if (!t) return false;
    HostTensor v;
    try {
      v = FloatTensorOf(*t);
    } catch (const Error&) {
      return false;
    }
    if (v.num_elements() != 1) return false;
    (k == 1 ? *lo : *hi) = v.data<float>()[0];
  }
  return true;
}

std::string JoinBounds(double lo, double hi) {
  auto f = [](double v) {
    if (std::isinf(v)) return std::string(v < 0 ? "-inf" : "inf");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  return "[" + f(lo) + ", " + f(hi) + "]";
}

}  // namespace

std::vector<std::string> StaticQdqOpTypes() {
  std::vector<std::string> out;
  for (const auto& [op, role] : RoleTable())
    // HardSigmoid stays float (decomposed or kept); so does ConvTranspose (no int8 kernel in ORT's CPU provider)
    if (role != StaticRole::kHardSigmoid && role != StaticRole::kConvTranspose) out.push_back(op);
  return out;
}

std::map<std::string, DerivedRange> DecomposeHardSigmoid(Model* model, const QuantizeOptions& options) {
  std::map<std::string, DerivedRange> derived;
  if (options.hard_sigmoid != HardSigmoidPolicy::kDecompose) return derived;
  onnx::GraphProto* g = model->proto.mutable_graph();
  NameScope names(*g);
  const ExcludeMatcher exclude(options.exclude);  // an excluded HardSigmoid stays as it is
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i = 0; i < g->node_size(); ++i) {
    const onnx::NodeProto& n = g->node(i);
    if (n.op_type() != "HardSigmoid" || !IsDefaultDomain(n) || n.input_size() != 1 || n.output_size() != 1 ||
        !exclude.Match(n).empty()) {
      *nodes.Add() = n;
      continue;
    }
    const float alpha = AttrFloat(n, "alpha", 0.2f), beta = AttrFloat(n, "beta", 0.5f);  // ONNX defaults
    const std::string base = n.name().empty() ? n.output(0) : n.name();
    const std::string a = names.Unique(base + "_alpha"), b = names.Unique(base + "_beta"), lo = names.Unique(base + "_zero"),
                      hi = names.Unique(base + "_one"), m = names.Unique(base + "_scaled"), s = names.Unique(base + "_shifted");
    SetScalarInitializer(g, a, alpha);
    SetScalarInitializer(g, b, beta);
    SetScalarInitializer(g, lo, 0.0f);
    SetScalarInitializer(g, hi, 1.0f);
    *nodes.Add() = MakeNode("Mul", names.Unique(base + "/mul"), {n.input(0), a}, {m});
    *nodes.Add() = MakeNode("Add", names.Unique(base + "/add"), {m, b}, {s});
    *nodes.Add() = MakeNode("Clip", names.Unique(base + "/clip"), {s, lo, hi}, {n.output(0)});
    derived[m] = {n.input(0), alpha, 0.0};
    derived[s] = {n.input(0), alpha, beta};
  }
  g->mutable_node()->Swap(&nodes);
  return derived;
}

namespace {

// Why `node` must stay float because it reads (or, with `outputs`, writes) a tensor of `keep_float`
// ("" when it need not).
std::string KeptTensorReason(const onnx::NodeProto& node, const std::map<std::string, std::string>* keep_float, bool outputs) {
  if (!keep_float) return "";
  for (const auto& in : node.input())
    if (auto it = keep_float->find(in); it != keep_float->end()) return "reads a tensor kept fp32: " + it->second;
  if (outputs)
    for (const auto& out : node.output())
    if (auto it = keep_float->find(out); it != keep_float->end()) return "writes a tensor kept fp32: " + it->second;
  return "";
}

}  // namespace

StaticPlan BuildStaticPlan(const Model& prepared, const QuantizeOptions& options, std::vector<std::string>* unused_excludes,
                           const std::map<std::string, std::string>* keep_float) {
  const onnx::GraphProto& g = prepared.proto.graph();
  const GraphIndex idx(g);
  const ExcludeMatcher exclude(options.exclude);
  const auto types = InferElemTypes(prepared);
  const std::int64_t opset = prepared.OpsetVersion();
  const int n = g.node_size();
  StaticPlan plan;
  plan.nodes.resize(static_cast<size_t>(n));
  // Graph outputs, and tensors whose only use is a Cast that writes a graph output (the float16
  // edge Casts of UpcastFloat16): without quantize_graph_outputs they stay float.
  std::set<std::string> model_outputs = idx.graph_outputs;
  for (const auto& node : g.node())
    if (node.op_type() == "Cast" && node.input_size() == 1 && node.output_size() == 1 &&
        idx.graph_outputs.count(node.output(0)) && idx.UseCount(node.input(0)) == 1)
      model_outputs.insert(node.input(0));

  auto is_float = [&](const std::string& name) {
    auto it = types.find(name);
    return it != types.end() && it->second == kFloat;
  };
  auto const_float = [&](const std::string& name) -> const onnx::TensorProto* {
    const onnx::TensorProto* t = idx.Initializer(name);
    return t && t->data_type() == kFloat ? t : nullptr;
  };
  // Final tensor name → index of the (quantized) node that writes it after folding.
  std::map<std::string, int> final_producer;
  auto produced_by_quantized = [&](const std::string& name) {
    auto it = final_producer.find(name);
    return it != final_producer.end() && plan.nodes[static_cast<size_t>(it->second)].quantized;
  };

  for (int i = 0; i < n; ++i) {
    const onnx::NodeProto& node = g.node(i);
    StaticNodePlan& p = plan.nodes[static_cast<size_t>(i)];
    p.role = Classify(node);
    for (const auto& o : node.output()) final_producer[o] = i;
    if (p.role == StaticRole::kHardSigmoid) ++plan.hardsigmoid_nodes;
    const std::string excluded = exclude.Match(node);
    if (!excluded.empty()) {
      p.reason = "excluded by --exclude " + excluded;
      continue;
    }
    if (p.role != StaticRole::kNone && p.role != StaticRole::kHardSigmoid) {
      // A Gemm/MatMul whose output is kept fp32 stays int8 with a float output (no Q after it), as
      // for a graph output: ORT still fuses it (QGemm / MatMulIntegerToFloat).
      const bool float_output_ok = p.role == StaticRole::kGemm || p.role == StaticRole::kMatMul;
      const std::string kept = KeptTensorReason(node, keep_float, !float_output_ok);
      if (!kept.empty()) {
        p.reason = kept;
        continue;
      }
      // Conv, Add/Mul, Concat and pools run in int8 in ORT only as QLinear* ops, which need a
      // quantized output: one that writes a float graph output would keep its Q/DQ inputs and run
      // in fp32 anyway (the quantize report would call it quantized). ConvTranspose has no QDQ
      // fusion on the CPU provider at all and stays float (below).
      const bool needs_quantized_output = p.role == StaticRole::kConv || p.role == StaticRole::kBinary ||
                                          p.role == StaticRole::kConcat || p.role == StaticRole::kPool;
      if (needs_quantized_output && !options.quantize_graph_outputs && node.output_size() >= 1 &&
          model_outputs.count(node.output(0))) {
        p.reason = "writes the graph output '" + node.output(0) +
                   "', which stays float, so ORT would run it in fp32: --quantize-outputs makes it int8";
        ++plan.graph_output_nodes_kept_float;
        continue;
      }
    }
    bool outputs_float = node.output_size() >= 1 && is_float(node.output(0));
    auto refuse = [&](const std::string& why) { p.reason = why; };
    switch (p.role) {
      case StaticRole::kNone:
        refuse(IsDefaultDomain(node) ? "no int8 kernel for " + node.op_type() + " in the static scheme"
                                     : "custom-domain op (" + node.domain() + ")");
        break;
      case StaticRole::kHardSigmoid:
        refuse("ORT has no int8 HardSigmoid kernel");
        break;
      case StaticRole::kConvTranspose:
        // ORT's CPU provider fuses no QDQ ConvTranspose (measured: 0.0 % int8 MACs in its optimized
        // graph, any weight range or granularity): QDQ around it would run it in fp32 behind extra
        // DequantizeLinear/QuantizeLinear work, so the quantize report would call it quantized wrongly.
        refuse("ORT has no int8 ConvTranspose kernel (it fuses no QDQ ConvTranspose): kept float");
        break;
      case StaticRole::kConv: {
        const onnx::TensorProto* w = node.input_size() >= 2 ? const_float(node.input(1)) : nullptr;
        if (!is_float(node.input(0)) || !outputs_float) { refuse("input or output is not float32"); break; }
        if (!w || w->dims_size() < 3) { refuse("weight '" + (node.input_size() >= 2 ? node.input(1) : "") + "' is not a constant float32 tensor"); break; }
        const std::int64_t c_out = w->dims(0);
        if (node.input_size() >= 3 && !node.input(2).empty()) {
          const onnx::TensorProto* b = const_float(node.input(2));
          if (!b || b->dims_size() != 1 || b->dims(0) != c_out) { refuse("bias is not a constant float32 vector of " + std::to_string(c_out)); break; }
          p.bias_input = 2;
        }
        p.weight_input = 1;
        p.act_inputs = {0};
        if (options.granularity != WeightGranularity::kPerTensor)
          p.weight_axis = 0;
        p.quantized = true;
        break;
      }
      case StaticRole::kGemm: {
        const onnx::TensorProto* b = node.input_size() >= 2 ? const_float(node.input(1)) : nullptr;
        if (!is_float(node.input(0)) || !outputs_float) { refuse("input or output is not float32"); break; }
        if (!b || b->dims_size() != 2) { refuse("B is not a constant float32 matrix"); break; }
        if (AttrFloat(node, "alpha", 1.0f) != 1.0f || AttrFloat(node, "beta", 1.0f) != 1.0f) { refuse("alpha/beta != 1 with non-constant operands"); break; }
        const bool trans_b = AttrInt(node, "transB", 0) != 0;
        const std::int64_t n_out = trans_b ? b->dims(0) : b->dims(1);
        if (node.input_size() >= 3 && !node.input(2).empty()) {
          const onnx::TensorProto* c = const_float(node.input(2));
          std::int64_t numel = 1;
          if (c) for (auto d : c->dims()) numel *= d;
          const bool vector_like = c && numel == n_out && (c->dims_size() == 1 || (c->dims_size() == 2 && c->dims(0) == 1));
          if (!vector_like) { refuse("C is not a constant per-column bias of " + std::to_string(n_out)); break; }
          p.bias_input = 2;
        }
        p.weight_input = 1;
        p.act_inputs = {0};
        if (options.granularity == WeightGranularity::kPerChannel) p.weight_axis = trans_b ? 0 : 1;
        p.quantized = true;
        break;
      }
      case StaticRole::kMatMul: {
        if (!is_float(node.input(0)) || !outputs_float) { refuse("input or output is not float32"); break; }
        const onnx::TensorProto* b = const_float(node.input(1));
        if (b) {
          if (b->dims_size() < 2) { refuse("B is a constant of rank < 2"); break; }
          p.weight_input = 1;
          // Per column only for a matrix: ORT's integer MatMul kernels take a batched B's column
          // scales only as [..., 1, N], which DequantizeLinear (1-D scale along one axis) cannot
          // express, and a [N] scale with a rank-3 B fails at run time. Rank >= 3: per-tensor.
          if (options.granularity == WeightGranularity::kPerChannel && b->dims_size() == 2) p.weight_axis = 1;
          p.act_inputs = {0};
        } else if (is_float(node.input(1)) && !idx.IsInitializer(node.input(1))) {
          p.act_inputs = {0, 1};
        } else {
          refuse("B is not float32");
          break;
        }
        p.quantized = true;
        break;
      }
      case StaticRole::kBinary:
      case StaticRole::kConcat: {
        bool ok = outputs_float, any_activation = false, fed_by_hardsigmoid = false;
        for (int k = 0; k < node.input_size() && ok; ++k) {
          const std::string& in = node.input(k);
          if (idx.IsInitializer(in)) {
            ok = const_float(in) != nullptr;
            if (ok) p.const_inputs.push_back(k);
          } else {
            ok = is_float(in);
            any_activation = true;
            p.act_inputs.push_back(k);
            auto pr = idx.producer.find(in);
            if (pr != idx.producer.end() && g.node(pr->second).op_type() == "HardSigmoid") fed_by_hardsigmoid = true;
          }
        }
        if (!ok) { refuse("an input is not float32"); p.act_inputs.clear(); p.const_inputs.clear(); break; }
        if (!any_activation) { refuse("all inputs are constants"); p.const_inputs.clear(); break; }
        if (node.op_type() == "Mul" && fed_by_hardsigmoid && options.hard_sigmoid == HardSigmoidPolicy::kFloat) {
          refuse("fed by a HardSigmoid, which has no int8 kernel in ORT: kept fp32 with it (HardSigmoid policy 'float')");
          ++plan.hardsigmoid_muls_kept_float;
          p.act_inputs.clear();
          p.const_inputs.clear();
          break;
        }
        p.quantized = true;
        break;
      }
      case StaticRole::kPool:
        if (!is_float(node.input(0)) || !outputs_float) { refuse("input or output is not float32"); break; }
        p.act_inputs = {0};
        p.quantized = true;
        break;
      case StaticRole::kPassthrough: {
        const bool indices_used = node.op_type() == "MaxPool" && node.output_size() > 1 && !node.output(1).empty() &&
                                  idx.UseCount(node.output(1)) > 0;
        if (indices_used) { refuse("MaxPool indices output is used"); break; }
        if (!is_float(node.input(0)) || !outputs_float) { refuse("input or output is not float32"); break; }
        if (!produced_by_quantized(node.input(0))) { refuse("its input is not produced by a quantized node (nothing to keep in int8)"); break; }
        if (model_outputs.count(node.output(0)) && !options.quantize_graph_outputs) {
          refuse("its output is a graph output, which stays float");
          break;
        }
        p.act_inputs = {0};
        p.quantized = true;
        break;
      }
      case StaticRole::kActivation: {
        double lo = 0, hi = 0;
        const std::string& in = node.input(0);
        auto pr = final_producer.find(in);
        const int producer = pr == final_producer.end() ? -1 : pr->second;
        const bool producer_ok = producer >= 0 && plan.nodes[static_cast<size_t>(producer)].quantized &&
                                 CanAbsorbActivation(plan.nodes[static_cast<size_t>(producer)].role);
        if (!ActivationBounds(node, idx, opset, &lo, &hi)) { refuse("Clip bounds are not constant scalars"); break; }
        if (!producer_ok) { refuse("its input is not the output of a quantized Conv/Gemm/MatMul/Add/Mul/Concat/pool"); break; }
        if (idx.UseCount(in) != 1) { refuse("its input has other consumers, so the range cannot be folded"); break; }
        if (!(lo <= 0.0 && hi >= 0.0)) { refuse("Clip range " + JoinBounds(lo, hi) + " does not contain 0"); break; }
        if (model_outputs.count(node.output(0)) && !options.quantize_graph_outputs) {
          refuse("its output is a graph output, which stays float");
          break;
        }
        if (!outputs_float) { refuse("output is not float32"); break; }
        p.folded = true;
        p.quantized = true;
        p.folded_into = producer;
        plan.output_rename[in] = node.output(0);
        if (auto c = plan.clamp.find(in); c != plan.clamp.end()) {  // Relu then Clip: intersect
          lo = std::max(lo, c->second.first);
          hi = std::min(hi, c->second.second);
        }
        plan.clamp[node.output(0)] = {lo, hi};
        final_producer[node.output(0)] = producer;
        break;
      }
    }
  }

  // The tensors that get a Q→DQ pair: activation inputs and the output of every quantized node.
  auto add_act = [&](const std::string& t) {
    if (t.empty() || (model_outputs.count(t) && !options.quantize_graph_outputs)) return;
    if (keep_float && keep_float->count(t)) return;
    if (plan.act_set.insert(t).second) plan.act_tensors.push_back(t);
  };
  auto final_name = [&](std::string t) {  // follows Conv → Relu → Clip chains
    for (auto it = plan.output_rename.find(t); it != plan.output_rename.end(); it = plan.output_rename.find(t)) t = it->second;
    return t;
  };
  for (int i = 0; i < n; ++i) {
    const StaticNodePlan& p = plan.nodes[static_cast<size_t>(i)];
    if (!p.quantized || p.folded) continue;
    const onnx::NodeProto& node = g.node(i);
    for (int k : p.act_inputs) add_act(node.input(k));
    const std::string out = final_name(node.output(0));
    add_act(out);
    if (p.role == StaticRole::kPassthrough) plan.share[out] = node.input(0);
  }

  // Concat: an input written only for the Concat by a quantized compute node takes the output's params.
  if (options.share_concat_scales) {
    for (int i = 0; i < n; ++i) {
      const StaticNodePlan& p = plan.nodes[static_cast<size_t>(i)];
      if (!p.quantized || p.role != StaticRole::kConcat) continue;
      const onnx::NodeProto& node = g.node(i);
      const std::string out = final_name(node.output(0));
      if (!plan.act_set.count(out)) continue;  // a float graph output has no scale to share
      std::set<std::string> seen;
      for (int k : p.act_inputs) {
        const std::string& in = node.input(k);
        if (!seen.insert(in).second) continue;
        auto pr = final_producer.find(in);
        if (pr == final_producer.end()) continue;
        const StaticNodePlan& prod = plan.nodes[static_cast<size_t>(pr->second)];
        if (!prod.quantized || prod.role == StaticRole::kPassthrough || !CanAbsorbActivation(prod.role)) continue;
        if (idx.UseCount(in) != 1 || plan.share.count(in)) continue;
        plan.share[in] = out;
      }
    }
  }
  if (unused_excludes) *unused_excludes = exclude.Unused();
  return plan;
}

}  // namespace qbench::quant_internal
