// Node placement from ONNX Runtime's profiler (qbench/runtime/placement.h).
#include "qbench/runtime/placement.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>
#include <type_traits>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/json_fields.h"

namespace qbench {
namespace {

bool IsComputeOp(const std::string& op) {
  static const std::set<std::string> kOps = {
      "Conv", "FusedConv", "NhwcFusedConv", "ConvTranspose", "QLinearConv", "ConvInteger", "NchwcConv",
      "Gemm", "FusedGemm", "QGemm", "MatMul", "FusedMatMul", "MatMulInteger", "QLinearMatMul",
      "DynamicQuantizeMatMul", "MatMulIntegerToFloat", "MatMulNBits", "Attention", "QAttention",
      "MultiHeadAttention", "LSTM", "GRU", "RNN", "DynamicQuantizeLSTM"};
  return kOps.count(op) > 0;
}

}  // namespace

namespace {

// qbench's short provider names and ONNX Runtime's names for them: the one table both directions read.
struct ProviderName {
  const char* short_name;
  const char* ort_name;
};
constexpr ProviderName kProviders[] = {
    {"cpu", "CPUExecutionProvider"},           {"cuda", "CUDAExecutionProvider"},
    {"tensorrt", "TensorrtExecutionProvider"}, {"openvino", "OpenVINOExecutionProvider"},
    {"dnnl", "DnnlExecutionProvider"},         {"rocm", "ROCMExecutionProvider"},
    {"migraphx", "MIGraphXExecutionProvider"}, {"coreml", "CoreMLExecutionProvider"},
    {"xnnpack", "XnnpackExecutionProvider"},   {"qnn", "QNNExecutionProvider"},
    {"webgpu", "WebGpuExecutionProvider"},     {"dml", "DmlExecutionProvider"},
    {"nnapi", "NnapiExecutionProvider"},       {"acl", "ACLExecutionProvider"},
    {"armnn", "ArmNNExecutionProvider"}};

}  // namespace

std::string OrtProviderName(const std::string& s) {
  for (const auto& p : kProviders)
    if (s == p.short_name) return p.ort_name;
  std::string n = s;
  if (!n.empty()) n[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[0])));
  return n + "ExecutionProvider";
}

std::string ShortProviderName(const std::string& ort_name) {
  for (const auto& p : kProviders)
    if (ort_name == p.ort_name) return p.short_name;
  return ort_name;
}

NodePlacement ParseNodePlacement(const std::string& profile_json, const std::string& requested, const std::string& name) {
  const auto events = nlohmann::json::parse(profile_json, nullptr, false);
  if (!events.is_array())
    throw Error(ErrorCode::kInvalidInput, "ONNX Runtime profile '" + name + "' is not a JSON array of events");
  NodePlacement p;
  p.requested = requested;
  const std::string cpu = OrtProviderName("cpu");
  std::set<std::string> seen;
  for (const auto& e : events) {
    if (!e.is_object() || e.value("cat", "") != "Node" || !e.contains("args") || !e["args"].is_object()) continue;
    const auto& a = e["args"];
    const std::string provider = a.value("provider", "");
    if (provider.empty()) continue;
    std::string node = e.value("name", "");
    const std::string suffix = "_kernel_time";
    if (node.size() > suffix.size() && node.compare(node.size() - suffix.size(), suffix.size(), suffix) == 0)
      node.resize(node.size() - suffix.size());
    if (!seen.insert(node).second) continue;
    ++p.nodes_by_provider[provider];
    ++p.total_nodes;
    const std::string op = a.value("op_name", "");
    if (requested != "cpu" && provider == cpu && IsComputeOp(op)) p.cpu_compute_nodes.push_back(node + " (" + op + ")");
  }
  p.fallback = !p.cpu_compute_nodes.empty();
  p.cpu_compute_node_count = static_cast<int>(p.cpu_compute_nodes.size());
  return p;
}

NodePlacement MeasureNodePlacement(const Model& model, SessionConfig config, const std::vector<HostTensor>& feeds,
                                   const std::string& scratch_dir) {
  config.profile_prefix = scratch_dir + "/ort_placement";
  auto runner = OrtRunner::Create(model, config);
  runner->Run(feeds);
  const std::string path = runner->EndProfiling();
  const std::string text = ReadFileBytes(path);
  std::remove(path.c_str());
  return ParseNodePlacement(text, config.execution_provider, path);
}

namespace {

// The field list (core/json_fields.h), walked by to_json and from_json. "cpu_compute_nodes" keeps
// the first kPlacementNodesKept names; "cpu_compute_node_count" counts them all.
template <typename F, typename R>
void Fields(const F& f, R& r, const NodePlacement*) {
  QBENCH_JSON_FIELDS(requested, nodes_by_provider, total_nodes, fallback, cpu_compute_node_count)
  std::vector<std::string> first(r.cpu_compute_nodes.begin(),
                                 r.cpu_compute_nodes.begin() + std::min(kPlacementNodesKept, r.cpu_compute_nodes.size()));
  f("cpu_compute_nodes", first);
  if constexpr (!std::is_const_v<R>) r.cpu_compute_nodes = std::move(first);
}

}  // namespace

void to_json(nlohmann::json& j, const NodePlacement& p) {
  j = nlohmann::json::object();
  Fields(json_fields::JsonWriter{j}, p, &p);
}

void from_json(const nlohmann::json& j, NodePlacement& p) {
  p = NodePlacement();
  if (j.is_object()) Fields(json_fields::JsonReader{j}, p, &p);
}

std::string DescribePlacement(const NodePlacement& p) {
  const std::string want = OrtProviderName(p.requested.empty() ? "cpu" : p.requested);
  const std::string total = std::to_string(p.total_nodes);
  if (p.nodes_by_provider.size() == 1 && p.nodes_by_provider.count(want)) return "all " + total + " nodes on " + want;
  std::string parts;
  for (const auto& [provider, n] : p.nodes_by_provider)
    parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " of " + total + " nodes on " + provider;
  if (!p.fallback) return parts;
  const std::string first = p.cpu_compute_nodes.empty() ? std::string() : p.cpu_compute_nodes[0];
  return parts + "; " + std::to_string(p.cpu_compute_node_count) + " compute node(s) left on the CPU (first: " + first +
         "): ONNX Runtime fell back to the CPU for them, so this variant measures the CPU as much as " + want;
}

}  // namespace qbench
