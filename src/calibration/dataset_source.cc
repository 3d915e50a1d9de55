// Calibration samples from eval's datasets (image folder, labels CSV, class folders, raw uint8).
#include "qbench/core/error.h"
#include "qbench/data/dataset.h"
#include "sample_source.h"

namespace qbench::calibration_internal {
namespace {

class DatasetSource : public SampleSource {
 public:
  DatasetSource(std::unique_ptr<Dataset> dataset, TensorInfo input, WarningList* warnings)
      : dataset_(std::move(dataset)), input_(std::move(input)), warnings_(warnings) {}

  bool NextSample(std::vector<HostTensor>* sample) override {
    while (next_ < dataset_->size()) {
      const std::size_t i = next_++;
      Sample s;
      try {
        s = dataset_->Get(i);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kInvalidInput) throw;
        if (warnings_) warnings_->Add("calibration_sample_skipped", std::string("calibration sample skipped: ") + e.what());
        continue;
      }
      if (s.input.dtype != input_.dtype && input_.dtype != DType::kUndefined)
        throw Error(ErrorCode::kInvalidArgument, "calibration dataset gives " + DTypeName(s.input.dtype) +
                                                     " samples but model input '" + input_.name + "' is " +
                                                     DescribeInput(input_));
      CheckSampleShape(input_, s.input.shape, "calibration data '" + dataset_->Describe() + "' (after preprocessing)",
                       "set the preprocessing (--preset, --crop/--resize, --layout) to match the model",
                       ErrorCode::kInvalidArgument);
      sample->clear();
      sample->push_back(std::move(s.input));
      return true;
    }
    return false;
  }
  std::string Describe() const override { return dataset_->Describe(); }

 private:
  std::unique_ptr<Dataset> dataset_;
  TensorInfo input_;
  WarningList* warnings_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<SampleSource> MakeDatasetSampleSource(const Model& model, const CalibrationDataSpec& spec,
                                                      WarningList* warnings) {
  const auto inputs = model.Inputs();
  if (inputs.size() != 1)
    throw Error(ErrorCode::kInvalidArgument, "calibration data '" + spec.path + "' is a dataset of single inputs but the model has " +
                                                 std::to_string(inputs.size()) +
                                                 " inputs; pass .npy files instead (one <input name>.npy per input)");
  DatasetSpec ds;
  ds.path = spec.path;
  ds.preprocess = spec.preprocess;
  ds.seed = spec.seed;
  if (spec.split_part) {
    ds.split_calibration = spec.size;
    ds.part = DatasetPart::kCalibration;
  } else {
    ds.limit = spec.size;
  }
  return std::make_unique<DatasetSource>(OpenDataset(ds), inputs[0], warnings);
}

}  // namespace qbench::calibration_internal
