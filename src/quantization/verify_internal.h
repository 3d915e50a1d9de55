// src/quantization/verify_internal.h — fp32-vs-quantized statistics of one tensor, shared by the
// output verification and the search for the tensors responsible for a collapse (verify.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/data/metrics.h"
#include "qbench/quantization/verify.h"

namespace qbench::quant_internal {

/// Accumulates, over batches, the SQNR and cosine of a float32 tensor against its reference
/// (FidelityAccumulator) and the signal and noise energy of every index along the last axis and
/// along axis 1 (rank >= 3), for axes with 2..max_slices entries. Pairs where the candidate is NaN
/// or ±Inf and the reference is finite are counted in non_finite() and left out of the energies;
/// pairs with a non-finite reference are skipped.
class TensorComparison {
 public:
  explicit TensorComparison(std::int64_t max_slices) : max_slices_(max_slices) {}
  /// Adds one batch. Both must be float32; a shape that differs from `reference` is recorded
  /// (shape_mismatch()) and the batch is not compared. A batch whose shape differs from the first
  /// batch's disables the slice analysis of the axes that changed.
  void Add(const HostTensor& reference, const HostTensor& candidate);
  double sqnr_db() const { return whole_.sqnr_db(); }
  double cosine() const { return whole_.mean_cosine(); }
  std::int64_t non_finite() const { return non_finite_; }
  bool shape_mismatch() const { return shape_mismatch_; }
  bool reference_all_zero() const { return signal_ == 0.0; }
  /// The worst group of contiguous collapsed indices. An index collapses when its SQNR is below
  /// min_sqnr_db and at least gap_db below the whole tensor's, and either its mean reference power
  /// is kVerifySliceScaleGapDb below the tensor's (its values live on a much smaller scale, which one
  /// shared scale rounds away) or its mean noise power is gap_db above the tensor's (the error
  /// concentrates in it). Indices whose reference is all zero are not judged.
  SliceCollapse WorstSlice(double min_sqnr_db, double gap_db) const;

 private:
  struct AxisEnergy {
    int axis = 0;
    std::int64_t extent = 0, stride = 1;
    std::vector<double> signal, noise, count;
    bool valid = true;
  };
  std::int64_t max_slices_;
  FidelityAccumulator whole_;
  double signal_ = 0.0, noise_ = 0.0, count_ = 0.0;
  std::vector<AxisEnergy> axes_;
  std::vector<std::int64_t> first_shape_;
  bool started_ = false, shape_mismatch_ = false;
  std::int64_t non_finite_ = 0;
};

/// "columns 4–7 of 8 (axis 1)": the slice group in words.
std::string DescribeSlice(const SliceCollapse& s, std::size_t rank);

/// A number for messages: "12.3", "inf", "-inf", "nan".
std::string Db(double v);

}  // namespace qbench::quant_internal
