// The model versions the linked ONNX Runtime loads (see qbench/runtime/ort_limits.h).
#include "qbench/runtime/ort_limits.h"

#include "qbench/core/error.h"

namespace qbench {

const OrtModelLimits& OrtLimits() {
  static const OrtModelLimits k = {"1.30.0", 13, 26, 5, 7};
  return k;
}

void CheckOrtCanLoad(const Model& model, const std::string& what) {
  const OrtModelLimits& l = OrtLimits();
  const std::string engine = std::string("ONNX Runtime ") + l.ort_version;
  const std::int64_t ir = model.proto.ir_version();
  if (ir > l.max_ir_version)
    throw Error(ErrorCode::kUnsupported, what + " has IR version " + std::to_string(ir) + "; " + engine +
                                             " loads at most IR version " + std::to_string(l.max_ir_version) +
                                             " (save it with an older onnx, or update ONNX Runtime)");
  for (const auto& o : model.proto.opset_import()) {
    const bool onnx = o.domain().empty() || o.domain() == "ai.onnx";
    const bool ml = o.domain() == "ai.onnx.ml";
    if (!onnx && !ml) continue;
    const std::int64_t max = onnx ? l.max_opset : l.max_ml_opset;
    if (o.version() > max)
      throw Error(ErrorCode::kUnsupported, what + " uses " + (onnx ? "ai.onnx" : "ai.onnx.ml") + " opset " +
                                               std::to_string(o.version()) + "; " + engine + " loads at most opset " +
                                               std::to_string(max) + " (export it at opset " + std::to_string(max) +
                                               " or lower, or update ONNX Runtime)");
  }
}

}  // namespace qbench
