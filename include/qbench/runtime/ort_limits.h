// qbench/runtime/ort_limits.h — the newest model versions the linked ONNX Runtime loads, in one place.
#pragma once

#include <cstdint>
#include <string>

#include "qbench/model/model.h"

namespace qbench {

/// The newest IR version and opsets the linked ONNX Runtime loads. ORT exposes no API for them; they
/// are the values ORT 1.30.0 (the pinned engine, scripts/setup.sh) states in its load errors
/// ("Unsupported model IR version: 14, max supported IR version: 13", "Current official support for
/// domain ai.onnx is till opset 26", "... ai.onnx.ml is till opset 5"). tests/runtime/ort_limits_test.cc
/// loads a one-node model at each maximum and one above it in the linked library, so a different
/// ONNX Runtime fails that test until these numbers are updated here.
struct OrtModelLimits {
  const char* ort_version;     ///< the ONNX Runtime version these limits belong to
  std::int64_t max_ir_version;
  std::int64_t max_opset;      ///< ai.onnx (default domain)
  std::int64_t max_ml_opset;   ///< ai.onnx.ml
  /// The oldest ai.onnx opset ORT guarantees ("only *guarantees* support for models stamped with opset
  /// version 7 or above"): ops whose form dates from an older opset (Add-6, Gemm-6, AveragePool-1)
  /// have no kernel, so such a model loads with a warning and then fails; UpgradeOpset fixes it.
  std::int64_t min_opset;
};

/// The limits of the pinned ONNX Runtime (1.30.0: IR 13, ai.onnx opset 7 to 26, ai.onnx.ml opset 5).
const OrtModelLimits& OrtLimits();

/// Throws Error(kUnsupported) in one line when `model`'s IR version or ai.onnx / ai.onnx.ml opset is
/// above OrtLimits(), naming `what` ("'model.onnx'", "the quantized model"), the found and the
/// maximum version: "the quantized model has IR version 14; ONNX Runtime 1.30.0 loads at most IR
/// version 13 (…)". Versions below ORT's minimum (opset 7) load with a warning and pass.
void CheckOrtCanLoad(const Model& model, const std::string& what);

}  // namespace qbench
