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
  // `sample_inputs`: concrete shapes, dim 0 = 1 where `batched`; the others as declared.
  RandomSource(const Model& model, std::vector<TensorInfo> sample_inputs, std::vector<bool> batched, std::uint64_t seed)
      : inputs_(std::move(sample_inputs)), batched_(std::move(batched)), seed_(seed) {
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

  // Inputs with a batch dimension get new data per sample (seed + index); the others one value for
  // the whole calibration (the base seed), so that samples still stack into batches.
  bool NextSample(std::vector<HostTensor>* sample) override {
    InputOptions options;
    options.seed = seed_ + 0x9E3779B97F4A7C15ull * index_++;
    auto generated = GenerateInputs(model_, inputs_, options);
    if (fixed_.empty()) fixed_ = GenerateInputs(model_, inputs_, InputOptions{seed_});
    if (distribution_.empty())
      for (const auto& g : generated) distribution_ += (distribution_.empty() ? "" : ", ") + g.info.name + " ~ " + g.distribution;
    sample->clear();
    for (std::size_t i = 0; i < generated.size(); ++i) {
      if (batched_[i]) {
        generated[i].tensor.shape.erase(generated[i].tensor.shape.begin());  // drop the batch dim of 1
        sample->push_back(std::move(generated[i].tensor));
      } else {
        sample->push_back(fixed_[i].tensor);
      }
    }
    return true;
  }
  std::string Describe() const override {
    return std::string(kRandomInputSource) + " (seed " + std::to_string(seed_) + (distribution_.empty() ? "" : "; " + distribution_) + ")";
  }

 private:
  Model model_;
  std::vector<TensorInfo> inputs_;  // shapes with batch dim 1 where batched
  std::vector<bool> batched_;
  std::vector<GeneratedInput> fixed_;
  std::uint64_t seed_;
  std::uint64_t index_ = 0;
  std::string distribution_;
};

// ---- .npy ------------------------------------------------------------------------------------
// A list of "sets"; a set holds one .npy file per model input. For an input with a batch
// dimension a file is one sample (the input's rank − 1) or a stack of N samples (the input's rank);
// for an input without one (a scalar, a table) one value (the input's own shape) or a stack of N
// (rank + 1). Stacks in a set hold the same N. Files are memory-mapped one set at a time and read one
// sample (row) at a time (NpyFile), so a large stack is never loaded whole.
class NpySource : public SampleSource {
 public:
  NpySource(const std::vector<TensorInfo>& inputs, std::vector<bool> batched, std::vector<std::vector<std::string>> sets,
            std::string description)
      : inputs_(inputs), batched_inputs_(std::move(batched)), sets_(std::move(sets)), description_(std::move(description)) {
    // The first set now (headers only: the files are mapped, not read), so that a file that does not
    // fit the model is refused before any progress is printed.
    if (!sets_.empty()) LoadSet(sets_[next_set_++]);
  }

  bool NextSample(std::vector<HostTensor>* sample) override {
    while (next_index_ >= set_samples_) {
      if (next_set_ >= sets_.size()) return false;
      LoadSet(sets_[next_set_++]);
    }
    sample->clear();
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      if (stacked_[i]) {
        HostTensor row = files_[i]->Rows(next_index_, 1);
        row.shape.erase(row.shape.begin());
        sample->push_back(ConvertForInput(std::move(row), inputs_[i], files_[i]->path()));
      } else {
        sample->push_back(single_[i]);
      }
    }
    ++next_index_;
    return true;
  }
  std::string Describe() const override { return description_; }

 private:
  void LoadSet(const std::vector<std::string>& paths) {
    files_.clear();
    single_.clear();
    stacked_.clear();
    set_samples_ = -1;
    next_index_ = 0;
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      const TensorInfo& in = inputs_[i];
      auto file = std::make_unique<NpyFile>(paths[i]);
      const std::vector<std::int64_t>& shape = file->shape();
      const std::string what = "calibration file '" + paths[i] + "' (" + DTypeName(file->dtype()) + " [" +
                               ShapeToString(shape) + "])";
      bool stacked = false;
      if (batched_inputs_[i]) {
        stacked = shape.size() == in.shape.size();
        std::vector<std::int64_t> sample_shape = shape;
        if (stacked) sample_shape.erase(sample_shape.begin());
        CheckSampleShape(in, sample_shape, what, "store one sample without the batch dimension, or a stack [N,...]",
                         ErrorCode::kInvalidInput);
      } else if (in.has_shape) {
        // No batch dimension: the input's own shape (one value for every sample) or a stack of them.
        stacked = shape.size() == in.shape.size() + 1;
        bool fits = stacked || shape.size() == in.shape.size();
        for (std::size_t d = 0; fits && d < in.shape.size(); ++d)
          fits = in.shape[d] < 0 || in.shape[d] == shape[d + (stacked ? 1 : 0)];
        if (!fits)
          throw Error(ErrorCode::kInvalidInput, what + " does not fit model input '" + in.name + "', which is " +
                                                    DescribeInput(in) + " and has no batch dimension: store the input's "
                                                    "own shape, or a stack [N," + ShapeToString(in.shape) + "]");
      }
      const std::int64_t count = stacked ? shape[0] : -1;
      if (stacked) {
        if (set_samples_ >= 0 && count != set_samples_)
          throw Error(ErrorCode::kInvalidInput, "calibration file '" + paths[i] + "' holds " + std::to_string(count) +
                                                       " samples but another file of its set holds " +
                                                       std::to_string(set_samples_) + "; every input needs as many");
        set_samples_ = count;
        // The first row now: a dtype mismatch is reported before any work.
        if (count > 0) ConvertForInput(file->Rows(0, 1), in, paths[i]);
        single_.emplace_back();
      } else {
        single_.push_back(ConvertForInput(file->All(), in, paths[i]));
      }
      stacked_.push_back(stacked);
      files_.push_back(std::move(file));
    }
    if (set_samples_ < 0) set_samples_ = 1;  // every file holds one sample
  }

  std::vector<TensorInfo> inputs_;
  std::vector<bool> batched_inputs_;
  std::vector<std::vector<std::string>> sets_;
  std::string description_;
  std::size_t next_set_ = 0;
  std::vector<std::unique_ptr<NpyFile>> files_;
  std::vector<HostTensor> single_;
  std::vector<bool> stacked_;
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
std::unique_ptr<SampleSource> MakeNpySource(const std::vector<TensorInfo>& inputs, const std::vector<bool>& batched, const std::string& path,
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
    return std::make_unique<NpySource>(inputs, batched, std::move(sets), "npy file '" + path + "'");
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
    return std::make_unique<NpySource>(inputs, batched, std::move(sets),
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
  return std::make_unique<NpySource>(inputs, batched, std::move(sets),
                                     "npy sets under '" + path + "' (" + std::to_string(n) + " folders)");
}

// ---- batching --------------------------------------------------------------------------------
// Stacks samples into batches of `batch` (the last one may be smaller unless `full_batches_only`);
// samples whose shapes differ (dynamic dims) go to separate batches.
class BatchingReader : public CalibrationDataReader {
 public:
  BatchingReader(std::unique_ptr<SampleSource> source, std::vector<bool> batched, std::size_t batch, std::size_t max_samples,
                 bool full_batches_only, std::string description, WarningList* warnings)
      : source_(std::move(source)),
        batched_(std::move(batched)),
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
      if (!batched_[i]) {  // no batch dimension: fed as it is (equal across the batch, SameShapes)
        feeds->push_back(samples.front()[i]);
        continue;
      }
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
  // Samples that can share a batch: batched inputs of the same shapes, and inputs without a batch
  // dimension holding the same values.
  bool SameShapes(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b) const {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].shape != b[i].shape) return false;
      if (!batched_[i] && a[i].bytes != b[i].bytes) return false;
    }
    return true;
  }
  std::unique_ptr<SampleSource> source_;
  std::vector<bool> batched_;
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

  // Batch dimensions by the declared shapes (BatchDimensions); a fixed one in the file wins (e.g.
  // SqueezeNet 1.1's data [1,3,224,224]); inputs without one are fed as they are.
  const std::vector<bool> batched = BatchDimensions(inputs);
  const bool any_batched = std::find(batched.begin(), batched.end(), true) != batched.end();
  std::int64_t fixed_batch = 0;
  std::string fixed_input;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (batched[i] && inputs[i].shape[0] >= 0 && !fixed_batch) {
      fixed_batch = inputs[i].shape[0];
      fixed_input = inputs[i].name;
    }
  std::size_t batch = std::max<std::size_t>(1, spec.batch_size);
  if (!any_batched) {
    if (spec.batch_size > 1 && warnings)
      warnings->Add("calibration_batch_ignored", "no input of the model has a batch dimension: calibrating one sample "
                                                 "per run instead of batch " + std::to_string(spec.batch_size));
    batch = 1;
  } else if (fixed_batch > 0) {
    if (spec.batch_size > 1 && static_cast<std::size_t>(fixed_batch) != spec.batch_size && warnings)
      warnings->Add("calibration_batch_fixed", "model input '" + fixed_input + "' fixes the batch at " +
                                                   std::to_string(fixed_batch) + ": calibrating with batch " +
                                                   std::to_string(fixed_batch) + " instead of " +
                                                   std::to_string(spec.batch_size));
    batch = static_cast<std::size_t>(fixed_batch);
  }
  // A fixed batch larger than --calibration-size: only full batches can run, so fewer samples than
  // one batch would calibrate nothing ("calibration data gave no samples"). Take one full batch.
  CalibrationDataSpec sized = spec;
  if (fixed_batch > 1 && spec.size > 0 && spec.size < static_cast<std::size_t>(fixed_batch)) {
    sized.size = static_cast<std::size_t>(fixed_batch);
    if (warnings)
      warnings->Add("calibration_size_raised", "model input '" + fixed_input + "' fixes the batch at " +
                                                   std::to_string(fixed_batch) + ", more than the " +
                                                   std::to_string(spec.size) + " calibration samples asked for: "
                                                   "calibrating on one full batch of " + std::to_string(fixed_batch));
  }

  std::unique_ptr<SampleSource> source;
  if (spec.path.empty()) {
    if (sized.size == 0)
      throw Error(ErrorCode::kInvalidArgument, "--calibration-size must be > 0 with random calibration input");
    ShapeOverrides overrides = spec.shape_overrides;
    overrides.batch = 0;
    overrides.input_shapes.clear();  // a --shape's dim 0 would fight the calibration batch
    for (const auto& [name, shape] : spec.shape_overrides.input_shapes) {
      std::vector<std::int64_t> s = shape;
      for (std::size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].name == name && batched[i] && !s.empty()) s[0] = std::max<std::int64_t>(fixed_batch, 1);
      overrides.input_shapes[name] = s;
    }
    std::vector<TensorInfo> sample_inputs = ResolveInputShapes(model, overrides);
    for (std::size_t i = 0; i < sample_inputs.size(); ++i)
      if (batched[i]) sample_inputs[i].shape[0] = 1;
    source = std::make_unique<RandomSource>(model, std::move(sample_inputs), batched, spec.seed);
    if (warnings)
      warnings->Add("calibration_random_data",
                    "calibrating on random input: activation ranges from random data are unrepresentative and "
                    "the int8 model may lose accuracy; pass --calibration-data with real samples (images, a labels "
                    "CSV or .npy tensors)");
  } else {
    if (!std::filesystem::exists(spec.path))
      throw Error(ErrorCode::kNotFound, "calibration data '" + spec.path + "' does not exist");
    // A split is drawn by the dataset (OpenDataset reads .npy data too, single-input models).
    if (!spec.split_part) source = MakeNpySource(inputs, batched, spec.path, sized.size, spec.seed);
    if (!source) source = MakeDatasetSampleSource(model, sized, warnings);
  }
  const std::string description = source->Describe() + ", " +
                                  (sized.size ? "up to " + std::to_string(sized.size) + " samples" : std::string("all samples")) +
                                  ", batch " + std::to_string(batch);
  return std::make_unique<BatchingReader>(std::move(source), batched, batch, sized.size, fixed_batch > 1, description,
                                          warnings);
}

}  // namespace qbench
