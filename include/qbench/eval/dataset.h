// qbench/eval/dataset.h — evaluation / calibration datasets and image preprocessing.
// CONTRACT shared by eval (implements it) and calibration/quantization (use it). Extend, don't break.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"

namespace qbench {

/// How an image becomes a model input. Preset "imagenet": decode to RGB, resize the shorter side
/// to 256 (bilinear, PIL-style with antialiasing), center-crop 224×224, scale to [0,1], subtract
/// mean (0.485, 0.456, 0.406), divide by std (0.229, 0.224, 0.225), layout NCHW float32.
struct PreprocessOptions {
  int resize_shorter = 256;          ///< pixels; 0 = no resize
  int crop = 224;                    ///< center crop, pixels (square); 0 = no crop
  std::vector<float> mean = {0.485f, 0.456f, 0.406f};  ///< per channel, after scaling to [0,1]
  std::vector<float> std = {0.229f, 0.224f, 0.225f};
  std::string layout = "NCHW";       ///< "NCHW" or "NHWC"
  std::string channel_order = "RGB"; ///< "RGB" or "BGR"
  int channels = 3;                  ///< 3 (grayscale images are replicated) or 1
  /// Builds options from a preset name: "imagenet", "fashion-mnist" (28×28 → pad 2 → 32×32,
  /// (p/255 − 0.2860)/0.3530, 3 identical channels). Throws Error(kInvalidArgument) listing presets.
  static PreprocessOptions FromPreset(const std::string& name);
};

/// Where the data is and how to read it.
struct DatasetSpec {
  std::string path;            ///< labels CSV, image folder, class-per-folder tree, .npy file/folder, raw .u8
  std::string format = "auto"; ///< auto, labels-csv, image-folder, class-folders, npy, fashion-mnist
  PreprocessOptions preprocess;
  std::size_t limit = 0;       ///< use at most this many samples (0 = all)
};

/// One preprocessed example, without the batch dimension (e.g. float32 [3,224,224]).
struct Sample {
  HostTensor input;
  int label = -1;   ///< class index, -1 when unlabelled
  std::string id;   ///< file name or index
};

/// A random-access dataset. Get() is thread-safe so decoding can run in parallel with inference.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::size_t size() const = 0;
  /// Decodes and preprocesses sample i. Throws Error(kInvalidInput) naming the file when it
  /// cannot be decoded (callers skip and count it).
  virtual Sample Get(std::size_t i) const = 0;
  /// A short description for reports, e.g. "labels-csv: 200 images (../shared/data/imagenet-sample)".
  virtual std::string Describe() const = 0;
};

/// Opens a dataset. Throws Error(kNotFound) for a missing path, Error(kInvalidInput) for an
/// unreadable labels file (naming the line), Error(kInvalidArgument) for an unknown format.
std::unique_ptr<Dataset> OpenDataset(const DatasetSpec& spec);

}  // namespace qbench
