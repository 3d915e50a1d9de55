// The static QDQ scheme: rewrites the planned graph with QuantizeLinear/DequantizeLinear pairs,
// int8 weights and int32 biases, as ONNX Runtime's qdq_quantizer.py does and in the form its CPU
// provider fuses (QLinearConv, QGemm, QLinearMatMul, QLinearAdd/Mul/Concat/GlobalAveragePool).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "qbench/core/error.h"
#include "qbench/quantization/quant_math.h"
#include "quantization/graph_util.h"
#include "quantization/range_rules.h"
#include "quantization/scheme_util.h"
#include "quantization/static_plan.h"

namespace qbench::quant_internal {
namespace {

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// True when input `k` of `node` reads its float value as a count, a shape, a size or an integer,
// so that one quantization step can change the shape or the dtype-converted value of an output:
// Range's start/limit/delta (10.0 dequantized as 10.04 gives 11 elements), Resize's roi/scales/
// sizes and Upsample's scales, OneHot's depth, and a Cast to an integer or bool type (9.96 → 9).
// Such inputs keep reading the fp32 tensor, never its DequantizeLinear output.
bool ReadsValueAsShapeOrCount(const onnx::NodeProto& node, int k) {
  if (!IsDefaultDomain(node)) return false;
  const std::string& op = node.op_type();
  if (op == "Range") return true;
  if (op == "Resize" || op == "Upsample") return k >= 1;
  if (op == "OneHot") return k == 1;
  if (op == "Cast") {
    const int to = static_cast<int>(AttrInt(node, "to", 0));
    return to != static_cast<int>(DType::kFloat32) && to != static_cast<int>(DType::kFloat16) &&
           to != static_cast<int>(DType::kFloat64) && to != static_cast<int>(DType::kBFloat16);
  }
  return false;
}

class StaticQdqScheme : public QuantizationScheme {
 public:
  std::vector<std::string> TensorsToCalibrate(const Model& prepared, const QuantizeOptions& options) const override {
    Model model = prepared;
    const auto derived = DecomposeHardSigmoid(&model, options);
    const StaticPlan plan = BuildStaticPlan(model, options, nullptr);
    const GraphIndex idx(model.proto.graph());
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& t : plan.act_tensors) {
      auto s = plan.share.find(t);
      const bool passthrough_copy = s != plan.share.end() && !plan.clamp.count(t) && idx.producer.count(t) &&
                                    plan.nodes[static_cast<size_t>(idx.producer.at(t))].role == StaticRole::kPassthrough;
      if (passthrough_copy) continue;
      auto d = derived.find(t);  // a tensor the rewrite created: calibrate its source instead
      const std::string name = d == derived.end() ? t : d->second.source;
      if (seen.insert(name).second) names.push_back(name);
    }
    return names;
  }

  Model Quantize(const Model& prepared, const QuantizeOptions& options, const CalibrationTable& ranges,
                 QuantizeReport* report) const override;

  std::string DescribeWeights(const QuantizeOptions& options) const override {
    switch (options.granularity) {
      case WeightGranularity::kPerChannel: return PerChannelWeightsText(options);
      case WeightGranularity::kPerTensor: return WeightStorageText(options) + " per-tensor";
      case WeightGranularity::kDefault: break;
    }
    return WeightStorageText(options) + "; Conv per output channel, Gemm/MatMul per-tensor";
  }
  std::string DescribeActivations(const QuantizeOptions& options, const std::string& calibration) const override {
    return ShortTypeName(options.activation_type) + " asymmetric per-tensor, calibrated (" + calibration + ")";
  }
};

// The rewrite of one model; members hold the state shared by the emit helpers.
class QdqWriter {
 public:
  QdqWriter(const Model& prepared, const QuantizeOptions& options, const CalibrationTable& ranges, QuantizeReport* report)
      : in_(prepared), options_(options), ranges_(ranges), report_(report), idx_(prepared.proto.graph()),
        names_(prepared.proto.graph()) {}

  Model Run();

 private:
  const QuantParams& ParamsOf(const std::string& t, int depth = 0);
  void EmitQdq(const std::string& t, onnx::NodeProto* producer);
  std::string EmitWeight(const onnx::NodeProto& node, const StaticNodePlan& p, std::string* how);
  std::string EmitConstInput(const std::string& name);
  std::string EmitFloatOnlyDq(const onnx::NodeProto& node);
  struct SharedWeight {
    std::string data, scale, zero_point;  // initializers: s8 (or u8) values, float32 scales, s8 (u8) zero points
    WeightQuantParams params;             // the s8 parameters (before any ShiftWeightToUint8)
    bool unsigned_storage = false;        // stored as u8 (WeightRange::kUnsigned)
    int consumers = 0;                    // quantized nodes reading it at this axis
  };
  const SharedWeight& WeightFor(const std::string& w_name, int axis);

  const Model& in_;
  const QuantizeOptions& options_;
  const CalibrationTable& ranges_;
  QuantizeReport* report_;
  GraphIndex idx_;
  NameScope names_;
  StaticPlan plan_;
  onnx::GraphProto* g_ = nullptr;                 // the output graph (initializers added here)
  std::vector<onnx::NodeProto> nodes_;            // the output node list
  std::map<std::string, QuantParams> params_;
  std::map<std::string, std::string> dq_name_;    // activation tensor → its DequantizeLinear output
  std::map<std::string, std::string> fp32_name_;  // a graph output quantized in place → its fp32 value ("…_prequant")
  std::map<std::string, std::string> q_name_;     // activation tensor → its QuantizeLinear output
  std::map<std::int32_t, std::string> shared_zero_points_;  // activation zero point → initializer
  std::string bias_out_;                          // set by EmitWeight: the bias DQ output ("" if none)
  std::map<std::string, SharedWeight> weights_;   // weight|axis → its int8 copy (once per model)
  int depthwise_full_range_ = 0;                  // weights kept at 8 bits under reduce_range (WeightFor)
  std::map<std::string, int> const_inputs_;       // constant inputs quantized as activations, by form (EmitConstInput)
};

const QuantParams& QdqWriter::ParamsOf(const std::string& t, int depth) {
  if (auto it = params_.find(t); it != params_.end()) return it->second;
  if (depth > 64) throw Error(ErrorCode::kRuntime, "scale sharing loop at tensor '" + t + "'");
  auto clamp = plan_.clamp.find(t);
  if (auto s = plan_.share.find(t); s != plan_.share.end()) {
    const QuantParams& shared = ParamsOf(s->second, depth + 1);
    const QuantRange r = QuantRangeFor(options_.activation_type, false);
    const double lo = (r.qmin - shared.zero_point) * double(shared.scale), hi = (r.qmax - shared.zero_point) * double(shared.scale);
    // Sharing must not widen a folded Relu/Clip: keep it only when the shared range fits the bounds.
    const bool fits = clamp == plan_.clamp.end() ||
                      (lo >= clamp->second.first - 1e-6 * std::fabs(lo) && hi <= clamp->second.second + 1e-6 * std::fabs(hi));
    const bool is_passthrough = !ranges_.count(t);
    if (fits || is_passthrough) return params_[t] = shared;
  }
  auto r = ranges_.find(t);
  if (r == ranges_.end())
    throw Error(ErrorCode::kInvalidArgument, "the calibration table has no range for tensor '" + t +
                                                 "', which the static scheme quantizes; calibrate the same prepared model");
  double lo = r->second.min, hi = r->second.max;
  if (clamp != plan_.clamp.end()) {
    lo = std::max(lo, clamp->second.first);
    hi = std::min(hi, clamp->second.second);
    if (lo > hi) lo = hi = std::clamp(0.0, clamp->second.first, clamp->second.second);
  }
  return params_[t] = ComputeQuantParams(static_cast<float>(lo), static_cast<float>(hi), options_.activation_type, false);
}

// Q→DQ after `t`. A graph output keeps its name on the DQ output (the producer writes t_prequant).
void QdqWriter::EmitQdq(const std::string& t, onnx::NodeProto* producer) {
  const QuantParams& p = ParamsOf(t);
  const std::string scale = names_.Unique(t + "_scale");
  SetScalarInitializer(g_, scale, p.scale);
  // Zero points repeat (0 after every folded Relu): one shared scalar initializer per value.
  auto zp_it = shared_zero_points_.find(p.zero_point);
  if (zp_it == shared_zero_points_.end()) {
    const std::string name = names_.Unique("zero_point_" + ShortTypeName(options_.activation_type) + "_" +
                                           (p.zero_point < 0 ? "m" + std::to_string(-p.zero_point) : std::to_string(p.zero_point)));
    SetScalarInitializer(g_, name, options_.activation_type, p.zero_point);
    zp_it = shared_zero_points_.emplace(p.zero_point, name).first;
  }
  const std::string zp = zp_it->second;
  std::string source = t, dq_out;
  if (idx_.graph_outputs.count(t)) {
    source = names_.Unique(t + "_prequant");
    if (producer)
      for (auto& o : *producer->mutable_output())
        if (o == t) o = source;
    dq_out = t;
  } else {
    dq_out = names_.Unique(t + "_dq");
  }
  const std::string q_out = names_.Unique(t + "_q");
  nodes_.push_back(MakeNode("QuantizeLinear", names_.Unique(t + "_Q"), {source, scale, zp}, {q_out}));
  nodes_.push_back(MakeNode("DequantizeLinear", names_.Unique(t + "_DQ"), {q_out, scale, zp}, {dq_out}));
  dq_name_[t] = dq_out;
  q_name_[t] = q_out;
  if (source != t) fp32_name_[t] = source;
}

// A float Conv/ConvTranspose/Gemm that reads a DQ output with a scalar scale and writes into a Q is
// quantized anyway by ORT's WeightBiasQuantization transformer (it quantizes float weights per
// tensor). To keep an excluded node fp32, it reads its own DequantizeLinear whose scale and zero
// point are vectors along the channel axis (same values), which that transformer skips.
// Returns "" when the channel count is unknown (the shared DQ is used then).
std::string QdqWriter::EmitFloatOnlyDq(const onnx::NodeProto& node) {
  const std::string& t = node.input(0);
  const onnx::TensorProto* w = node.input_size() >= 2 ? idx_.Initializer(node.input(1)) : nullptr;
  if (!q_name_.count(t) || !w || w->dims_size() < 2) return "";
  std::int64_t channels = 0;
  int axis = 1;
  if (node.op_type() == "Conv") {
    channels = w->dims(1) * AttrInt(node, "group", 1);
  } else if (node.op_type() == "ConvTranspose") {
    channels = w->dims(0);
  } else {  // Gemm: K runs along axis 1 of A (axis 0 when transA=1)
    channels = AttrInt(node, "transB", 0) ? w->dims(1) : w->dims(0);
    axis = AttrInt(node, "transA", 0) ? 0 : 1;
  }
  if (channels <= 0) return "";
  const QuantParams& p = ParamsOf(t);
  const std::string scale = names_.Unique(t + "_scale_per_axis"), zp = names_.Unique(t + "_zp_per_axis");
  SetVectorInitializer(g_, scale, std::vector<float>(static_cast<size_t>(channels), p.scale), {channels});
  SetVectorInitializer(g_, zp, options_.activation_type, std::vector<std::int32_t>(static_cast<size_t>(channels), p.zero_point),
                       {channels});
  const std::string out = names_.Unique(t + "_dq_for_" + (node.name().empty() ? node.op_type() : node.name()));
  onnx::NodeProto dq = MakeNode("DequantizeLinear", names_.Unique(out + "_DQ"), {q_name_.at(t), scale, zp}, {out});
  SetAttrInt(&dq, "axis", axis);
  nodes_.push_back(dq);
  return out;
}

// Constant input of Add/Mul/Concat: activation type, per tensor, range from its values.
std::string QdqWriter::EmitConstInput(const std::string& name) {
  const HostTensor v = FloatTensorOf(*idx_.Initializer(name));
  const WeightQuantParams wp = ComputeWeightQuantParams(v, -1, options_.activation_type, false, name);
  const StoredWeight s = StoreQuantizedWeight(g_, names_.Unique(name + "_q"), names_.Unique(name + "_scale"),
                                              names_.Unique(name + "_zp"), QuantizeWeight(v, wp), wp, {});
  const int n = g_->initializer_size();  // data, scale, zero point: the last three
  ++const_inputs_[Int8WeightForm(g_->initializer(n - 3), &g_->initializer(n - 1))];
  const std::string out = names_.Unique(name + "_dq");
  nodes_.push_back(MakeNode("DequantizeLinear", names_.Unique(name + "_DQ"), {s.data, s.scale, s.zero_point}, {out}));
  return out;
}

// The int8 copy of weight `w_name` at `axis`, made once per model: a weight read by several
// quantized nodes is stored once. Its channel scales are enlarged, where needed, for the int32 bias
// of every such node (each with its own input scale); the per-channel maximum over the nodes keeps
// every bias within kMaxBiasMagnitudeQ, since a larger weight scale only shrinks bias_q.
const QdqWriter::SharedWeight& QdqWriter::WeightFor(const std::string& w_name, int axis) {
  const std::string key = w_name + "|" + std::to_string(axis);
  if (auto it = weights_.find(key); it != weights_.end()) return it->second;
  const HostTensor w = FloatTensorOf(*idx_.Initializer(w_name));
  const onnx::GraphProto& src = in_.proto.graph();
  // 7-bit weights (reduce_range) are the remedy for ORT's saturating u8s8 GEMM kernels; a weight read
  // only by depthwise Convs runs MLAS's depthwise kernel, which never saturates: full 8 bits there.
  bool reduce = ReduceWeightRange(options_), depthwise_only = true;
  for (int j = 0; j < src.node_size() && reduce; ++j) {
    const StaticNodePlan& q = plan_.nodes[static_cast<size_t>(j)];
    if (!q.quantized || q.folded || q.weight_input < 0 || src.node(j).input(q.weight_input) != w_name) continue;
    depthwise_only = depthwise_only && RunsDepthwiseKernel(src.node(j), w.shape);
  }
  if (reduce && depthwise_only) {
    reduce = false;
    ++depthwise_full_range_;
  }
  const WeightQuantParams base = ComputeWeightQuantParams(w, axis, DType::kInt8, true, w_name, reduce);
  SharedWeight sw;
  sw.params = base;
  int biased = 0;
  for (int j = 0; j < src.node_size(); ++j) {
    const StaticNodePlan& q = plan_.nodes[static_cast<size_t>(j)];
    if (!q.quantized || q.folded || q.weight_input < 0 || q.weight_axis != axis || src.node(j).input(q.weight_input) != w_name) continue;
    ++sw.consumers;
    if (q.bias_input < 0) continue;
    const HostTensor b = FloatTensorOf(*idx_.Initializer(src.node(j).input(q.bias_input)));
    WeightQuantParams adjusted = base;
    const int changed = AdjustWeightScalesForInt32Bias(std::vector<float>(b.data<float>(), b.data<float>() + b.num_elements()),
                                                       ParamsOf(src.node(j).input(q.act_inputs[0])).scale, &adjusted);
    if (changed > 0)
      report_->notes.push_back("'" + src.node(j).name() + "': " + std::to_string(changed) + " weight channel scale(s) enlarged so the "
                               "int32 bias fits (near-zero or all-zero channel with a bias; ORT PR #22020)");
    // The first biased consumer sets the scales (a degenerate channel's may shrink to the bias-exact
    // one), later ones can only enlarge them.
    const bool first = biased++ == 0;
    for (size_t c = 0; c < adjusted.scales.size(); ++c)
      sw.params.scales[c] = first ? adjusted.scales[c] : std::max(sw.params.scales[c], adjusted.scales[c]);
  }
  for (size_t c = 0; c < base.scales.size(); ++c) report_->bias_scale_adjustments += sw.params.scales[c] != base.scales[c];
  HostTensor q = QuantizeWeight(w, sw.params);
  WeightQuantParams stored = sw.params;
  if (UnsignedWeights(options_)) ShiftWeightToUint8(&q, &stored);  // same real values, ORT's exact u8u8 kernels
  sw.unsigned_storage = stored.dtype == DType::kUint8;
  const std::int64_t channels = static_cast<std::int64_t>(sw.params.scales.size());
  const std::vector<std::int64_t> sshape = axis >= 0 ? std::vector<std::int64_t>{channels} : std::vector<std::int64_t>{};
  sw.data = names_.Unique(w_name + "_q");
  sw.scale = names_.Unique(w_name + "_scale");
  sw.zero_point = names_.Unique(w_name + "_zp");
  SetInitializer(g_, sw.data, q);
  SetVectorInitializer(g_, sw.scale, sw.params.scales, sshape);
  SetVectorInitializer(g_, sw.zero_point, stored.dtype, stored.zero_points, sshape);
  if (sw.consumers > 1)
    report_->notes.push_back("weight '" + w_name + "' is read by " + std::to_string(sw.consumers) + " quantized nodes: stored once in "
                             "int8 (" + sw.data + "), each node's bias quantized with its own input scale");
  return weights_[key] = sw;
}

// Weight (s8 symmetric) and bias (s32, scale = x_scale·w_scale) of a Conv/ConvTranspose/Gemm/MatMul.
std::string QdqWriter::EmitWeight(const onnx::NodeProto& node, const StaticNodePlan& p, std::string* how) {
  const std::string& w_name = node.input(p.weight_input);
  const SharedWeight& sw = WeightFor(w_name, p.weight_axis);
  const int w_rank = idx_.Initializer(w_name)->dims_size();
  const WeightQuantParams& wp = sw.params;
  bias_out_.clear();
  if (p.bias_input >= 0) {
    const std::string& b_name = node.input(p.bias_input);
    HostTensor b = FloatTensorOf(*idx_.Initializer(b_name));
    std::vector<float> bias(b.data<float>(), b.data<float>() + b.num_elements());
    const float x_scale = ParamsOf(node.input(p.act_inputs[0])).scale;
    const QuantizedBias qb = QuantizeBias(bias, x_scale, wp.scales);
    const std::int64_t nb = static_cast<std::int64_t>(bias.size());
    const std::string bq = names_.Unique(b_name + "_q"), bs = names_.Unique(b_name + "_scale");
    SetInitializer(g_, bq, qb.data);
    const std::vector<std::int64_t> sshape = qb.scales.size() > 1 ? std::vector<std::int64_t>{nb} : std::vector<std::int64_t>{};
    SetVectorInitializer(g_, bs, qb.scales, sshape);
    // No zero point input: DequantizeLinear defaults it to 0 (an int32 vector of zeros would add
    // 4 bytes per channel to the file for nothing).
    bias_out_ = names_.Unique(b_name + "_dq");
    onnx::NodeProto dq = MakeNode("DequantizeLinear", names_.Unique(b_name + "_DQ"), {bq, bs}, {bias_out_});
    if (qb.scales.size() > 1) SetAttrInt(&dq, "axis", 0);
    nodes_.push_back(dq);
  }
  const std::int64_t channels = static_cast<std::int64_t>(wp.scales.size());
  // Symmetric int8: every zero point is 0, DequantizeLinear's default. Conv weights read none (a
  // per-channel vector of zeros costs a byte per channel; ORT still fuses QLinearConv); Gemm/MatMul
  // read it, because ORT fuses QGemm / QLinearMatMul only with an explicit weight zero point.
  // One DequantizeLinear per consumer (ORT fuses each node unit with its own DQ).
  std::vector<std::string> dq_inputs = {sw.data, sw.scale};
  if ((p.role != StaticRole::kConv && p.role != StaticRole::kConvTranspose) || sw.unsigned_storage) dq_inputs.push_back(sw.zero_point);
  const std::string out = names_.Unique(w_name + "_dq");
  onnx::NodeProto dq = MakeNode("DequantizeLinear", names_.Unique(w_name + "_DQ"), dq_inputs, {out});
  if (p.weight_axis >= 0) SetAttrInt(&dq, "axis", p.weight_axis);
  nodes_.push_back(dq);
  *how = "QDQ: weight " + WeightTypeLabel(options_) + " " + (p.weight_axis >= 0 ? "per-channel axis " + std::to_string(p.weight_axis) + " (" +
                                                       std::to_string(channels) + " scales)"
                                                 : std::string("per-tensor")) +
         (p.role == StaticRole::kMatMul && p.weight_axis < 0 && options_.granularity == WeightGranularity::kPerChannel
              ? " (B has rank " + std::to_string(w_rank) + ": ORT's integer MatMul accepts per-column scales of a batched B "
                "only as [..., 1, N], which DequantizeLinear cannot express)"
              : std::string()) +
         (p.bias_input >= 0 ? ", bias s32" : "") + ", activations " + ShortTypeName(options_.activation_type) +
         (sw.consumers > 1 ? ", weight shared with " + std::to_string(sw.consumers - 1) + " other node(s)" : "");
  return out;
}

Model QdqWriter::Run() {
  std::vector<std::string> unused;
  // Plan once without the range rules to know what would be quantized, then keep the tensors the
  // rules reject (and every node touching them) fp32.
  const RangeRuleResult rules = ApplyRangeRules(in_, BuildStaticPlan(in_, options_, nullptr), ranges_);
  plan_ = BuildStaticPlan(in_, options_, &unused, &rules.keep_float);
  report_->notes.insert(report_->notes.end(), rules.notes.begin(), rules.notes.end());
  report_->warnings.insert(report_->warnings.end(), rules.warnings.begin(), rules.warnings.end());
  for (const auto& u : unused) report_->warnings.push_back({"exclude_unused", "--exclude '" + u + "' matched no node"});
  Model out = in_;
  g_ = out.proto.mutable_graph();
  const onnx::GraphProto& src = in_.proto.graph();

  for (const auto& v : src.input())
    if (plan_.act_set.count(v.name())) EmitQdq(v.name(), nullptr);

  for (int i = 0; i < src.node_size(); ++i) {
    const StaticNodePlan& p = plan_.nodes[static_cast<size_t>(i)];
    const onnx::NodeProto& orig = src.node(i);
    NodeDecision d{DisplayName(orig, i), orig.op_type(), p.quantized, "", p.reason};
    if (p.folded) {
      const auto& prod = src.node(p.folded_into);
      const auto& c = plan_.clamp.at(orig.output(0));
      d.how = "folded into the output range of '" + DisplayName(prod, p.folded_into) + "' (bounds [" + Fmt(c.first) + ", " +
              Fmt(c.second) + "])";
      report_->nodes.push_back(d);
      continue;
    }
    onnx::NodeProto node = orig;
    for (auto& o : *node.mutable_output()) {
      std::string t = o;
      for (auto it = plan_.output_rename.find(t); it != plan_.output_rename.end(); it = plan_.output_rename.find(t)) t = it->second;
      o = t;
    }
    if (p.quantized) {
      // Activation inputs first so the bias can use the input scale.
      for (int k = 0; k < node.input_size(); ++k) {
        const std::string in = node.input(k);
        if (k == p.weight_input || k == p.bias_input) continue;
        if (std::find(p.const_inputs.begin(), p.const_inputs.end(), k) != p.const_inputs.end()) {
          node.set_input(k, EmitConstInput(in));
        }
      }
      std::string how = "QDQ: activations " + ShortTypeName(options_.activation_type);
      if (p.weight_input >= 0) {
        node.set_input(p.weight_input, EmitWeight(orig, p, &how));
        if (p.bias_input >= 0) node.set_input(p.bias_input, bias_out_);
      }
      if (p.role == StaticRole::kPassthrough) how = "int8 pass-through (reuses its input's scale/zero point)";
      if (p.role == StaticRole::kConcat && options_.share_concat_scales) how += ", inputs share the output scale where they can";
      d.how = how;
    }
    const bool weight_op = node.op_type() == "Conv" || node.op_type() == "ConvTranspose" || node.op_type() == "Gemm";
    if (!p.quantized && weight_op && IsDefaultDomain(node) && node.input_size() >= 2) {
      const std::string own = EmitFloatOnlyDq(node);
      if (!own.empty()) node.set_input(0, own);
    }
    for (int k = 0; k < node.input_size(); ++k) {
      const auto it = dq_name_.find(node.input(k));
      if (it == dq_name_.end()) continue;
      if (!ReadsValueAsShapeOrCount(node, k)) {
        node.set_input(k, it->second);
      } else if (auto f = fp32_name_.find(node.input(k)); f != fp32_name_.end()) {
        node.set_input(k, f->second);
      }
    }
    nodes_.push_back(node);
    const size_t pos = nodes_.size() - 1;
    for (int k = 0; k < node.output_size(); ++k) {
      const std::string t = node.output(k);
      if (plan_.act_set.count(t)) {
        onnx::NodeProto* producer = &nodes_[pos];
        EmitQdq(t, producer);
      }
    }
    report_->nodes.push_back(d);
    ReportSubgraphNodesKeptFloat(orig, d.name,
                                 "inside a subgraph: the static scheme calibrates main-graph tensors only (ORT cannot "
                                 "output a tensor from inside a Loop/If/Scan body); --mode dynamic quantizes "
                                 "MatMul/Gemm/Conv there",
                                 &report_->nodes);
  }
  g_->clear_node();
  for (auto& n : nodes_) *g_->add_node() = std::move(n);
  RemoveUnreadQdqNodes(g_);  // e.g. a tensor's shared DQ when its only consumer is an fp32 island with its own
  g_->clear_value_info();  // shapes of renamed tensors would be stale; ORT re-infers them
  RemoveUnusedInitializers(g_);

  // What the file holds besides the planned weights (DescribeWeights), each with why: the quantizer
  // checks report->weights against the file (WeightsAsWritten).
  if (depthwise_full_range_ > 0)
    report_->weights += "; " + std::to_string(depthwise_full_range_) + " depthwise Conv weight(s) " + kWeightsS8Symmetric +
                        " [-127, 127] (full 8 bits: 7 bits avoid the saturation of ORT's u8s8 GEMM kernels, and its "
                        "depthwise kernel multiplies in 32 bits; docs/quantization.md, \"Weight range\")";
  for (const auto& [form, count] : const_inputs_)
    report_->weights += "; " + std::to_string(count) + " constant input(s) of Add/Mul/Concat " + form +
                        " per-tensor (quantized as activations, " + ShortTypeName(options_.activation_type) + ")";
  if (plan_.graph_output_nodes_kept_float > 0 && !options_.quantize_graph_outputs)
    report_->notes.push_back(std::to_string(plan_.graph_output_nodes_kept_float) +
                             " Conv/Add/Mul/Concat/pool node(s) write a graph output and stay fp32: ORT runs them in "
                             "int8 only with a quantized output; --quantize-outputs quantizes graph outputs (adds "
                             "output quantization error)");
  if (plan_.hardsigmoid_nodes > 0) {
    report_->notes.push_back(
        std::to_string(plan_.hardsigmoid_nodes) + " HardSigmoid node(s) run in fp32: ORT has no int8 HardSigmoid. " +
        (options_.hard_sigmoid == HardSigmoidPolicy::kQdqAround
             ? std::string("The naive recipe wraps them and their Mul in Q/DQ pairs; on MobileNetV3 this int8 model is "
                           "slower than fp32 (docs/measurement.md): measure with `qbench bench`.")
             : std::to_string(plan_.hardsigmoid_muls_kept_float) +
                   " Mul(s) fed by them are kept fp32 too (one DQ before and one Q after each hardswish/gate instead of "
                   "Q/DQ round trips); int8 may still be slower than fp32 on such models: measure with `qbench bench`."));
  }
  return out;
}

Model StaticQdqScheme::Quantize(const Model& prepared, const QuantizeOptions& options, const CalibrationTable& ranges,
                                QuantizeReport* report) const {
  Model model = prepared;
  const auto derived = DecomposeHardSigmoid(&model, options);
  CalibrationTable all = ranges;
  for (const auto& [name, d] : derived) {
    auto src = ranges.find(d.source);
    if (src == ranges.end()) continue;
    auto affine = [&](float lo, float hi) {
      const double a = d.scale * lo + d.offset, b = d.scale * hi + d.offset;
      return TensorRange{static_cast<float>(std::min(a, b)), static_cast<float>(std::max(a, b))};
    };
    TensorRange r = affine(src->second.min, src->second.max);
    const TensorRange extent = DataExtent(src->second), e = affine(extent.min, extent.max);
    r.data_min = e.min;
    r.data_max = e.max;
    r.empty = src->second.empty;
    all[name] = r;
  }
  if (!derived.empty())
    report->notes.push_back(std::to_string(derived.size() / 2) + " HardSigmoid node(s) rewritten as Mul(alpha) -> Add(beta) -> "
                            "Clip(0, 1) so that ORT runs them in int8 (QLinearMul, QLinearAdd; ORT has no int8 HardSigmoid)");
  QdqWriter writer(model, options, all, report);
  return writer.Run();
}

}  // namespace

std::unique_ptr<QuantizationScheme> MakeStaticQdqScheme() { return std::make_unique<StaticQdqScheme>(); }

}  // namespace qbench::quant_internal
