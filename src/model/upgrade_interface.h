// src/model/upgrade_interface.h — keeping a model's interface through ONNX's version converter (not public).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

namespace qbench::internal {

/// Renames every read of tensor `from` to `to` in `g` and in the subgraphs that read it from the
/// outer scope (node inputs only; producers and graph inputs/outputs are left to the caller).
void RenameReads(onnx::GraphProto* g, const std::string& from, const std::string& to);

/// A name not used by any tensor or node at the top level of `g`: `base`, else `base_1`, `base_2`, ….
std::string UniqueName(const onnx::GraphProto& g, const std::string& base);

/// Puts back the graph interface of `original` on `upgraded` (its ONNX version-converter output at
/// ai.onnx opset `opset`), which the converter can change in two ways:
///  - it rebuilds graph inputs from its IR, which holds tensor types only: a sequence, map or
///    optional input comes back without its type, and strict shape inference then fails downstream
///    (SequenceInsert-11 → 13). The original type is restored.
///  - an adapter may drop a leading axis from graph inputs and outputs (Scan-8 has a batch axis,
///    Scan-9 has none: ONNX's onnx/version_converter/adapters/scan_8_9.h shortens every size by one). When
///    that axis had the fixed size 1, the original shape is kept and Squeeze (inputs) / Unsqueeze
///    (outputs) on axis 0 bridge it, so callers feed and read exactly what they did before.
/// Returns the number of inputs and outputs bridged with Squeeze/Unsqueeze. Throws
/// Error(kUnsupported) in one line naming the model (`name`), the tensor and both shapes when the
/// dropped axis is not a fixed 1 (a batch of N through Scan-9 needs a Loop, which the converter
/// does not write).
int RestoreUpgradedInterface(const onnx::GraphProto& original, onnx::ModelProto* upgraded, std::int64_t opset,
                             const std::string& name);

}  // namespace qbench::internal
