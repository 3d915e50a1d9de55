// Empirical bias correction (see qbench/quantization/bias_correction.h; Nagel et al., ICCV 2019, §4.2).
#include "qbench/quantization/bias_correction.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/runner.h"
#include "quantization/graph_util.h"

namespace qbench {
namespace {

using quant_internal::GraphIndex;

// One layer to correct: where its bias lives in the quantized graph.
struct Target {
  std::string name;
  std::string ref_output, q_output;  // the fp32 twin's output and the layer's own, in the augmented model
  std::string fp32_weight, fp32_bias;  // the reference's initializers of that layer
  std::string bias;                  // the initializer to shift (int32 behind a DQ, or float32)
  std::vector<float> bias_scale;     // int32: the DQ scale (one value or one per channel); empty: float
  std::int64_t channels = 0;
};

bool DefaultDomain(const onnx::NodeProto& n) { return n.domain().empty() || n.domain() == "ai.onnx"; }

std::vector<Target> FindTargets(const Model& reference, const Model& quantized, BiasCorrectionReport* rep) {
  std::map<std::string, const onnx::NodeProto*> ref_nodes;
  for (const auto& n : reference.proto.graph().node()) ref_nodes[n.name()] = &n;
  const GraphIndex idx(quantized.proto.graph());
  const GraphIndex ref_idx(reference.proto.graph());
  std::vector<Target> targets;
  for (const auto& n : quantized.proto.graph().node()) {
    if (!DefaultDomain(n) || (n.op_type() != "Conv" && n.op_type() != "Gemm")) continue;
    const auto r = ref_nodes.find(n.name());
    if (n.name().empty() || r == ref_nodes.end() || r->second->op_type() != n.op_type()) {
      rep->skipped.push_back(n.name() + ": not in the fp32 reference");
      continue;
    }
    if (n.input_size() < 3 || n.input(2).empty()) {
      rep->skipped.push_back(n.name() + ": no bias");
      continue;
    }
    Target t;
    t.name = n.name();
    t.q_output = n.output(0);
    t.fp32_weight = r->second->input(1);
    t.fp32_bias = r->second->input_size() > 2 ? r->second->input(2) : "";
    if (!ref_idx.IsInitializer(t.fp32_weight) || (!t.fp32_bias.empty() && !ref_idx.IsInitializer(t.fp32_bias))) {
      rep->skipped.push_back(n.name() + ": fp32 weight or bias is not a constant");
      continue;
    }
    const std::string& b = n.input(2);
    if (const onnx::TensorProto* init = idx.Initializer(b); init && init->data_type() == onnx::TensorProto::FLOAT &&
                                                            idx.UseCount(b) == 1) {
      t.bias = b;
    } else if (auto p = idx.producer.find(b); p != idx.producer.end()) {
      const onnx::NodeProto& dq = idx.graph.node(p->second);
      const onnx::TensorProto* q = dq.op_type() == "DequantizeLinear" ? idx.Initializer(dq.input(0)) : nullptr;
      const onnx::TensorProto* s = q && dq.input_size() > 1 ? idx.Initializer(dq.input(1)) : nullptr;
      bool zero_point_zero = dq.input_size() < 3 || dq.input(2).empty();
      if (!zero_point_zero)
        if (const onnx::TensorProto* zp = idx.Initializer(dq.input(2)))
          zero_point_zero = TensorFromProto(*zp).ToFloatVector() == std::vector<float>(TensorFromProto(*zp).num_elements(), 0.0f);
      if (q && s && q->data_type() == onnx::TensorProto::INT32 && zero_point_zero && idx.UseCount(dq.input(0)) == 1 &&
          idx.UseCount(b) == 1) {
        t.bias = dq.input(0);
        t.bias_scale = quant_internal::FloatTensorOf(*s).ToFloatVector();
      }
    }
    if (t.bias.empty()) {
      rep->skipped.push_back(n.name() + ": bias is not a constant of its own");
      continue;
    }
    t.channels = NumElements(TensorFromProto(*idx.Initializer(t.bias)).shape);
    if (!t.bias_scale.empty() && t.bias_scale.size() != 1 && static_cast<std::int64_t>(t.bias_scale.size()) != t.channels) {
      rep->skipped.push_back(n.name() + ": bias scale does not match its channels");
      continue;
    }
    targets.push_back(t);
  }
  return targets;
}

// Per-channel means (axis 1) of the named outputs of `model` over `batches`: name → means.
std::map<std::string, std::vector<double>> ChannelMeans(const Model& model, const std::vector<std::string>& names,
                                                        const std::map<std::string, std::int64_t>& channels,
                                                        const std::vector<std::vector<HostTensor>>& batches, int threads) {
  Model m = model;
  auto* g = m.proto.mutable_graph();
  std::map<std::string, bool> existing;
  for (const auto& o : g->output()) existing[o.name()] = true;
  for (const auto& n : names)
    if (!existing[n]) {
      g->add_output()->set_name(n);  // untyped: ORT infers it
      existing[n] = true;
    }
  SessionConfig config;
  config.intra_op_threads = threads;
  config.graph_optimization = "disable";  // keep every layer's own output
  auto runner = OrtRunner::Create(m, config);
  std::map<std::string, std::size_t> pos;
  for (std::size_t i = 0; i < runner->outputs().size(); ++i) pos[runner->outputs()[i].name] = i;
  std::map<std::string, std::vector<double>> sums;
  std::map<std::string, double> counts;
  for (const auto& feeds : batches) {
    const auto outs = runner->Run(feeds);
    for (const auto& n : names) {
      const HostTensor& y = outs.at(pos.at(n));
      const std::int64_t c = channels.at(n);
      if (y.shape.size() < 2 || y.shape[1] != c)
        throw Error(ErrorCode::kRuntime, fmt::format("bias correction: output '{}' has no {} channels on axis 1", n, c));
      const std::vector<float> v = y.ToFloatVector();
      const std::int64_t inner = y.num_elements() / (y.shape[0] * c);
      auto& s = sums[n];
      s.resize(static_cast<size_t>(c), 0.0);
      for (std::int64_t b = 0; b < y.shape[0]; ++b)
        for (std::int64_t ch = 0; ch < c; ++ch)
          for (std::int64_t k = 0; k < inner; ++k) s[ch] += v[(b * c + ch) * inner + k];
      counts[n] += static_cast<double>(y.shape[0] * inner);
    }
  }
  for (auto& [n, s] : sums)
    for (auto& x : s) x /= counts[n];
  return sums;
}

// `quantized` plus, for each target, its fp32 twin: the same node with the reference's fp32 weight and
// bias, reading the same (dequantized) input, writing t.ref_output.
Model WithFp32Twins(const Model& reference, const Model& quantized, std::vector<Target>* targets) {
  Model m = quantized;
  auto* g = m.proto.mutable_graph();
  quant_internal::NameScope names(*g);
  std::map<std::string, const onnx::TensorProto*> ref_init;
  for (const auto& t : reference.proto.graph().initializer()) ref_init[t.name()] = &t;
  std::map<std::string, const onnx::NodeProto*> q_nodes;
  for (const auto& n : quantized.proto.graph().node()) q_nodes[n.name()] = &n;
  for (auto& t : *targets) {
    onnx::NodeProto twin = *q_nodes.at(t.name);
    twin.set_name(names.Unique(t.name + "_fp32_twin"));
    const std::string w = names.Unique(t.fp32_weight + "_fp32_twin");
    *g->add_initializer() = *ref_init.at(t.fp32_weight);
    g->mutable_initializer(g->initializer_size() - 1)->set_name(w);
    twin.set_input(1, w);
    if (t.fp32_bias.empty()) {
      twin.mutable_input()->RemoveLast();
    } else {
      const std::string b = names.Unique(t.fp32_bias + "_fp32_twin");
      *g->add_initializer() = *ref_init.at(t.fp32_bias);
      g->mutable_initializer(g->initializer_size() - 1)->set_name(b);
      twin.set_input(2, b);
    }
    twin.clear_output();
    t.ref_output = names.Unique(t.q_output + "_fp32_twin");
    twin.add_output(t.ref_output);
    *g->add_node() = twin;
  }
  quant_internal::TopologicalSort(g);
  return m;
}

}  // namespace

std::string BiasCorrectionReport::Describe() const {
  std::string shifts;
  for (double s : mean_abs_shift) shifts += (shifts.empty() ? "" : " -> ") + fmt::format("{:.3g}", s);
  return fmt::format("bias correction: {} layer(s) corrected, mean |shift| per pass {}{}", corrected_layers,
                     shifts.empty() ? "-" : shifts,
                     skipped.empty() ? "" : fmt::format(", {} layer(s) skipped (e.g. {})", skipped.size(), skipped.front()));
}

void CorrectBias(const Model& reference, Model* quantized, const std::vector<std::vector<HostTensor>>& batches,
                 const BiasCorrectionOptions& options, BiasCorrectionReport* report) {
  if (batches.empty()) throw Error(ErrorCode::kInvalidArgument, "bias correction needs calibration samples; none were given");
  if (options.passes < 1) throw Error(ErrorCode::kInvalidArgument, "bias correction: passes must be >= 1");
  BiasCorrectionReport local;
  BiasCorrectionReport& rep = report ? *report : local;
  rep = BiasCorrectionReport{};
  std::vector<Target> targets = FindTargets(reference, *quantized, &rep);
  if (targets.empty()) return;
  auto* g = quantized->proto.mutable_graph();
  for (int pass = 0; pass < options.passes; ++pass) {
    const Model twins = WithFp32Twins(reference, *quantized, &targets);
    std::vector<std::string> names;
    std::map<std::string, std::int64_t> channels;
    for (const auto& t : targets) {
      names.push_back(t.q_output), names.push_back(t.ref_output);
      channels[t.q_output] = channels[t.ref_output] = t.channels;
    }
    const auto means = ChannelMeans(twins, names, channels, batches, options.intra_op_threads);
    double total = 0;
    std::int64_t n = 0;
    for (const auto& t : targets) {
      const auto& want = means.at(t.ref_output);
      const auto& got = means.at(t.q_output);
      onnx::TensorProto* proto = nullptr;
      for (auto& init : *g->mutable_initializer())
        if (init.name() == t.bias) proto = &init;
      HostTensor bias = TensorFromProto(*proto);
      for (std::int64_t c = 0; c < t.channels; ++c) {
        const double shift = want[c] - got[c];
        total += std::fabs(shift), ++n;
        if (t.bias_scale.empty()) {
          bias.data<float>()[c] += static_cast<float>(shift);
        } else {
          const double scale = t.bias_scale.size() == 1 ? t.bias_scale[0] : t.bias_scale[c];
          if (!(scale > 0)) continue;
          const double v = static_cast<double>(bias.data<std::int32_t>()[c]) + std::round(shift / scale);
          const double lim = static_cast<double>(std::numeric_limits<std::int32_t>::max());
          bias.data<std::int32_t>()[c] = static_cast<std::int32_t>(std::max(-lim, std::min(lim, v)));
        }
      }
      FillTensorProto(t.bias, bias, proto);
    }
    rep.mean_abs_shift.push_back(n ? total / static_cast<double>(n) : 0.0);
  }
  rep.corrected_layers = static_cast<int>(targets.size());
}

}  // namespace qbench
