// Internal to the calibration module: calibration samples (one tensor per model input, without the
// batch dimension) and the reader that stacks them into batches.
#pragma once

#include "qbench/core/error.h"
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/log.h"
#include "qbench/model/model.h"

namespace qbench::calibration_internal {

/// Yields samples: `sample` gets one tensor per model input (Model::Inputs() order): for an input
/// with a batch dimension (BatchDimensions, model/shapes.h) the input's shape without dim 0, for the
/// others the input's own shape. Returns false when exhausted.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual bool NextSample(std::vector<HostTensor>* sample) = 0;
  virtual std::string Describe() const = 0;
};

/// Checks that `sample_shape` (without the batch dim) fits dims 1.. of `input`; throws Error(`code`)
/// naming `what` (a file or dataset), the input and both shapes, plus `hint`. Callers pass
/// kInvalidInput when a data file is at fault (.npy: exit 1) and kInvalidArgument when the
/// preprocessing flags are (images: exit 2), as `qbench eval` does.
void CheckSampleShape(const TensorInfo& input, const std::vector<std::int64_t>& sample_shape, const std::string& what,
                      const std::string& hint, ErrorCode code);

/// "float32 [N,3,224,224]" for messages.
std::string DescribeInput(const TensorInfo& input);

/// Image folder / labels CSV / class folders through eval's OpenDataset, preprocessed per `spec`.
/// Defined in dataset_source.cc (or a stub that throws Error(kUnsupported) when the eval module is
/// not built). Single-input float32 models only.
std::unique_ptr<SampleSource> MakeDatasetSampleSource(const Model& model, const CalibrationDataSpec& spec,
                                                      WarningList* warnings);

}  // namespace qbench::calibration_internal
