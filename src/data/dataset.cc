// Datasets: labels CSV, image folder, class-per-folder tree, raw uint8 arrays, .npy tensors.
#include "qbench/data/dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <sstream>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/npy.h"
#include "qbench/data/image.h"

namespace qbench {
namespace {

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

// Splits one CSV line; handles double-quoted fields with "" escapes.
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  fields.push_back(cur);
  for (auto& f : fields) {  // trim spaces
    const auto b = f.find_first_not_of(" \t");
    const auto e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return fields;
}

// The lines of a text file, '\r' stripped.
std::vector<std::string> ReadLines(const std::string& path) {
  std::istringstream in(ReadFileBytes(path));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

bool ParseInt(const std::string& s, long long* value) {
  if (s.empty()) return false;
  std::size_t pos = 0;
  try {
    *value = std::stoll(s, &pos);
  } catch (...) {
    return false;
  }
  return pos == s.size();
}

int FindColumn(const std::vector<std::string>& header, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (Lower(header[i]) == n) return static_cast<int>(i);
    }
  }
  return -1;
}

struct Entry {
  std::string path;
  int label = -1;
  std::string id;
};

// Image files decoded and preprocessed on Get(); used by labels-csv, image-folder, class-folders.
class ImageListDataset : public Dataset {
 public:
  ImageListDataset(std::vector<Entry> entries, PreprocessOptions options, std::string description)
      : entries_(std::move(entries)), options_(std::move(options)), description_(std::move(description)) {}
  std::size_t size() const override { return entries_.size(); }
  Sample Get(std::size_t i) const override {
    const Entry& e = entries_.at(i);
    Sample s;
    try {
      s.input = PreprocessImage(DecodeImageFile(e.path), options_);
    } catch (const Error& err) {
      if (err.code() == ErrorCode::kInvalidArgument) throw;  // a bad option, not a bad file
      throw Error(ErrorCode::kInvalidInput, std::string(err.what()).find(e.path) == std::string::npos
                                                ? "cannot read image '" + e.path + "': " + err.what()
                                                : std::string(err.what()));
    }
    s.label = e.label;
    s.id = e.id;
    return s;
  }
  std::string Describe() const override { return description_; }
  std::vector<int> Labels() const override {
    std::vector<int> out;
    for (const auto& e : entries_) out.push_back(e.label);
    return out;
  }

 private:
  std::vector<Entry> entries_;
  PreprocessOptions options_;
  std::string description_;
};

std::unique_ptr<Dataset> OpenLabelsCsv(const std::string& csv_path, const DatasetSpec& spec) {
  const std::vector<std::string> lines = ReadLines(csv_path);
  const std::string dir = DirName(csv_path);
  int file_col = 0, label_col = 1;
  std::size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  if (first == lines.size()) throw Error(ErrorCode::kInvalidInput, "labels file '" + csv_path + "' is empty");
  {
    const auto header = SplitCsvLine(lines[first]);
    long long dummy = 0;
    const int f = FindColumn(header, {"file", "filename", "path", "image"});
    const int l = FindColumn(header, {"class_index", "label", "class", "target"});
    if (f >= 0 && l >= 0) {
      file_col = f;
      label_col = l;
      ++first;
    } else if (!(header.size() >= 2 && ParseInt(header[1], &dummy))) {
      throw Error(ErrorCode::kInvalidInput,
                  "labels file '" + csv_path + "' line " + std::to_string(first + 1) +
                      ": expected a header with a 'file' column and a 'class_index' (or 'label') column, got '" +
                      lines[first] + "'");
    }
  }
  std::vector<Entry> entries;
  for (std::size_t i = first; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const auto fields = SplitCsvLine(lines[i]);
    const std::string where = "labels file '" + csv_path + "' line " + std::to_string(i + 1);
    if (static_cast<int>(fields.size()) <= std::max(file_col, label_col)) {
      throw Error(ErrorCode::kInvalidInput, where + ": expected at least " +
                                                std::to_string(std::max(file_col, label_col) + 1) + " fields, got '" +
                                                lines[i] + "'");
    }
    long long label = 0;
    if (!ParseInt(fields[label_col], &label) || label < 0) {
      throw Error(ErrorCode::kInvalidInput, where + ": class index '" + fields[label_col] + "' is not an integer >= 0");
    }
    const std::string& file = fields[file_col];
    entries.push_back({file.size() && file[0] == '/' ? file : dir + "/" + file, static_cast<int>(label), file});
  }
  if (entries.empty())
    throw Error(ErrorCode::kInvalidInput, "the dataset is empty: labels file '" + csv_path +
                                              "' has a header but no rows (expected one 'file,class_index' row per image)");
  const std::string desc = "labels-csv: " + std::to_string(entries.size()) + " images (" + csv_path + ")";
  return std::make_unique<ImageListDataset>(std::move(entries), spec.preprocess, desc);
}

std::unique_ptr<Dataset> OpenImageFolder(const std::string& dir, const DatasetSpec& spec) {
  std::vector<Entry> entries;
  for (const auto& name : ListFiles(dir, IsImageFile)) {
    entries.push_back({dir + "/" + name, -1, name});
  }
  if (entries.empty()) {
    throw Error(ErrorCode::kInvalidInput, "no image files (jpg, jpeg, png, bmp, ...) in '" + dir + "'");
  }
  const std::string desc = "image-folder: " + std::to_string(entries.size()) + " unlabelled images (" + dir + ")";
  return std::make_unique<ImageListDataset>(std::move(entries), spec.preprocess, desc);
}

// wnid → class index from a text file (one wnid per line) or a CSV with wnid and class_index columns.
std::map<std::string, int> ReadClassMap(const std::string& path) {
  const auto lines = ReadLines(path);
  std::map<std::string, int> map;
  if (!lines.empty() && lines[0].find(',') != std::string::npos) {
    const auto header = SplitCsvLine(lines[0]);
    const int w = FindColumn(header, {"wnid", "synset", "folder"});
    const int c = FindColumn(header, {"class_index", "label", "index"});
    if (w < 0 || c < 0) {
      throw Error(ErrorCode::kInvalidInput, "class map '" + path +
                                                "' line 1: expected a header with 'wnid' and 'class_index' columns, got '" +
                                                lines[0] + "'");
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      const auto f = SplitCsvLine(lines[i]);
      long long idx = 0;
      if (static_cast<int>(f.size()) <= std::max(w, c) || !ParseInt(f[c], &idx)) {
        throw Error(ErrorCode::kInvalidInput, "class map '" + path + "' line " + std::to_string(i + 1) +
                                                  ": expected a wnid and an integer class index, got '" + lines[i] + "'");
      }
      map[f[w]] = static_cast<int>(idx);
    }
  } else {
    int index = 0;
    for (const auto& line : lines) {
      if (line.empty()) continue;
      map[line.substr(0, line.find_first_of(" \t"))] = index++;
    }
  }
  return map;
}

std::unique_ptr<Dataset> OpenClassFolders(const std::string& dir, const DatasetSpec& spec) {
  const auto classes = ListSubdirs(dir);
  std::map<std::string, int> class_map;
  if (!spec.class_map.empty()) class_map = ReadClassMap(spec.class_map);
  std::vector<Entry> entries;
  for (std::size_t ci = 0; ci < classes.size(); ++ci) {
    int label = static_cast<int>(ci);
    if (!spec.class_map.empty()) {
      auto it = class_map.find(classes[ci]);
      if (it == class_map.end()) {
        throw Error(ErrorCode::kInvalidInput, "class folder '" + dir + "/" + classes[ci] + "' is not in the class map '" +
                                                  spec.class_map + "' (" + std::to_string(class_map.size()) +
                                                  " entries); add it or remove the folder");
      }
      label = it->second;
    }
    for (const auto& name : ListFiles(dir + "/" + classes[ci], IsImageFile)) {
      entries.push_back({dir + "/" + classes[ci] + "/" + name, label, classes[ci] + "/" + name});
    }
  }
  if (entries.empty()) throw Error(ErrorCode::kInvalidInput, "no images in the class folders of '" + dir + "'");
  const std::string desc = "class-folders: " + std::to_string(entries.size()) + " images in " +
                           std::to_string(classes.size()) + " classes (" + dir + ")";
  return std::make_unique<ImageListDataset>(std::move(entries), spec.preprocess, desc);
}

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
  if (spec.path.empty()) throw Error(ErrorCode::kInvalidArgument, "no dataset path given (--dataset PATH)");
  if (!fs::exists(spec.path)) throw Error(ErrorCode::kNotFound, "dataset not found: '" + spec.path + "'");
  const auto& formats = DatasetFormats();
  if (std::find(formats.begin(), formats.end(), spec.format) == formats.end()) {
    std::string list;
    for (const auto& f : formats) list += (list.empty() ? "" : ", ") + f;
    throw Error(ErrorCode::kInvalidArgument, "unknown dataset format '" + spec.format + "'; expected one of: " + list);
  }
  ValidatePreprocessOptions(spec.preprocess);
  std::string path = spec.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string format = spec.format == "auto" ? DetectFormat(path) : spec.format;
  const bool is_dir = fs::is_directory(path);
  if (format == "labels-csv") return OpenLabelsCsv(is_dir ? path + "/labels.csv" : path, spec);
  if (format == "image-folder") return OpenImageFolder(path, spec);
  if (format == "class-folders") return OpenClassFolders(path, spec);
  if (format == "npy") return std::make_unique<NpyDataset>(path, spec);
  // fashion-mnist / raw-u8
  if (is_dir) {
    const auto files = ListFiles(path, IsRawImageFile);
    if (files.size() != 1) {
      throw Error(ErrorCode::kInvalidInput, "folder '" + path + "' holds " + std::to_string(files.size()) +
                                                " raw image files (*.u8 other than *.labels.u8); expected exactly one "
                                                "(or pass the .u8 file itself)");
    }
    return std::make_unique<RawU8Dataset>(path + "/" + files[0], spec);
  }
  return std::make_unique<RawU8Dataset>(path, spec);
}

}  // namespace

std::unique_ptr<Dataset> OpenDataset(const DatasetSpec& spec) { return ApplySubsetSpec(OpenWholeDataset(spec), spec); }

}  // namespace qbench
