// Helpers shared by the model-compatibility tests (compat_test.cc: opset upgrade; compat_content_test.cc:
// float16, non-tensor outputs, training BatchNorm, already-quantized input).
#pragma once

#include <string>
#include <vector>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace testing {

/// Quantizes `m` with `scheme` (min-max calibration on `data`, 1 thread); warnings go to `w` when given.
inline QuantizeResult Quantize(const Model& m, const std::string& scheme,
                               const std::vector<std::vector<HostTensor>>& data, WarningList* w = nullptr) {
  QuantizeOptions o;
  o.scheme = scheme;
  o.calibration.method = CalibrationMethod::kMinMax;
  o.intra_op_threads = 1;
  VectorReader reader(data);
  WarningList local;
  return QuantizeModel(m, o, &reader, w ? w : &local);
}

/// `n` batches of one random tensor of `shape` (seeds seed, seed+1, ...; values in [-1, 1)).
inline std::vector<std::vector<HostTensor>> Batches(const std::vector<std::int64_t>& shape, int n, std::uint32_t seed) {
  std::vector<std::vector<HostTensor>> out;
  for (int i = 0; i < n; ++i) out.push_back({RandomTensor(shape, seed + i)});
  return out;
}

/// True when one of `lines` contains `text`.
inline bool Contains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

/// Opset 11: x [1,3,6,6] → Conv 3x3 (8 ch, pads 1) → Relu → Conv 1x1 (4 ch) → y [1,4,6,6]; seeded weights.
inline Model ConvOpset11() {
  GraphBuilder b("conv11", 11);
  b.AddInput("x", DType::kFloat32, {1, 3, 6, 6});
  b.AddOutput("y", DType::kFloat32, {1, 4, 6, 6});
  b.AddInitializer("w1", {8, 3, 3, 3}, RandomValues(216, 11, -0.4f, 0.4f));
  b.AddInitializer("b1", {8}, RandomValues(8, 12, -0.1f, 0.1f));
  b.AddInitializer("w2", {4, 8, 1, 1}, RandomValues(32, 13, -0.5f, 0.5f));
  b.AddNode("Conv", "conv1", {"x", "w1", "b1"}, {"c1"}, {AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})});
  b.AddNode("Relu", "relu", {"c1"}, {"r"});
  b.AddNode("Conv", "conv2", {"r", "w2"}, {"y"});
  return b.Build();
}

}  // namespace testing
}  // namespace qbench
