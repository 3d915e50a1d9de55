#include "qbench/core/error.h"
#include "qbench/zoo/zoo.h"

namespace qbench {

std::string ModelDisplayName(const std::string& spec) {
  if (spec.rfind("zoo:", 0) == 0) return spec.substr(4);
  std::string base = spec.substr(spec.find_last_of('/') == std::string::npos ? 0 : spec.find_last_of('/') + 1);
  auto dot = base.rfind(".onnx");
  return dot == std::string::npos ? base : base.substr(0, dot);
}

Model LoadModelOrZoo(const std::string& spec, const ZooOptions& /*options*/) {
  if (spec.rfind("zoo:", 0) == 0)
    throw Error(ErrorCode::kNotFound, "unknown zoo model '" + spec.substr(4) + "' (see `qbench zoo list`)");
  return LoadModel(spec);
}

}  // namespace qbench
