#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "qbench/core/error.h"
#include "qbench/model/model.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

Ort::Env& GlobalEnv() {
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "qbench");
  return env;
}

struct ProviderName {
  const char* short_name;
  const char* ort_name;
};
constexpr ProviderName kProviders[] = {
    {"cpu", "CPUExecutionProvider"},         {"cuda", "CUDAExecutionProvider"},
    {"tensorrt", "TensorrtExecutionProvider"}, {"openvino", "OpenVINOExecutionProvider"},
    {"xnnpack", "XnnpackExecutionProvider"}, {"dnnl", "DnnlExecutionProvider"},
    {"coreml", "CoreMLExecutionProvider"},   {"nnapi", "NnapiExecutionProvider"},
    {"qnn", "QNNExecutionProvider"},         {"webgpu", "WebGpuExecutionProvider"},
    {"acl", "ACLExecutionProvider"},         {"armnn", "ArmNNExecutionProvider"},
};

std::string ShortProviderName(const std::string& ort_name) {
  for (const auto& p : kProviders)
    if (ort_name == p.ort_name) return p.short_name;
  return ort_name;
}

std::string JoinNames(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

TensorInfo InfoFromTypeInfo(const std::string& name, const Ort::TypeInfo& ti) {
  TensorInfo info;
  info.name = name;
  if (ti.GetONNXType() != ONNX_TYPE_TENSOR) return info;
  auto t = ti.GetTensorTypeAndShapeInfo();
  info.dtype = static_cast<DType>(t.GetElementType());
  info.shape = t.GetShape();
  std::vector<const char*> syms(info.shape.size(), nullptr);
  if (!syms.empty()) t.GetSymbolicDimensions(syms.data(), syms.size());
  for (size_t i = 0; i < info.shape.size(); ++i) {
    if (info.shape[i] < 0) info.shape[i] = -1;
    info.dim_names.push_back(info.shape[i] < 0 && syms[i] ? syms[i] : "");
  }
  return info;
}

}  // namespace

const std::vector<std::string>& GraphOptimizationLevels() {
  static const std::vector<std::string> k = {"disable", "basic", "extended", "all"};
  return k;
}

std::vector<std::string> AvailableExecutionProviders() {
  std::vector<std::string> out;
  for (const auto& p : Ort::GetAvailableProviders()) out.push_back(ShortProviderName(p));
  return out;
}

std::string OrtVersion() { return Ort::GetVersionString(); }

struct OrtRunner::Impl {
  std::unique_ptr<Ort::Session> session;
  std::vector<TensorInfo> inputs, outputs;
  std::vector<std::string> input_names, output_names;
  std::vector<const char*> input_cstr, output_cstr;
  std::vector<Ort::Value> bound;
  Ort::MemoryInfo mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  double create_ms = 0;
  std::string name;

  std::vector<Ort::Value> MakeValues(const std::vector<HostTensor>& feeds) {
    if (feeds.size() != inputs.size())
      throw Error(ErrorCode::kInvalidArgument, "model '" + name + "' takes " + std::to_string(inputs.size()) +
                                                   " inputs, got " + std::to_string(feeds.size()));
    std::vector<Ort::Value> values;
    for (size_t i = 0; i < feeds.size(); ++i) {
      const auto& f = feeds[i];
      if (inputs[i].dtype != DType::kUndefined && f.dtype != inputs[i].dtype)
        throw Error(ErrorCode::kInvalidArgument, "input '" + inputs[i].name + "' of '" + name + "' expects " +
                                                     DTypeName(inputs[i].dtype) + ", got " + DTypeName(f.dtype));
      values.push_back(Ort::Value::CreateTensor(mem, const_cast<std::uint8_t*>(f.bytes.data()), f.bytes.size(),
                                                f.shape.data(), f.shape.size(),
                                                static_cast<ONNXTensorElementDataType>(f.dtype)));
    }
    return values;
  }
};

OrtRunner::OrtRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OrtRunner::~OrtRunner() = default;

std::unique_ptr<OrtRunner> OrtRunner::Create(const Model& model, const SessionConfig& config) {
  const std::string name = model.path.empty() ? std::string("<in-memory model>") : model.path;
  Ort::SessionOptions opts;
  if (config.intra_op_threads < 0 || config.inter_op_threads < 0)
    throw Error(ErrorCode::kInvalidArgument, "thread counts must be >= 0 (0 = ONNX Runtime's default)");
  if (config.intra_op_threads > 0) opts.SetIntraOpNumThreads(config.intra_op_threads);
  if (config.inter_op_threads > 0) opts.SetInterOpNumThreads(config.inter_op_threads);
  const auto& levels = GraphOptimizationLevels();
  auto it = std::find(levels.begin(), levels.end(), config.graph_optimization);
  if (it == levels.end())
    throw Error(ErrorCode::kInvalidArgument, "unknown graph optimization level '" + config.graph_optimization +
                                                 "'; expected one of: " + JoinNames(levels));
  const GraphOptimizationLevel ort_levels[] = {ORT_DISABLE_ALL, ORT_ENABLE_BASIC, ORT_ENABLE_EXTENDED, ORT_ENABLE_ALL};
  opts.SetGraphOptimizationLevel(ort_levels[it - levels.begin()]);
  opts.AddConfigEntry("session.intra_op.allow_spinning", config.allow_spinning ? "1" : "0");
  opts.AddConfigEntry("session.inter_op.allow_spinning", config.allow_spinning ? "1" : "0");
  if (!config.optimized_model_path.empty()) opts.SetOptimizedModelFilePath(config.optimized_model_path.c_str());

  const auto available = AvailableExecutionProviders();
  if (std::find(available.begin(), available.end(), config.execution_provider) == available.end())
    throw Error(ErrorCode::kInvalidArgument, "execution provider '" + config.execution_provider +
                                                 "' is not in this build of ONNX Runtime; available: " + JoinNames(available));
  if (config.execution_provider != "cpu") {
    std::string ort_name;
    for (const auto& p : kProviders)
      if (config.execution_provider == p.short_name) ort_name = p.ort_name;
    try {
      opts.AppendExecutionProvider(ort_name.empty() ? config.execution_provider : ort_name, {});
    } catch (const Ort::Exception& e) {
      throw Error(ErrorCode::kUnsupported, "cannot enable execution provider '" + config.execution_provider + "': " + e.what());
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->name = name;
  Model copy;
  const Model* to_load = &model;
  if (HasExternalData(model)) {
    copy = model;
    InlineExternalData(copy);
    to_load = &copy;
  }
  const std::string bytes = SerializeModel(*to_load);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    impl->session = std::make_unique<Ort::Session>(GlobalEnv(), bytes.data(), bytes.size(), opts);
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kRuntime, "ONNX Runtime cannot load '" + name + "': " + e.what());
  }
  impl->create_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  Ort::AllocatorWithDefaultOptions alloc;
  for (size_t i = 0; i < impl->session->GetInputCount(); ++i) {
    impl->input_names.push_back(impl->session->GetInputNameAllocated(i, alloc).get());
    impl->inputs.push_back(InfoFromTypeInfo(impl->input_names.back(), impl->session->GetInputTypeInfo(i)));
  }
  for (size_t i = 0; i < impl->session->GetOutputCount(); ++i) {
    impl->output_names.push_back(impl->session->GetOutputNameAllocated(i, alloc).get());
    impl->outputs.push_back(InfoFromTypeInfo(impl->output_names.back(), impl->session->GetOutputTypeInfo(i)));
  }
  for (auto& n : impl->input_names) impl->input_cstr.push_back(n.c_str());
  for (auto& n : impl->output_names) impl->output_cstr.push_back(n.c_str());
  return std::unique_ptr<OrtRunner>(new OrtRunner(std::move(impl)));
}

const std::vector<TensorInfo>& OrtRunner::inputs() const { return impl_->inputs; }
const std::vector<TensorInfo>& OrtRunner::outputs() const { return impl_->outputs; }
double OrtRunner::session_create_ms() const { return impl_->create_ms; }

std::vector<HostTensor> OrtRunner::Run(const std::vector<HostTensor>& feeds) {
  auto values = impl_->MakeValues(feeds);
  std::vector<Ort::Value> outs;
  try {
    outs = impl_->session->Run(Ort::RunOptions{nullptr}, impl_->input_cstr.data(), values.data(), values.size(),
                               impl_->output_cstr.data(), impl_->output_cstr.size());
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kRuntime, "ONNX Runtime failed running '" + impl_->name + "': " + e.what());
  }
  std::vector<HostTensor> result;
  for (auto& v : outs) {
    HostTensor t;
    auto info = v.GetTensorTypeAndShapeInfo();
    t.dtype = static_cast<DType>(info.GetElementType());
    t.shape = info.GetShape();
    const size_t nbytes = info.GetElementCount() * DTypeSize(t.dtype);
    const auto* p = static_cast<const std::uint8_t*>(v.GetTensorRawData());
    t.bytes.assign(p, p + nbytes);
    result.push_back(std::move(t));
  }
  return result;
}

void OrtRunner::Bind(const std::vector<HostTensor>& feeds) { impl_->bound = impl_->MakeValues(feeds); }

void OrtRunner::RunBound() {
  try {
    auto outs = impl_->session->Run(Ort::RunOptions{nullptr}, impl_->input_cstr.data(), impl_->bound.data(),
                                    impl_->bound.size(), impl_->output_cstr.data(), impl_->output_cstr.size());
    (void)outs;
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kRuntime, "ONNX Runtime failed running '" + impl_->name + "': " + e.what());
  }
}

}  // namespace qbench
