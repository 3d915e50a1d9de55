#include "qbench/model/model.h"

#include <fstream>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"

namespace qbench {
namespace {

TensorInfo InfoFromValue(const onnx::ValueInfoProto& v) {
  TensorInfo info;
  info.name = v.name();
  const auto& type = v.type();
  info.type = TypeToString(type);
  if (!type.has_tensor_type()) {
    info.is_tensor = type.value_case() == onnx::TypeProto::VALUE_NOT_SET;
    info.has_shape = info.is_tensor;
    return info;
  }
  info.dtype = ToDType(type.tensor_type().elem_type());
  if (!type.tensor_type().has_shape()) {
    info.has_shape = false;
    return info;
  }
  for (const auto& d : type.tensor_type().shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      info.shape.push_back(d.dim_value());
      info.dim_names.emplace_back();
    } else {
      info.shape.push_back(-1);
      info.dim_names.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
  }
  return info;
}

}  // namespace

std::string TypeToString(const onnx::TypeProto& type) {
  auto elem = [](std::int32_t t) {
    static const char* kNames[] = {"undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64",
                                   "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
                                   "complex128", "bfloat16"};
    return t >= 0 && t <= 16 ? std::string(kNames[t]) : "type" + std::to_string(t);
  };
  switch (type.value_case()) {
    case onnx::TypeProto::kTensorType: return "tensor(" + elem(type.tensor_type().elem_type()) + ")";
    case onnx::TypeProto::kSequenceType: return "seq(" + TypeToString(type.sequence_type().elem_type()) + ")";
    case onnx::TypeProto::kMapType:
      return "map(" + elem(type.map_type().key_type()) + "," + TypeToString(type.map_type().value_type()) + ")";
    case onnx::TypeProto::kOptionalType: return "optional(" + TypeToString(type.optional_type().elem_type()) + ")";
    case onnx::TypeProto::kSparseTensorType: return "sparse_tensor(" + elem(type.sparse_tensor_type().elem_type()) + ")";
    default: return "";
  }
}

std::vector<TensorInfo> Model::Inputs() const {
  std::vector<std::string> inits;
  for (const auto& t : proto.graph().initializer()) inits.push_back(t.name());
  std::vector<TensorInfo> out;
  for (const auto& v : proto.graph().input()) {
    bool is_init = false;
    for (const auto& n : inits)
      if (n == v.name()) is_init = true;
    if (!is_init) out.push_back(InfoFromValue(v));
  }
  return out;
}

std::vector<TensorInfo> Model::Outputs() const {
  std::vector<TensorInfo> out;
  for (const auto& v : proto.graph().output()) out.push_back(InfoFromValue(v));
  return out;
}

std::int64_t Model::OpsetVersion() const {
  for (const auto& o : proto.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  return 0;
}

Model ParseModel(const std::string& bytes, const std::string& name) {
  if (bytes.empty()) throw Error(ErrorCode::kInvalidInput, "'" + name + "' is empty, expected an ONNX model");
  Model m;
  if (!m.proto.ParseFromString(bytes))
    throw Error(ErrorCode::kInvalidInput,
                "'" + name + "' is not a valid ONNX model (protobuf parse failed: truncated or not an .onnx file)");
  if (!m.proto.has_graph() || m.proto.graph().node_size() == 0)
    throw Error(ErrorCode::kInvalidInput, "'" + name + "' is not a valid ONNX model: it has no graph nodes");
  if (m.proto.opset_import_size() == 0)
    throw Error(ErrorCode::kInvalidInput, "'" + name + "' is not a valid ONNX model: no opset_import");
  return m;
}

Model LoadModel(const std::string& path) {
  Model m = ParseModel(ReadFileBytes(path), path);
  m.path = path;
  return m;
}

bool HasExternalData(const Model& model) {
  for (const auto& t : model.proto.graph().initializer())
    if (t.data_location() == onnx::TensorProto::EXTERNAL) return true;
  return false;
}

void InlineExternalData(Model& model) {
  const std::string base = model.path.empty() ? "." : DirName(model.path);
  for (auto& t : *model.proto.mutable_graph()->mutable_initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    std::string location;
    std::int64_t offset = 0, length = -1;
    for (const auto& kv : t.external_data()) {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::stoll(kv.value());
      if (kv.key() == "length") length = std::stoll(kv.value());
    }
    if (location.empty() || location.find("..") != std::string::npos || location[0] == '/')
      throw Error(ErrorCode::kInvalidInput, "initializer '" + t.name() + "' has an invalid external-data location '" + location + "'");
    const std::string file = base + "/" + location;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorCode::kNotFound, "external data file '" + file + "' of initializer '" + t.name() + "' not found");
    in.seekg(0, std::ios::end);
    const std::int64_t size = in.tellg();
    if (length < 0) length = size - offset;
    if (offset < 0 || offset + length > size)
      throw Error(ErrorCode::kInvalidInput, "external data file '" + file + "' is too short for initializer '" + t.name() + "'");
    std::string data(static_cast<size_t>(length), '\0');
    in.seekg(offset);
    in.read(data.data(), length);
    t.set_raw_data(std::move(data));
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::DEFAULT);
  }
}

std::string SerializeModel(const Model& model) {
  if (model.proto.ByteSizeLong() > 0x7fffffffULL)
    throw Error(ErrorCode::kUnsupported, "model exceeds protobuf's 2 GiB limit; save it with external data");
  std::string out;
  model.proto.SerializeToString(&out);
  return out;
}

void SaveModel(const Model& model, const std::string& path) {
  if (!model.path.empty() && (path == model.path || SameFile(path, model.path)))
    throw Error(ErrorCode::kInvalidArgument, "refusing to overwrite the input model '" + model.path + "'; choose another output path");
  WriteFileAtomic(path, SerializeModel(model));
}

}  // namespace qbench
