// The dynamic scheme: int8 weights offline, activations quantized at run time by
// DynamicQuantizeLinear, as ONNX Runtime's IntegerOps quantizer
// (onnxruntime/python/tools/quantization/operators/{matmul,conv,lstm}.py):
//   MatMul/Gemm: DynamicQuantizeLinear(A) → MatMulInteger(A_q, B_q, A_zp, B_zp) → Cast → Mul(A_scale·B_scale) [→ Add C]
//                (ORT fuses this chain into DynamicQuantizeMatMul / MatMulIntegerToFloat)
//   Conv:        DynamicQuantizeLinear(X) → ConvInteger → Cast → Mul(X_scale·W_scale) [→ Add bias]
//   LSTM:        com.microsoft.DynamicQuantizeLSTM with W/R int8, transposed to [dirs, in, 4·hidden]
#include <algorithm>
#include <cstring>

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

class DynamicWriter {
 public:
  DynamicWriter(const Model& prepared, const QuantizeOptions& options, QuantizeReport* report)
      : in_(prepared), options_(options), report_(report), idx_(prepared.proto.graph()), names_(prepared.proto.graph()) {}
  Model Run();

 private:
  const DynamicInput& Quantized(const std::string& activation);
  // Returns "" when quantized (and the nodes were emitted), else the reason to keep it float.
  std::string MatMulLike(const onnx::NodeProto& node, std::string* how);
  std::string Conv(const onnx::NodeProto& node, std::string* how);
  std::string Lstm(const onnx::NodeProto& node, std::string* how);
  std::string Granularity(bool per_channel, int axis) const {
    return per_channel ? "per-channel axis " + std::to_string(axis) : "per-tensor";
  }
  bool IsFloat(const std::string& name) const {
    auto it = types_.find(name);
    return it != types_.end() && it->second == kFloat;
  }
  const onnx::TensorProto* ConstFloat(const std::string& name) const {
    const onnx::TensorProto* t = idx_.Initializer(name);
    return t && t->data_type() == kFloat ? t : nullptr;
  }

  const Model& in_;
  const QuantizeOptions& options_;
  QuantizeReport* report_;
  GraphIndex idx_;
  NameScope names_;
  std::map<std::string, int> types_;
  onnx::GraphProto* g_ = nullptr;
  std::vector<onnx::NodeProto> nodes_;
  std::map<std::string, DynamicInput> quantized_inputs_;
  bool uses_ms_domain_ = false;
};

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
  if (!bt || bt->dims_size() != 2) return "B is not a constant float32 matrix (the weight must be an initializer)";
  if (gemm && (AttrFloat(node, "alpha", 1.0f) != 1.0f)) return "alpha != 1 could not be folded";
  HostTensor b = FloatTensorOf(*bt);
  if (gemm && AttrInt(node, "transB", 0) != 0) b = Transpose2D(b);  // → [K, N]
  const std::int64_t n = b.shape[1];
  const bool per_channel = options_.granularity == WeightGranularity::kPerChannel;
  const WeightQuantParams wp = ComputeWeightQuantParams(b, per_channel ? 1 : -1, DType::kInt8, true, node.input(1));
  const std::vector<std::int64_t> sshape = per_channel ? std::vector<std::int64_t>{n} : std::vector<std::int64_t>{};
  const std::string& base = node.input(1);
  const StoredWeight w = StoreQuantizedWeight(g_, names_.Unique(base + "_quantized"), names_.Unique(base + "_scale"),
                                              names_.Unique(base + "_zero_point"), QuantizeWeight(b, wp), wp, sshape);
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
  *how = "MatMulInteger: weight s8 " + Granularity(per_channel, gemm && AttrInt(node, "transB", 0) ? 0 : 1) +
         ", activations u8 at run time";
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
  const HostTensor w = FloatTensorOf(*wt);
  const std::int64_t c_out = w.shape[0];
  // Per-tensor uint8 asymmetric weights (ORT's u8u8 ConvInteger path, the faster one measured in
  // docs/measurement.md); --per-channel: int8 symmetric per output channel (zero point 0 for all).
  const bool per_channel = options_.granularity == WeightGranularity::kPerChannel;
  WeightQuantParams wp = per_channel ? ComputeWeightQuantParams(w, 0, DType::kInt8, true, node.input(1))
                                     : ComputeWeightQuantParams(w, -1, DType::kUint8, false, node.input(1));
  const std::string& base = node.input(1);
  const std::string wq = names_.Unique(base + "_quantized"), ws = names_.Unique(base + "_scale"),
                    wz = names_.Unique(base + "_zero_point");
  SetInitializer(g_, wq, QuantizeWeight(w, wp));
  std::vector<std::int64_t> sshape{};
  if (per_channel) {
    sshape.assign(w.shape.size() - 1, 1);  // [C_out, 1, 1, ...] broadcasts against [N, C_out, spatial...]
    sshape[0] = c_out;
  }
  SetVectorInitializer(g_, ws, wp.scales, sshape);
  SetScalarInitializer(g_, wz, wp.dtype, wp.zero_points[0]);  // ConvInteger: one weight zero point
  const DynamicInput& qx = Quantized(node.input(0));
  const std::string label = node.name().empty() ? node.output(0) : node.name();
  const std::string y_int = names_.Unique(label + "_int32"), y_f = names_.Unique(label + "_int32_float"),
                    s = names_.Unique(label + "_scales");
  const std::string y = bt ? names_.Unique(label + "_no_bias") : node.output(0);
  onnx::NodeProto ci = MakeNode("ConvInteger", names_.Unique(label + "_ConvInteger"), {qx.q, wq, qx.zero_point, wz}, {y_int});
  for (const auto& a : node.attribute()) *ci.add_attribute() = a;
  nodes_.push_back(ci);
  onnx::NodeProto cast = MakeNode("Cast", names_.Unique(label + "_Cast"), {y_int}, {y_f});
  SetAttrInt(&cast, "to", kFloat);
  nodes_.push_back(cast);
  nodes_.push_back(MakeNode("Mul", names_.Unique(label + "_scales_Mul"), {qx.scale, ws}, {s}));
  nodes_.push_back(MakeNode("Mul", names_.Unique(label + "_output_Mul"), {y_f, s}, {y}));
  if (bt) {
    HostTensor b = FloatTensorOf(*bt);
    std::vector<std::int64_t> bshape(w.shape.size() - 1, 1);
    bshape[0] = c_out;
    b.shape = bshape;
    const std::string br = names_.Unique(node.input(2) + "_reshaped");
    SetInitializer(g_, br, b);
    nodes_.push_back(MakeNode("Add", names_.Unique(label + "_bias_Add"), {y, br}, {node.output(0)}));
  }
  *how = per_channel ? "ConvInteger: weight s8 per-channel axis 0, activations u8 at run time"
                     : "ConvInteger: weight u8 asymmetric per-tensor, activations u8 at run time";
  return "";
}

// W [dirs, 4H, I] / R [dirs, 4H, H] → int8, transposed to [dirs, I, 4H] / [dirs, H, 4H]; scales
// [dirs] per-tensor (one per direction) or [dirs, 4H] per-channel (operators/lstm.py).
std::string DynamicWriter::Lstm(const onnx::NodeProto& node, std::string* how) {
  if (!IsFloat(node.input(0))) return "input is not float32";
  if (AttrInt(node, "layout", 0) != 0) return "layout=1 is not supported by DynamicQuantizeLSTM";
  const onnx::TensorProto* wt = node.input_size() >= 3 ? ConstFloat(node.input(1)) : nullptr;
  const onnx::TensorProto* rt = node.input_size() >= 3 ? ConstFloat(node.input(2)) : nullptr;
  if (!wt || !rt || wt->dims_size() != 3 || rt->dims_size() != 3) return "W or R is not a constant float32 tensor of rank 3";
  const bool per_channel = options_.granularity == WeightGranularity::kPerChannel;
  std::vector<std::string> q_inputs;
  for (int which = 1; which <= 2; ++which) {
    HostTensor t = FloatTensorOf(which == 1 ? *wt : *rt);
    const std::int64_t dirs = t.shape[0], rows = t.shape[1], cols = t.shape[2];
    HostTensor view = t;
    view.shape = per_channel ? std::vector<std::int64_t>{dirs * rows, cols} : std::vector<std::int64_t>{dirs, rows * cols};
    const WeightQuantParams wp = ComputeWeightQuantParams(view, 0, DType::kInt8, true, node.input(which));
    const HostTensor q = QuantizeWeight(view, wp);
    HostTensor qt = HostTensor::Zeros(DType::kInt8, {dirs, cols, rows});
    for (std::int64_t d = 0; d < dirs; ++d)
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
          qt.data<std::int8_t>()[(d * cols + c) * rows + r] = q.data<std::int8_t>()[(d * rows + r) * cols + c];
    const std::string& base = node.input(which);
    const std::vector<std::int64_t> sshape = per_channel ? std::vector<std::int64_t>{dirs, rows} : std::vector<std::int64_t>{dirs};
    const StoredWeight s = StoreQuantizedWeight(g_, names_.Unique(base + "_quantized"), names_.Unique(base + "_scale"),
                                                names_.Unique(base + "_zero_point"), qt, wp, sshape);
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
  *how = "com.microsoft.DynamicQuantizeLSTM: W/R s8 " + std::string(per_channel ? "per-channel (per gate row)" : "per-tensor (per direction)");
  return "";
}

Model DynamicWriter::Run() {
  const ExcludeMatcher exclude(options_.exclude);
  types_ = InferElemTypes(in_);
  Model out = in_;
  g_ = out.proto.mutable_graph();
  const onnx::GraphProto& src = in_.proto.graph();
  int convs = 0;
  for (int i = 0; i < src.node_size(); ++i) {
    const onnx::NodeProto& node = src.node(i);
    NodeDecision d{DisplayName(node, i), node.op_type(), false, "", ""};
    const std::string excluded = exclude.Match(node);
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
      if (reason.empty()) ++convs;
    } else if (op == "LSTM") {
      reason = Lstm(node, &d.how);
    } else if (op == "GRU" || op == "RNN") {
      reason = "ORT has no dynamic int8 " + op + " kernel (only LSTM: DynamicQuantizeLSTM)";
    } else if (op == "ConvTranspose") {
      reason = "ORT has no dynamic int8 ConvTranspose kernel (ConvInteger covers Conv only)";
    } else {
      reason = "not a MatMul/Gemm/Conv/LSTM, the ops the dynamic scheme runs in int8";
    }
    if (reason.empty()) {
      d.quantized = true;
    } else {
      nodes_.resize(before);  // drop anything a refused rewrite emitted
      d.reason = reason;
      nodes_.push_back(node);
    }
    report_->nodes.push_back(d);
  }
  for (const auto& u : exclude.Unused()) report_->warnings.push_back({"exclude_unused", "--exclude '" + u + "' matched no node"});
  g_->clear_node();
  for (auto& n : nodes_) *g_->add_node() = std::move(n);
  g_->clear_value_info();
  RemoveUnusedInitializers(g_);
  if (uses_ms_domain_) EnsureMsDomain(&out.proto);
  if (convs > 0 && options_.granularity == WeightGranularity::kPerChannel)
    report_->notes.push_back("--per-channel makes Conv weights int8: ORT's ConvInteger is far slower with int8 weights than "
                             "with the default uint8 per-tensor weights (docs/measurement.md: ResNet18 0.14x vs 0.61x of fp32)");
  if (convs > 0)
    report_->notes.push_back(std::to_string(convs) + " Conv node(s) run as ConvInteger: about 4x smaller, but ORT's ConvInteger "
                             "(im2col + GEMM, no fast layouts) is usually slower than fp32 Conv (docs/measurement.md: ResNet18 "
                             "0.61x/0.85x); for speed on CNNs use --mode static");
  return out;
}

class DynamicScheme : public QuantizationScheme {
 public:
  std::vector<std::string> TensorsToCalibrate(const Model&, const QuantizeOptions&) const override { return {}; }
  Model Quantize(const Model& prepared, const QuantizeOptions& options, const CalibrationTable&, QuantizeReport* report) const override {
    DynamicWriter writer(prepared, options, report);
    return writer.Run();
  }
};

}  // namespace

std::unique_ptr<QuantizationScheme> MakeDynamicScheme() { return std::make_unique<DynamicScheme>(); }

}  // namespace qbench::quant_internal
