// tests/quantization/quant_test_util.h — helpers for the quantization tests: feeds, fp32 ranges,
// running a model, counting ops, per-channel SQNR.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/tensor.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "qbench/quantization/quant_math.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/runtime/runner.h"

namespace qbench::testing {

/// Uniform float32 values in [lo, hi) from a seeded mt19937.
inline HostTensor RandomTensor(const std::vector<std::int64_t>& shape, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

/// Bell-shaped values (normal, mean 0, `stddev`) like trained weights, from a seeded mt19937.
inline std::vector<float> GaussianValues(std::int64_t n, std::uint32_t seed, float stddev) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

inline std::vector<float> RandomValues(std::int64_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  return RandomTensor({n}, seed, lo, hi).ToFloatVector();
}

// y = Gemm(x, B1) − Gemm(x, B2) with B2 = B1 + 1e-3: the output is a small difference of two large
// values, so ~40 dB on each Gemm leaves far below 15 dB on the difference, and no single tensor's
// quantization is to blame. The search finds no culprit, the collapse remains: strict refuses it.
inline Model CancellationModel() {
  GraphBuilder b("cancellation");
  b.AddInput("x", DType::kFloat32, {"N", 4});
  b.AddOutput("d", DType::kFloat32, {"N", 8});
  std::vector<float> w1 = RandomValues(32, 9), w2 = w1;
  for (auto& v : w2) v += 1e-3f;
  b.AddInitializer("B1", {4, 8}, w1);
  b.AddInitializer("B2", {4, 8}, w2);
  b.AddNode("Gemm", "g1", {"x", "B1"}, {"y1"});
  b.AddNode("Gemm", "g2", {"x", "B2"}, {"y2"});
  b.AddNode("Sub", "diff", {"y1", "y2"}, {"d"});
  return b.Build();
}

/// Feeds a fixed list of batches (like ORT's CalibrationDataReader over a list).
class VectorReader : public CalibrationDataReader {
 public:
  explicit VectorReader(std::vector<std::vector<HostTensor>> batches) : batches_(std::move(batches)) {}
  bool Next(std::vector<HostTensor>* feeds) override {
    if (next_ >= batches_.size()) return false;
    *feeds = batches_[next_++];
    return true;
  }
  std::string Describe() const override { return std::to_string(batches_.size()) + " test batch(es)"; }

 private:
  std::vector<std::vector<HostTensor>> batches_;
  std::size_t next_ = 0;
};

/// Runs `model` once on CPU (1 thread) and returns every output.
inline std::vector<HostTensor> RunModel(const Model& model, const std::vector<HostTensor>& feeds) {
  SessionConfig c;
  c.intra_op_threads = 1;
  return OrtRunner::Create(model, c)->Run(feeds);
}

/// Exact min/max of every float32 node output and graph input, from one fp32 run with graph
/// optimization disabled (a hand-made calibration table, independent of the calibration module).
CalibrationTable MinMaxTable(const Model& model, const std::vector<HostTensor>& feeds);

/// op type → count in the graph (domain-qualified for non-default domains, e.g. "com.microsoft.QGemm").
std::map<std::string, int> OpCounts(const Model& model);

/// SQNR (dB) per channel along `axis` of an output of `shape` (e.g. axis 1 of [N, C, H, W]).
std::vector<double> PerChannelSqnrDb(const std::vector<float>& ref, const std::vector<float>& test,
                                     const std::vector<std::int64_t>& shape, int axis);

/// Float values of initializer `name` in `model`, dequantized when it is int8/uint8/int32
/// (not used for that), or converted when float. Throws when absent.
HostTensor InitializerTensor(const Model& model, const std::string& name);

/// The node that writes `tensor` (nullptr when none).
const onnx::NodeProto* ProducerOf(const Model& model, const std::string& tensor);
/// The node named `name` (nullptr when none).
const onnx::NodeProto* NodeNamed(const Model& model, const std::string& name);

/// ONNX's full model check, as onnx.checker.check_model(model, full_check=True) does: the checker
/// (onnx::checker::check_model) then strict shape inference (types checked, errors thrown).
/// Returns "" when the model passes, else the first error's text.
std::string FullCheckError(const Model& model);

/// The same model with every int8 weight stored as uint8 (q + 128, zero point + 128): weights of
/// MatMulInteger/ConvInteger (inputs 1 and 3) and int8 initializers read by DequantizeLinear (a
/// missing zero point becomes an explicit 128), in subgraphs too. The real values are unchanged,
/// but ORT then runs its u8u8 kernels. ORT's u8s8 kernels on x86 CPUs with AVX2 but no VNNI sum
/// pairs of u8·s8 products in int16 with saturation (VPMADDUBSW; ORT's quantization docs,
/// "reduce_range"), so this copy shows what the quantized model computes without that CPU error.
Model WithUnsignedIntegerWeights(const Model& model);
/// OrtU8S8KernelsSaturate() (qbench/quantization/quantizer.h).
bool U8S8KernelSaturates();

/// SQNR (dB) of output `k` of `test` against `ref` on `feeds` (both run by RunModel).
double OutputSqnrDb(const Model& ref, const Model& test, const std::vector<HostTensor>& feeds, size_t k = 0);

/// gtest expectations for a quantized model: SQNR >= `bound` for what it computes with exact
/// integer products (WithUnsignedIntegerWeights; the file itself when it already has u8 weights,
/// as --weight-range auto writes them on a CPU without VNNI). The file as written must meet the same bound
/// where ORT's u8s8 kernels are exact; where they saturate (U8S8KernelSaturates) it must still run,
/// and both values are printed (on such a CPU the file as written can lose 20-30 dB).
void ExpectQuantizedSqnr(const Model& ref, const Model& test, const std::vector<HostTensor>& feeds, size_t k, double bound);

/// The dtype a symmetric weight is stored in, by the report's resolved weight range ("u8" → kUint8,
/// else kInt8; --weight-range auto picks u8 on x86 CPUs without VNNI).
inline DType StoredWeightType(const QuantizeReport& r) { return r.weight_range == "u8" ? DType::kUint8 : DType::kInt8; }

/// Dequantizes what a DequantizeLinear node produces (its inputs are initializers).
HostTensor DequantizeNodeOutput(const Model& model, const onnx::NodeProto& dq);

}  // namespace qbench::testing
