// qbench/model/shapes.h — concrete input shapes from the model and the user's flags
// (--shape, --dim, --batch), and rewriting a model whose file fixes the batch dimension.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qbench/model/model.h"

namespace qbench {

/// What the user said about input shapes. Filled by ParseShapeFlag / ParseDimFlag / ParseBatchFlag
/// (or directly in code), consumed by ResolveInputShapes and InspectModel.
struct ShapeOverrides {
  /// --shape NAME=1x3x224x224: the full shape of one graph input (every dim > 0).
  std::map<std::string, std::vector<std::int64_t>> input_shapes;
  /// --dim seq=128: a value for every dynamic dimension whose symbolic name (dim_param) is `seq`,
  /// in whichever input it appears (value > 0).
  std::map<std::string, std::int64_t> dim_values;
  /// --batch N: dim 0 of every input that has a batch dimension (BatchDimensions). 0 = unset (then a
  /// dynamic dim 0 defaults to 1).
  std::int64_t batch = 0;
};

/// Parses one --shape flag "NAME=D0xD1x...", e.g. "data=1x3x224x224" (a scalar input: "NAME=").
/// Each Di is an integer > 0; 'x', 'X' or ',' separate them. The input name may itself contain '='
/// characters: the last '=' splits.
/// Throws Error(kInvalidArgument) quoting the flag and the expected form when it is malformed,
/// a dim is not a positive integer, or the same NAME is given twice.
void ParseShapeFlag(const std::string& flag, ShapeOverrides* overrides);

/// Parses one --dim flag "NAME=VALUE" (VALUE an integer > 0) for a symbolic dimension name.
/// Throws Error(kInvalidArgument) quoting the flag and the expected form.
void ParseDimFlag(const std::string& flag, ShapeOverrides* overrides);

/// Every --shape flag (ParseShapeFlag), then every --dim flag (ParseDimFlag), into one ShapeOverrides
/// (batch unset): what `bench`, `quantize`, `inspect` and the lab (flags and its config file) take.
/// Throws as those two.
ShapeOverrides ParseShapeAndDimFlags(const std::vector<std::string>& shapes, const std::vector<std::string>& dims);

/// Parses a --batch value (text, as typed). Throws Error(kInvalidArgument) unless it is an integer > 0.
void ParseBatchFlag(const std::string& value, ShapeOverrides* overrides);

/// "data float32 [1,3,224,224]" or "input_ids int64 [batch,seq]": a graph input or output with its
/// dtype and its shape, dynamic dims by symbolic name ("?" when unnamed, "[?]" rank unknown); a value
/// that is not a tensor shows its ONNX type: "output_probability seq(map(int64,tensor(float)))".
std::string DescribeTensor(const TensorInfo& info);

/// Which of `inputs` (Model::Inputs(), in that order) have a batch dimension: a dim 0 that --batch
/// sets, calibration stacks samples along and WithBatchSize rewrites (docs/inputs.md):
///  - a scalar (rank 0) or an input of unknown rank: none;
///  - dim 0 dynamic (symbolic or unnamed): a batch dimension;
///  - dim 0 fixed: a batch dimension only when no input has a dynamic dim 0 (the file was exported
///    at a fixed batch, e.g. SqueezeNet 1.1's data [1,3,224,224]), the input has rank >= 2 and its
///    dim 0 equals that of the first such input; otherwise none (an index list [5], a table [7,3]
///    beside an image [1,3,8,8], ...). Inputs may so have different leading dims.
std::vector<bool> BatchDimensions(const std::vector<TensorInfo>& inputs);

/// What --batch `batch` does, said to the user: "" when batch <= 0 or every input has a batch
/// dimension; otherwise e.g. "--batch 8 sets dim 0 of 'x'; 'scale' [5] and 't' (a scalar) have no
/// batch dimension and keep their shapes", or "--batch 8 has no effect: no input of the model has a
/// batch dimension (...)". `inputs` as in BatchDimensions.
std::string DescribeBatchPolicy(const std::vector<TensorInfo>& inputs, std::int64_t batch);

/// Concrete shapes (every dim > 0) for every graph input of `model`, in Model::Inputs() order.
/// `batch` applies only to inputs with a batch dimension (BatchDimensions); the others keep dim 0.
/// Rules, per input and per dimension i:
///  - `--shape NAME=...` gives the whole shape. Its rank must equal the file's rank; fixed dims
///    other than dim 0 must match the file (dim 0 may differ: see WithBatchSize).
///  - otherwise a fixed dim keeps its value, except dim 0 when `batch` is set (it becomes `batch`);
///  - a dynamic dim 0 is `batch` when set, else `dim_values[name]` when given, else 1
///    (the default: a symbolic dim 0 is taken to be the batch and defaults to batch 1);
///  - any other dynamic dim takes `dim_values[its symbolic name]`; with none it is an error.
/// Throws Error(kInvalidArgument) for: an unknown input name in input_shapes (listing the model's
/// inputs), an unused name in dim_values (listing the symbolic dims), batch < 0, a --shape and
/// --batch that disagree on dim 0, a rank or fixed-dim mismatch, an input without any shape in the
/// file and no --shape, and a remaining dynamic dim (naming the input, dim index, symbolic name and
/// the flag that sets it); Error(kUnsupported) for an input that is not a tensor (a sequence, map
/// or optional: "input 'x' is a seq(tensor(float)), not a tensor: qbench generates, calibrates and
/// feeds tensor inputs only …").
std::vector<TensorInfo> ResolveInputShapes(const Model& model, const ShapeOverrides& overrides);

/// Returns a copy of `model` that ONNX Runtime accepts at batch `batch`, for models whose file fixes
/// dim 0 of the inputs (the shared SqueezeNet 1.1: input `data` [1,3,224,224]).
/// What it does: every graph input with a batch dimension (BatchDimensions) whose dim 0 is fixed to
/// B0 != batch gets dim 0 = batch (inputs without one are left alone); every graph
/// output whose dim 0 is fixed to B0 gets dim 0 = batch; intermediate value_info (stale shapes) is
/// dropped. Inputs with a dynamic dim 0 are left alone; batch == B0 returns an unchanged copy.
/// Refuses (Error(kUnsupported), naming the input and the node) when the graph hard-codes the batch:
///  - a Reshape fed (through any chain of nodes) by a rewritten input whose shape is a constant
///    (initializer, Constant node, or a Concat of those) with element 0 == B0 (e.g. [1,-1]): at batch N it would run but
///    silently fold the batch into the features;
///  - ONNX shape inference of the rewritten graph (onnx::shape_inference::InferShapes, with data
///    propagation) gives a graph output a fixed dim 0 other than `batch`.
/// Throws Error(kInvalidArgument) when batch <= 0 and Error(kUnsupported) when inputs disagree on B0.
Model WithBatchSize(const Model& model, std::int64_t batch);

/// The batch `model` must be rewritten to (WithBatchSize) before ONNX Runtime runs it at `resolved`
/// (its inputs' concrete shapes, as ResolveInputShapes gives them, in Model::Inputs() order): dim 0
/// of the last input whose file fixes dim 0 to another value than `resolved` has; 0 when the file
/// runs at these shapes as it is (dim 0 dynamic, or already that value). `bench`, the lab, the
/// memory probe and CompareModels (benchmark/compare.h) all decide with this one rule. Never throws.
std::int64_t BatchRewriteTarget(const Model& model, const std::vector<TensorInfo>& resolved);

}  // namespace qbench
