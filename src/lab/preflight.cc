// Before a lab measures anything: its inputs (models, data paths, the evaluation data against each
// model) and its output folder (a study there is refused, resumed or moved aside). The settings
// that define a measurement and the resume check are in preflight_settings.cc.
#include "qbench/lab/preflight.h"

#include <algorithm>
#include <ctime>
#include <cmath>
#include <filesystem>
#include <set>
#include <system_error>

#include <unistd.h>

#include <fmt/format.h>

#include "qbench/benchmark/statistics.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/data/dataset.h"
#include "qbench/lab/config.h"
#include "qbench/eval/evaluator.h"
#include "qbench/lab/device.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/lab/roofline.h"
#include "qbench/core/fs.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/runner.h"
#include "qbench/zoo/zoo.h"

namespace qbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void Rethrow(const Error& e, const std::string& prefix) { throw Error(e.code(), prefix + e.what()); }

// A missing data file is an input failure (exit 1), as in `qbench eval` and `qbench quantize` (README
// "Exit codes"), not a usage error.
void CheckDataPath(const std::string& path, const char* flag, const char* what) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error(ErrorCode::kNotFound,
                fmt::format("{} '{}': no such file or folder; give {}", flag, path, what));
}

// Every --dim name must be a symbolic dimension, every --shape name an input, of at least one model
// (each applies only to the models that have it, so a typo would otherwise do nothing, silently).
void CheckLabShapeNames(const LabConfig& config) {
  const ShapeOverrides user = LabShapeOverrides(config);
  if (user.dim_values.empty() && user.input_shapes.empty()) return;
  std::set<std::string> dims, inputs;
  for (const auto& spec : config.models) {
    for (const auto& in : LoadModelOrZoo(spec).Inputs()) {
      inputs.insert(in.name);
      for (std::size_t d = 0; d < in.dim_names.size(); ++d)
        if (in.shape[d] < 0 && !in.dim_names[d].empty()) dims.insert(in.dim_names[d]);
    }
  }
  auto join = [](const std::set<std::string>& s) {
    std::string out;
    for (const auto& n : s) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? std::string("(none)") : out;
  };
  for (const auto& [name, value] : user.dim_values)
    if (!dims.count(name))
      throw Error(ErrorCode::kInvalidArgument, "--dim " + name + "=" + std::to_string(value) + ": no model has a symbolic "
                                               "dimension '" + name + "'; the models' symbolic dimensions: " + join(dims));
  for (const auto& kv : user.input_shapes)
    if (!inputs.count(kv.first))
      throw Error(ErrorCode::kInvalidArgument, "--shape: no model has an input '" + kv.first + "'; the models' inputs: " +
                                                   join(inputs));
}

// Every input of every model file gets a value for each dynamic dimension at the lab's points: dim 0
// from the batch, H and W from the input size, the others from --dim/--shape (LabShapes). A missing
// one would fail every point of that model after the lab started; it is a usage error here, in the
// words `qbench bench` uses (ResolveInputShapes). Zoo models have fixed image inputs.
void CheckLabShapesResolve(const LabConfig& config) {
  const ShapeOverrides user = LabShapeOverrides(config);
  for (const auto& lm : LabModels(config.models)) {
    if (IsZooSpec(lm.spec)) continue;
    const Model model = LoadModel(lm.spec);
    // The size the lab measures this model at first: the file's own H and W when it fixes them.
    std::int64_t size = config.input_sizes.values.empty() ? 0 : config.input_sizes.values.front();
    for (const auto& in : model.Inputs())
      if (in.has_shape && in.shape.size() == 4 && in.shape[2] > 0 && in.shape[3] > 0) size = 0;
    ShapeOverrides shapes;
    try {
      shapes = LabShapes(model, 1, size, user);
    } catch (const std::exception&) {
      continue;  // an input size the file cannot take: said per point, with the --input-size to give
    }
    try {
      ResolveInputShapes(model, shapes);
    } catch (const Error& e) {
      Rethrow(e, "--models '" + lm.spec + "': ");
    }
  }
}

// The inputs of a file given with --compare-file for a model: the same names and dtypes, each of the
// same rank, and equal wherever both files fix a dimension other than dim 0 (the batch, which the lab
// sets for both). Else its points could not run on the model's inputs, and its size, MACs and
// roofline rows would be compared with another model's.
void CheckSameInterface(const Model& model, const Model& file, const std::string& model_name, const std::string& path,
                        const std::string& flag) {
  const auto a = model.Inputs(), b = file.Inputs();
  bool same = a.size() == b.size();
  for (const auto& x : a) {
    if (!same) break;
    auto y = std::find_if(b.begin(), b.end(), [&](const TensorInfo& t) { return t.name == x.name; });
    same = y != b.end() && y->dtype == x.dtype && y->has_shape == x.has_shape && y->shape.size() == x.shape.size();
    for (std::size_t d = 1; same && d < x.shape.size(); ++d)
      same = x.shape[d] < 0 || y->shape[d] < 0 || x.shape[d] == y->shape[d];
  }
  if (same) return;
  auto text = [](const std::vector<TensorInfo>& ins) {
    std::string s;
    for (const auto& t : ins) s += (s.empty() ? "" : ", ") + DescribeTensor(t);
    return s;
  };
  throw Error(ErrorCode::kInvalidArgument,
              flag + fs::path(path).filename().string() + " takes " + text(b) + ", " + model_name + " takes " + text(a) +
                  ": not the same model's interface; give a file of " + model_name + " (same input names, dtypes and shapes)");
}

}  // namespace

std::int64_t ClassCount(const Model& model, std::string* output) {
  const auto outs = model.Outputs();
  if (outs.empty()) return -1;
  const TensorInfo& o = outs[0];
  *output = "'" + o.name + "' [" + ShapeToString(o.shape) + "]";
  if (!o.has_shape) return 0;
  const bool scores = o.shape.size() == 2 || (o.shape.size() == 4 && o.shape[2] == 1 && o.shape[3] == 1);
  if (!scores) return -1;
  return o.shape[1] > 0 ? o.shape[1] : 0;
}

namespace {

// Loads lab model `spec` as the lab feeds it data (zoo models at the first --input-size) and the size
// its data is preprocessed to: the file's own H = W, else the first --input-size. False when the
// model does not load (CheckLabInputs names unreadable models).
bool LoadAtDataSize(const LabConfig& config, const std::string& spec, Model* model, std::int64_t* size) {
  try {
    ZooOptions zo;
    zo.seed = config.seed;
    zo.input_size = static_cast<int>(std::clamp<std::int64_t>(config.input_sizes.values.front(), 32, 4096));
    *model = LoadModelOrZoo(spec, zo);
  } catch (const std::exception&) {
    return false;
  }
  *size = config.input_sizes.values.front();
  for (const auto& in : model->Inputs())
    if (in.has_shape && in.shape.size() == 4 && in.shape[2] > 0 && in.shape[2] == in.shape[3]) {
      *size = in.shape[2];
      break;
    }
  return true;
}

// Calls fn(lab model, model at its data size, that size in pixels or 0) for each --models entry
// LoadAtDataSize can load; stops early when fn returns false.
template <typename Fn>
void ForEachModelAtDataSize(const LabConfig& config, Fn fn) {
  for (const auto& lm : LabModels(config.models)) {
    Model model;
    std::int64_t size = 0;
    if (!LoadAtDataSize(config, lm.spec, &model, &size)) continue;
    if (!fn(lm, model, size)) return;
  }
}

}  // namespace

void CheckCalibrationDataFitsModels(const LabConfig& config) {
  if (config.calibration_data.empty() || config.split || !HasCalibratedVariant(config.variants)) return;
  ForEachModelAtDataSize(config, [&](const auto& lm, const Model& model, std::int64_t size) {
    // The reader `qbench quantize` and the lab's static variants calibrate with (MakeCalibrationDataReader,
    // as PrepareVariant opens it), and its first batch: .npy sets are checked when opened, dataset
    // samples when read (CheckSampleShape: dtype and shape against the model input).
    CalibrationDataSpec spec;
    spec.path = config.calibration_data;
    spec.preprocess = LabPreprocess(config, size);
    spec.size = config.calibration_size;
    spec.seed = config.seed;
    spec.batch_size = 1;
    try {
      std::vector<HostTensor> feeds;
      MakeCalibrationDataReader(model, spec, nullptr)->Next(&feeds);
    } catch (const Error& e) {
      Rethrow(e, "--calibration-data '" + config.calibration_data + "' and model '" + lm.name + "': ");
    }
    return true;
  });
}

void CheckEvalDataFitsModels(const LabConfig& config) {
  if (config.eval_data.empty()) return;
  ForEachModelAtDataSize(config, [&](const auto& lm, const Model& model, std::int64_t size) {
    DatasetSpec ds;
    ds.path = config.eval_data;
    ds.preprocess = LabPreprocess(config, size);
    std::unique_ptr<Dataset> dataset;
    try {
      dataset = OpenDataset(ds);
    } catch (const std::exception&) {
      return false;  // CheckLabInputs names the dataset's problem
    }
    const std::string where = "--eval-data '" + config.eval_data + "' and model '" + lm.name + "'";
    try {
      CheckDatasetFitsModel(*dataset, model.Inputs(), "model '" + lm.name + "'");
    } catch (const Error& e) {
      throw Error(e.code(), where + " (images preprocessed as " + DescribeLabPreprocess(config, size) + "): " + e.what());
    }
    std::string output;
    const std::int64_t classes = ClassCount(model, &output);
    const auto labels = dataset->Labels();
    const int max_label = labels.empty() ? -1 : *std::max_element(labels.begin(), labels.end());
    if (classes > 0 && max_label >= classes)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("{}: the labels go up to {} (at least {} classes) but the model scores {} classes "
                              "(first output {}); its accuracy on these labels would mean nothing. Give evaluation "
                              "data labelled with this model's classes, or leave out --eval-data",
                              where, max_label, max_label + 1, classes, output));
    return true;
  });
}

namespace {

// How model files `a` and `b` are the same: "one file" (the same path or a link to it), "two copies
// with identical bytes" (same size and checksum), or "" (different files, or one is not a file: a
// missing file is reported where the model is loaded).
std::string SameModelFile(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(a, ec) || !fs::is_regular_file(b, ec)) return "";
  if (fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec) || fs::equivalent(a, b, ec)) return "one file";
  const auto size_a = fs::file_size(a, ec), size_b = fs::file_size(b, ec);
  if (ec || size_a != size_b) return "";
  return FileChecksum(a) == FileChecksum(b) ? "two copies with identical bytes" : "";
}

}  // namespace

void RefuseRepeatedModelFiles(const std::vector<std::string>& specs) {
  for (std::size_t i = 0; i < specs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const std::string how = IsZooSpec(specs[i]) || IsZooSpec(specs[j])
                                  ? (specs[i] == specs[j] ? "the same zoo model" : "")
                                  : SameModelFile(specs[j], specs[i]);
      if (!how.empty())
        throw Error(ErrorCode::kInvalidArgument, "--models lists the same model twice: '" + specs[j] + "' and '" +
                                                     specs[i] + "' (" + how + "); give each model once");
    }
}

void CheckLabInputs(const LabConfig& config) {
  for (const auto& spec : config.models) {
    if (IsZooSpec(spec)) {
      const std::string name = spec.substr(4);
      std::string names;
      bool found = false;
      for (const auto& z : ZooModels()) {
        found = found || z.name == name;
        names += (names.empty() ? "" : ", ") + z.name;
      }
      if (!found) throw Error(ErrorCode::kInvalidArgument, "--models: unknown zoo model '" + name + "'; zoo models: " + names);
      continue;
    }
    try {
      const Model m = LoadModel(spec);  // names the file: missing, a folder, empty, not an ONNX model
      if (m.Inputs().empty())
        throw Error(ErrorCode::kInvalidInput, "model '" + spec + "' has no graph inputs; nothing to feed or time");
    } catch (const Error& e) {
      Rethrow(e, "--models: ");
    }
  }
  RefuseRepeatedModelFiles(config.models);
  CheckLabShapeNames(config);
  CheckLabShapesResolve(config);
  if (config.roofline) CheckRooflineCachePath(config.roofline_cache);
  const auto models = LabModels(config.models);
  for (const auto& e : config.external) {
    const std::string flag = "--compare-file " + e.model + ":" + e.label + "=" + e.path + ": ";
    const LabModel* of = nullptr;
    std::string names;
    for (const auto& m : models) {
      if (!of && ExternalVariantOf(e, m.name, m.spec)) of = &m;
      names += (names.empty() ? "" : ", ") + m.name;
    }
    if (!of)
      throw Error(ErrorCode::kInvalidArgument, flag + "no model '" + e.model + "' in this lab (its models: " + names +
                                                   "); MODEL is a --models entry, its name or its file name");
    // The model's own file again: it would be timed and evaluated against itself (100 % agreement, 1.00x).
    if (const std::string how = IsZooSpec(of->spec) ? "" : SameModelFile(of->spec, e.path); !how.empty())
      throw Error(ErrorCode::kInvalidArgument, flag + "'" + e.path + "' is the baseline file of model '" + of->name +
                                                   "' itself ('" + of->spec + "', " + how +
                                                   "); it would be compared with itself: give a file made from it "
                                                   "elsewhere, or leave this --compare-file out");
    Model file;
    try {
      file = LoadModel(e.path);  // names the file: missing, a folder, empty, not an ONNX model
      if (file.Inputs().empty()) throw Error(ErrorCode::kInvalidInput, "model '" + e.path + "' has no graph inputs; nothing to feed or time");
    } catch (const Error& err) {
      Rethrow(err, flag);
    }
    ZooOptions zo;
    zo.seed = config.seed;
    zo.input_size = static_cast<int>(std::clamp<std::int64_t>(config.input_sizes.values.front(), 32, 4096));
    CheckSameInterface(LoadModelOrZoo(of->spec, zo), file, of->name, e.path, flag);
  }
  try {
    CheckExecutionProvider(config.provider);  // compiled in and usable here, or one line listing the usable ones
  } catch (const Error& err) {
    Rethrow(err, "--provider: ");
  }
  if (!config.eval_data.empty()) {
    CheckDataPath(config.eval_data, "--eval-data",
                  "a labels CSV, an image folder, class folders, .npy data or a Fashion-MNIST .u8 file");
    try {
      DatasetSpec spec;
      spec.path = config.eval_data;
      spec.preprocess = PreprocessOptions::FromPreset(LabPreprocessPreset(config));
      spec.limit = config.eval_limit;
      spec.limit = 0;  // all of it: --split draws from the whole set
      const auto dataset = OpenDataset(spec);
      if (dataset->size() == 0)
        throw Error(ErrorCode::kInvalidInput, "holds no samples (" + dataset->Describe() + ")");
      // --split: the calibration part must leave samples to evaluate on (ApplySubsetSpec refuses it
      // at run time, after the fp32 baseline was measured).
      if (config.split && static_cast<std::size_t>(config.calibration_size) >= dataset->size())
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("--split --calibration-size {}: it has only {} sample(s), so no evaluation part would "
                                "remain; give --calibration-size below {} (or calibrate on other data with "
                                "--calibration-data instead of --split)",
                                config.calibration_size, dataset->size(), dataset->size()));
    } catch (const Error& e) {
      Rethrow(e, "--eval-data '" + config.eval_data + "': ");
    }
  }
  CheckEvalDataFitsModels(config);
  if (!config.calibration_data.empty())
    CheckDataPath(config.calibration_data, "--calibration-data",
                  "images, a labels CSV, .npy tensors or a Fashion-MNIST .u8 file (or leave it out for random data)");
  CheckCalibrationDataFitsModels(config);
}

bool HoldsStudy(const std::string& dir) {
  std::error_code ec;
  return fs::exists(ResultsJsonlPath(dir), ec) || fs::exists(dir + "/results.json", ec);
}

namespace {

// "N points, last written 2026-12-06 09:15 UTC" for a refusal, from results.jsonl when readable.
std::string DescribeStudy(const std::string& dir) {
  std::string what;
  try {
    const JsonlRecords r = ReadResultsJsonl(ResultsJsonlPath(dir));
    what = fmt::format("{} point(s)", r.points.size());
  } catch (const std::exception&) {
    what = "results.json";
  }
  std::error_code ec;
  const std::string file = fs::exists(ResultsJsonlPath(dir), ec) ? ResultsJsonlPath(dir) : dir + "/results.json";
  const std::int64_t ns = PathIdentity(file).mtime_ns;  // 0 when missing
  if (ns > 0) {
    const std::time_t t = static_cast<std::time_t>(ns / 1000000000LL);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    what += std::string(", last written ") + buf;
  }
  return what;
}

// The output folder can be made and written: the first existing path of `dir` and its parents is
// a folder this process may write into (models/, plots/ and the results are created below it).
void CheckOutputFolderWritable(const std::string& dir) {
  std::error_code ec;
  fs::path p = dir.empty() ? fs::path(".") : fs::path(dir);
  while (!p.empty() && !fs::exists(p, ec) && p.has_parent_path() && p.parent_path() != p) p = p.parent_path();
  if (p.empty() || !fs::exists(p, ec)) p = ".";
  const std::string at = p.string();
  if (!fs::is_directory(p, ec))
    throw Error(ErrorCode::kInvalidArgument,
                "--output '" + dir + "': '" + at + "' is a file, not a folder; give a folder path (new or existing) with --output");
  if (::access(at.c_str(), W_OK | X_OK) != 0)
    throw Error(ErrorCode::kInvalidArgument, "--output '" + dir + "': folder '" + at +
                                                 "' is not writable by this user; give a folder you can write with --output");
  std::string why;
  if (!CanCreateFileIn(at, &why))
    throw Error(ErrorCode::kInvalidArgument, "--output '" + dir + "': cannot create files in folder '" + at + "' (" + why +
                                                 "); give a folder you can write with --output");
}

}  // namespace

void CheckOutputFolder(const LabConfig& config) {
  const std::string& dir = config.output_dir;
  if (config.resume && config.force)
    throw Error(ErrorCode::kInvalidArgument, "--resume and --force contradict each other: --resume continues the study in '" +
                                                 dir + "', --force moves it aside and starts afresh; give one");
  std::error_code ec;
  CheckOutputFolderWritable(dir);
  if (config.shard_count > 0) {
    if (config.force)
      throw Error(ErrorCode::kInvalidArgument, "--force does not apply to --shard: a shard writes only its own files; give "
                                               "--resume to measure what the shard is missing, or another --output");
    const std::string mine = LabResultsPath(config);
    if (!config.resume && fs::exists(mine, ec))
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("--shard {}/{}: '{}' already holds this shard's results ({} point(s)); give --resume to measure "
                              "only what is missing, or another --output",
                              config.shard_index, config.shard_count, mine, ReadResultsJsonl(mine).points.size()));
    return;  // --resume of a shard that never started measures all of it
  }
  if (config.resume) {
    if (!fs::exists(ResultsJsonlPath(dir), ec))
      throw Error(ErrorCode::kInvalidArgument, "--resume: '" + dir + "' holds no study (no results.jsonl) to continue; "
                                               "check --output, or drop --resume to start a new study there");
    return;
  }
  if (!config.force && HoldsStudy(dir))
    throw Error(ErrorCode::kInvalidArgument,
                "--output '" + dir + "' already holds a study (" + DescribeStudy(dir) +
                    "); give --resume to continue it, --force to move it to a dated folder beside it and start "
                    "afresh, or another --output");
}

std::string MoveStudyAside(const std::string& dir) {
  if (!HoldsStudy(dir)) return "";
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::string dest = base + "." + stamp;
  std::error_code ec;
  for (int i = 2; fs::exists(dest, ec); ++i) dest = base + "." + stamp + "-" + std::to_string(i);
  fs::create_directories(dest, ec);
  if (ec) throw Error(ErrorCode::kIo, "--force: cannot create '" + dest + "' for the old study: " + ec.message());
  static const char* kStudyFiles[] = {"results.jsonl", "results.json", "results.csv", "report.md", "report.html",
                                      "plots", "models"};
  std::vector<std::string> names(std::begin(kStudyFiles), std::end(kStudyFiles));
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 9 && n.compare(n.size() - 9, 9, ".previous") == 0) names.push_back(n);
  }
  for (const auto& n : names) {
    const fs::path from = fs::path(dir) / n;
    if (!fs::exists(fs::symlink_status(from, ec))) continue;
    fs::rename(from, fs::path(dest) / n, ec);
    if (ec)
      throw Error(ErrorCode::kIo, "--force: cannot move '" + from.string() + "' to '" + dest + "': " + ec.message());
  }
  return dest;
}

}  // namespace qbench
