// Calibration data readers: seeded random input, .npy files / folders, datasets (see calibrator.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/inputs.h"
#include "sample_source.h"

namespace qbench {
namespace calibration_internal {
namespace fs = std::filesystem;

std::string DescribeInput(const TensorInfo& input) {
  std::string s = DTypeName(input.dtype) + " [";
  for (std::size_t i = 0; i < input.shape.size(); ++i) {
    if (i) s += ",";
    const std::string sym = i < input.dim_names.size() ? input.dim_names[i] : "";
    s += input.shape[i] >= 0 ? std::to_string(input.shape[i]) : (sym.empty() ? "?" : sym);
  }
  return s + "]";
}

void CheckSampleShape(const TensorInfo& input, const std::vector<std::int64_t>& sample_shape, const std::string& what,
                      const std::string& hint, ErrorCode code) {
  bool ok = input.has_shape && !input.shape.empty() && sample_shape.size() + 1 == input.shape.size();
  for (std::size_t i = 0; ok && i < sample_shape.size(); ++i)
    ok = input.shape[i + 1] < 0 || input.shape[i + 1] == sample_shape[i];
  if (!ok)
    throw Error(code, what + " gives samples of shape [" + ShapeToString(sample_shape) +
                                                 "] but model input '" + input.name + "' is " + DescribeInput(input) +
                                                 " (one sample = the input without its batch dimension)" +
                                                 (hint.empty() ? "" : "; " + hint));
}

namespace {

// ---- helpers ---------------------------------------------------------------------------------
HostTensor SliceSample(const HostTensor& t, std::int64_t index) {
  HostTensor s;
  s.dtype = t.dtype;
  s.shape.assign(t.shape.begin() + 1, t.shape.end());
  const std::size_t bytes = static_cast<std::size_t>(NumElements(s.shape)) * DTypeSize(t.dtype);
  s.bytes.assign(t.bytes.begin() + static_cast<std::ptrdiff_t>(bytes * index),
                 t.bytes.begin() + static_cast<std::ptrdiff_t>(bytes * (index + 1)));
  return s;
}

// Converts `t` to the input's dtype where that loses nothing meaningful (float64 → float32,
// int32 → int64); anything else is an error naming the file and the input.
HostTensor ConvertForInput(HostTensor t, const TensorInfo& input, const std::string& file) {
  if (input.dtype == DType::kUndefined || t.dtype == input.dtype) return t;
  const auto n = static_cast<std::size_t>(t.num_elements());
  if (input.dtype == DType::kFloat32 && t.dtype == DType::kFloat64) {
    HostTensor out = HostTensor::Zeros(DType::kFloat32, t.shape);
    const double* src = t.data<double>();
    for (std::size_t i = 0; i < n; ++i) out.data<float>()[i] = static_cast<float>(src[i]);
    return out;
  }
  if (input.dtype == DType::kInt64 && t.dtype == DType::kInt32) {
    HostTensor out = HostTensor::Zeros(DType::kInt64, t.shape);
    for (std::size_t i = 0; i < n; ++i) out.data<std::int64_t>()[i] = t.data<std::int32_t>()[i];
    return out;
  }
  throw Error(ErrorCode::kInvalidInput, "calibration file '" + file + "' holds " + DTypeName(t.dtype) +
                                               " but model input '" + input.name + "' is " + DescribeInput(input) +
                                               "; save the array as " + DTypeName(input.dtype));
}

bool IsNpy(const fs::path& p) { return p.extension() == ".npy" || p.extension() == ".NPY"; }

// labels.npy / <stem>.labels.npy beside the samples are labels (eval's npy dataset), not inputs.
bool IsLabelsFile(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string suffix = ".labels.npy";
  return name == "labels.npy" ||
         (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
}

std::vector<fs::path> SortedEntries(const fs::path& dir, bool want_dirs) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (want_dirs ? e.is_directory() : (e.is_regular_file() && IsNpy(e.path()) && !IsLabelsFile(e.path()))) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- random ----------------------------------------------------------------------------------
// GenerateInputs (runtime/inputs.h: float ~ N(0,1), integers uniform over the range the graph
// implies, bool ~ Bernoulli(0.5)), one sample at a time, seeded with seed + sample index.
class RandomSource : public SampleSource {
 public:
  // Keeps a skeleton of `model` (initializer values dropped, dims kept: GenerateInputs reads only
  // the graph structure and dims), so the reader does not depend on the caller's model staying alive.
  RandomSource(const Model& model, std::vector<TensorInfo> sample_inputs, std::uint64_t seed)
      : inputs_(std::move(sample_inputs)), seed_(seed) {
    model_.path = model.path;
    auto& p = model_.proto;
    p.set_ir_version(model.proto.ir_version());
    *p.mutable_opset_import() = model.proto.opset_import();
    const auto& src = model.proto.graph();
    auto* g = p.mutable_graph();
    *g->mutable_node() = src.node();
    *g->mutable_input() = src.input();
    *g->mutable_output() = src.output();
    *g->mutable_value_info() = src.value_info();
    for (const auto& init : src.initializer()) {
      auto* t = g->add_initializer();
      t->set_name(init.name());
      t->set_data_type(init.data_type());
      *t->mutable_dims() = init.dims();
    }
  }

  bool NextSample(std::vector<HostTensor>* sample) override {
    InputOptions options;
    options.seed = seed_ + 0x9E3779B97F4A7C15ull * index_++;
    auto generated = GenerateInputs(model_, inputs_, options);
    if (distribution_.empty())
      for (const auto& g : generated) distribution_ += (distribution_.empty() ? "" : ", ") + g.info.name + " ~ " + g.distribution;
    sample->clear();
    for (auto& g : generated) {
      g.tensor.shape.erase(g.tensor.shape.begin());  // drop the batch dim of 1
      sample->push_back(std::move(g.tensor));
    }
    return true;
  }
  std::string Describe() const override {
    return "random input (seed " + std::to_string(seed_) + (distribution_.empty() ? "" : "; " + distribution_) + ")";
  }

 private:
  Model model_;
  std::vector<TensorInfo> inputs_;  // shapes with batch dim 1
  std::uint64_t seed_;
  std::uint64_t index_ = 0;
  std::string distribution_;
};

// ---- .npy ------------------------------------------------------------------------------------
// A list of "sets"; a set holds one .npy file per model input, each either one sample (rank of
// the input − 1) or a stack of N samples (rank of the input; N equal across the set). Files are
// read one set at a time.
class NpySource : public SampleSource {
 public:
  NpySource(const std::vector<TensorInfo>& inputs, std::vector<std::vector<std::string>> sets, std::string description)
      : inputs_(inputs), sets_(std::move(sets)), description_(std::move(description)) {}

  bool NextSample(std::vector<HostTensor>* sample) override {
    while (next_index_ >= set_samples_) {
      if (next_set_ >= sets_.size()) return false;
      LoadSet(sets_[next_set_++]);
    }
    sample->clear();
    for (std::size_t i = 0; i < inputs_.size(); ++i)
      sample->push_back(batched_[i] ? SliceSample(loaded_[i], next_index_) : loaded_[i]);
    ++next_index_;
    return true;
  }
  std::string Describe() const override { return description_; }

 private:
  void LoadSet(const std::vector<std::string>& files) {
    loaded_.clear();
    batched_.clear();
    set_samples_ = -1;
    next_index_ = 0;
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      const TensorInfo& in = inputs_[i];
      HostTensor t = ConvertForInput(ReadNpy(files[i]), in, files[i]);
      if (!in.has_shape || in.shape.empty())
        throw Error(ErrorCode::kUnsupported, "model input '" + in.name +
                                                 "' has no batch dimension (rank 0 or unknown); calibration from "
                                                 ".npy needs inputs shaped [N,...]");
      const bool batched = t.shape.size() == in.shape.size();
      std::vector<std::int64_t> sample_shape = t.shape;
      if (batched) sample_shape.erase(sample_shape.begin());
      CheckSampleShape(in, sample_shape, "calibration file '" + files[i] + "' (" + DTypeName(t.dtype) + " [" +
                                             ShapeToString(t.shape) + "])",
                       "store one sample without the batch dimension, or a stack [N,...]", ErrorCode::kInvalidInput);
      const std::int64_t count = batched ? t.shape[0] : 1;
      if (set_samples_ >= 0 && count != set_samples_)
        throw Error(ErrorCode::kInvalidInput, "calibration file '" + files[i] + "' holds " + std::to_string(count) +
                                                     " samples but '" + files[0] + "' holds " +
                                                     std::to_string(set_samples_) + "; every input needs as many");
      set_samples_ = count;
      loaded_.push_back(std::move(t));
      batched_.push_back(batched);
    }
  }

  std::vector<TensorInfo> inputs_;
  std::vector<std::vector<std::string>> sets_;
  std::string description_;
  std::size_t next_set_ = 0;
  std::vector<HostTensor> loaded_;
  std::vector<bool> batched_;
  std::int64_t set_samples_ = 0;
  std::int64_t next_index_ = 0;
};

std::string InputNames(const std::vector<TensorInfo>& inputs) {
  std::string s;
  for (const auto& in : inputs) s += (s.empty() ? "'" : ", '") + in.name + "'";
  return s;
}

// The file for input i inside a set folder: <name>.npy, else input_<i>.npy (ONNX test-data layout).
std::string SetFile(const fs::path& dir, const std::vector<TensorInfo>& inputs, std::size_t i) {
  const fs::path by_name = dir / (inputs[i].name + ".npy");
  if (inputs[i].name.find('/') == std::string::npos && fs::is_regular_file(by_name)) return by_name.string();
  const fs::path by_index = dir / ("input_" + std::to_string(i) + ".npy");
  if (fs::is_regular_file(by_index)) return by_index.string();
  throw Error(ErrorCode::kNotFound, "calibration folder '" + dir.string() + "' has no file for model input '" +
                                        inputs[i].name + "'; expected '" + by_name.filename().string() + "' or '" +
                                        by_index.filename().string() + "'");
}

// Builds an NpySource when `path` is a .npy file or a folder with .npy files (directly or in
// sub-folders); returns null when the folder holds no .npy at all (then it is a dataset).
std::unique_ptr<SampleSource> MakeNpySource(const std::vector<TensorInfo>& inputs, const std::string& path,
                                            std::size_t size, std::uint64_t seed) {
  // More sample sets than samples wanted: a seeded random choice of them (each set holds >= 1 sample).
  auto subset = [&](std::vector<std::vector<std::string>> all) {
    if (size == 0 || all.size() <= size) return all;
    std::vector<std::vector<std::string>> kept;
    for (auto i : SelectSubset(std::vector<int>(all.size(), -1), size, seed)) kept.push_back(std::move(all[i]));
    return kept;
  };
  const fs::path p(path);
  std::vector<std::vector<std::string>> sets;
  if (fs::is_regular_file(p)) {
    if (!IsNpy(p)) return nullptr;
    if (inputs.size() != 1)
      throw Error(ErrorCode::kInvalidInput, "calibration file '" + path + "' holds one array but the model has " +
                                                   std::to_string(inputs.size()) + " inputs (" + InputNames(inputs) +
                                                   "); pass a folder with one <input name>.npy per input, or "
                                                   "sub-folders each holding input_<i>.npy");
    sets.push_back({path});
    return std::make_unique<NpySource>(inputs, std::move(sets), "npy file '" + path + "'");
  }
  const auto files = SortedEntries(p, /*want_dirs=*/false);
  if (!files.empty()) {
    if (inputs.size() == 1) {
      for (const auto& f : files) sets.push_back({f.string()});
      sets = subset(std::move(sets));
    } else {
      std::vector<std::string> set;
      for (std::size_t i = 0; i < inputs.size(); ++i) set.push_back(SetFile(p, inputs, i));
      sets.push_back(std::move(set));
    }
    return std::make_unique<NpySource>(inputs, std::move(sets),
                                       "npy folder '" + path + "' (" + std::to_string(files.size()) + " files)");
  }
  for (const auto& dir : SortedEntries(p, /*want_dirs=*/true)) {
    if (SortedEntries(dir, false).empty()) continue;
    std::vector<std::string> set;
    for (std::size_t i = 0; i < inputs.size(); ++i) set.push_back(SetFile(dir, inputs, i));
    sets.push_back(std::move(set));
  }
  if (sets.empty()) return nullptr;
  sets = subset(std::move(sets));
  const std::size_t n = sets.size();
  return std::make_unique<NpySource>(inputs, std::move(sets),
                                     "npy sets under '" + path + "' (" + std::to_string(n) + " folders)");
}

// ---- batching --------------------------------------------------------------------------------
// Stacks samples into batches of `batch` (the last one may be smaller unless `full_batches_only`);
// samples whose shapes differ (dynamic dims) go to separate batches.
class BatchingReader : public CalibrationDataReader {
 public:
  BatchingReader(std::unique_ptr<SampleSource> source, std::size_t batch, std::size_t max_samples, bool full_batches_only,
                 std::string description, WarningList* warnings)
      : source_(std::move(source)),
        batch_(batch),
        max_samples_(max_samples),
        full_only_(full_batches_only),
        description_(std::move(description)),
        warnings_(warnings) {}

  bool Next(std::vector<HostTensor>* feeds) override {
    std::vector<std::vector<HostTensor>> samples;
    if (!pending_.empty()) {
      samples.push_back(std::move(pending_));
      pending_.clear();
    }
    while (samples.size() < batch_ && (max_samples_ == 0 || taken_ < max_samples_)) {
      std::vector<HostTensor> s;
      if (!source_->NextSample(&s)) break;
      ++taken_;
      if (!samples.empty() && !SameShapes(samples.front(), s)) {
        pending_ = std::move(s);
        break;
      }
      samples.push_back(std::move(s));
    }
    if (samples.empty()) return false;
    if (full_only_ && samples.size() < batch_) {
      if (warnings_)
        warnings_->Add("calibration_partial_batch_dropped",
                       "the model fixes the batch at " + std::to_string(batch_) + "; the last " +
                           std::to_string(samples.size()) + " calibration sample(s) did not fill a batch and were not used");
      return false;
    }
    feeds->clear();
    for (std::size_t i = 0; i < samples.front().size(); ++i) {
      HostTensor t;
      t.dtype = samples.front()[i].dtype;
      t.shape = samples.front()[i].shape;
      t.shape.insert(t.shape.begin(), static_cast<std::int64_t>(samples.size()));
      t.bytes.reserve(samples.front()[i].bytes.size() * samples.size());
      for (const auto& s : samples) t.bytes.insert(t.bytes.end(), s[i].bytes.begin(), s[i].bytes.end());
      feeds->push_back(std::move(t));
    }
    return true;
  }
  std::string Describe() const override { return description_; }

 private:
  static bool SameShapes(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].shape != b[i].shape) return false;
    return true;
  }
  std::unique_ptr<SampleSource> source_;
  std::size_t batch_, max_samples_;
  bool full_only_;
  std::string description_;
  WarningList* warnings_;
  std::vector<HostTensor> pending_;
  std::size_t taken_ = 0;
};

}  // namespace
}  // namespace calibration_internal

std::unique_ptr<CalibrationDataReader> MakeCalibrationDataReader(const Model& model, const CalibrationDataSpec& spec,
                                                                 WarningList* warnings) {
  using namespace calibration_internal;  // NOLINT(build/namespaces)
  const std::vector<TensorInfo> inputs = model.Inputs();
  if (inputs.empty()) throw Error(ErrorCode::kInvalidArgument, "the model has no inputs to calibrate with");

  // Batch size: a fixed dim 0 in the file wins (e.g. SqueezeNet 1.1's data [1,3,224,224]).
  std::int64_t fixed_batch = 0;
  std::string fixed_input;
  for (const auto& in : inputs) {
    if (!in.has_shape || in.shape.empty() || in.shape[0] < 0) continue;
    if (fixed_batch && in.shape[0] != fixed_batch)
      throw Error(ErrorCode::kUnsupported, "model inputs '" + fixed_input + "' and '" + in.name +
                                               "' fix different batch sizes (" + std::to_string(fixed_batch) + " and " +
                                               std::to_string(in.shape[0]) + ")");
    if (!fixed_batch) fixed_input = in.name;
    fixed_batch = in.shape[0];
  }
  std::size_t batch = std::max<std::size_t>(1, spec.batch_size);
  if (fixed_batch > 0) {
    if (spec.batch_size > 1 && static_cast<std::size_t>(fixed_batch) != spec.batch_size && warnings)
      warnings->Add("calibration_batch_fixed", "model input '" + fixed_input + "' fixes the batch at " +
                                                   std::to_string(fixed_batch) + ": calibrating with batch " +
                                                   std::to_string(fixed_batch) + " instead of " +
                                                   std::to_string(spec.batch_size));
    batch = static_cast<std::size_t>(fixed_batch);
  }

  std::unique_ptr<SampleSource> source;
  if (spec.path.empty()) {
    if (spec.size == 0)
      throw Error(ErrorCode::kInvalidArgument, "--calibration-size must be > 0 with random calibration input");
    ShapeOverrides overrides = spec.shape_overrides;
    overrides.batch = 0;
    overrides.input_shapes.clear();  // a --shape's dim 0 would fight the calibration batch
    for (const auto& [name, shape] : spec.shape_overrides.input_shapes) {
      std::vector<std::int64_t> s = shape;
      if (!s.empty()) s[0] = std::max<std::int64_t>(fixed_batch, 1);
      overrides.input_shapes[name] = s;
    }
    std::vector<TensorInfo> sample_inputs = ResolveInputShapes(model, overrides);
    for (auto& in : sample_inputs) {
      if (in.shape.empty())
        throw Error(ErrorCode::kUnsupported, "model input '" + in.name + "' is a scalar; random calibration needs [N,...]");
      in.shape[0] = 1;
    }
    source = std::make_unique<RandomSource>(model, std::move(sample_inputs), spec.seed);
    if (warnings)
      warnings->Add("calibration_random_data",
                    "calibrating on random input: activation ranges from random data are unrepresentative and "
                    "the int8 model may lose accuracy; pass --calibration-data with real samples (images, a labels "
                    "CSV or .npy tensors)");
  } else {
    if (!std::filesystem::exists(spec.path))
      throw Error(ErrorCode::kNotFound, "calibration data '" + spec.path + "' does not exist");
    // A split is drawn by the dataset (OpenDataset reads .npy data too, single-input models).
    if (!spec.split_part) source = MakeNpySource(inputs, spec.path, spec.size, spec.seed);
    if (!source) source = MakeDatasetSampleSource(model, spec, warnings);
  }
  const std::string description = source->Describe() + ", " +
                                  (spec.size ? "up to " + std::to_string(spec.size) + " samples" : std::string("all samples")) +
                                  ", batch " + std::to_string(batch);
  return std::make_unique<BatchingReader>(std::move(source), batch, spec.size, fixed_batch > 1, description, warnings);
}

}  // namespace qbench
