// Array datasets: raw uint8 images (Fashion-MNIST layout) and .npy tensors (dataset_internal.h).
#include <algorithm>
#include <filesystem>

#include "dataset_internal.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/npy.h"
#include "qbench/data/image.h"

namespace qbench {
namespace data_internal {
namespace {

namespace fs = std::filesystem;

// Raw uint8 images [N,H,W] (Fashion-MNIST layout) with optional uint8 labels [N].
class RawU8Dataset : public Dataset {
 public:
  RawU8Dataset(const std::string& path, const DatasetSpec& spec) : path_(path), options_(spec.preprocess) {
    width_ = spec.raw_width;
    height_ = spec.raw_height;
    if (width_ <= 0 || height_ <= 0) {
      throw Error(ErrorCode::kInvalidArgument, "raw image size must be > 0, got " + std::to_string(width_) + "x" +
                                                   std::to_string(height_));
    }
    pixels_ = ReadFileBytes(path);
    const std::size_t image_bytes = static_cast<std::size_t>(width_) * height_;
    if (pixels_.empty() || pixels_.size() % image_bytes != 0) {
      throw Error(ErrorCode::kInvalidInput, "raw uint8 file '" + path + "' has " + std::to_string(pixels_.size()) +
                                                " bytes, not a multiple of " + std::to_string(width_) + "x" +
                                                std::to_string(height_) + " = " + std::to_string(image_bytes));
    }
    count_ = pixels_.size() / image_bytes;
    const std::string labels_path = path.substr(0, path.size() - 3) + ".labels.u8";
    if (fs::exists(labels_path)) {
      labels_ = ReadFileBytes(labels_path);
      if (labels_.size() != count_) {
        throw Error(ErrorCode::kInvalidInput, "labels file '" + labels_path + "' has " + std::to_string(labels_.size()) +
                                                  " bytes; expected one per image (" + std::to_string(count_) + ")");
      }
    }
  }
  std::size_t size() const override { return count_; }
  std::vector<int> Labels() const override {
    if (labels_.empty()) return {};
    std::vector<int> out;
    for (std::size_t i = 0; i < count_; ++i) out.push_back(static_cast<unsigned char>(labels_[i]));
    return out;
  }
  Sample Get(std::size_t i) const override {
    if (i >= count_) throw Error(ErrorCode::kInvalidArgument, "sample index " + std::to_string(i) + " out of range");
    Image img;
    img.width = width_;
    img.height = height_;
    img.channels = 1;
    const std::size_t n = static_cast<std::size_t>(width_) * height_;
    img.pixels.assign(pixels_.begin() + i * n, pixels_.begin() + (i + 1) * n);
    Sample s;
    s.input = PreprocessImage(img, options_);
    s.label = labels_.empty() ? -1 : static_cast<unsigned char>(labels_[i]);
    s.id = std::to_string(i);
    return s;
  }
  std::string Describe() const override {
    return "fashion-mnist: " + std::to_string(count_) + " " + std::to_string(width_) + "x" + std::to_string(height_) +
           (labels_.empty() ? " unlabelled" : "") + " uint8 images (" + path_ + ")";
  }

 private:
  std::string path_;
  PreprocessOptions options_;
  int width_ = 0, height_ = 0;
  std::string pixels_, labels_;
  std::size_t count_ = 0;
};

std::vector<int> ReadLabelsFile(const std::string& path) {
  std::vector<int> labels;
  if (EndsWith(Lower(path), ".u8")) {
    for (char c : ReadFileBytes(path)) labels.push_back(static_cast<unsigned char>(c));
    return labels;
  }
  for (float v : ReadNpy(path).ToFloatVector()) labels.push_back(static_cast<int>(v));
  return labels;
}

// .npy tensors: one file [N,...] sliced along dim 0, or a folder of one-sample files.
class NpyDataset : public Dataset {
 public:
  NpyDataset(const std::string& path, const DatasetSpec& spec) : path_(path) {
    std::string labels_path = spec.labels;
    if (fs::is_directory(path)) {
      for (const auto& name : ListFiles(path, [](const std::string& n) { return EndsWith(Lower(n), ".npy"); })) {
        if (name == "labels.npy") continue;
        files_.push_back(path + "/" + name);
      }
      if (files_.empty()) throw Error(ErrorCode::kInvalidInput, "no .npy files in '" + path + "'");
      if (labels_path.empty() && fs::exists(path + "/labels.npy")) labels_path = path + "/labels.npy";
      count_ = files_.size();
    } else {
      whole_ = ReadNpy(path);
      if (whole_.shape.empty() || whole_.shape[0] <= 0) {
        throw Error(ErrorCode::kInvalidInput, "npy dataset '" + path + "' has shape [" + ShapeToString(whole_.shape) +
                                                  "]; expected [N,...] with N >= 1 samples along dim 0");
      }
      count_ = static_cast<std::size_t>(whole_.shape[0]);
      const std::string sibling = path.substr(0, path.size() - 4) + ".labels.npy";
      if (labels_path.empty() && fs::exists(sibling)) labels_path = sibling;
    }
    if (!labels_path.empty()) {
      labels_ = ReadLabelsFile(labels_path);
      // One label per sample, in order: any other count means the files do not belong together.
      if (labels_.size() != count_) {
        throw Error(ErrorCode::kInvalidInput, "labels file '" + labels_path + "' has " + std::to_string(labels_.size()) +
                                                  " labels but the npy dataset '" + path + "' has " +
                                                  std::to_string(count_) + " samples; expected one label per sample");
      }
    }
  }
  std::size_t size() const override { return count_; }
  std::vector<int> Labels() const override { return labels_; }
  Sample Get(std::size_t i) const override {
    if (i >= count_) throw Error(ErrorCode::kInvalidArgument, "sample index " + std::to_string(i) + " out of range");
    Sample s;
    if (files_.empty()) {
      s.input.dtype = whole_.dtype;
      s.input.shape.assign(whole_.shape.begin() + 1, whole_.shape.end());
      const std::size_t n = whole_.bytes.size() / count_total();
      s.input.bytes.assign(whole_.bytes.begin() + i * n, whole_.bytes.begin() + (i + 1) * n);
      s.id = std::to_string(i);
    } else {
      try {
        s.input = ReadNpy(files_[i]);
      } catch (const Error& e) {
        throw Error(ErrorCode::kInvalidInput, e.what());
      }
      if (s.input.shape.size() >= 2 && s.input.shape[0] == 1) s.input.shape.erase(s.input.shape.begin());
      s.id = fs::path(files_[i]).filename().string();
    }
    if (s.input.dtype == DType::kFloat64) {
      const auto values = s.input.ToFloatVector();
      HostTensor f = HostTensor::Zeros(DType::kFloat32, s.input.shape);
      std::copy(values.begin(), values.end(), f.data<float>());
      s.input = std::move(f);
    }
    s.label = labels_.empty() ? -1 : labels_[i];
    return s;
  }
  std::string Describe() const override {
    return "npy: " + std::to_string(count_) + (labels_.empty() ? " unlabelled" : "") + " samples (" + path_ + ")";
  }
  bool FedAsStored() const override { return true; }

 private:
  std::size_t count_total() const { return static_cast<std::size_t>(whole_.shape[0]); }
  std::string path_;
  std::vector<std::string> files_;
  HostTensor whole_;
  std::vector<int> labels_;
  std::size_t count_ = 0;
};

}  // namespace

std::unique_ptr<Dataset> OpenRawU8(const std::string& path, const DatasetSpec& spec) {
  return std::make_unique<RawU8Dataset>(path, spec);
}

std::unique_ptr<Dataset> OpenNpy(const std::string& path, const DatasetSpec& spec) {
  return std::make_unique<NpyDataset>(path, spec);
}

}  // namespace data_internal
}  // namespace qbench
