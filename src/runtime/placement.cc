// Node placement from ONNX Runtime's profiler (qbench/runtime/placement.h).
#include "qbench/runtime/placement.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"

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

nlohmann::json PlacementToJson(const NodePlacement& p) {
  nlohmann::json j{{"requested", p.requested},
                   {"nodes_by_provider", p.nodes_by_provider},
                   {"total_nodes", p.total_nodes},
                   {"fallback", p.fallback},
                   {"cpu_compute_node_count", p.cpu_compute_nodes.size()}};
  std::vector<std::string> first(p.cpu_compute_nodes.begin(),
                                 p.cpu_compute_nodes.begin() + std::min<std::size_t>(20, p.cpu_compute_nodes.size()));
  j["cpu_compute_nodes"] = first;
  return j;
}

std::string DescribePlacement(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("nodes_by_provider")) return "";
  const int total = j.value("total_nodes", 0);
  const std::string want = OrtProviderName(j.value("requested", "cpu"));
  const auto& by = j["nodes_by_provider"];
  if (by.size() == 1 && by.contains(want)) return "all " + std::to_string(total) + " nodes on " + want;
  std::string parts;
  for (const auto& [provider, n] : by.items())
    parts += (parts.empty() ? "" : ", ") + std::to_string(n.get<int>()) + " of " + std::to_string(total) + " nodes on " + provider;
  if (!j.value("fallback", false)) return parts;
  const auto& nodes = j["cpu_compute_nodes"];
  std::string first = nodes.empty() ? std::string() : nodes[0].get<std::string>();
  return parts + "; " + std::to_string(j.value("cpu_compute_node_count", 0)) + " compute node(s) left on the CPU (first: " +
         first + "): ONNX Runtime fell back to the CPU for them, so this variant measures the CPU as much as " + want;
}

}  // namespace qbench
