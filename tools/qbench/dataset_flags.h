// tools/qbench/dataset_flags.h — the dataset and preprocessing flags shared by `qbench eval` and
// `qbench sensitivity` (and any command that reads an evaluation set).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "qbench/eval/dataset.h"

namespace qbench::cli {

/// Values of --dataset, --format, --preset, --resize, --crop, --pad, --mean, --std, --layout,
/// --channel-order, --channels, --class-map, --labels as typed.
struct DatasetFlags {
  std::string dataset, format = "auto", preset;
  std::string resize, mean, std_dev, layout, channel_order, class_map, labels;
  int crop = -1, pad = -1, channels = 0;
};

/// Adds the flags to `cmd`; `required` makes --dataset required.
void AddDatasetFlags(CLI::App* cmd, DatasetFlags* flags, bool required);

/// The DatasetSpec the flags describe (limit 0). Without --preset: fashion-mnist for .u8 data,
/// imagenet otherwise; explicit flags override the preset. Throws Error(kInvalidArgument) naming
/// the flag for a malformed value, Error(kNotFound) for a missing dataset.
DatasetSpec BuildDatasetSpec(const DatasetFlags& flags);

/// "RGB, shorter side 256 (PIL bilinear), center crop 224, (x/255 - [..]) / [..], NCHW RGB".
std::string DescribePreprocess(const PreprocessOptions& p);

}  // namespace qbench::cli
