// The fp16 scheme: weights and activations IEEE float16 inside the graph, the graph's float32 inputs
// and outputs kept by Cast nodes at the edges (docs/quantization.md "fp16"). The row in table.cc
// and this file are all of it.
//
// Which nodes run in float16 (the kept-fp32 rule, in this order; each kept node is reported with
// its reason):
//  1. --exclude matches it;
//  2. it is not an ai.onnx op (contrib and custom domains have their own type rules) or it holds a
//     subgraph (Loop/If/Scan: their bodies read outer tensors by name and stay fp32 whole);
//  3. its op type is in KeptFp32Ops(): ops whose ONNX signature fixes an input to float32 or takes
//     its output type from an attribute (Resize/Upsample scales, Cast, ConstantOfShape, random
//     generators), and ops whose result depends on exact values that float16's 11 significant bits
//     round (Range, CumSum, TopK, NonMaxSuppression, RoiAlign, Min, Max) — the list ONNX Runtime's
//     own float16 converter keeps (docs/quantization.md);
//  4. it is a training-mode BatchNormalization (IsTrainingModeBatchNorm): it normalizes with the
//     batch's own statistics and its running mean/variance outputs accumulate them, so it stays fp32
//     as the quantizer's training_mode_batchnorm warning says;
//  5. it reads an initializer holding a finite value beyond float16's range (|x| > 65504, the
//     static scheme's sentinel threshold): float16 would turn it into ±inf;
//  6. it has no float32 input or output (nothing to convert).
// Every other node reads and writes float16: its float32 initializers are stored as float16 copies,
// its other float32 inputs pass through one shared Cast(to=FLOAT16) each, and a float16 output that
// anything fp32 still reads (a kept node, a subgraph, a graph output) gets one Cast(to=FLOAT) back
// under its original name — so graph inputs and outputs keep their names and float32 type.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "qbench/model/compat.h"
#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quantization/graph_util.h"
#include "quantization/scheme_util.h"

namespace qbench::quant_internal {
namespace {

constexpr int kFloat = onnx::TensorProto::FLOAT;
constexpr int kFloat16 = onnx::TensorProto::FLOAT16;
constexpr double kFloat16Max = 65504.0;  // largest finite float16

const std::set<std::string>& KeptFp32Ops() {
  static const std::set<std::string> k = {
      "Resize", "Upsample", "Cast", "CastLike", "ConstantOfShape", "EyeLike", "RandomNormal", "RandomUniform",
      "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Range", "CumSum", "TopK",
      "NonMaxSuppression", "RoiAlign", "Min", "Max"};
  return k;
}

// The largest finite |value| of a float initializer (0 when it has none).
double LargestFinite(const onnx::TensorProto& t) {
  double m = 0;
  for (float v : FloatTensorOf(t).ToFloatVector())
    if (std::isfinite(v)) m = std::max(m, std::fabs(static_cast<double>(v)));
  return m;
}

class Fp16Writer {
 public:
  Fp16Writer(const Model& prepared, const QuantizeOptions& options, QuantizeReport* report)
      : in_(prepared), report_(report), exclude_(options.exclude), idx_(prepared.proto.graph()),
        names_(prepared.proto.graph()), types_(InferElemTypes(prepared)) {}

  Model Run() {
    const onnx::GraphProto& src = in_.proto.graph();
    std::vector<bool> half(static_cast<size_t>(src.node_size()), false);
    for (int i = 0; i < src.node_size(); ++i) {
      const onnx::NodeProto& node = src.node(i);
      NodeDecision d{DisplayName(node, i), node.op_type(), false, "", KeepReason(node)};
      if (d.reason.empty()) {
        half[static_cast<size_t>(i)] = true;
        d.quantized = true;
        d.how = "float16 (weights and activations)";
      }
      report_->nodes.push_back(d);
      if (!Subgraphs(node).empty()) ReportSubgraphNodesKeptFloat(node, d.name, "inside a subgraph kept fp32", &report_->nodes);
    }
    for (const auto& u : exclude_.Unused()) report_->warnings.push_back({"exclude_unused", "--exclude '" + u + "' matched no node"});

    Model out = in_;
    onnx::GraphProto* g = out.proto.mutable_graph();
    std::map<std::string, std::string> twin;  // float32 tensor → its float16 version
    // Outputs of float16 nodes are renamed first, so their float16 readers find them wherever they are.
    for (int i = 0; i < g->node_size(); ++i) {
      if (!half[static_cast<size_t>(i)]) continue;
      onnx::NodeProto* n = g->mutable_node(i);
      for (int k = 0; k < n->output_size(); ++k)
        if (IsFloat32(n->output(k))) {
          const std::string h = names_.Unique(n->output(k) + "_fp16");
          twin[n->output(k)] = h;
          n->set_output(k, h);
        }
    }
    std::vector<onnx::NodeProto> casts;
    int to_half = 0, to_float = 0;
    for (int i = 0; i < g->node_size(); ++i) {
      if (!half[static_cast<size_t>(i)]) continue;
      onnx::NodeProto* n = g->mutable_node(i);
      for (int k = 0; k < n->input_size(); ++k) {
        const std::string x = n->input(k);
        if (x.empty() || !IsFloat32(x)) continue;
        auto it = twin.find(x);
        if (it == twin.end()) {
          const std::string h = names_.Unique(x + "_fp16");
          if (const onnx::TensorProto* init = idx_.Initializer(x)) {
            onnx::TensorProto copy;
            FillTensorProto(h, ToHalf(FloatTensorOf(*init)), &copy);
            *g->add_initializer() = std::move(copy);
          } else {
            casts.push_back(CastNode(x, h, kFloat16));
            ++to_half;
          }
          it = twin.emplace(x, h).first;
        }
        n->set_input(k, it->second);
      }
    }
    // A renamed float32 tensor that fp32 readers, subgraphs or the graph's outputs still read comes
    // back under its own name.
    for (const auto& [name, h] : twin) {
      if (idx_.IsInitializer(name) || idx_.graph_inputs.count(name) || !idx_.producer.count(name)) continue;
      bool fp32_reader = idx_.graph_outputs.count(name) > 0 || idx_.subgraph_readers.count(name) > 0;
      auto c = idx_.consumers.find(name);
      if (c != idx_.consumers.end())
        for (int user : c->second) fp32_reader = fp32_reader || !half[static_cast<size_t>(user)];
      if (!fp32_reader) continue;
      casts.push_back(CastNode(h, name, kFloat));
      ++to_float;
    }
    for (auto& c : casts) *g->add_node() = std::move(c);
    g->clear_value_info();  // the types of renamed tensors would be stale; ORT re-infers them
    TopologicalSort(g);
    const long converted = std::count(half.begin(), half.end(), true);
    report_->notes.push_back(std::to_string(converted) + " of " + std::to_string(src.node_size()) +
                             " node(s) are float16 in the file; " + std::to_string(to_half) + " Cast(s) to float16 and " +
                             std::to_string(to_float) + " back to float32 at the fp32 boundaries");
    report_->notes.push_back("ONNX Runtime's CPU provider has float16 kernels for few ops: at load time it runs the others "
                             "in float32 behind Casts it inserts, so on CPU fp16 halves the file but is usually slower "
                             "than fp32 (docs/quantization.md, measured); its speed needs a provider with float16 kernels");
    return out;
  }

 private:
  bool IsFloat32(const std::string& name) const {
    auto it = types_.find(name);
    return it != types_.end() && it->second == kFloat;
  }

  std::string KeepReason(const onnx::NodeProto& node) const {
    const std::string excluded = exclude_.Match(node);
    if (!excluded.empty()) return "excluded by --exclude " + excluded;
    if (!IsDefaultDomain(node)) return "custom-domain op (" + node.domain() + "): its type rules are its own";
    if (!Subgraphs(node).empty()) return "control flow: its subgraphs read outer tensors by name and stay fp32";
    if (KeptFp32Ops().count(node.op_type()))
      return node.op_type() + " stays fp32 (an input fixed to float32, an output type from an attribute, or exact "
                              "values float16 would round: the fp16 kept-fp32 rule)";
    if (IsTrainingModeBatchNorm(node))
      return "training-mode BatchNormalization: batch statistics and running-statistics outputs stay fp32 "
             "(warning training_mode_batchnorm)";
    bool any_float = false;
    for (const auto& o : node.output()) any_float = any_float || IsFloat32(o);
    for (const auto& x : node.input()) {
      if (x.empty() || !IsFloat32(x)) continue;
      any_float = true;
      if (const onnx::TensorProto* init = idx_.Initializer(x)) {
        const double m = LargestFinite(*init);
        if (m > kFloat16Max)
          return "reads '" + x + "' with |value| " + FormatValue(m) + " > 65504, which float16 would make infinite";
      }
    }
    return any_float ? "" : "no float32 tensor to convert";
  }

  static std::string FormatValue(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }

  static HostTensor ToHalf(const HostTensor& f) {
    HostTensor h = HostTensor::Zeros(DType::kFloat16, f.shape);
    const std::vector<float> v = f.ToFloatVector();
    for (size_t i = 0; i < v.size(); ++i) h.data<std::uint16_t>()[i] = FloatToHalf(v[i]);
    return h;
  }

  onnx::NodeProto CastNode(const std::string& from, const std::string& to, int type) {
    onnx::NodeProto c = MakeNode("Cast", names_.Unique(to + "_cast"), {from}, {to});
    SetAttrInt(&c, "to", type);
    return c;
  }

  const Model& in_;
  QuantizeReport* report_;
  ExcludeMatcher exclude_;
  GraphIndex idx_;
  NameScope names_;
  std::map<std::string, int> types_;
};

class Fp16Scheme : public QuantizationScheme {
 public:
  std::vector<std::string> TensorsToCalibrate(const Model&, const QuantizeOptions&) const override { return {}; }
  Model Quantize(const Model& prepared, const QuantizeOptions& options, const CalibrationTable&, QuantizeReport* report) const override {
    return Fp16Writer(prepared, options, report).Run();
  }
  std::string DescribeWeights(const QuantizeOptions&) const override {
    return "float16 (IEEE binary16, rounded to nearest even), no scales";
  }
  std::string DescribeActivations(const QuantizeOptions&, const std::string&) const override {
    return "float16 inside; the graph's float32 inputs and outputs kept by Casts at the edges";
  }
};

}  // namespace

std::unique_ptr<QuantizationScheme> MakeFp16Scheme() { return std::make_unique<Fp16Scheme>(); }

}  // namespace qbench::quant_internal
