// Datasets: the format of a path, and OpenDataset over the readers of each format (labels CSV,
// image folder, class-per-folder tree: dataset_images.cc; raw uint8, .npy: dataset_arrays.cc).
#include "qbench/core/text.h"
#include "qbench/data/dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "dataset_internal.h"
#include "qbench/core/error.h"
#include "qbench/data/image.h"

namespace qbench {
namespace data_internal {

namespace fs = std::filesystem;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsImageFile(const std::string& name) {
  static const char* kExtensions[] = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tga", ".ppm", ".pgm", ".pnm", ".psd"};
  const std::string lower = Lower(name);
  for (const char* ext : kExtensions) {
    if (EndsWith(lower, ext)) return true;
  }
  return false;
}

// Regular files (following links) in `dir`, sorted by name (byte order, as Python's sorted()).
std::vector<std::string> ListFiles(const std::string& dir, bool (*keep)(const std::string&)) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && keep(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> ListSubdirs(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && !name.empty() && name[0] != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace data_internal

namespace {

namespace fs = std::filesystem;
using namespace data_internal;

bool IsRawImageFile(const std::string& n) { return EndsWith(Lower(n), ".u8") && !EndsWith(Lower(n), ".labels.u8"); }
bool IsNpy(const std::string& n) { return EndsWith(Lower(n), ".npy"); }

std::string DetectFormat(const std::string& path) {
  const std::string lower = Lower(path);
  if (!fs::is_directory(path)) {
    if (EndsWith(lower, ".csv")) return "labels-csv";
    if (EndsWith(lower, ".u8")) return "fashion-mnist";
    if (EndsWith(lower, ".npy")) return "npy";
    throw Error(ErrorCode::kInvalidArgument, "cannot tell the dataset format of '" + path +
                                                 "' (expected a .csv, .u8 or .npy file, or a folder); pass --format");
  }
  if (fs::exists(path + "/labels.csv")) return "labels-csv";
  if (!ListFiles(path, IsRawImageFile).empty()) return "fashion-mnist";
  if (!ListFiles(path, IsNpy).empty()) return "npy";
  for (const auto& sub : ListSubdirs(path)) {
    if (!ListFiles(path + "/" + sub, IsImageFile).empty()) return "class-folders";
  }
  if (!ListFiles(path, IsImageFile).empty()) return "image-folder";
  throw Error(ErrorCode::kInvalidInput, "found no dataset in folder '" + path +
                                            "': no labels.csv, *.u8, *.npy, image files, or class folders of images");
}

}  // namespace

std::string DetectDatasetFormat(const std::string& path) {
  if (!fs::exists(path)) throw Error(ErrorCode::kNotFound, "dataset not found: '" + path + "'");
  return DetectFormat(path);
}

const std::vector<std::string>& DatasetFormats() {
  static const std::vector<std::string> formats = {"auto", "labels-csv", "image-folder", "class-folders",
                                                   "npy", "fashion-mnist", "raw-u8"};
  return formats;
}

namespace {

// The whole dataset `spec` names (spec.limit and the split are applied by OpenDataset).
std::unique_ptr<Dataset> OpenWholeDataset(const DatasetSpec& spec) {
  if (spec.path.empty()) throw Error(ErrorCode::kInvalidArgument, "no dataset path given (--eval-data PATH)");
  if (!fs::exists(spec.path)) throw Error(ErrorCode::kNotFound, "dataset not found: '" + spec.path + "'");
  const auto& formats = DatasetFormats();
  if (std::find(formats.begin(), formats.end(), spec.format) == formats.end()) {
    throw Error(ErrorCode::kInvalidArgument, UnknownChoice("dataset format", spec.format, formats));
  }
  ValidatePreprocessOptions(spec.preprocess);
  std::string path = spec.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string format = spec.format == "auto" ? DetectFormat(path) : spec.format;
  const bool is_dir = fs::is_directory(path);
  if (format == "labels-csv") return OpenLabelsCsv(is_dir ? path + "/labels.csv" : path, spec);
  if (format == "image-folder") return OpenImageFolder(path, spec);
  if (format == "class-folders") return OpenClassFolders(path, spec);
  if (format == "npy") return OpenNpy(path, spec);
  // fashion-mnist / raw-u8
  if (is_dir) {
    const auto files = ListFiles(path, IsRawImageFile);
    if (files.size() != 1) {
      throw Error(ErrorCode::kInvalidInput, "folder '" + path + "' holds " + std::to_string(files.size()) +
                                                " raw image files (*.u8 other than *.labels.u8); expected exactly one "
                                                "(or pass the .u8 file itself)");
    }
    return OpenRawU8(path + "/" + files[0], spec);
  }
  return OpenRawU8(path, spec);
}

}  // namespace

std::unique_ptr<Dataset> OpenDataset(const DatasetSpec& spec) { return ApplySubsetSpec(OpenWholeDataset(spec), spec); }

}  // namespace qbench
