// CalibrateModel: stream calibration batches through an ORT session whose outputs include the
// requested activations, collecting ranges without keeping the activations (see calibrator.h).
#include <fmt/format.h>
#include <onnx/shape_inference/implementation.h>

#include <chrono>
#include <cstring>
#include <set>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

constexpr std::size_t kLogEveryBatches = 10;

// IEEE half → float (handles subnormals, Inf, NaN).
float HalfToFloat(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t mant = h & 0x3FFu;
  std::uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400u)) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3FFu) << 13);
    }
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

bool IsCalibratable(DType t) { return t == DType::kFloat32 || t == DType::kFloat16; }

void CollectTensor(Calibrator& calibrator, const std::string& name, const HostTensor& t) {
  const auto n = static_cast<std::size_t>(t.num_elements());
  if (t.dtype == DType::kFloat32) {
    calibrator.Collect(name, t.data<float>(), n);
  } else if (t.dtype == DType::kFloat16) {
    std::vector<float> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = HalfToFloat(t.data<std::uint16_t>()[i]);
    calibrator.Collect(name, values.data(), n);
  } else {
    throw Error(ErrorCode::kInvalidArgument, "tensor '" + name + "' is " + DTypeName(t.dtype) +
                                                 "; only float32/float16 tensors are calibrated");
  }
}

// Element type of every named value the graph declares (inputs, outputs, value_info).
std::map<std::string, std::int32_t> DeclaredTypes(const onnx::GraphProto& g) {
  std::map<std::string, std::int32_t> types;
  auto add = [&](const onnx::ValueInfoProto& vi) {
    if (vi.type().has_tensor_type() && vi.type().tensor_type().elem_type() != 0)
      types[vi.name()] = vi.type().tensor_type().elem_type();
  };
  for (const auto& vi : g.input()) add(vi);
  for (const auto& vi : g.output()) add(vi);
  for (const auto& vi : g.value_info()) add(vi);
  return types;
}

std::string ModelName(const Model& m) { return m.path.empty() ? std::string("<in-memory model>") : m.path; }

// Names written by nodes inside the subgraphs (If branches, Loop/Scan bodies) of `g`, recursively.
void CollectSubgraphOutputs(const onnx::GraphProto& g, bool top, std::set<std::string>* out) {
  for (const auto& node : g.node()) {
    if (!top)
      for (const auto& o : node.output())
        if (!o.empty()) out->insert(o);
    for (const auto& a : node.attribute()) {
      if (a.has_g()) CollectSubgraphOutputs(a.g(), false, out);
      for (const auto& sub : a.graphs()) CollectSubgraphOutputs(sub, false, out);
    }
  }
}

// Feeds every batch to several calibrators (one pass over the data for several methods).
class FanOutCalibrator : public Calibrator {
 public:
  void Collect(const std::string& name, const float* values, std::size_t n) override {
    for (auto& p : parts) p->Collect(name, values, n);
  }
  CalibrationTable ComputeRanges() const override { return parts.front()->ComputeRanges(); }
  std::vector<std::unique_ptr<Calibrator>> parts;
};

}  // namespace

CalibrationTable CalibrateModel(const Model& model, const std::vector<std::string>& tensor_names,
                                CalibrationDataReader& reader, const CalibrationOptions& options, int intra_op_threads,
                                const CalibrationProgress& progress) {
  return CalibrateModelMethods(model, tensor_names, reader, {options}, intra_op_threads, progress).front();
}

std::vector<CalibrationTable> CalibrateModelMethods(const Model& model, const std::vector<std::string>& tensor_names,
                                                    CalibrationDataReader& reader,
                                                    const std::vector<CalibrationOptions>& methods,
                                                    int intra_op_threads, const CalibrationProgress& progress) {
  if (methods.empty()) throw Error(ErrorCode::kInvalidArgument, "calibration: no method given");
  FanOutCalibrator fan;
  for (const auto& m : methods) fan.parts.push_back(MakeCalibrator(m));
  Calibrator* calibrator = &fan;
  const auto& graph = model.proto.graph();
  const auto inputs = model.Inputs();

  std::map<std::string, std::size_t> input_index;
  for (std::size_t i = 0; i < inputs.size(); ++i) input_index[inputs[i].name] = i;
  std::set<std::string> produced;
  for (const auto& node : graph.node())
    for (const auto& out : node.output())
      if (!out.empty()) produced.insert(out);
  std::map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& init : graph.initializer()) initializers[init.name()] = &init;

  std::set<std::string> in_subgraphs;
  CollectSubgraphOutputs(graph, true, &in_subgraphs);

  std::vector<std::pair<std::string, std::size_t>> from_feeds;  // (name, input index)
  std::vector<std::string> as_outputs;
  std::vector<std::string> unobservable;  // written only inside a subgraph: no range (empty)
  std::set<std::string> seen;
  for (const auto& name : tensor_names) {
    if (!seen.insert(name).second) continue;
    if (auto it = input_index.find(name); it != input_index.end()) {
      from_feeds.emplace_back(name, it->second);
    } else if (produced.count(name)) {
      as_outputs.push_back(name);
    } else if (auto init = initializers.find(name); init != initializers.end()) {
      CollectTensor(*calibrator, name, TensorFromProto(*init->second));  // constant: one pass is enough
    } else if (in_subgraphs.count(name)) {
      unobservable.push_back(name);
    } else {
      throw Error(ErrorCode::kNotFound, "tensor '" + name + "' to calibrate is not a graph input, an initializer or "
                                                            "a node output of '" + ModelName(model) + "'");
    }
  }
  for (const auto& [name, index] : from_feeds)
    if (inputs[index].dtype != DType::kUndefined && !IsCalibratable(inputs[index].dtype))
      throw Error(ErrorCode::kInvalidArgument, "graph input '" + name + "' is " + DTypeName(inputs[index].dtype) +
                                                   "; only float32/float16 tensors are calibrated");

  // The augmented copy: the requested activations become the graph's only outputs.
  std::unique_ptr<OrtRunner> runner;
  if (!as_outputs.empty()) {
    Model augmented = model;
    auto* g = augmented.proto.mutable_graph();
    auto types = DeclaredTypes(*g);
    bool missing = false;
    for (const auto& name : as_outputs) missing = missing || !types.count(name);
    if (missing) {  // ONNX shape inference types the intermediate tensors the file does not declare
      try {
        onnx::ShapeInferenceOptions si;
        si.check_type = false;
        si.error_mode = 0;
        onnx::shape_inference::InferShapes(augmented.proto, onnx::OpSchemaRegistry::Instance(), si);
      } catch (const std::exception& e) {
        LogDebug(std::string("calibration: ONNX shape inference failed: ") + e.what());
      }
      types = DeclaredTypes(*g);
    }
    g->clear_output();
    for (const auto& name : as_outputs) {
      auto it = types.find(name);
      if (it == types.end())
        throw Error(ErrorCode::kUnsupported, "cannot tell the element type of tensor '" + name + "' in '" +
                                                 ModelName(model) + "' (ONNX shape inference does not type it)");
      if (!IsCalibratable(ToDType(it->second)))
        throw Error(ErrorCode::kInvalidArgument, "tensor '" + name + "' is " + DTypeName(ToDType(it->second)) +
                                                     "; only float32/float16 tensors are calibrated");
      auto* out = g->add_output();
      out->set_name(name);
      out->mutable_type()->mutable_tensor_type()->set_elem_type(it->second);
    }
    SessionConfig config;
    config.intra_op_threads = intra_op_threads;
    config.graph_optimization = "disable";  // keep every intermediate tensor of the file
    runner = OrtRunner::Create(augmented, config);
  }  // the augmented copy is freed here; ORT keeps its own

  std::vector<std::string> output_names;
  if (runner)
    for (const auto& info : runner->outputs()) output_names.push_back(info.name);

  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::size_t batches = 0, samples = 0;
  std::vector<HostTensor> feeds;
  std::string method_names;
  for (const auto& m : methods) method_names += (method_names.empty() ? "" : "+") + std::string(CalibrationMethodName(m.method));
  LogInfo("calibration: " + method_names + " over " +
          std::to_string(seen.size()) + " tensors, data: " + reader.Describe());
  while (reader.Next(&feeds)) {
    ThrowIfCancelled("calibrating");
    for (const auto& [name, index] : from_feeds) CollectTensor(*calibrator, name, feeds.at(index));
    if (runner) {
      std::vector<HostTensor> outs;
      try {
        outs = runner->Run(feeds);
      } catch (const Error& e) {
        throw Error(ErrorCode::kRuntime, "calibration batch " + std::to_string(batches + 1) + " (" +
                                             reader.Describe() + ") failed: " + e.what());
      }
      for (std::size_t k = 0; k < outs.size(); ++k) CollectTensor(*calibrator, output_names[k], outs[k]);
    }  // this batch's activations are dropped here
    ++batches;
    samples += (!feeds.empty() && !feeds[0].shape.empty()) ? static_cast<std::size_t>(feeds[0].shape[0]) : 1;
    if (progress) progress(batches, samples);
    if (batches % kLogEveryBatches == 0)
      LogInfo(fmt::format("calibration: {} batches ({} samples), {:.1f} s", batches, samples, elapsed_s()));
  }
  if (batches == 0)
    throw Error(ErrorCode::kInvalidArgument, "calibration data gave no samples: " + reader.Describe());
  std::vector<CalibrationTable> tables;
  for (const auto& part : fan.parts) {
    tables.push_back(part->ComputeRanges());
    for (const auto& name : unobservable) {
      TensorRange none;
      none.empty = true;
      tables.back()[name] = none;
    }
  }
  const CalibrationTable& table = tables.front();
  if (!unobservable.empty())
    LogInfo(fmt::format("calibration: {} tensor(s) inside If/Loop/Scan bodies cannot be observed (no range), e.g. '{}'",
                        unobservable.size(), unobservable.front()));
  LogInfo(fmt::format("calibration: done, {} batches ({} samples), {} tensor ranges in {:.1f} s", batches, samples,
                      table.size(), elapsed_s()));
  return tables;
}

}  // namespace qbench
