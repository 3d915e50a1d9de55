// `quantize --auto`: the sensitivity step, layers kept fp32 until the accuracy budget holds
// (auto_internal.h SensitivityIslands; docs/auto.md).
#include <map>

#include "auto_internal.h"
#include "qbench/eval/sensitivity.h"
#include "qbench/model/inspect.h"

namespace qbench::auto_internal {

std::optional<std::vector<std::string>> SensitivityIslands(
    const Model& fp32, const QuantizeReport& full, const Dataset& evaluation, const AutoQuantizeOptions& options,
    const std::function<Model(const std::vector<std::string>&)>& quantize,
    const std::function<bool(std::size_t, std::size_t)>& progress) {
  const ModelSummary summary = InspectModel(fp32);
  std::map<std::string, std::int64_t> macs;
  for (const auto& n : summary.nodes) macs[n.name] = n.macs;
  std::vector<LayerInfo> layers;
  SensitivityOptions so;
  so.session.intra_op_threads = options.threads;
  for (const auto& d : full.nodes) {
    if (!d.quantized || d.name.empty()) continue;
    auto it = macs.find(d.name);
    if (it == macs.end() || it->second <= 0) {
      so.also_float.push_back(d.name);  // quantized without MACs: ranked together with the layers they serve
      continue;
    }
    layers.push_back({d.name, d.op_type, it->second});
  }
  if (layers.empty()) return std::vector<std::string>{};
  struct OutOfTime {};
  so.progress = [&](std::size_t done, std::size_t total, const LayerSensitivity&) {
    if (progress(done, total)) throw OutOfTime{};
  };
  const QuantizeFn fn = quantize;
  try {
    const std::vector<LayerSensitivity> ranked = RankLayerSensitivity(fp32, layers, summary.macs, fn, evaluation, so);
    FallbackCriteria criteria;
    criteria.max_drop_points = options.max_drop_points;
    const FallbackPlan plan = PlanFallback(fp32, ranked, summary.macs, fn, evaluation, criteria, so);
    return plan.steps[plan.chosen].keep_float;
  } catch (const OutOfTime&) {
    return std::nullopt;
  }
}

}  // namespace qbench::auto_internal
