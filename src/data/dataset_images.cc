// Image-file datasets: labels CSV, image folder, class-per-folder tree (dataset_internal.h).
#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "dataset_internal.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/data/image.h"

namespace qbench {
namespace data_internal {
namespace {

namespace fs = std::filesystem;

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

}  // namespace

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

}  // namespace data_internal
}  // namespace qbench
