// qbench/runtime/inputs.h — seeded random inputs for benchmarking a model, with integer inputs kept in
// the range the graph can consume (e.g. token ids below the row count of the embedding table).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/model/model.h"

namespace qbench {

/// Inclusive range [low, high] for an integer input, and where it came from.
struct IntegerRange {
  std::int64_t low = 0;
  std::int64_t high = 99;
  std::string source;  ///< "Gather 'embedding_gather' indices over 100 rows of 'emb.weight'", or "default"
};

/// The value range for integer graph input `input_name`, derived from how the graph consumes it.
/// The input is followed through value-preserving nodes (Cast, Identity, Reshape, Flatten, Squeeze,
/// Unsqueeze, Expand, Tile, Transpose, Concat, Slice). Where it reaches input 1 (indices) of a Gather
/// or GatherElements, or input 0 of OneHot, over a constant (initializer or Constant node) data tensor
/// whose gather axis has R entries (OneHot: the constant depth R), the range is [0, R − 1]; several
/// such consumers intersect. An input that reaches a size — input 1 (pads) of Pad, input 1 (repeats)
/// of Tile, input 0 (shape) of ConstantOfShape — is [0, 3] ("… pads, kept small"): with [0, 99] each
/// entry could grow an axis by 198 and the output to gigabytes. Otherwise the default is [0, 99] ("default", the [0, 100) of most
/// benchmark tools), clipped to the dtype's range (uint8: [0, 99], bool is not integer here).
/// Throws Error(kNotFound) listing the inputs when `input_name` is not a graph input.
IntegerRange InferIntegerRange(const Model& model, const std::string& input_name);

/// Options for GenerateInputs.
struct InputOptions {
  std::uint64_t seed = 0;  ///< same seed, same shapes → the same bytes, on every platform
};

/// One generated input.
struct GeneratedInput {
  TensorInfo info;           ///< name, dtype and the concrete shape used
  HostTensor tensor;
  std::string distribution;  ///< "normal(0,1)", "uniform integers [0, 99] (...)", "bernoulli(0.5)", "padding mask 0/1 (...)"
};

/// Random data for each of `inputs` (concrete shapes, e.g. from ResolveInputShapes; every dim > 0),
/// which must be graph inputs of `model` that are not initializers (Model::Inputs() already omits an
/// initializer that is also listed as a graph input, so such weights are never overwritten).
/// Every shape is used as given: scalars (rank 0) and inputs whose leading dims differ are fine.
/// Distributions, in this order (docs/inputs.md):
///  1. an integer input consumed as indices (Gather, GatherElements, OneHot: InferIntegerRange
///     finds a table) ~ uniform over [0, rows − 1];
///  2. a mask — a bool, integer or float input whose name contains "mask" (any case, e.g.
///     "attention_mask") — a padding mask of 0/1: along the last axis, each row holds k ones then
///     zeros, k uniform in [1, row length] (never an all-zero row);
///  3. float32/float64/float16/bfloat16 ~ Normal(0, 1) (Box–Muller), like a standardized image or
///     embedding; other integers ~ uniform over the default [0, 99]; other bools ~ Bernoulli(0.5).
/// `bench`, `quantize` (random calibration, latency), the lab and verification all use this one
/// generator. The generator is SplitMix64 (Steele, Lea & Flood 2014) seeded with
/// seed ⊕ hash(input name), so an input's data does not depend on the other inputs.
/// Throws Error(kInvalidArgument) for a dim < 1, Error(kUnsupported) naming the input for string or
/// other non-numeric dtypes, Error(kNotFound) for a name that is not a graph input to feed.
std::vector<GeneratedInput> GenerateInputs(const Model& model, const std::vector<TensorInfo>& inputs,
                                           const InputOptions& options = {});

/// The tensors of `generated` reordered to `runner_inputs` (e.g. OrtRunner::inputs()), matched by name.
/// Throws Error(kNotFound) naming a runner input with no generated tensor.
std::vector<HostTensor> FeedsInOrder(const std::vector<GeneratedInput>& generated,
                                     const std::vector<TensorInfo>& runner_inputs);

}  // namespace qbench
