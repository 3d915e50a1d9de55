// Helpers shared by the range-rule tests (range_rules_test.cc: attention masks and Softmax inputs;
// range_rules_heads_test.cc: detection heads, joins, zero-sized tensors, untaken If branches).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace range_rules_test {


inline const std::vector<CalibrationMethod> kMethods = {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile,
                                                 CalibrationMethod::kEntropy, CalibrationMethod::kMse};

inline QuantizeResult Quantize(const Model& m, CalibrationMethod method, const std::vector<std::vector<HostTensor>>& data,
                        QuantizeOptions o = {}) {
  o.calibration.method = method;
  o.intra_op_threads = 1;
  testing::VectorReader reader(data);
  WarningList w;
  return QuantizeModel(m, o, &reader, &w);
}

inline const NodeDecision& Decision(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return d;
  throw std::runtime_error("no decision for " + name);
}

inline bool HasWarning(const QuantizeReport& r, const std::string& code) {
  for (const auto& w : r.warnings)
    if (w.code == code) return true;
  return false;
}

inline bool NoteMentions(const QuantizeReport& r, const std::string& text) {
  for (const auto& n : r.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

// Names of the tensors a QuantizeLinear reads.
inline std::set<std::string> QuantizedTensors(const Model& m) {
  std::set<std::string> out;
  for (const auto& n : m.proto.graph().node())
    if (n.op_type() == "QuantizeLinear") out.insert(n.input(0));
  return out;
}

// Runs the quantized `m` as ORT fuses it, with its int8 weights stored as uint8
// (testing::WithUnsignedIntegerWeights: the same real values, run by ORT's exact u8u8 kernels), so
// the figures measure the scales qbench chose, not the int16 saturation of ORT's u8s8 kernels on
// AVX2 CPUs without VNNI (which costs 10-30 dB there whatever the scales).
inline std::vector<HostTensor> RunQuantized(const Model& m, const std::vector<HostTensor>& feeds) {
  return testing::RunModel(testing::WithUnsignedIntegerWeights(m), feeds);
}

// Every QuantizeLinear scale is a finite positive number.
inline void ExpectFiniteScales(const Model& m) {
  for (const auto& n : m.proto.graph().node())
    if (n.op_type() == "QuantizeLinear")
      for (float s : testing::InitializerTensor(m, n.input(1)).ToFloatVector()) EXPECT_TRUE(std::isfinite(s) && s > 0) << n.name();
}

// One attention head on x [1, 8, 16]: q, k, v = x·Wq, x·Wk, x·Wv; scores = q·kᵀ·0.25;
// masked = scores + mask (causal: 0 on and below the diagonal, `mask_value` above);
// y = Softmax(masked)·v·Wo. The mask is a constant, or (mask_is_input) a graph input [1, 8, 8].

}  // namespace range_rules_test
}  // namespace qbench
