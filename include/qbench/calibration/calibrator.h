// qbench/calibration/calibrator.h — activation-range calibration for static quantization.
// CONTRACT between calibration (implements it) and quantization (uses it). Extend, don't break.
// Lifecycle as in ONNX Runtime's calibrate.py: Collect() many times, then ComputeRanges().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qbench/core/log.h"
#include "qbench/core/tensor.h"
#include "qbench/data/dataset.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"

namespace qbench {

enum class CalibrationMethod { kMinMax, kPercentile, kEntropy, kMse };

/// Row of the method table: CLI name ("minmax", "percentile", "entropy", "mse") and description.
/// Adding a calibrator = one row here (src/calibration/calibrators.cc) + its Calibrator class.
struct CalibrationMethodInfo {
  CalibrationMethod method;
  const char* name;
  const char* description;
  /// `qbench quantize --auto` (and the lab's variant "auto") tries this method as a candidate
  /// (AutoSearchCalibrationMethods; qbench/lab/auto_quantize.h AutoQuantizeOptions::methods).
  bool tried_by_auto = true;
};
const std::vector<CalibrationMethodInfo>& CalibrationMethods();
/// The methods of the rows with tried_by_auto, in table order: the default of
/// AutoQuantizeOptions::methods (its first is the method of the search's plain configuration).
std::vector<CalibrationMethod> AutoSearchCalibrationMethods();
/// Throws Error(kInvalidArgument): "unknown calibration method 'kl'; expected one of: minmax, percentile, entropy, mse".
CalibrationMethod ParseCalibrationMethod(const std::string& name);
/// The CLI name of a method ("minmax", ...); "unknown" for a value outside the table.
const char* CalibrationMethodName(CalibrationMethod method);

/// The range chosen for one activation tensor (float, before quantization; min <= 0 <= max not
/// guaranteed — the quantizer widens to include 0).
struct TensorRange {
  float min = 0;
  float max = 0;
  /// Extent of the values calibration saw, before the method clipped anything (= min/max for
  /// minmax): the finite values, widened to −Inf / +Inf when such a value was seen (an additive
  /// mask's -inf; min/max never include them). data_min > data_max (the default) means "not recorded" (a hand-made table): use
  /// min/max then (DataExtent). The quantizer's range rules (docs/quantization.md) read it, so that
  /// they do not depend on the calibration method.
  float data_min = 1.0f;
  float data_max = -1.0f;
  /// True when calibration saw no finite value of this tensor: zero-sized on every batch, every
  /// value NaN/Inf, or a tensor inside a subgraph (If/Loop/Scan body) that calibration cannot
  /// observe. min/max are then 0 (a placeholder the static scheme never uses: it keeps such
  /// tensors fp32).
  bool empty = false;
};
/// {data_min, data_max} when recorded, else {min, max}.
inline TensorRange DataExtent(const TensorRange& r) {
  return r.data_min <= r.data_max ? TensorRange{r.data_min, r.data_max} : TensorRange{r.min, r.max};
}
using CalibrationTable = std::map<std::string, TensorRange>;

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kPercentile;
  double percentile = 99.999;   ///< for kPercentile, in percent
  int num_bins = 2048;          ///< histogram bins (Percentile, Entropy, MSE)
  /// Entropy: groups the candidate range is merged into = steps of the 8-bit grid over it. 255:
  /// activations are u8/s8 with scale (max − min)/255 over the range the search picks (TensorRT's
  /// 128 are the levels of its symmetric int8 grid over |x|; docs/quantization.md "Entropy").
  int num_quantized_bins = 255;
};

/// Streaming range collector for many tensors. Keeps only running min/max and fixed-bin
/// histograms, never the activations. One subclass per method (MakeCalibrator); the histograms
/// and range rules are in qbench/calibration/histogram.h:
///  - MinMax: running min/max (ORT MinMaxCalibrater);
///  - Percentile: |x| histogram, symmetric percentile clip (ORT PercentileCalibrater, symmetric);
///  - Entropy: x histogram over [-T, T], KL-divergence threshold (TensorRT / ORT EntropyCalibrater);
///  - MSE: same histogram, threshold with the least uint8 quantization error.
/// NaN and ±Inf values are skipped. A tensor collected only with NaN/Inf (or n = 0) gets [0, 0]
/// with `empty` set. Every method also records the data extent (TensorRange::data_min/data_max).
class Calibrator {
 public:
  virtual ~Calibrator() = default;
  /// Adds one batch of values of tensor `name` (float32, any shape, n values). Memory per tensor is
  /// bounded (at most 4·num_bins histogram counters) whatever the number or size of batches.
  virtual void Collect(const std::string& name, const float* values, std::size_t n) = 0;
  /// The range per collected tensor (call after the last Collect; may be called again).
  virtual CalibrationTable ComputeRanges() const = 0;
};
/// The calibrator of options.method. Throws Error(kInvalidArgument) for num_bins < 2, a percentile
/// outside (0, 100], or (Entropy) num_quantized_bins outside [2, num_bins], quoting the value.
std::unique_ptr<Calibrator> MakeCalibrator(const CalibrationOptions& options);

/// Supplies calibration feeds (model inputs in Model::Inputs() order), one batch per call,
/// like ORT's CalibrationDataReader. Returns false when exhausted.
class CalibrationDataReader {
 public:
  virtual ~CalibrationDataReader() = default;
  virtual bool Next(std::vector<HostTensor>* feeds) = 0;
  virtual std::string Describe() const = 0;
};
/// How the seeded random-input reader's Describe() begins ("random input (seed 0)"); reports look for it
/// to name random calibration as the likely cause of a collapsed static variant.
inline constexpr const char* kRandomInputSource = "random input";

/// Where calibration data comes from (`path`):
///  - empty: seeded random input (GenerateInputs: float ~ N(0,1), integers over the range the graph
///    implies); adds the warning "calibration_random_data" (random data gives unrepresentative ranges);
///  - a .npy file (single-input models): one sample (the input's rank − 1, no batch dim) or a stack
///    [N, ...] of samples, memory-mapped and read one sample at a time (NpyFile), never whole; for
///    an input without a batch dimension, its own shape or a stack [N, shape...];
///  - a folder of .npy files: single-input models — each file one sample or a stack, in name order;
///    several inputs — one `<input name>.npy` stack per input;
///  - a folder of folders holding .npy files (ONNX test-data layout, e.g. set_0/input_0.npy): each
///    folder one sample (or stack) per input, file `<input name>.npy` or `input_<index>.npy`;
///    `labels.npy` / `*.labels.npy` are never read as inputs;
///  - anything else (image folder, labels CSV, class folders, raw .u8): eval's OpenDataset with
///    `preprocess` (single-input models).
/// float64 arrays are converted to float32 and int32 to int64; other dtype mismatches are errors.
/// Calibration samples used when none is said (--calibration-size of quantize, sensitivity and lab):
/// one default for the same thing everywhere.
constexpr std::size_t kDefaultCalibrationSize = 100;

struct CalibrationDataSpec {
  std::string path;
  PreprocessOptions preprocess;
  std::size_t size = kDefaultCalibrationSize;  ///< samples to use at most (--calibration-size); 0 = all (not for random)
  /// Samples per Run (--batch), stacked along the batch dimension of each input that has one
  /// (BatchDimensions); inputs without one (scalars, tables) are fed as declared, the same for every
  /// sample of a batch (random input: one seeded value for the whole calibration). A model without
  /// any batch dimension runs one sample per Run (warning "calibration_batch_ignored").
  /// A model whose file fixes dim 0 (e.g. [1,3,224,224]) is run at that batch
  /// instead (warning "calibration_batch_fixed" when this asked for another); a last partial batch
  /// is then dropped (warning "calibration_partial_batch_dropped"). Samples whose shapes differ
  /// (dynamic dims) go to separate batches.
  std::size_t batch_size = 1;
  /// Seed of random input, and of the random subset of `size` samples drawn from a dataset (images,
  /// labels CSV, .u8: stratified by label; a folder of .npy sample files: uniform) — never the first
  /// `size` files of a class-sorted folder.
  std::uint64_t seed = 0;
  /// Calibrate on the calibration part of a split of `path` (DatasetSpec::split_calibration = size,
  /// part kCalibration): the evaluation part, every other sample, is then disjoint from it. Datasets
  /// only (not .npy sets).
  bool split_part = false;
  /// Random input only: values for dynamic non-batch dims (--dim/--shape), as ResolveInputShapes.
  ShapeOverrides shape_overrides;
};
/// Makes the reader. Files are read lazily, one .npy set or one image at a time. Throws
/// Error(kNotFound) for a missing path or a set folder without a file for some input (naming both),
/// Error(kInvalidInput) for unreadable files and for .npy files whose shape, dtype or array count
/// does not match the model, Error(kInvalidArgument) when preprocessed images do not match (the
/// preprocessing flags are at fault) — each naming the file or dataset, the input and both shapes or
/// dtypes. The first .npy set is checked here (before any progress line); later sets' mismatches
/// surface from Next() when the offending file is read.
std::unique_ptr<CalibrationDataReader> MakeCalibrationDataReader(const Model& model, const CalibrationDataSpec& spec,
                                                                 WarningList* warnings);

/// Called after each calibration batch with the number of batches and samples done so far.
using CalibrationProgress = std::function<void(std::size_t batches_done, std::size_t samples_done)>;

/// Runs `model` (fp32) with every tensor in `tensor_names` added as an extra graph output, feeds
/// each batch from `reader`, and collects ranges with the chosen method. Memory stays bounded:
/// each batch's activations are dropped after Collect(). The session runs with graph optimization
/// disabled, so every intermediate tensor of the file exists. A name that is a graph input is
/// collected from the feeds, an initializer from its values. Progress goes to stderr (LogInfo every
/// 10 batches and at the end); `progress` (may be empty) is called after every batch.
/// A tensor that is zero-sized on every batch gets an `empty` range; so does a name written only by a
/// node inside a subgraph (If branch, Loop/Scan body), which an ORT session cannot return.
/// Throws Error(kNotFound) for a name no node produces (naming it), Error(kInvalidArgument) for a
/// tensor that is not float32/float16 (naming it and its dtype) or a reader that yields no batch,
/// Error(kRuntime) when ORT fails, naming the batch.
CalibrationTable CalibrateModel(const Model& model, const std::vector<std::string>& tensor_names,
                                CalibrationDataReader& reader, const CalibrationOptions& options,
                                int intra_op_threads = 0, const CalibrationProgress& progress = {});

/// CalibrateModel for several methods over one pass of the data (the session runs once per batch,
/// each calibrator collects every tensor): one table per entry of `methods`, in that order. Each
/// table equals what CalibrateModel gives with that entry. Throws as CalibrateModel, and
/// Error(kInvalidArgument) for an empty `methods`.
std::vector<CalibrationTable> CalibrateModelMethods(const Model& model, const std::vector<std::string>& tensor_names,
                                                    CalibrationDataReader& reader,
                                                    const std::vector<CalibrationOptions>& methods,
                                                    int intra_op_threads = 0, const CalibrationProgress& progress = {});

}  // namespace qbench
