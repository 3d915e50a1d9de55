// tools/qbench/dataset_flags.h — the dataset and preprocessing flag groups (the CLI vocabulary, with
// flags.h): dataset flags in `qbench eval` and `qbench sensitivity`, preprocessing also in `quantize`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "qbench/data/dataset.h"
#include "qbench/data/preprocess_overrides.h"

namespace qbench::cli {

/// Values of the preprocessing flags --preset, --resize, --crop, --pad, --mean, --std, --layout,
/// --channel-order, --channels as typed (the group used by eval, sensitivity, quantize and lab);
/// parsed by the library (data/preprocess_overrides.h), which the lab's TOML keys share.
using PreprocessFlags = PreprocessOverrides;

/// The preprocessing flags as typed, and --eval-data (old spelling --dataset), --format, --class-map, --labels and --seed bound
/// to the DatasetSpec fields they set (path, format, class_map, labels, seed: the random subset
/// drawn by --eval-limit); BuildDatasetSpec adds the preprocessing.
struct DatasetFlags : PreprocessFlags {
  DatasetSpec spec;
};

/// Adds the preprocessing flags to `cmd`; `what` names the images they apply to in the help
/// (e.g. "calibration/evaluation images").
void AddPreprocessFlags(CLI::App* cmd, PreprocessFlags* flags, const std::string& what = "");

/// Adds the dataset flags and the preprocessing flags to `cmd`; `required` makes --eval-data required.
void AddDatasetFlags(CLI::App* cmd, DatasetFlags* flags, bool required);

/// The PreprocessOptions the flags describe for data at `data_path`: the preset (without --preset:
/// fashion-mnist for .u8 data, imagenet otherwise, or for a path whose format cannot be told), then
/// every explicit flag over it. Throws Error(kInvalidArgument) naming the flag for a malformed value.
PreprocessOptions BuildPreprocessOptions(const PreprocessFlags& flags, const std::string& data_path,
                                         const std::string& format = "auto");

/// The DatasetSpec the flags describe (limit 0, seed = --seed). Without --preset: fashion-mnist for .u8 data,
/// imagenet otherwise; explicit flags override the preset. Throws Error(kInvalidArgument) naming
/// the flag for a malformed value, Error(kNotFound) for a missing dataset.
DatasetSpec BuildDatasetSpec(const DatasetFlags& flags);

/// "RGB, shorter side 256 (PIL bilinear), center crop 224, (x/255 - [..]) / [..], NCHW RGB".
std::string DescribePreprocess(const PreprocessOptions& p);

}  // namespace qbench::cli
