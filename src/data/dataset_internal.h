// src/data/dataset_internal.h — what the dataset readers share (dataset.cc: format detection and
// OpenDataset; dataset_images.cc: image files; dataset_arrays.cc: raw uint8 and .npy arrays).
// Private to the data module.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "qbench/data/dataset.h"

namespace qbench {
namespace data_internal {

std::string Lower(std::string s);
bool EndsWith(const std::string& s, const std::string& suffix);
/// .jpg, .jpeg, .png, .bmp, .gif, .tga, .ppm, .pgm, .pnm, .psd (any case).
bool IsImageFile(const std::string& name);
/// Regular files (following links) in `dir` that `keep` accepts, sorted by name (byte order, as
/// Python's sorted()).
std::vector<std::string> ListFiles(const std::string& dir, bool (*keep)(const std::string&));
/// Sub-folders of `dir` not starting with '.', sorted by name.
std::vector<std::string> ListSubdirs(const std::string& dir);

// Image files decoded and preprocessed on Get() (dataset_images.cc). Each throws Error naming the
// file, line or folder that is wrong.
/// A labels CSV (file,class_index,...; paths relative to the CSV's folder).
std::unique_ptr<Dataset> OpenLabelsCsv(const std::string& csv_path, const DatasetSpec& spec);
/// Every image file of `dir`, unlabelled.
std::unique_ptr<Dataset> OpenImageFolder(const std::string& dir, const DatasetSpec& spec);
/// One sub-folder per class (ImageNet's wnid folders with spec.class_map, else sorted folder names).
std::unique_ptr<Dataset> OpenClassFolders(const std::string& dir, const DatasetSpec& spec);

// Arrays (dataset_arrays.cc).
/// Raw uint8 images [N, raw_height, raw_width] (Fashion-MNIST layout), labels from FILE.labels.u8.
std::unique_ptr<Dataset> OpenRawU8(const std::string& path, const DatasetSpec& spec);
/// One .npy [N, ...] sliced along dim 0, or a folder of one-sample .npy files; labels from
/// spec.labels, labels.npy in the folder or FILE.labels.npy.
std::unique_ptr<Dataset> OpenNpy(const std::string& path, const DatasetSpec& spec);

}  // namespace data_internal
}  // namespace qbench
