// `quantize --auto`: the cross-layer equalization and bias correction candidates (docs/auto.md; Nagel
// et al., "Data-Free Quantization Through Weight Equalization and Bias Correction", ICCV 2019).
#include "auto_internal.h"

namespace qbench::auto_internal {

bool IsGroupedConv(const onnx::NodeProto& node) {
  if (node.op_type() != "Conv") return false;
  for (const auto& a : node.attribute())
    if (a.name() == "group") return a.i() > 1;
  return false;
}

std::map<CrossLayerEqualization, EqualizedModel> EqualizedVariants(const Model& prepared) {
  std::map<CrossLayerEqualization, EqualizedModel> out;
  for (auto e : {CrossLayerEqualization::kRelu, CrossLayerEqualization::kRelu6AsRelu}) {
    EqualizeOptions eo;
    eo.relu6_as_relu = e == CrossLayerEqualization::kRelu6AsRelu;
    EqualizedModel m;
    m.model = EqualizeCrossLayer(prepared, eo, &m.report);
    const auto relu = out.find(CrossLayerEqualization::kRelu);
    if (m.report.pairs.empty() || (relu != out.end() && m.report.pairs.size() == relu->second.report.pairs.size())) continue;
    out[e] = std::move(m);
  }
  return out;
}

std::vector<AutoCandidate> EqualizationCandidates(const AutoCandidate& base,
                                                  const std::map<CrossLayerEqualization, EqualizedModel>& variants) {
  std::vector<AutoCandidate> todo;
  for (const auto& [e, model] : variants) {
    AutoCandidate c = base;
    c.equalize = e;
    c.name = base.name + " +cle-" + CrossLayerEqualizationName(e);
    todo.push_back(c);
  }
  AutoCandidate bc = base;
  bc.bias_correction = true;
  bc.name = base.name + " +bias-corr";
  todo.push_back(bc);
  return todo;
}

std::optional<AutoCandidate> BiasCorrectedBestEqualized(const std::vector<AutoCandidate>& candidates) {
  const AutoCandidate* best = nullptr;
  for (const auto& c : candidates)
    if (c.equalize != CrossLayerEqualization::kOff && !c.bias_correction && (!best || MoreFaithful(c, *best))) best = &c;
  if (!best) return std::nullopt;
  AutoCandidate both = *best;
  both.bias_correction = true;
  both.name += " +bias-corr";
  return both;
}

}  // namespace qbench::auto_internal
