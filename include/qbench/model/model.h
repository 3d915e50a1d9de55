// qbench/model/model.h — an ONNX model in memory (onnx::ModelProto) with load/save helpers.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"

namespace qbench {

/// A graph input or output: -1 in `shape` marks a dynamic dimension, whose symbolic name (if any)
/// is in `dim_names` at the same index ("" for fixed or unnamed dimensions).
struct TensorInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  std::vector<std::int64_t> shape;
  std::vector<std::string> dim_names;
  bool has_shape = true;  ///< false when the file gives no shape at all (rank unknown)
  /// The value's type in ONNX's notation: "tensor(float)", "seq(tensor(float))",
  /// "seq(map(int64,tensor(float)))" (ZipMap), "map(string,tensor(int64))", "optional(tensor(float))";
  /// "" when the file declares no type.
  std::string type;
  /// False for sequences, maps, optionals and sparse tensors: then dtype is kUndefined and shape is
  /// empty, and a Runner returns an empty kUndefined HostTensor in that output's place.
  bool is_tensor = true;
};

/// An ONNX type in ONNX's notation (see TensorInfo::type); "" for an empty TypeProto.
std::string TypeToString(const onnx::TypeProto& type);

/// An ONNX model owned in memory. `path` is where it was loaded from ("" when built in code);
/// external-data locations are resolved relative to its folder.
struct Model {
  onnx::ModelProto proto;
  std::string path;

  /// Graph inputs that are not initializers (the tensors a caller must feed).
  std::vector<TensorInfo> Inputs() const;
  std::vector<TensorInfo> Outputs() const;
  /// opset version of the default ("" or "ai.onnx") domain; 0 when absent.
  std::int64_t OpsetVersion() const;
};

/// Loads an ONNX file. External data stays external (see InlineExternalData).
/// Throws Error(kNotFound) for a missing file, Error(kInvalidInput) naming the file for a
/// directory, an empty file, bytes that are not an ONNX ModelProto (e.g. truncated), or a model
/// without a graph.
Model LoadModel(const std::string& path);

/// Parses serialised ModelProto bytes; `name` is used in messages. Same errors as LoadModel.
Model ParseModel(const std::string& bytes, const std::string& name);

/// Reads every initializer stored as external data (data_location = EXTERNAL) into raw_data.
/// Throws Error(kNotFound)/Error(kInvalidArgument) naming the tensor and the missing/short file.
void InlineExternalData(Model& model);

/// True when any initializer is stored as external data.
bool HasExternalData(const Model& model);

/// Serialises the model. Throws Error(kUnsupported) when it exceeds protobuf's 2 GiB limit.
std::string SerializeModel(const Model& model);

/// Writes the model atomically to `path`. Refuses (Error(kInvalidArgument)) to overwrite
/// `model.path`, the file it was loaded from. Throws Error(kIo).
void SaveModel(const Model& model, const std::string& path);

/// Converts a TensorProto element type to DType (same codes).
inline DType ToDType(std::int32_t onnx_type) { return static_cast<DType>(onnx_type); }

}  // namespace qbench
