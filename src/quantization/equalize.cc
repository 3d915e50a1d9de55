// Cross-layer equalization (see qbench/quantization/equalize.h; Nagel et al., ICCV 2019, §4.1).
#include "qbench/quantization/equalize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "qbench/core/error.h"
#include "qbench/quantization/quantizer.h"
#include "quantization/graph_util.h"

namespace qbench {
namespace {

using quant_internal::AttrInt;
using quant_internal::GraphIndex;

// A Conv → [f] → Conv pair, by node index in the prepared graph.
struct Pair {
  int first = -1, act = -1, second = -1;
  bool clip_to_relu = false;
  std::string activation;
};

// The scalar value of an optional Clip bound (input k), or `fallback` when absent; NaN when the
// bound is not a constant scalar.
float ClipBound(const GraphIndex& idx, const onnx::NodeProto& clip, int k, float fallback) {
  if (clip.input_size() <= k || clip.input(k).empty()) return fallback;
  const onnx::TensorProto* t = idx.Initializer(clip.input(k));
  if (!t) return std::numeric_limits<float>::quiet_NaN();
  const HostTensor v = quant_internal::FloatTensorOf(*t);
  return v.num_elements() == 1 ? v.data<float>()[0] : std::numeric_limits<float>::quiet_NaN();
}

// True when `name` is a float32 initializer read by exactly one node input.
bool OwnFloatInitializer(const GraphIndex& idx, const std::string& name) {
  const onnx::TensorProto* t = idx.Initializer(name);
  return t && t->data_type() == onnx::TensorProto::FLOAT && idx.UseCount(name) == 1 && !idx.graph_inputs.count(name);
}

bool EligibleConv(const GraphIndex& idx, const onnx::NodeProto& n) {
  if (n.op_type() != "Conv" || !(n.domain().empty() || n.domain() == "ai.onnx")) return false;
  if (n.input_size() < 2 || !OwnFloatInitializer(idx, n.input(1))) return false;
  if (n.input_size() > 2 && !n.input(2).empty() && !OwnFloatInitializer(idx, n.input(2))) return false;
  return idx.Initializer(n.input(1))->dims_size() >= 3;
}

// The single node reading `tensor` (which is no graph output), or -1.
int SoleConsumer(const GraphIndex& idx, const std::string& tensor) {
  if (idx.UseCount(tensor) != 1) return -1;
  const auto it = idx.consumers.find(tensor);
  return it == idx.consumers.end() || it->second.size() != 1 ? -1 : it->second[0];
}

std::vector<Pair> FindPairs(const GraphIndex& idx, const EqualizeOptions& options) {
  const auto& g = idx.graph;
  std::vector<Pair> pairs;
  for (int i = 0; i < g.node_size(); ++i) {
    if (!EligibleConv(idx, g.node(i))) continue;
    Pair p;
    p.first = i;
    int next = SoleConsumer(idx, g.node(i).output(0));
    if (next < 0) continue;
    const onnx::NodeProto& mid = g.node(next);
    const bool default_domain = mid.domain().empty() || mid.domain() == "ai.onnx";
    if (default_domain && (mid.op_type() == "Relu" || mid.op_type() == "LeakyRelu")) {
      p.act = next;
      p.activation = mid.op_type();
    } else if (default_domain && mid.op_type() == "Clip") {
      const float lo = ClipBound(idx, mid, 1, -std::numeric_limits<float>::infinity());
      const float hi = ClipBound(idx, mid, 2, std::numeric_limits<float>::infinity());
      if (lo != 0.0f || std::isnan(hi) || hi <= 0) continue;
      p.act = next;
      if (std::isinf(hi)) {
        p.activation = "Clip(0,inf)";
      } else if (options.relu6_as_relu) {
        p.clip_to_relu = true;
        p.activation = fmt::format("Clip(0,{:g})->Relu", hi);
      } else {
        continue;  // ReLU6: not homogeneous, the pair is left alone
      }
    }
    if (p.act >= 0) next = SoleConsumer(idx, g.node(p.act).output(0));
    if (next < 0 || !EligibleConv(idx, g.node(next)) || g.node(next).input(0) != g.node(p.act >= 0 ? p.act : i).output(0))
      continue;
    // Channel counts: W1 [C, ...], W2 [O2, C / group2, ...].
    const auto* w1 = idx.Initializer(g.node(i).input(1));
    const auto* w2 = idx.Initializer(g.node(next).input(1));
    const std::int64_t group2 = AttrInt(g.node(next), "group", 1);
    if (w1->dims(0) != w2->dims(1) * group2 || w2->dims(0) % group2 != 0) continue;
    p.second = next;
    pairs.push_back(p);
  }
  return pairs;
}

// Per-channel views of the two weights of a pair: r1[c] over W1's output channel c, r2[c] over every
// W2 element that reads input channel c.
struct PairWeights {
  HostTensor w1, b1, w2;
  bool has_b1 = false;
  std::int64_t channels = 0, inner1 = 0, o2 = 0, cin2 = 0, inner2 = 0, group2 = 1;

  template <typename F>
  void ForEachW2(std::int64_t c, F&& f) {  // calls f(float&) for each W2 element reading channel c
    const std::int64_t per_group_out = o2 / group2;
    const std::int64_t g = c / cin2, j = c % cin2;
    float* w = w2.data<float>();
    for (std::int64_t o = g * per_group_out; o < (g + 1) * per_group_out; ++o)
      for (std::int64_t k = 0; k < inner2; ++k) f(w[(o * cin2 + j) * inner2 + k]);
  }
  std::vector<float> R1() const {
    std::vector<float> r(static_cast<size_t>(channels), 0.0f);
    const float* w = w1.data<float>();
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t k = 0; k < inner1; ++k) r[c] = std::max(r[c], std::fabs(w[c * inner1 + k]));
    return r;
  }
  std::vector<float> R2() {
    std::vector<float> r(static_cast<size_t>(channels), 0.0f);
    for (std::int64_t c = 0; c < channels; ++c) ForEachW2(c, [&](float& v) { r[c] = std::max(r[c], std::fabs(v)); });
    return r;
  }
};

PairWeights Load(const GraphIndex& idx, const Pair& p) {
  const auto& n1 = idx.graph.node(p.first);
  const auto& n2 = idx.graph.node(p.second);
  PairWeights w;
  w.w1 = quant_internal::FloatTensorOf(*idx.Initializer(n1.input(1)));
  w.w2 = quant_internal::FloatTensorOf(*idx.Initializer(n2.input(1)));
  w.has_b1 = n1.input_size() > 2 && !n1.input(2).empty();
  if (w.has_b1) w.b1 = quant_internal::FloatTensorOf(*idx.Initializer(n1.input(2)));
  w.channels = w.w1.shape[0];
  w.inner1 = w.w1.num_elements() / w.channels;
  w.o2 = w.w2.shape[0];
  w.cin2 = w.w2.shape[1];
  w.inner2 = w.w2.num_elements() / (w.o2 * w.cin2);
  w.group2 = AttrInt(n2, "group", 1);
  return w;
}

double WorstRatio(const std::vector<float>& r1, const std::vector<float>& r2) {
  double worst = 1.0;
  for (size_t c = 0; c < r1.size(); ++c)
    if (r1[c] > 0 && r2[c] > 0) worst = std::max(worst, static_cast<double>(std::max(r1[c], r2[c]) / std::min(r1[c], r2[c])));
  return worst;
}

}  // namespace

const char* CrossLayerEqualizationName(CrossLayerEqualization mode) {
  switch (mode) {
    case CrossLayerEqualization::kOff: return "off";
    case CrossLayerEqualization::kRelu: return "relu";
    case CrossLayerEqualization::kRelu6AsRelu: return "relu6";
  }
  return "off";
}

CrossLayerEqualization ParseCrossLayerEqualization(const std::string& name) {
  for (auto m : {CrossLayerEqualization::kOff, CrossLayerEqualization::kRelu, CrossLayerEqualization::kRelu6AsRelu})
    if (name == CrossLayerEqualizationName(m)) return m;
  throw Error(ErrorCode::kInvalidArgument, "unknown --equalize value '" + name + "'; expected one of: off, relu, relu6");
}

std::vector<float> EqualizationScales(const std::vector<float>& r1, const std::vector<float>& r2) {
  std::vector<float> s(r1.size(), 1.0f);
  const float max1 = r1.empty() ? 0.0f : *std::max_element(r1.begin(), r1.end());
  const float max2 = r2.empty() ? 0.0f : *std::max_element(r2.begin(), r2.end());
  for (size_t c = 0; c < r1.size() && c < r2.size(); ++c)
    if (r1[c] > 0 && r2[c] > 0 && r1[c] >= kEqualizeDeadChannel * max1 && r2[c] >= kEqualizeDeadChannel * max2)
      s[c] = static_cast<float>(std::sqrt(static_cast<double>(r1[c]) * r2[c]) / static_cast<double>(r2[c]));
  return s;
}

std::string EqualizeReport::Describe() const {
  if (pairs.empty())
    return "cross-layer equalization: no Conv -> [Relu] -> Conv pair to equalize (pairs joined by ReLU6 need "
           "relu6_as_relu; shared weights, branches and Gemm/MatMul are left alone)";
  return fmt::format("cross-layer equalization: {} Conv pair(s) in {} sweep(s), worst per-channel range ratio {:.3g} -> "
                     "{:.3g}{}",
                     pairs.size(), sweeps, worst_ratio_before, worst_ratio_after,
                     clips_replaced ? fmt::format(", {} Clip(0,6) replaced by Relu", clips_replaced) : "");
}

Model EqualizeCrossLayer(const Model& model, const EqualizeOptions& options, EqualizeReport* report) {
  EqualizeReport local;
  EqualizeReport& rep = report ? *report : local;
  rep = EqualizeReport{};
  Model out = PrepareModelForQuantization(model, &rep.hygiene);
  out.path = model.path;
  onnx::GraphProto* g = out.proto.mutable_graph();
  std::vector<Pair> pairs;
  std::vector<PairWeights> weights;
  {
    const GraphIndex idx(*g);
    pairs = FindPairs(idx, options);
    for (const Pair& p : pairs) weights.push_back(Load(idx, p));
  }
  // Pairs sharing a Conv (conv → dw → conv) see each other's updates through `weights`: the middle
  // layer's tensor is held by both, so it is re-read from the pair that wrote it last.
  std::map<int, std::pair<size_t, bool>> holder;  // node → (pair index, as first)
  for (size_t k = 0; k < pairs.size(); ++k) {
    rep.worst_ratio_before = std::max(rep.worst_ratio_before, WorstRatio(weights[k].R1(), weights[k].R2()));
    rep.pairs.push_back({g->node(pairs[k].first).name(), g->node(pairs[k].second).name(),
                         pairs[k].activation.empty() ? "" : pairs[k].activation});
  }
  auto sync_from_holder = [&](size_t k) {  // copy the latest weights of shared layers into pair k
    for (bool as_first : {true, false}) {
      const int node = as_first ? pairs[k].first : pairs[k].second;
      auto it = holder.find(node);
      if (it == holder.end()) continue;
      const auto [other, other_first] = it->second;
      if (other == k) continue;
      HostTensor& mine = as_first ? weights[k].w1 : weights[k].w2;
      mine = other_first ? weights[other].w1 : weights[other].w2;
    }
  };
  for (rep.sweeps = 0; rep.sweeps < options.max_sweeps && !pairs.empty();) {
    ++rep.sweeps;
    double worst_step = 0;
    for (size_t k = 0; k < pairs.size(); ++k) {
      sync_from_holder(k);
      PairWeights& w = weights[k];
      const std::vector<float> s = EqualizationScales(w.R1(), w.R2());
      for (std::int64_t c = 0; c < w.channels; ++c) {
        worst_step = std::max(worst_step, std::fabs(static_cast<double>(s[c]) - 1.0));
        float* w1 = w.w1.data<float>() + c * w.inner1;
        for (std::int64_t i = 0; i < w.inner1; ++i) w1[i] /= s[c];
        if (w.has_b1) w.b1.data<float>()[c] /= s[c];
        w.ForEachW2(c, [&](float& v) { v *= s[c]; });
      }
      holder[pairs[k].first] = {k, true};
      holder[pairs[k].second] = {k, false};
    }
    if (worst_step <= options.tolerance) break;
  }
  for (const auto& [node, at] : holder) {  // write back the latest tensors of every layer
    const auto [k, as_first] = at;
    const onnx::NodeProto& n = g->node(node);
    quant_internal::SetInitializer(g, n.input(1), as_first ? weights[k].w1 : weights[k].w2);
  }
  for (size_t k = 0; k < pairs.size(); ++k) {
    if (weights[k].has_b1) quant_internal::SetInitializer(g, g->node(pairs[k].first).input(2), weights[k].b1);
    sync_from_holder(k);
    rep.worst_ratio_after = std::max(rep.worst_ratio_after, WorstRatio(weights[k].R1(), weights[k].R2()));
    if (pairs[k].clip_to_relu) {
      onnx::NodeProto* clip = g->mutable_node(pairs[k].act);
      const std::string x = clip->input(0);
      clip->set_op_type("Relu");
      clip->clear_input();
      clip->add_input(x);
      ++rep.clips_replaced;
    }
  }
  quant_internal::RemoveUnusedInitializers(g);
  return out;
}

}  // namespace qbench
