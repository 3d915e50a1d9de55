// qbench/lab/device.h — the device a lab study is measured on (--device, docs/scale-out.md) and the
// files a run writes under that label: the whole study's results.jsonl and models/, or for shard I
// results.<device>.<I>.jsonl and models/<device>.<I>/. Below preflight.h and shard.h, which both use it.
#pragma once

#include <string>

#include "qbench/lab/config.h"

namespace qbench {

/// "hostname (CPU model)", e.g. "node17 (AMD EPYC 7763 64-Core Processor)": the default --device.
/// The hostname alone when the CPU model is unknown, "unknown device" when both are.
std::string DefaultDeviceLabel();

/// The label `config` names its device with: config.device, or DefaultDeviceLabel() when empty.
std::string LabDeviceLabel(const LabConfig& config);

/// A device label as a file-name part: letters, digits, '.', '_' and '-' kept, runs of anything
/// else made one '_', '_' trimmed at both ends, at most 80 characters; "device" when nothing is left.
std::string DeviceFileName(const std::string& label);

/// results.jsonl of a run: DIR/results.jsonl, or for shard I (config.shard_count > 0)
/// DIR/results.<DeviceFileName(device)>.<I>.jsonl.
std::string LabResultsPath(const LabConfig& config);

/// Where a run writes its model files: DIR/models, or for shard I DIR/models/<device file name>.<I>
/// (no two shards, nor two devices, write the same file).
std::string LabModelsDir(const LabConfig& config);

}  // namespace qbench
