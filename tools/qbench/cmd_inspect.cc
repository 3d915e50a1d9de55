// qbench inspect MODEL: describe a model (I/O, opset, ops, parameters, weight bytes, file size, MACs).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "flags.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/core/text.h"
#include "qbench/model/inspect.h"
#include "qbench/model/shapes.h"
#include "qbench/zoo/zoo.h"

namespace qbench::cli {
namespace {

struct InspectOptions {
  std::string model;
  ShapeFlags shape;
  std::string batch;
  bool batch_given = false;  // --batch on the command line: "" is then an error, not "unset"
  std::string json_path;
  bool per_node = false;
};

// 1234567 → "1,234,567"; negative values print as "unknown".
std::string Grouped(std::int64_t v) {
  if (v < 0) return "unknown";
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// 352029736 → "352.0 M"; for counts (MACs, params).
std::string Scaled(double v) {
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f} k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string Bytes(std::uint64_t b) {
  if (b >= (1ull << 20)) return fmt::format("{} bytes ({:.2f} MiB)", Grouped(static_cast<std::int64_t>(b)), b / 1048576.0);
  if (b >= 1024) return fmt::format("{} bytes ({:.1f} KiB)", Grouped(static_cast<std::int64_t>(b)), b / 1024.0);
  return fmt::format("{} bytes", b);
}

std::string Dims(const std::vector<std::int64_t>& shape, bool has_shape) {
  if (!has_shape) return "?";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s.empty() ? "scalar" : s;
}

// Shape as JSON: fixed dims as integers, symbolic ones as their name, unnamed dynamic ones as null.
nlohmann::json ShapeJson(const TensorInfo& t) {
  if (!t.has_shape) return nullptr;
  nlohmann::json a = nlohmann::json::array();
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (t.shape[i] >= 0)
      a.push_back(t.shape[i]);
    else if (i < t.dim_names.size() && !t.dim_names[i].empty())
      a.push_back(t.dim_names[i]);
    else
      a.push_back(nullptr);
  }
  return a;
}

nlohmann::json TensorsJson(const std::vector<TensorInfo>& file, const std::vector<TensorInfo>& used, const char* key) {
  nlohmann::json a = nlohmann::json::array();
  for (size_t i = 0; i < file.size(); ++i) {
    nlohmann::json t = {{"name", file[i].name}, {"type", file[i].type}, {"dtype", DTypeName(file[i].dtype)},
                        {"shape", ShapeJson(file[i])}};
    if (i < used.size()) t[key] = ShapeJson(used[i]);
    a.push_back(t);
  }
  return a;
}

nlohmann::json SummaryJson(const ModelSummary& s, const std::string& spec) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : s.nodes) {
    nlohmann::json j = {{"name", n.name}, {"op_type", n.op_type}, {"params", n.params}};
    j["macs"] = n.has_mac_formula && n.macs < 0 ? nlohmann::json(nullptr) : nlohmann::json(n.macs);
    TensorInfo out;
    out.shape = n.output_shape;
    out.has_shape = !n.output_shape.empty();
    j["output_shape"] = ShapeJson(out);
    if (!n.note.empty()) j["note"] = n.note;
    nodes.push_back(j);
  }
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& w : s.warnings) warnings.push_back({{"code", w.code}, {"message", w.message}});
  nlohmann::json opsets = nlohmann::json::object();
  for (const auto& kv : s.opset_imports) opsets[kv.first.empty() ? "ai.onnx" : kv.first] = kv.second;
  return {
      {"model", spec},
      {"path", s.path},
      {"graph_name", s.graph_name},
      {"ir_version", s.ir_version},
      {"opset", s.opset},
      {"opset_imports", opsets},
      {"producer_name", s.producer_name},
      {"producer_version", s.producer_version},
      {"metadata", s.metadata},
      {"inputs", TensorsJson(s.inputs, s.resolved_inputs, "resolved_shape")},
      {"outputs", TensorsJson(s.outputs, s.inferred_outputs, "inferred_shape")},
      {"node_count", s.node_count},
      {"op_histogram", s.op_histogram},
      {"initializer_count", s.initializer_count},
      {"constant_node_count", s.constant_node_count},
      {"params", s.params},
      {"params_by_dtype", s.params_by_dtype},
      {"weight_bytes", s.weight_bytes},
      {"weight_bytes_by_dtype", s.weight_bytes_by_dtype},
      {"file_size_bytes", s.file_size_bytes},
      {"disk_usage_bytes", s.disk_usage_bytes},
      {"serialized_size_bytes", s.serialized_size_bytes},
      {"external_data_files", s.external_data_files},
      {"macs", s.macs},
      {"macs_complete", s.macs_complete},
      {"macs_unknown_nodes", s.macs_unknown_nodes},
      {"macs_by_op_type", s.macs_by_op_type},
      {"nodes", nodes},
      {"warnings", warnings},
  };
}

void PrintTable(const ModelSummary& s, const std::string& spec, bool per_node, std::FILE* stream) {
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) { out += fmt::format("{:<14}{}\n", k, v); };
  line("model", spec);
  std::string producer = s.producer_name.empty() ? "-" : s.producer_name;
  if (!s.producer_version.empty()) producer += " " + s.producer_version;
  line("graph", fmt::format("{} (ir_version {}, opset {}, producer {})", s.graph_name.empty() ? "-" : s.graph_name,
                            s.ir_version, s.opset, producer));
  for (const auto& kv : s.opset_imports)
    if (!kv.first.empty()) line("opset import", fmt::format("{} {}", kv.first, kv.second));
  if (!s.path.empty()) {
    line("file size", Bytes(s.file_size_bytes) + (s.external_data_files.empty() ? "" : " incl. external data"));
    line("disk usage", Bytes(s.disk_usage_bytes));
    for (const auto& f : s.external_data_files) line("external data", f);
  } else {
    line("serialized", Bytes(s.serialized_size_bytes) + " (built in memory, no file)");
  }
  for (size_t i = 0; i < s.inputs.size(); ++i)
    line(i ? "" : "inputs", DescribeTensor(s.inputs[i]) + "  used: " +
                                Dims(s.resolved_inputs[i].shape, s.resolved_inputs[i].has_shape));
  for (size_t i = 0; i < s.outputs.size(); ++i)
    line(i ? "" : "outputs", DescribeTensor(s.outputs[i]) +
                                 (s.outputs[i].is_tensor ? "  inferred: " + Dims(s.inferred_outputs[i].shape,
                                                                                  s.inferred_outputs[i].has_shape)
                                                         : ""));
  std::vector<std::pair<std::int64_t, std::string>> hist;
  for (const auto& kv : s.op_histogram) hist.emplace_back(-kv.second, kv.first);
  std::sort(hist.begin(), hist.end());
  std::string h;
  for (const auto& kv : hist) h += fmt::format("{}{} x{}", h.empty() ? "" : ", ", kv.second, -kv.first);
  line("nodes", fmt::format("{} ({} initializers, {} Constant nodes)", s.node_count, s.initializer_count,
                            s.constant_node_count));
  line("ops", h);
  std::string pd;
  for (const auto& kv : s.params_by_dtype) pd += fmt::format("{}{} {}", pd.empty() ? "" : ", ", kv.first, Grouped(kv.second));
  line("params", fmt::format("{} ({}){}", Grouped(s.params), Scaled(static_cast<double>(s.params)),
                             pd.empty() ? "" : "  [" + pd + "]"));
  auto tv = s.metadata.find("torchvision_params");
  if (tv != s.metadata.end())
    line("", "torchvision counts " + Grouped(std::strtoll(tv->second.c_str(), nullptr, 10)) +
                 " (BatchNorm scale/shift unfolded)");
  std::string wb;
  for (const auto& kv : s.weight_bytes_by_dtype) wb += fmt::format("{}{} {}", wb.empty() ? "" : ", ", kv.first, Grouped(kv.second));
  line("weight bytes", fmt::format("{}{}", Grouped(s.weight_bytes), wb.empty() ? "" : "  [" + wb + "]"));
  line("MACs", fmt::format("{} ({}){}", Grouped(s.macs), Scaled(static_cast<double>(s.macs)),
                           s.macs_complete ? "" : fmt::format("  INCOMPLETE: {} node(s) unknown", s.macs_unknown_nodes)));
  for (const auto& kv : s.macs_by_op_type) line("", fmt::format("{:<22}{:>18}", kv.first, Grouped(kv.second)));
  if (per_node) {
    // Columns stay aligned: a longer name keeps its end (PyTorch's "/model/layer4/layer4.1/conv2/Conv"
    // differ there) and a space before the next column; --json keeps the full names.
    out += fmt::format("\n{:<5}{:<34}{:<20}{:<20}{:>16}{:>12}\n", "#", "node", "op", "output", "MACs", "params");
    for (size_t i = 0; i < s.nodes.size(); ++i) {
      const auto& n = s.nodes[i];
      out += fmt::format("{:<5}{:<34}{:<20}{:<20}{:>16}{:>12}\n", i, Abbreviate(n.name, 33, TextKeep::kEnd),
                         Abbreviate(n.op_type, 19, TextKeep::kEnd),
                         Dims(n.output_shape, !n.output_shape.empty()),
                         n.has_mac_formula ? Grouped(n.macs) : "-", n.params ? Grouped(n.params) : "-");
    }
  }
  std::fwrite(out.data(), 1, out.size(), stream);
}

void RunInspect(const InspectOptions& o) {
  ShapeOverrides overrides = ParseShapeFlags(o.shape);
  if (o.batch_given) ParseBatchFlag(o.batch, &overrides);
  CheckOutputs({{"--json", o.json_path}}, {{"the model", o.model}});  // before the model is read and counted
  Model model = LoadModelOrZoo(o.model);
  // A zoo model's H and W are dynamic; unless told otherwise, count it at its nominal input size.
  for (const auto& kv : ZooDefaultDims(model)) {
    if (overrides.dim_values.count(kv.first) || !overrides.input_shapes.empty()) continue;
    overrides.dim_values[kv.first] = kv.second;
    LogInfo(fmt::format("{}: {} = {} (the zoo's nominal input size; --dim {}=VALUE to change)", o.model, kv.first,
                        kv.second, kv.first));
  }
  ModelSummary s = InspectModel(model, overrides);
  WriteOutput(o.json_path, SummaryJson(s, o.model).dump(2) + "\n");
  PrintTable(s, o.model, o.per_node, TableStream(o.json_path));
  for (const auto& w : s.warnings) Log(LogLevel::kWarning, w.message);
}

void RegisterInspect(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Describe a model: inputs/outputs, opset, op histogram, parameters, "
                                            "weight bytes by dtype, file size, MACs per node");
  cmd->add_option("model", opts->model, "ONNX file, or zoo:NAME")->required();
  AddShapeFlags(cmd, &opts->shape, "");
  auto* batch = cmd->add_option("--batch", opts->batch, "Batch size for dim 0 of every input (default: 1 when dynamic)");
  AddJsonFlag(cmd, &opts->json_path, "the summary");
  cmd->add_flag("--per-node", opts->per_node, "Print MACs, parameters and output shape of every node");
  cmd->callback([opts, batch] {
    opts->batch_given = batch->count() > 0;
    RunInspect(*opts);
  });
}

}  // namespace

QBENCH_REGISTER_COMMAND(10, RegisterInspect);

}  // namespace qbench::cli
