// The dynamic scheme: 8-bit weights stored in the file, activations quantized to u8 at run time by
// DynamicQuantizeLinear, as ONNX Runtime's IntegerOps quantizer
// (onnxruntime/python/tools/quantization/operators/{matmul,conv,lstm}.py). The weights, per tensor by
// default: Conv u8 asymmetric (ORT's u8u8 ConvInteger, the faster path, docs/measurement.md), whatever
// --weight-range says; MatMul/Gemm s8 symmetric (full or 7-bit) or u8 with zero point 128, by
// --weight-range; LSTM s8 symmetric (7-bit where --weight-range asks for u8). --per-channel: Conv and
// MatMul/Gemm s8 symmetric (or u8 with zero point 128) per output channel, LSTM per gate row.
//   MatMul/Gemm: DynamicQuantizeLinear(A) → MatMulInteger(A_q, B_q, A_zp, B_zp) → Cast → Mul(A_scale·B_scale) [→ Add C]
//                (ORT fuses this chain into DynamicQuantizeMatMul / MatMulIntegerToFloat)
//   Conv:        DynamicQuantizeLinear(X) → ConvInteger → Cast → Mul(X_scale·W_scale) [→ Add bias]
//   LSTM:        com.microsoft.DynamicQuantizeLSTM with W/R int8, transposed to [dirs, in, 4·hidden]
// Subgraphs (Loop/Scan bodies, If branches) are rewritten the same way, recursively: a weight may be
// an initializer of the body or of any enclosing graph; its int8 copy goes where the float one is.
// A weight read by several nodes is quantized once (one int8 initializer, shared).
#include <algorithm>
#include <cstring>
#include <functional>

#include "qbench/core/error.h"
#include "qbench/quantization/quant_math.h"
#include "quantization/graph_util.h"
#include "quantization/scheme_util.h"

namespace qbench::quant_internal {
namespace {

constexpr int kFloat = 1;

struct DynamicInput {
  std::string q, scale, zero_point;
};

// Resolves `conv`'s auto_pad into explicit pads (ONNX Conv: SAME_* pads so that
// out = ceil(in / stride), total = max(0, (out − 1)·stride + (k − 1)·dilation + 1 − in), the odd
// one at the end for SAME_UPPER and at the beginning for SAME_LOWER; VALID pads nothing). ORT's
// ConvInteger refuses SAME_* with dilations (ComputePadAndOutputShape: "Dilation not supported"),
// and explicit pads do not depend on how an ORT version treats auto_pad. `x_dims` is the input's
// inferred shape ({} or -1 entries when unknown), `kernel` the weight's spatial dims. Without the
// spatial size, SAME_* / VALID stay as auto_pad when that runs in ORT (no dilation). Returns "" or
// the reason to keep the Conv fp32.
std::string ResolveAutoPad(onnx::NodeProto* conv, const std::vector<std::int64_t>& x_dims, const std::vector<std::int64_t>& kernel) {
  const std::string mode = AttrString(*conv, "auto_pad", "NOTSET");
  if (mode == "NOTSET") return "";
  const size_t r = kernel.size();
  std::vector<std::int64_t> strides = AttrInts(*conv, "strides"), dilations = AttrInts(*conv, "dilations");
  if (strides.empty()) strides.assign(r, 1);
  if (dilations.empty()) dilations.assign(r, 1);
  if (strides.size() != r || dilations.size() != r) return "strides/dilations do not match the kernel's rank";
  bool known = x_dims.size() == r + 2;
  for (size_t i = 0; known && i < r; ++i) known = x_dims[i + 2] > 0;
  const bool dilated = std::any_of(dilations.begin(), dilations.end(), [](std::int64_t d) { return d != 1; });
  if (!known) {
    if (mode != "VALID" && dilated)
      return "auto_pad " + mode + " with dilations needs explicit pads (ORT's ConvInteger refuses the combination), "
             "and the input's spatial size is not fixed in the model";
    return "";
  }
  std::vector<std::int64_t> pads(2 * r, 0);
  if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
    for (size_t i = 0; i < r; ++i) {
      const std::int64_t in = x_dims[i + 2], out = (in + strides[i] - 1) / strides[i];
      const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
      const std::int64_t small = total / 2, large = total - small;
      pads[i] = mode == "SAME_UPPER" ? small : large;
      pads[i + r] = mode == "SAME_UPPER" ? large : small;
    }
  } else if (mode != "VALID") {
    return "unknown auto_pad '" + mode + "'";
  }
  RemoveAttr(conv, "auto_pad");
  SetAttrInts(conv, "pads", pads);
  return "";
}

class DynamicWriter {
 public:
  DynamicWriter(const Model& prepared, const QuantizeOptions& options, QuantizeReport* report)
      : in_(prepared), options_(options), report_(report), exclude_(options.exclude), names_(prepared.proto.graph()) {}
  Model Run();

 private:
  // One graph being rewritten: the input graph and its copy in the output model.
  struct Scope {
    const onnx::GraphProto* src;
    onnx::GraphProto* dst;
  };
  // Rewrites the nodes of `src` into `dst` (a copy of src whose nodes are replaced); `prefix` names
  // the enclosing node in reports ("loop/body/").
  void RewriteGraph(const onnx::GraphProto& src, onnx::GraphProto* dst, const std::string& prefix);
  const DynamicInput& Quantized(const std::string& activation);
  // Returns "" when quantized (and the nodes were emitted), else the reason to keep it float.
  std::string MatMulLike(const onnx::NodeProto& node, std::string* how);
  std::string Conv(const onnx::NodeProto& node, std::string* how);
  std::string Lstm(const onnx::NodeProto& node, std::string* how);
  std::string Granularity(bool per_channel, int axis) const {
    return per_channel ? "per-channel axis " + std::to_string(axis) : "per-tensor";
  }
  bool IsFloat(const std::string& name) const {
    auto it = tensors_.find(name);
    return it != tensors_.end() && it->second.elem_type == kFloat;
  }
  // A float32 initializer visible from the current graph (its own, or an enclosing graph's: ONNX
  // outer-scope reference); `owner` receives the output graph that holds it.
  const onnx::TensorProto* ConstFloat(const std::string& name, onnx::GraphProto** owner = nullptr) const {
    for (auto s = scopes_.rbegin(); s != scopes_.rend(); ++s) {
      for (const auto& t : s->src->initializer()) {
        if (t.name() != name) continue;
        if (owner) *owner = s->dst;
        return t.data_type() == kFloat ? &t : nullptr;
      }
    }
    return nullptr;
  }
  // The int8 copy of weight `name` for `variant` (layout and granularity), made once per model by
  // `make` and stored in the graph that holds the float weight.
  const StoredWeight& SharedWeight(const std::string& name, const std::string& variant,
                                   const std::function<StoredWeight(onnx::GraphProto* owner)>& make);

  const Model& in_;
  const QuantizeOptions& options_;
  QuantizeReport* report_;
  const ExcludeMatcher exclude_;
  NameScope names_;
  std::map<std::string, InferredTensor> tensors_;  // every scope's tensors (names are unique)
  std::vector<Scope> scopes_;
  onnx::GraphProto* g_ = nullptr;                             // the output graph being written
  std::vector<onnx::NodeProto> nodes_;                        // its node list
  std::map<std::string, DynamicInput> quantized_inputs_;      // its DynamicQuantizeLinear outputs
  std::map<std::string, StoredWeight> weights_;               // name|variant → int8 copy (whole model)
  std::map<std::string, int> weight_uses_;                    // name|variant → quantized nodes reading it
  int convs_ = 0;
  bool uses_ms_domain_ = false;
};

const StoredWeight& DynamicWriter::SharedWeight(const std::string& name, const std::string& variant,
                                                const std::function<StoredWeight(onnx::GraphProto* owner)>& make) {
  const std::string key = name + "|" + variant;
  ++weight_uses_[key];
  if (auto it = weights_.find(key); it != weights_.end()) return it->second;
  onnx::GraphProto* owner = g_;
  ConstFloat(name, &owner);
  return weights_[key] = make(owner);
}

const DynamicInput& DynamicWriter::Quantized(const std::string& a) {
  if (auto it = quantized_inputs_.find(a); it != quantized_inputs_.end()) return it->second;
  DynamicInput d{names_.Unique(a + "_quantized"), names_.Unique(a + "_scale"), names_.Unique(a + "_zero_point")};
  nodes_.push_back(MakeNode("DynamicQuantizeLinear", names_.Unique(a + "_DynamicQuantizeLinear"), {a}, {d.q, d.scale, d.zero_point}));
  return quantized_inputs_[a] = d;
}

std::string DynamicWriter::MatMulLike(const onnx::NodeProto& node, std::string* how) {
  const bool gemm = node.op_type() == "Gemm";
  if (node.input_size() < 2 || !IsFloat(node.input(0))) return "input A is not float32";
  const onnx::TensorProto* bt = ConstFloat(node.input(1));
  if (!bt) return "B is not a constant float32 tensor (the weight must be an initializer)";
  if (gemm ? bt->dims_size() != 2 : bt->dims_size() < 2) return "B is a constant of rank " + std::to_string(bt->dims_size()) +
                                                                 (gemm ? ", Gemm needs a matrix" : ", MatMulInteger needs rank >= 2");
  if (gemm && (AttrFloat(node, "alpha", 1.0f) != 1.0f)) return "alpha != 1 could not be folded";
  const bool per_channel = options_.granularity == WeightGranularity::kPerChannel;
  const bool trans_b = gemm && AttrInt(node, "transB", 0) != 0;
  const std::string& base = node.input(1);
  // Per-channel: one scale per column of each matrix, shaped [N] or [..., 1, N] (what MatMulInteger
  // accepts for a batched B); the Mul after MatMulInteger broadcasts it over the output [..., M, N].
  const StoredWeight& w = SharedWeight(base, std::string(trans_b ? "T" : "") + (per_channel ? "pc" : "pt"), [&](onnx::GraphProto* owner) {
    HostTensor b = FloatTensorOf(*bt);
    if (trans_b) b = Transpose2D(b);  // → [K, N]
    ColumnQuantizedWeight cw;
    if (per_channel) {
      cw = QuantizeMatMulColumns(b, DType::kInt8, base, ReduceWeightRange(options_));
    } else {
      cw.params = ComputeWeightQuantParams(b, -1, DType::kInt8, true, base, ReduceWeightRange(options_));
      cw.quantized = QuantizeWeight(b, cw.params);
    }
    if (UnsignedWeights(options_)) ShiftWeightToUint8(&cw.quantized, &cw.params);  // ORT's exact u8u8 kernel
    return StoreQuantizedWeight(owner, names_.Unique(base + "_quantized"), names_.Unique(base + "_scale"),
                                names_.Unique(base + "_zero_point"), cw.quantized, cw.params, cw.scale_shape);
  });
  std::string a = node.input(0);
  if (gemm && AttrInt(node, "transA", 0) != 0) {
    const std::string at = names_.Unique(a + "_transposed");
    onnx::NodeProto t = MakeNode("Transpose", names_.Unique(node.name() + "_transA"), {a}, {at});
    nodes_.push_back(t);
    a = at;
  }
  const DynamicInput& qa = Quantized(a);
  const std::string label = node.name().empty() ? node.output(0) : node.name();
  const std::string y_int = names_.Unique(label + "_int32"), y_f = names_.Unique(label + "_int32_float"),
                    s = names_.Unique(label + "_scales");
  const bool has_c = gemm && node.input_size() >= 3 && !node.input(2).empty();
  const std::string y = has_c ? names_.Unique(label + "_no_bias") : node.output(0);
  nodes_.push_back(MakeNode("MatMulInteger", names_.Unique(label + "_MatMulInteger"), {qa.q, w.data, qa.zero_point, w.zero_point}, {y_int}));
  onnx::NodeProto cast = MakeNode("Cast", names_.Unique(label + "_Cast"), {y_int}, {y_f});
  SetAttrInt(&cast, "to", kFloat);
  nodes_.push_back(cast);
  nodes_.push_back(MakeNode("Mul", names_.Unique(label + "_scales_Mul"), {qa.scale, w.scale}, {s}));
  nodes_.push_back(MakeNode("Mul", names_.Unique(label + "_output_Mul"), {y_f, s}, {y}));
  if (has_c) {
    std::string c = node.input(2);
    const float beta = AttrFloat(node, "beta", 1.0f);
    if (beta != 1.0f) {  // C is an activation (a constant C had beta folded by the hygiene pass)
      const std::string beta_name = names_.Unique(label + "_beta"), cb = names_.Unique(c + "_times_beta");
      SetScalarInitializer(g_, beta_name, beta);
      nodes_.push_back(MakeNode("Mul", names_.Unique(label + "_beta_Mul"), {c, beta_name}, {cb}));
      c = cb;
    }
    nodes_.push_back(MakeNode("Add", names_.Unique(label + "_bias_Add"), {y, c}, {node.output(0)}));
  }
  *how = "MatMulInteger: weight " + WeightTypeLabel(options_) + " " + Granularity(per_channel, trans_b ? 0 : bt->dims_size() - 1) +
         (per_channel && bt->dims_size() > 2 ? " (one scale per column of each matrix)" : "") + ", activations u8 at run time";
  return "";
}

std::string DynamicWriter::Conv(const onnx::NodeProto& node, std::string* how) {
  if (!IsFloat(node.input(0))) return "input is not float32";
  const onnx::TensorProto* wt = node.input_size() >= 2 ? ConstFloat(node.input(1)) : nullptr;
  if (!wt || wt->dims_size() < 3) return "weight is not a constant float32 tensor";
  const onnx::TensorProto* bt = nullptr;
  if (node.input_size() >= 3 && !node.input(2).empty()) {
    bt = ConstFloat(node.input(2));
    if (!bt || bt->dims_size() != 1 || bt->dims(0) != wt->dims(0)) return "bias is not a constant float32 vector";
  }
  const std::int64_t c_out = wt->dims(0);
  const int w_rank = wt->dims_size();
  onnx::NodeProto ci = MakeNode("ConvInteger", "", {}, {});
  for (const auto& a : node.attribute()) *ci.add_attribute() = a;
  auto x = tensors_.find(node.input(0));
  const std::string pad_issue =
      ResolveAutoPad(&ci, x == tensors_.end() || !x->second.has_shape ? std::vector<std::int64_t>{} : x->second.dims,
                     std::vector<std::int64_t>(wt->dims().begin() + 2, wt->dims().end()));
  if (!pad_issue.empty()) return pad_issue;
  // Per-tensor uint8 asymmetric weights (ORT's u8u8 ConvInteger path, the faster one measured in
  // docs/measurement.md); --per-channel: int8 symmetric per output channel (zero point 0 for all).
  const bool per_channel = options_.granularity == WeightGranularity::kPerChannel;
  const std::string& base = node.input(1);
  const StoredWeight& w = SharedWeight(base, per_channel ? "conv-pc" : "conv-pt", [&](onnx::GraphProto* owner) {
    const HostTensor wf = FloatTensorOf(*wt);
    WeightQuantParams wp = per_channel ? ComputeWeightQuantParams(wf, 0, DType::kInt8, true, base, ReduceWeightRange(options_))
                                       : ComputeWeightQuantParams(wf, -1, DType::kUint8, false, base);
    HostTensor q = QuantizeWeight(wf, wp);
    if (per_channel && UnsignedWeights(options_)) ShiftWeightToUint8(&q, &wp);  // zero point 128 for all channels
    const StoredWeight sw{names_.Unique(base + "_quantized"), names_.Unique(base + "_scale"), names_.Unique(base + "_zero_point")};
    SetInitializer(owner, sw.data, q);
    std::vector<std::int64_t> sshape{};
    if (per_channel) {
      sshape.assign(static_cast<size_t>(w_rank - 1), 1);  // [C_out, 1, 1, ...] broadcasts against [N, C_out, spatial...]
      sshape[0] = c_out;
    }
    SetVectorInitializer(owner, sw.scale, wp.scales, sshape);
    SetScalarInitializer(owner, sw.zero_point, wp.dtype, wp.zero_points[0]);  // ConvInteger: one weight zero point
    return sw;
  });
  const DynamicInput& qx = Quantized(node.input(0));
  const std::string label = node.name().empty() ? node.output(0) : node.name();
  const std::string y_int = names_.Unique(label + "_int32"), y_f = names_.Unique(label + "_int32_float"),
                    s = names_.Unique(label + "_scales");
  const std::string y = bt ? names_.Unique(label + "_no_bias") : node.output(0);
  ci.set_name(names_.Unique(label + "_ConvInteger"));
  for (const std::string& in : {qx.q, w.data, qx.zero_point, w.zero_point}) ci.add_input(in);
  ci.add_output(y_int);
  nodes_.push_back(ci);
  onnx::NodeProto cast = MakeNode("Cast", names_.Unique(label + "_Cast"), {y_int}, {y_f});
  SetAttrInt(&cast, "to", kFloat);
  nodes_.push_back(cast);
  nodes_.push_back(MakeNode("Mul", names_.Unique(label + "_scales_Mul"), {qx.scale, w.scale}, {s}));
  nodes_.push_back(MakeNode("Mul", names_.Unique(label + "_output_Mul"), {y_f, s}, {y}));
  if (bt) {
    HostTensor b = FloatTensorOf(*bt);
    std::vector<std::int64_t> bshape(static_cast<size_t>(w_rank - 1), 1);
    bshape[0] = c_out;
    b.shape = bshape;
    const std::string br = names_.Unique(node.input(2) + "_reshaped");
    SetInitializer(g_, br, b);
    nodes_.push_back(MakeNode("Add", names_.Unique(label + "_bias_Add"), {y, br}, {node.output(0)}));
  }
  *how = per_channel ? "ConvInteger: weight " + WeightTypeLabel(options_) + " per-channel axis 0, activations u8 at run time"
                     : "ConvInteger: weight u8 asymmetric per-tensor, activations u8 at run time";
  if (HasAttr(node, "auto_pad") && !HasAttr(ci, "auto_pad")) {
    std::string pads;
    for (auto v : AttrInts(ci, "pads")) pads += (pads.empty() ? "" : ",") + std::to_string(v);
    *how += "; auto_pad " + AttrString(node, "auto_pad", "") + " as explicit pads [" + pads + "]";
  }
  return "";
}

// W [dirs, 4H, I] / R [dirs, 4H, H] → int8, transposed to [dirs, I, 4H] / [dirs, H, 4H]; scales
// [dirs] per-tensor (one per direction) or [dirs, 4H] per-channel (ONNX Runtime's
// onnxruntime/python/tools/quantization/operators/lstm.py).
std::string DynamicWriter::Lstm(const onnx::NodeProto& node, std::string* how) {
  if (!IsFloat(node.input(0))) return "input is not float32";
  if (AttrInt(node, "layout", 0) != 0) return "layout=1 is not supported by DynamicQuantizeLSTM";
  const onnx::TensorProto* wt = node.input_size() >= 3 ? ConstFloat(node.input(1)) : nullptr;
  const onnx::TensorProto* rt = node.input_size() >= 3 ? ConstFloat(node.input(2)) : nullptr;
  if (!wt || !rt || wt->dims_size() != 3 || rt->dims_size() != 3) return "W or R is not a constant float32 tensor of rank 3";
  const bool per_channel = options_.granularity == WeightGranularity::kPerChannel;
  std::vector<std::string> q_inputs;
  for (int which = 1; which <= 2; ++which) {
    const onnx::TensorProto* src = which == 1 ? wt : rt;
    const std::string& base = node.input(which);
    const StoredWeight& s = SharedWeight(base, per_channel ? "lstm-pc" : "lstm-pt", [&](onnx::GraphProto* owner) {
      HostTensor t = FloatTensorOf(*src);
      const std::int64_t dirs = t.shape[0], rows = t.shape[1], cols = t.shape[2];
      HostTensor view = t;
      view.shape = per_channel ? std::vector<std::int64_t>{dirs * rows, cols} : std::vector<std::int64_t>{dirs, rows * cols};
      // kUnsigned: DynamicQuantizeLSTM's weights stay s8 (weight_range.h), so 7-bit there.
      const WeightQuantParams wp =
          ComputeWeightQuantParams(view, 0, DType::kInt8, true, base, ReduceWeightRange(options_) || UnsignedWeights(options_));
      const HostTensor q = QuantizeWeight(view, wp);
      HostTensor qt = HostTensor::Zeros(DType::kInt8, {dirs, cols, rows});
      for (std::int64_t d = 0; d < dirs; ++d)
        for (std::int64_t r = 0; r < rows; ++r)
          for (std::int64_t c = 0; c < cols; ++c)
            qt.data<std::int8_t>()[(d * cols + c) * rows + r] = q.data<std::int8_t>()[(d * rows + r) * cols + c];
      const std::vector<std::int64_t> sshape = per_channel ? std::vector<std::int64_t>{dirs, rows} : std::vector<std::int64_t>{dirs};
      return StoreQuantizedWeight(owner, names_.Unique(base + "_quantized"), names_.Unique(base + "_scale"),
                                  names_.Unique(base + "_zero_point"), qt, wp, sshape);
    });
    q_inputs.push_back(s.data);
    q_inputs.push_back(s.scale);
    q_inputs.push_back(s.zero_point);
  }
  std::vector<std::string> inputs = {node.input(0), q_inputs[0], q_inputs[3]};
  for (int k = 3; k <= 7; ++k) inputs.push_back(k < node.input_size() ? node.input(k) : "");
  inputs.insert(inputs.end(), {q_inputs[1], q_inputs[2], q_inputs[4], q_inputs[5]});
  onnx::NodeProto q = MakeNode("DynamicQuantizeLSTM", names_.Unique((node.name().empty() ? node.output(0) : node.name()) + "_quant"),
                               inputs, {node.output().begin(), node.output().end()}, "com.microsoft");
  for (const auto& a : node.attribute())
    if (a.name() != "layout") *q.add_attribute() = a;
  nodes_.push_back(q);
  uses_ms_domain_ = true;
  *how = "com.microsoft.DynamicQuantizeLSTM: W/R " + (UnsignedWeights(options_) ? std::string("s8 7-bit [-64, 64]") : WeightTypeLabel(options_)) +
         (per_channel ? " per-channel (per gate row)" : " per-tensor (per direction)");
  return "";
}

void DynamicWriter::RewriteGraph(const onnx::GraphProto& src, onnx::GraphProto* dst, const std::string& prefix) {
  scopes_.push_back({&src, dst});
  onnx::GraphProto* const outer_g = g_;
  std::vector<onnx::NodeProto> outer_nodes;
  std::map<std::string, DynamicInput> outer_inputs;
  outer_nodes.swap(nodes_);
  outer_inputs.swap(quantized_inputs_);
  g_ = dst;
  for (int i = 0; i < src.node_size(); ++i) {
    const onnx::NodeProto& node = src.node(i);
    NodeDecision d{prefix + DisplayName(node, i), node.op_type(), false, "", ""};
    const std::string excluded = exclude_.Match(node);
    const std::string& op = node.op_type();
    const size_t before = nodes_.size();
    std::string reason;
    if (!excluded.empty()) {
      reason = "excluded by --exclude " + excluded;
    } else if (!IsDefaultDomain(node)) {
      reason = "custom-domain op (" + node.domain() + ")";
    } else if (op == "MatMul" || op == "Gemm") {
      reason = MatMulLike(node, &d.how);
    } else if (op == "Conv") {
      reason = Conv(node, &d.how);
      if (reason.empty()) ++convs_;
    } else if (op == "LSTM") {
      reason = Lstm(node, &d.how);
    } else if (op == "GRU" || op == "RNN") {
      reason = "ORT has no dynamic int8 " + op + " kernel (only LSTM: DynamicQuantizeLSTM)";
    } else if (op == "ConvTranspose") {
      reason = "ORT has no dynamic int8 ConvTranspose kernel (ConvInteger covers Conv only)";
    } else if (!Subgraphs(node).empty()) {
      reason = "control flow; the nodes of its subgraphs are quantized on their own (listed as " + d.name + "/<attribute>/...)";
    } else {
      reason = "not a MatMul/Gemm/Conv/LSTM, the ops the dynamic scheme runs in int8";
    }
    if (reason.empty()) {
      d.quantized = true;
      report_->nodes.push_back(d);
      continue;
    }
    nodes_.resize(before);  // drop anything a refused rewrite emitted
    d.reason = reason;
    report_->nodes.push_back(d);
    onnx::NodeProto copy = node;
    // Subgraphs: same rewrite, their nodes reported as "<node>/<attribute>/<body node>".
    for (int a = 0; a < node.attribute_size(); ++a) {
      const auto& attr = node.attribute(a);
      if (attr.has_g())
        RewriteGraph(attr.g(), copy.mutable_attribute(a)->mutable_g(), d.name + "/" + attr.name() + "/");
      for (int k = 0; k < attr.graphs_size(); ++k)
        RewriteGraph(attr.graphs(k), copy.mutable_attribute(a)->mutable_graphs(k),
                     d.name + "/" + attr.name() + "[" + std::to_string(k) + "]/");
    }
    nodes_.push_back(std::move(copy));
  }
  dst->clear_node();
  for (auto& n : nodes_) *dst->add_node() = std::move(n);
  dst->clear_value_info();  // shapes of rewritten tensors would be stale; ORT re-infers them
  nodes_.swap(outer_nodes);
  quantized_inputs_.swap(outer_inputs);
  g_ = outer_g;
  scopes_.pop_back();
}

Model DynamicWriter::Run() {
  tensors_ = InferTensors(in_);
  Model out = in_;
  RewriteGraph(in_.proto.graph(), out.proto.mutable_graph(), "");
  for (const auto& u : exclude_.Unused()) report_->warnings.push_back({"exclude_unused", "--exclude '" + u + "' matched no node"});
  RemoveUnusedInitializers(out.proto.mutable_graph());
  if (uses_ms_domain_) EnsureMsDomain(&out.proto);
  if (convs_ > 0 && options_.granularity == WeightGranularity::kPerChannel)
    report_->notes.push_back("--per-channel makes Conv weights int8: ORT's ConvInteger is far slower with int8 weights than "
                             "with the default uint8 per-tensor weights (docs/measurement.md: ResNet18 0.14x vs 0.61x of fp32)");
  if (convs_ > 0)
    report_->notes.push_back(std::to_string(convs_) + " Conv node(s) run as ConvInteger: about 4x smaller, but ORT's ConvInteger "
                             "(im2col + GEMM, no fast layouts) is usually slower than fp32 Conv (docs/measurement.md: ResNet18 "
                             "0.61x/0.85x); for speed on CNNs use --mode static");
  for (const auto& [key, uses] : weight_uses_)
    if (uses > 1)
      report_->notes.push_back("weight '" + key.substr(0, key.rfind('|')) + "' is read by " + std::to_string(uses) +
                               " quantized nodes: stored once in int8 (" + weights_.at(key).data + ")");
  return out;
}

class DynamicScheme : public QuantizationScheme {
 public:
  std::vector<std::string> TensorsToCalibrate(const Model&, const QuantizeOptions&) const override { return {}; }
  Model Quantize(const Model& prepared, const QuantizeOptions& options, const CalibrationTable&, QuantizeReport* report) const override {
    DynamicWriter writer(prepared, options, report);
    return writer.Run();
  }
  std::string DescribeWeights(const QuantizeOptions& options) const override {
    return options.granularity == WeightGranularity::kPerChannel ? PerChannelWeightsText(options)
                                                                 : "per-tensor (Conv u8 asymmetric, MatMul/Gemm " +
                                                                       WeightStorageText(options) + ", LSTM " +
                                                                       (UnsignedWeights(options) ? kWeightsS8Reduced : WeightStorageText(options)) + ")";
  }
  std::string DescribeActivations(const QuantizeOptions&, const std::string&) const override {
    return "u8 asymmetric per-tensor, quantized at run time (DynamicQuantizeLinear)";
  }
};

}  // namespace

std::unique_ptr<QuantizationScheme> MakeDynamicScheme() { return std::make_unique<DynamicScheme>(); }

}  // namespace qbench::quant_internal
