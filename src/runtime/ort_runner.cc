// OrtRunner: an ONNX Runtime session; the execution-provider checks and probe.
#include <fcntl.h>
#include <onnxruntime_cxx_api.h>
#include <unistd.h>

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/model/model.h"
#include "qbench/runtime/ort_env.h"
#include "qbench/runtime/placement.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

Ort::Env& GlobalEnv() { return OrtEnvironment(); }

std::string JoinNames(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

// Error(kRuntime) with the one line DescribeOrtError makes of ORT's message; the raw text goes to
// the debug log (--verbose).
Error OrtFailure(const std::string& raw, const std::string& file) {
  LogDebug("ONNX Runtime's message for '" + file + "': " + raw);
  return Error(ErrorCode::kRuntime, DescribeOrtError(raw, file));
}

// ORT's element type in ONNX's notation ("float", "int64", ...), from the shared TypeToString.
std::string ElemName(ONNXTensorElementDataType t) {
  onnx::TypeProto type;
  type.mutable_tensor_type()->set_elem_type(static_cast<int>(t));
  const std::string s = TypeToString(type);  // "tensor(float)"
  return s.substr(7, s.size() - 8);
}

// A type in ONNX's notation (TensorInfo::type): "tensor(float)", "seq(map(int64,tensor(float)))".
std::string OrtTypeString(const Ort::ConstTypeInfo& ti) {
  switch (ti.GetONNXType()) {
    case ONNX_TYPE_TENSOR: return "tensor(" + ElemName(ti.GetTensorTypeAndShapeInfo().GetElementType()) + ")";
    case ONNX_TYPE_SPARSETENSOR: return "sparse_tensor";
    case ONNX_TYPE_SEQUENCE: return "seq(" + OrtTypeString(ti.GetSequenceTypeInfo().GetSequenceElementType().GetConst()) + ")";
    case ONNX_TYPE_MAP: {
      const auto map = ti.GetMapTypeInfo();
      return "map(" + ElemName(map.GetMapKeyType()) + "," + OrtTypeString(map.GetMapValueType().GetConst()) + ")";
    }
    case ONNX_TYPE_OPTIONAL: return "optional(" + OrtTypeString(ti.GetOptionalTypeInfo().GetOptionalElementType().GetConst()) + ")";
    default: return "";
  }
}

TensorInfo InfoFromTypeInfo(const std::string& name, const Ort::TypeInfo& ti) {
  TensorInfo info;
  info.name = name;
  info.type = OrtTypeString(ti.GetConst());
  if (ti.GetONNXType() != ONNX_TYPE_TENSOR) {  // sequence, map, optional: no dtype or shape
    info.is_tensor = false;
    info.has_shape = false;
    return info;
  }
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

namespace {

// Appends provider `short_name` with its default options, through the entry point that provider
// needs: CUDA, TensorRT and oneDNN have their own (the generic AppendExecutionProvider rejects them
// with a list of unrelated providers), the rest go through the generic one. Throws Ort::Exception.
void AppendProvider(Ort::SessionOptions& opts, const std::string& short_name) {
  GlobalEnv();  // ORT's default logger must exist before a provider is appended (WebGPU needs it)
  const OrtApi& api = Ort::GetApi();
  if (short_name == "cuda") {
    OrtCUDAProviderOptionsV2* o = nullptr;
    Ort::ThrowOnError(api.CreateCUDAProviderOptions(&o));
    std::unique_ptr<OrtCUDAProviderOptionsV2, decltype(api.ReleaseCUDAProviderOptions)> guard(
        o, api.ReleaseCUDAProviderOptions);
    opts.AppendExecutionProvider_CUDA_V2(*o);
  } else if (short_name == "tensorrt") {
    OrtTensorRTProviderOptionsV2* o = nullptr;
    Ort::ThrowOnError(api.CreateTensorRTProviderOptions(&o));
    std::unique_ptr<OrtTensorRTProviderOptionsV2, decltype(api.ReleaseTensorRTProviderOptions)> guard(
        o, api.ReleaseTensorRTProviderOptions);
    opts.AppendExecutionProvider_TensorRT_V2(*o);
  } else if (short_name == "dnnl") {
    OrtDnnlProviderOptions* o = nullptr;
    Ort::ThrowOnError(api.CreateDnnlProviderOptions(&o));
    std::unique_ptr<OrtDnnlProviderOptions, decltype(api.ReleaseDnnlProviderOptions)> guard(
        o, api.ReleaseDnnlProviderOptions);
    opts.AppendExecutionProvider_Dnnl(*o);
  } else if (short_name == "openvino") {
    opts.AppendExecutionProvider_OpenVINO_V2({});
  } else {
    opts.AppendExecutionProvider(OrtProviderName(short_name), {});
  }
}

// The smallest model ORT accepts: y = Identity(x), float [1], opset 13. Serialized once.
const std::string& ProbeModelBytes() {
  static const std::string bytes = [] {
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    auto* g = m.mutable_graph();
    g->set_name("qbench_provider_probe");
    auto* node = g->add_node();
    node->set_op_type("Identity");
    node->add_input("x");
    node->add_output("y");
    auto declare = [](onnx::ValueInfoProto* vi, const char* name) {
      vi->set_name(name);
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(onnx::TensorProto::FLOAT);
      tt->mutable_shape()->add_dim()->set_dim_value(1);
    };
    declare(g->add_input(), "x");
    declare(g->add_output(), "y");
    return m.SerializeAsString();
  }();
  return bytes;
}

struct ProviderProbe {
  std::vector<std::string> usable;              // "cpu" first
  std::map<std::string, std::string> failures;  // compiled in but unusable: provider → short reason
};

// Tries every compiled-in provider once (lazily, on the first request for a non-CPU provider):
// append it and create a session for ProbeModelBytes(). Cached for the process.
const ProviderProbe& ProbeProviders() {
  static std::once_flag once;
  static ProviderProbe probe;
  std::call_once(once, [] {
    probe.usable.push_back("cpu");
    const std::string& bytes = ProbeModelBytes();
    // A failed probe is expected and its reason kept: keep ORT from logging it as an error, and the
    // libraries behind a provider (Dawn for WebGPU: "Couldn't load Vulkan") from printing to stderr.
    // stderr is muted only for the probe, once per process; qbench itself logs nothing meanwhile.
    struct Quiet {
      int saved_stderr = -1;
      Quiet() {
        GlobalEnv().UpdateEnvWithCustomLogLevel(ORT_LOGGING_LEVEL_FATAL);
        std::fflush(stderr);
        saved_stderr = ::dup(STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (saved_stderr >= 0 && devnull >= 0) ::dup2(devnull, STDERR_FILENO);
        if (devnull >= 0) ::close(devnull);
      }
      ~Quiet() {
        std::fflush(stderr);
        if (saved_stderr >= 0) {
          ::dup2(saved_stderr, STDERR_FILENO);
          ::close(saved_stderr);
        }
        GlobalEnv().UpdateEnvWithCustomLogLevel(ORT_LOGGING_LEVEL_WARNING);
      }
    } quiet;
    for (const auto& p : AvailableExecutionProviders()) {
      if (p == "cpu") continue;
      try {
        Ort::SessionOptions opts;
        AppendProvider(opts, p);
        Ort::Session session(GlobalEnv(), bytes.data(), bytes.size(), opts);
        probe.usable.push_back(p);
      } catch (const std::exception& e) {
        probe.failures[p] = StripOrtDecorations(e.what());
      }
    }
  });
  return probe;
}

}  // namespace

std::vector<std::string> UsableExecutionProviders() { return ProbeProviders().usable; }

void CheckExecutionProvider(const std::string& provider) {
  if (provider == "cpu") return;  // always there; no probe
  const auto available = AvailableExecutionProviders();
  const ProviderProbe& probe = ProbeProviders();
  const std::string usable = JoinNames(probe.usable);
  if (std::find(available.begin(), available.end(), provider) == available.end())
    throw Error(ErrorCode::kInvalidArgument, "execution provider '" + provider +
                                                 "' is not compiled into this ONNX Runtime (" + OrtVersion() +
                                                 "); usable: " + usable + " (compiled in: " + JoinNames(available) + ")");
  const auto failure = probe.failures.find(provider);
  // "Failed to load shared library": ORT lists the provider, but its library is not installed with it
  // (the pinned onnxruntime-node build lists cuda and tensorrt without shipping them).
  const bool no_library = failure != probe.failures.end() && failure->second.find("load shared library") != std::string::npos;
  if (failure != probe.failures.end())
    throw Error(ErrorCode::kInvalidArgument,
                "execution provider '" + provider + "' is compiled into this ONNX Runtime but cannot be enabled here (" +
                    failure->second + "); usable: " + usable +
                    (no_library ? "; its provider library is not installed with this ONNX Runtime (the pinned one is "
                                  "CPU-only): build qbench against one that ships it (cmake -DONNXRUNTIME_ROOT=...)"
                                : ""));
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
  SessionConfig config;

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

OrtRunner::OrtRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { internal::CountOrtSession(+1); }
OrtRunner::~OrtRunner() {
  impl_.reset();  // the session goes before the count says it is gone
  internal::CountOrtSession(-1);
}

std::unique_ptr<OrtRunner> OrtRunner::Create(const Model& model, const SessionConfig& config) {
  const std::string name = model.path.empty() ? std::string("<in-memory model>") : model.path;
  Ort::SessionOptions opts;
  if (config.intra_op_threads < 0 || config.inter_op_threads < 0)
    throw Error(ErrorCode::kInvalidArgument, "thread counts must be >= 0 (0 = ONNX Runtime's default)");
  if (config.global_thread_pool) {
    if (!UseGlobalThreadPool(config.intra_op_threads))
      throw Error(ErrorCode::kRuntime,
                  "ONNX Runtime's global thread pool has " + std::to_string(GlobalThreadPoolThreads()) +
                      " threads and cannot be resized to " + std::to_string(config.intra_op_threads) + " while " +
                      std::to_string(LiveOrtSessions()) + " session(s) exist; close them first");
    opts.DisablePerSessionThreads();
  } else {
    if (config.intra_op_threads > 0) opts.SetIntraOpNumThreads(config.intra_op_threads);
    if (config.inter_op_threads > 0) opts.SetInterOpNumThreads(config.inter_op_threads);
  }
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
  if (!config.profile_prefix.empty()) opts.EnableProfiling(config.profile_prefix.c_str());

  CheckExecutionProvider(config.execution_provider);
  if (config.execution_provider != "cpu") {
    try {
      AppendProvider(opts, config.execution_provider);
    } catch (const Ort::Exception& e) {  // the probe passed, so this is unexpected; same wording
      throw Error(ErrorCode::kInvalidArgument, "execution provider '" + config.execution_provider +
                                                   "' is compiled into this ONNX Runtime but cannot be enabled here (" +
                                                   StripOrtDecorations(e.what()) + "); usable: " +
                                                   JoinNames(UsableExecutionProviders()));
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->config = config;
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
    throw OrtFailure(e.what(), name);
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
const SessionConfig& OrtRunner::config() const { return impl_->config; }

std::string OrtRunner::EndProfiling() {
  if (impl_->config.profile_prefix.empty())
    throw Error(ErrorCode::kInvalidArgument, "session for '" + impl_->name + "' was created without profiling");
  try {
    Ort::AllocatorWithDefaultOptions alloc;
    return impl_->session->EndProfilingAllocated(alloc).get();
  } catch (const Ort::Exception& e) {
    throw OrtFailure(e.what(), impl_->name);
  }
}

std::vector<HostTensor> OrtRunner::Run(const std::vector<HostTensor>& feeds) {
  auto values = impl_->MakeValues(feeds);
  std::vector<Ort::Value> outs;
  try {
    outs = impl_->session->Run(Ort::RunOptions{nullptr}, impl_->input_cstr.data(), values.data(), values.size(),
                               impl_->output_cstr.data(), impl_->output_cstr.size());
  } catch (const Ort::Exception& e) {
    throw OrtFailure(e.what(), impl_->name);
  }
  std::vector<HostTensor> result;
  for (auto& v : outs) {
    HostTensor t;
    if (!v.IsTensor()) {  // a sequence or map output (e.g. ZipMap): an empty kUndefined tensor in its place
      t.dtype = DType::kUndefined;
      result.push_back(std::move(t));
      continue;
    }
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

std::map<std::string, std::int64_t> OrtRunner::AllocatorStats() const {
  std::map<std::string, std::int64_t> out;
  try {
    const Ort::MemoryInfo info = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    Ort::Allocator allocator(*impl_->session, info);
    for (const auto& [key, value] : allocator.GetStats().GetKeyValuePairs()) {
      try {
        out[key] = std::stoll(value);
      } catch (const std::exception&) {
        // a non-numeric figure: not a statistic we report
      }
    }
  } catch (const std::exception&) {
    out.clear();
  }
  return out;
}

void OrtRunner::Bind(const std::vector<HostTensor>& feeds) { impl_->bound = impl_->MakeValues(feeds); }

void OrtRunner::RunBound() {
  try {
    auto outs = impl_->session->Run(Ort::RunOptions{nullptr}, impl_->input_cstr.data(), impl_->bound.data(),
                                    impl_->bound.size(), impl_->output_cstr.data(), impl_->output_cstr.size());
    (void)outs;
  } catch (const Ort::Exception& e) {
    throw OrtFailure(e.what(), impl_->name);
  }
}

}  // namespace qbench
