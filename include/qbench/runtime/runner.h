// qbench/runtime/runner.h — running a model: the Runner interface and its ONNX Runtime implementation.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/model/model.h"

namespace qbench {

/// How an ONNX Runtime session is built.
struct SessionConfig {
  int intra_op_threads = 0;        ///< 0 = ORT's default (one per physical core)
  int inter_op_threads = 0;        ///< 0 = ORT's default
  std::string graph_optimization = "all";  ///< one of: disable, basic, extended, all
  std::string execution_provider = "cpu";  ///< see AvailableExecutionProviders()
  bool allow_spinning = true;      ///< intra-op spin-wait; turn off when sessions are interleaved
  /// Run on ONNX Runtime's global intra-op pool of intra_op_threads threads (UseGlobalThreadPool in
  /// ort_env.h) instead of a pool of its own; allow_spinning then does not apply (the global pool spins).
  bool global_thread_pool = false;
  std::string optimized_model_path;  ///< when set, ORT writes the graph it optimised here
  /// When set, ORT's profiler records every node run into a JSON file whose name starts with this
  /// path prefix; OrtRunner::EndProfiling() closes it and returns its path.
  std::string profile_prefix;
};

/// The graph-optimization names accepted by SessionConfig (and `--graph-optimization`).
const std::vector<std::string>& GraphOptimizationLevels();

/// Execution providers compiled into the loaded ONNX Runtime library (Ort::GetAvailableProviders),
/// in qbench's lower-case short names ("cpu", "cuda", "tensorrt", "openvino", "xnnpack", ...).
/// Compiled in is not usable: a provider's shared library, driver or device may be missing (the
/// onnxruntime-node build lists tensorrt, cuda and webgpu without shipping their libraries). For
/// what can really be enabled, see UsableExecutionProviders(). Cheap; never throws.
std::vector<std::string> AvailableExecutionProviders();

/// The providers that can really be enabled here: "cpu" first, then each compiled-in provider for
/// which appending it (default options) and creating a session for a one-node Identity model works.
/// Probed once, on the first call (a failed probe costs a dlopen; a working GPU provider, one
/// device initialisation), and cached for the process. Never throws.
std::vector<std::string> UsableExecutionProviders();

/// Checks that `provider` (a short name) can be enabled; "cpu" always can, without a probe.
/// Throws Error(kInvalidArgument) when it is not compiled in ("... is not compiled into this ONNX
/// Runtime (VERSION); usable: cpu (compiled in: ...)"), or when it is compiled in but cannot be
/// enabled ("execution provider 'cuda' is compiled into this ONNX Runtime but cannot be enabled here
/// (<ORT's reason, shortened>); usable: cpu").
void CheckExecutionProvider(const std::string& provider);

/// ONNX Runtime's message reduced to its text: without ANSI colour codes, source locations
/// ("/onnxruntime_src/onnxruntime/core/x.cc:123"), C++ signatures, the "[ONNXRuntimeError] : 1 :
/// FAIL :" prefix and ORT's own log prefix ("2026-... [E:onnxruntime:qbench, file.cc:1 Fn]");
/// the first line only (further lines joined when they continue a sentence), at most 300 characters.
std::string StripOrtDecorations(const std::string& raw);

/// One line a user can act on for an ONNX Runtime failure with model `file` (a path, or
/// "<in-memory model>"): what ORT refused, the node when the message names one, and the fix. The
/// known classes (docs/errors.md has the table): an operator ORT does not know, an operator without a
/// kernel for the types used, a type or shape that does not fit a node, an input fed with the wrong
/// shape or dtype, an opset or IR version newer than this ORT, a node that failed while running, a
/// file that is not an ONNX model, an invalid graph. Anything else: StripOrtDecorations(raw).
/// The raw text is logged at debug level (--verbose) by the callers (OrtRunner).
std::string DescribeOrtError(const std::string& raw, const std::string& file);

/// Version string of the loaded ONNX Runtime library, e.g. "1.30.0".
std::string OrtVersion();

/// Runs a model on host tensors. Implementations: OrtRunner (real) and fakes in tests.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual const std::vector<TensorInfo>& inputs() const = 0;
  virtual const std::vector<TensorInfo>& outputs() const = 0;
  /// Runs once. `feeds` are in inputs() order; returns every output in outputs() order.
  /// Throws Error(kInvalidArgument) for a wrong feed count/dtype and Error(kRuntime) when the engine fails.
  virtual std::vector<HostTensor> Run(const std::vector<HostTensor>& feeds) = 0;
};

/// An ONNX Runtime inference session.
class OrtRunner : public Runner {
 public:
  /// Creates a session from model bytes (so an in-memory edit needs no temporary file).
  /// `name` is used in messages. Throws Error(kInvalidArgument) for an unknown optimization level
  /// (listing the choices) or a provider that CheckExecutionProvider rejects, Error(kRuntime) when
  /// ORT refuses the model, or when config.global_thread_pool asks for a global pool of another size
  /// than the environment's while other sessions exist (UseGlobalThreadPool).
  static std::unique_ptr<OrtRunner> Create(const Model& model, const SessionConfig& config);
  ~OrtRunner() override;

  const std::vector<TensorInfo>& inputs() const override;
  const std::vector<TensorInfo>& outputs() const override;
  std::vector<HostTensor> Run(const std::vector<HostTensor>& feeds) override;

  /// Binds feeds once (no copy: the tensors must outlive the binding) so that RunBound() measures
  /// only the engine. Output buffers are allocated by ORT on each run, as in a plain Session::Run.
  void Bind(const std::vector<HostTensor>& feeds);
  /// Runs with the bound feeds and discards the outputs. Throws Error(kRuntime).
  void RunBound();

  /// Ends ORT's profiling (SessionConfig::profile_prefix) and returns the path of the JSON file it
  /// wrote (chrome tracing events; lab/op_profile.h reads it). Throws Error(kInvalidArgument) when the
  /// session was created without profiling, Error(kRuntime) when ORT fails.
  std::string EndProfiling();

  /// The SessionConfig the session was created with.
  const SessionConfig& config() const;

  /// Wall time spent creating the session, in milliseconds.
  double session_create_ms() const;

  /// Statistics of the session's CPU arena allocator (ONNX Runtime's BFC arena, AllocatorGetStats):
  /// byte and count figures by ORT's key, e.g. "InUse", "MaxInUse" (the arena's peak in use, bytes:
  /// activations and workspaces of the runs so far), "TotalAllocated" (bytes reserved from the
  /// system), "NumAllocs". Empty when the allocator keeps no statistics (arena disabled, other
  /// providers). Never throws.
  std::map<std::string, std::int64_t> AllocatorStats() const;

 private:
  struct Impl;
  explicit OrtRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qbench
