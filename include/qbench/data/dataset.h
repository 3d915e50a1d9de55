// qbench/data/dataset.h — evaluation / calibration datasets and image preprocessing.
// CONTRACT shared by eval, calibration, quantization and the lab (they use it). Extend, don't break.
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
  int pad = 0;                       ///< zero pixels added on every side after the crop (fashion-mnist: 2)
  int resize_width = 0;              ///< exact resize (pixels) instead of shorter-side; 0 = unset
  int resize_height = 0;             ///< set both or neither
  /// Builds options from a preset name: "imagenet", "fashion-mnist" (28×28 → pad 2 → 32×32,
  /// (p/255 − 0.2860)/0.3530, 3 identical channels). Throws Error(kInvalidArgument) listing presets.
  static PreprocessOptions FromPreset(const std::string& name);
};

/// Which part of a split dataset to open (DatasetSpec::split_calibration).
enum class DatasetPart {
  kAll,          ///< the whole dataset (no split)
  kCalibration,  ///< the calibration part: split_calibration samples
  kEvaluation,   ///< the evaluation part: every other sample
};

/// Where the data is and how to read it.
struct DatasetSpec {
  std::string path;            ///< labels CSV, image folder, class-per-folder tree, .npy file/folder, raw .u8
  std::string format = "auto"; ///< auto, labels-csv, image-folder, class-folders, npy, fashion-mnist
  PreprocessOptions preprocess;
  /// Use at most this many samples (0 = all): a seeded random subset (SelectSubset: stratified by
  /// label when the dataset has labels), in dataset order — never the first N files, which in a
  /// class-sorted folder are the first classes only.
  std::size_t limit = 0;
  std::uint64_t seed = 0;      ///< seed of the subset drawn by `limit` and of the split
  /// With split_calibration > 0 the dataset is split into two disjoint parts: a calibration part of
  /// split_calibration samples (SelectSubset with `seed`) and an evaluation part (all the others);
  /// `part` says which one this spec opens (kAll: the whole dataset). `limit` then applies within
  /// the part. Throws Error(kInvalidArgument) when split_calibration >= the dataset's size.
  std::size_t split_calibration = 0;
  DatasetPart part = DatasetPart::kAll;
  /// class-folders only: maps folder names (ImageNet wnids) to class indices instead of the sorted
  /// order. A text file with one wnid per line (line i = class i), or a CSV with a header holding
  /// `wnid` and `class_index` columns (e.g. imagenet-sample/labels.csv).
  std::string class_map;
  /// npy only: a labels file (.npy integer [N], or raw uint8 [N] `.u8`); default: `labels.npy`
  /// in an npy folder, `<stem>.labels.npy` beside an npy file, when present.
  std::string labels;
  int raw_width = 28;          ///< fashion-mnist/raw-u8: image width, pixels
  int raw_height = 28;         ///< fashion-mnist/raw-u8: image height, pixels
};

/// The `format` names OpenDataset accepts ("auto" first).
const std::vector<std::string>& DatasetFormats();

/// The format OpenDataset will use for `path` with format "auto" (see OpenDataset for the rules),
/// e.g. to pick a default preprocessing preset. Throws as OpenDataset.
std::string DetectDatasetFormat(const std::string& path);

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
  /// True when samples are the file's arrays as stored (npy), with no preprocessing: a sample that
  /// does not fit the model is then a bad input file (exit 1), not a wrong preprocessing flag (exit 2).
  virtual bool FedAsStored() const { return false; }
  /// The label of every sample in order (-1 = unlabelled), read without decoding; empty when the
  /// dataset cannot tell without decoding. Used to stratify subsets.
  virtual std::vector<int> Labels() const { return {}; }
};

/// A seeded random choice of `k` of the indices 0..labels.size()-1 (all of them when k >= size),
/// returned in increasing order. Stratified by label: each label (-1, unlabelled, is one group)
/// gets round(k × its share) samples by the largest-remainder method (ties to the smaller label), so
/// the subset's class proportions are the dataset's to within one sample per class; within a label
/// the samples are a Fisher–Yates shuffle (std::mt19937_64 seeded with `seed`, unbiased bounded
/// draws) — the same on every platform for the same seed. `labels` may be all -1 (a uniform random
/// subset).
std::vector<std::size_t> SelectSubset(const std::vector<int>& labels, std::size_t k, std::uint64_t seed);

/// The samples `indices` of `base`, in that order, with Describe() = base's description followed by
/// `note` (e.g. "; a random subset of 100 of 200 samples, seed 0, stratified by label").
std::unique_ptr<Dataset> SubsetOf(std::unique_ptr<Dataset> base, std::vector<std::size_t> indices, std::string note);

/// Applies spec.split_calibration / spec.part and then spec.limit to a whole dataset (as OpenDataset
/// does): returns `whole` itself when neither applies.
std::unique_ptr<Dataset> ApplySubsetSpec(std::unique_ptr<Dataset> whole, const DatasetSpec& spec);

/// Opens a dataset. Formats:
///  - labels-csv: `path` is a CSV (or a folder holding labels.csv) with a header naming a `file`
///    column and a `class_index` (or `label`) column; files are relative to the CSV's folder.
///  - image-folder: every image file (jpg/jpeg/png/bmp/gif/tga/ppm/pgm, any case) in `path`, sorted
///    by name, unlabelled.
///  - class-folders: `path/<class>/<image>`; class index = rank of the folder name in sorted order,
///    or `class_map`'s index.
///  - fashion-mnist (alias raw-u8): raw uint8 [N,H,W] (`path` = the .u8 file, or a folder with
///    exactly one `*.u8` image file); labels from `<stem>.labels.u8` (uint8 [N]) when present.
///  - npy: a .npy file [N,...] (sample i = slice i) or a folder of .npy files (one sample each;
///    a leading dimension of 1 is dropped); fed as stored, no preprocessing (float64 → float32).
/// "auto" picks by what `path` is: *.csv → labels-csv, *.u8 → fashion-mnist, *.npy → npy; a folder
/// with labels.csv → labels-csv, with *.u8 → fashion-mnist, with *.npy → npy, with sub-folders of
/// images → class-folders, with images → image-folder.
/// Throws Error(kNotFound) for a missing path, Error(kInvalidInput) for an
/// unreadable labels file (naming the line), an empty dataset (a labels CSV with only its header,
/// a folder without images or .npy files), or an npy labels file whose label count differs from the
/// sample count (naming both counts), Error(kInvalidArgument) for an unknown format.
std::unique_ptr<Dataset> OpenDataset(const DatasetSpec& spec);

}  // namespace qbench
