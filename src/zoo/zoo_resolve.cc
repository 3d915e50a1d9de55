#include <cstdlib>

#include "qbench/core/error.h"
#include "qbench/zoo/zoo.h"

namespace qbench {

std::string ModelDisplayName(const std::string& spec) {
  if (IsZooSpec(spec)) return spec.substr(4);
  std::string base = spec.substr(spec.find_last_of('/') == std::string::npos ? 0 : spec.find_last_of('/') + 1);
  auto dot = base.rfind(".onnx");
  return dot == std::string::npos ? base : base.substr(0, dot);
}

Model LoadModelOrZoo(const std::string& spec, const ZooOptions& options) {
  if (IsZooSpec(spec)) return BuildZooModel(spec.substr(4), options);
  return LoadModel(spec);
}

std::map<std::string, std::int64_t> ZooDefaultDims(const Model& model) {
  bool is_zoo = false;
  std::int64_t size = 0;
  for (const auto& p : model.proto.metadata_props()) {
    if (p.key() == kZooNameKey) is_zoo = true;
    if (p.key() == kZooInputSizeKey) size = std::strtoll(p.value().c_str(), nullptr, 10);
  }
  if (!is_zoo || size <= 0) return {};
  return {{"H", size}, {"W", size}};
}

ShapeOverrides WithZooDefaultDims(const Model& model, ShapeOverrides overrides) {
  if (!overrides.input_shapes.empty()) return overrides;  // a --shape says it all
  for (const auto& [dim, value] : ZooDefaultDims(model)) overrides.dim_values.emplace(dim, value);  // keeps --dim
  return overrides;
}

}  // namespace qbench
