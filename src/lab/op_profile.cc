#include "qbench/lab/op_profile.h"

#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"

namespace qbench {
namespace {

using nlohmann::json;

std::int64_t ToInt(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) {
    try {
      return std::stoll(v.get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

std::vector<std::vector<std::int64_t>> Shapes(const json& args, const char* key) {
  std::vector<std::vector<std::int64_t>> out;
  auto it = args.find(key);
  if (it == args.end() || !it->is_array()) return out;
  for (const auto& entry : *it) {
    std::vector<std::int64_t> shape;
    if (entry.is_object() && !entry.empty()) {
      const json& dims = entry.begin().value();  // {"float": [1,3,224,224]}
      if (dims.is_array())
        for (const auto& d : dims) shape.push_back(d.is_number() ? d.get<std::int64_t>() : -1);
    }
    out.push_back(shape);
  }
  return out;
}

std::int64_t Elements(const std::vector<std::int64_t>& s) {
  if (s.empty()) return 0;
  std::int64_t n = 1;
  for (auto d : s) {
    if (d < 0) return 0;
    n *= d;
  }
  return n;
}

bool IsConv(const std::string& op) {
  return op == "Conv" || op == "FusedConv" || op == "NchwcConv" || op == "ConvInteger" || op == "QLinearConv";
}

// Index of the weight input of a convolution.
std::size_t ConvWeightIndex(const std::string& op) { return op == "QLinearConv" ? 3 : 1; }

// Output channels of a convolution: from the blocked NCHWc output [N, C/8, H, W, 8] when ORT ran the
// NCHWc layout, else from the weight [C_out, C_in/group, kh, kw] (valid for NCHW and for the NHWC
// layout ORT uses for QLinearConv), else from an NCHW output.
std::int64_t OutputChannels(const std::vector<std::int64_t>& y, const std::vector<std::int64_t>& w) {
  if (y.size() == 5) return y[1] * y[4];
  if (w.size() == 4 && w[0] > 0) return w[0];
  if (y.size() >= 2) return y[1];
  return 0;
}

}  // namespace

std::vector<ProfiledNode> ParseOrtProfile(const std::string& json_text, const std::string& name) {
  json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    throw Error(ErrorCode::kInvalidInput, "ONNX Runtime profile '" + name + "' is not a JSON array of events");
  std::vector<ProfiledNode> out;
  static const std::string kSuffix = "_kernel_time";
  for (const auto& e : j) {
    if (!e.is_object() || e.value("cat", "") != "Node") continue;
    const std::string ev = e.value("name", "");
    if (ev.size() <= kSuffix.size() || ev.compare(ev.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) continue;
    ProfiledNode n;
    n.node = ev.substr(0, ev.size() - kSuffix.size());
    n.duration_us = e.contains("dur") && e["dur"].is_number() ? e["dur"].get<double>() : 0;
    if (e.contains("args") && e["args"].is_object()) {
      const json& a = e["args"];
      n.op_type = a.value("op_name", "");
      if (a.contains("activation_size")) n.activation_bytes = ToInt(a["activation_size"]);
      if (a.contains("parameter_size")) n.parameter_bytes = ToInt(a["parameter_size"]);
      if (a.contains("output_size")) n.output_bytes = ToInt(a["output_size"]);
      n.input_shapes = Shapes(a, "input_type_shape");
      n.output_shapes = Shapes(a, "output_type_shape");
    }
    out.push_back(std::move(n));
  }
  return out;
}

std::int64_t ProfiledNodeMacs(const ProfiledNode& n) {
  if (n.output_shapes.empty()) return 0;
  const auto& y = n.output_shapes[0];
  const std::int64_t ey = Elements(y);
  if (IsConv(n.op_type)) {
    const std::size_t wi = ConvWeightIndex(n.op_type);
    if (n.input_shapes.size() <= wi) return 0;
    const std::int64_t co = OutputChannels(y, n.input_shapes[wi]);
    return co > 0 ? ey * (Elements(n.input_shapes[wi]) / co) : 0;
  }
  if (n.op_type == "Gemm" || n.op_type == "FusedGemm" || n.op_type == "QGemm") {
    if (n.input_shapes.empty() || y.empty() || y[0] <= 0) return 0;
    return ey * (Elements(n.input_shapes[0]) / y[0]);
  }
  static const std::set<std::string> kMatMul = {"MatMul", "FusedMatMul", "MatMulInteger", "QLinearMatMul",
                                                "DynamicQuantizeMatMul", "MatMulIntegerToFloat"};
  if (kMatMul.count(n.op_type)) {
    if (n.input_shapes.empty() || n.input_shapes[0].empty()) return 0;
    const std::int64_t k = n.input_shapes[0].back();
    return k > 0 ? ey * k : 0;
  }
  return 0;
}

bool IsDepthwiseConv(const ProfiledNode& n) {
  if (!IsConv(n.op_type) || n.output_shapes.empty() || n.input_shapes.empty()) return false;
  const std::size_t wi = ConvWeightIndex(n.op_type);
  if (n.input_shapes.size() <= wi) return false;
  const auto& w = n.input_shapes[wi];
  const auto& x = n.input_shapes[0];
  const std::int64_t co = OutputChannels(n.output_shapes[0], w);
  if (co <= 1 || w.size() < 4 || x.size() < 2) return false;
  // One input channel per group: elements(W) / C_out is the kernel area (W's dims 2 and 3 in the
  // OIHW and the blocked layouts), and the input has as many channels as the output (NCHW: dim 1,
  // NHWC: last dim, NCHWc: dims 1 × 4).
  const std::int64_t area = w[2] * w[3];
  const std::int64_t cin = x.size() == 5 ? x[1] * x[4] : (x[1] == co ? x[1] : x.back());
  return cin == co && Elements(w) / co == area;
}

std::vector<OpTypeProfile> AggregateProfile(const std::vector<ProfiledNode>& nodes, int runs) {
  const double r = std::max(runs, 1);
  std::map<std::string, OpTypeProfile> by_type;
  std::map<std::string, std::set<std::string>> node_names;
  for (const auto& n : nodes) {
    const std::string type = n.op_type + (IsDepthwiseConv(n) ? " (depthwise)" : "");
    auto& p = by_type[type];
    p.op_type = type;
    p.time_ms += n.duration_us / 1000.0 / r;
    p.macs += ProfiledNodeMacs(n);
    p.bytes += n.activation_bytes + n.parameter_bytes + n.output_bytes;
    node_names[type].insert(n.node);
  }
  std::vector<OpTypeProfile> out;
  for (auto& [type, p] : by_type) {
    p.nodes = static_cast<std::int64_t>(node_names[type].size());
    p.macs = static_cast<std::int64_t>(static_cast<double>(p.macs) / r);
    p.bytes = static_cast<std::int64_t>(static_cast<double>(p.bytes) / r);
    out.push_back(p);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.time_ms > b.time_ms; });
  return out;
}

OpProfileRecord ProfileModelOps(const Model& model, const std::vector<HostTensor>& feeds, int threads, int warmup_runs,
                                int runs, const std::string& scratch_dir) {
  OpProfileRecord rec;
  rec.threads = threads;
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "qbench-profile");
  Ort::SessionOptions opts;
  if (threads > 0) opts.SetIntraOpNumThreads(threads);
  opts.SetGraphOptimizationLevel(ORT_ENABLE_ALL);
  opts.AddConfigEntry("session.intra_op.allow_spinning", "0");
  const std::string prefix = scratch_dir + "/ort_profile";
  opts.EnableProfiling(prefix.c_str());
  Model copy;
  const Model* m = &model;
  if (HasExternalData(model)) {
    copy = model;
    InlineExternalData(copy);
    m = &copy;
  }
  const std::string bytes = SerializeModel(*m);
  std::string profile_path;
  std::vector<ProfiledNode> nodes;
  try {
    Ort::Session session(env, bytes.data(), bytes.size(), opts);
    Ort::AllocatorWithDefaultOptions alloc;
    std::vector<std::string> in_names, out_names;
    for (std::size_t i = 0; i < session.GetInputCount(); ++i) in_names.push_back(session.GetInputNameAllocated(i, alloc).get());
    for (std::size_t i = 0; i < session.GetOutputCount(); ++i) out_names.push_back(session.GetOutputNameAllocated(i, alloc).get());
    if (in_names.size() != feeds.size())
      throw Error(ErrorCode::kInvalidArgument, "profiling: the model takes " + std::to_string(in_names.size()) + " inputs, got " +
                                                   std::to_string(feeds.size()));
    std::vector<const char*> in_c, out_c;
    for (auto& s : in_names) in_c.push_back(s.c_str());
    for (auto& s : out_names) out_c.push_back(s.c_str());
    auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    std::vector<Ort::Value> values;
    for (const auto& f : feeds)
      values.push_back(Ort::Value::CreateTensor(mem, const_cast<std::uint8_t*>(f.bytes.data()), f.bytes.size(), f.shape.data(),
                                                f.shape.size(), static_cast<ONNXTensorElementDataType>(f.dtype)));
    for (int i = 0; i < warmup_runs + runs; ++i)
      session.Run(Ort::RunOptions{nullptr}, in_c.data(), values.data(), values.size(), out_c.data(), out_c.size());
    profile_path = session.EndProfilingAllocated(alloc).get();
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kRuntime, std::string("ONNX Runtime failed while profiling: ") + e.what());
  }
  const std::string text = ReadFileBytes(profile_path);
  std::remove(profile_path.c_str());
  nodes = ParseOrtProfile(text, profile_path);
  // Drop each node's first warmup_runs executions.
  std::map<std::string, int> seen;
  std::vector<ProfiledNode> kept;
  for (auto& n : nodes)
    if (++seen[n.node] > warmup_runs) kept.push_back(std::move(n));
  rec.op_types = AggregateProfile(kept, runs);
  for (const auto& o : rec.op_types) rec.total_ms += o.time_ms;
  rec.ok = true;
  return rec;
}

}  // namespace qbench
