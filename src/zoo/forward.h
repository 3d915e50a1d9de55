// src/zoo/forward.h — a small float32 reference forward pass (NCHW) used while building zoo models
// to calibrate their weights (internal to the zoo module). Single-threaded and deterministic:
// the same inputs give bit-identical outputs.
#pragma once

#include <cstdint>
#include <vector>

namespace qbench::zoo_internal {

/// A float32 activation, layout NCHW (rank 2 [N,C] is stored with h = w = 1).
struct Act {
  int n = 0, c = 0, h = 0, w = 0;
  std::vector<float> v;  ///< n·c·h·w values, row-major
  bool empty() const { return v.empty(); }
  std::int64_t plane() const { return static_cast<std::int64_t>(h) * w; }
};

/// Output size of a convolution/pooling window along one axis (ONNX Conv / MaxPool formulas;
/// ceil_mode as PyTorch, whose last window must start inside the padded input).
std::int64_t WindowOutputSize(std::int64_t in, int kernel, int stride, int pad, bool ceil_mode = false);

/// Convolution without bias (ONNX Conv, dilation 1): x [N,C,H,W], weight [cout, C/groups, k, k].
Act Conv2d(const Act& x, const float* weight, int cout, int kernel, int stride, int pad, int groups);
/// Fully connected without bias (ONNX Gemm, transB = 1): x [N,K] (h = w = 1), weight [M,K] → [N,M].
Act Linear(const Act& x, const float* weight, int m);
/// ONNX MaxPool (no dilation), padding by -inf.
Act MaxPool2d(const Act& x, int kernel, int stride, int pad, bool ceil_mode);
/// ONNX GlobalAveragePool: [N,C,H,W] → [N,C,1,1].
Act GlobalAveragePool(const Act& x);
/// a + b, same shape.
Act AddAct(const Act& a, const Act& b);
/// x · gate, gate either the same shape or [N,C,1,1] broadcast over H, W.
Act MulAct(const Act& x, const Act& gate);
/// Concatenation along C.
Act ConcatChannels(const Act& a, const Act& b);

/// In place: max(x, 0); min(max(x, 0), 6); ONNX HardSigmoid(alpha = 1/6, beta = 0.5).
void ReluInPlace(Act& x);
void Relu6InPlace(Act& x);
void HardSigmoidInPlace(Act& x);

}  // namespace qbench::zoo_internal
