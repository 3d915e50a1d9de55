// Runtime coverage: what ONNX Runtime actually runs in int8 after its graph optimizations, and
// the coverage report as text and JSON.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "qbench/core/error.h"
#include "qbench/core/json_fields.h"
#include "qbench/quantization/quantize_report_json.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/core/table.h"
#include "qbench/model/macs.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {


std::string TempModelPath() {
  static std::atomic<int> counter{0};
  return (std::filesystem::temp_directory_path() /
          ("qbench_optimized_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".onnx")).string();
}

std::string HumanBytes(std::uint64_t b) {
  char buf[32];
  if (b >= 1000000) std::snprintf(buf, sizeof buf, "%.2f MB", b / 1e6);
  else if (b >= 1000) std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  return buf;
}

std::string HumanMacs(std::int64_t m) {
  char buf[32];
  if (m >= 1000000000) std::snprintf(buf, sizeof buf, "%.2f G", m / 1e9);
  else if (m >= 1000000) std::snprintf(buf, sizeof buf, "%.2f M", m / 1e6);
  else if (m >= 1000) std::snprintf(buf, sizeof buf, "%.1f k", m / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(m));
  return buf;
}

// Shapes across the Casts ONNX Runtime inserts (float16 ↔ float32 around ops its provider has no
// float16 kernel for): a Cast keeps its input's shape, so a value on one side of it known gives the
// other. Its new values have no shape in the saved graph; without this the MAC-bearing node between
// two Casts is "unknown". Repeated until nothing changes (chains of Casts).
void ShapesAcrossCasts(const onnx::GraphProto& g, ValueShapes* shapes) {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& n : g.node()) {
      if (n.op_type() != "Cast" || n.input_size() < 1 || n.output_size() < 1) continue;
      const bool in = shapes->count(n.input(0)) > 0, out = shapes->count(n.output(0)) > 0;
      if (in && !out) (*shapes)[n.output(0)] = shapes->at(n.input(0)), changed = true;
      else if (out && !in) (*shapes)[n.input(0)] = shapes->at(n.output(0)), changed = true;
    }
  }
}

// Element types of the optimized graph's values: inputs, outputs, value_info, initializers and the
// `to` of each Cast (ONNX TensorProto data types).
std::unordered_map<std::string, int> ValueTypes(const onnx::GraphProto& g) {
  std::unordered_map<std::string, int> t;
  for (const auto* list : {&g.input(), &g.output(), &g.value_info()})
    for (const auto& v : *list)
      if (v.type().has_tensor_type()) t[v.name()] = v.type().tensor_type().elem_type();
  for (const auto& i : g.initializer()) t[i.name()] = i.data_type();
  for (const auto& n : g.node())
    if (n.op_type() == "Cast" && n.output_size() > 0)
      for (const auto& a : n.attribute())
        if (a.name() == "to") t[n.output(0)] = static_cast<int>(a.i());
  return t;
}

// A float MAC node runs in float16 when its first input or first output is float16 in ORT's graph.
bool RunsInFloat16(const onnx::NodeProto& n, const std::unordered_map<std::string, int>& types) {
  for (const std::string* v : {n.input_size() ? &n.input(0) : nullptr, n.output_size() ? &n.output(0) : nullptr}) {
    if (!v) continue;
    auto it = types.find(*v);
    if (it != types.end() && it->second == onnx::TensorProto::FLOAT16) return true;
  }
  return false;
}

}  // namespace

RuntimeCoverage AnalyzeRuntimeCoverage(const Model& quantized, const ShapeOverrides& overrides,
                                       const std::string& graph_optimization, int intra_op_threads) {
  RuntimeCoverage cov;
  cov.graph_optimization = graph_optimization;
  const std::string tmp = TempModelPath();
  try {
    std::vector<TensorInfo> inputs;
    try {
      inputs = ResolveInputShapes(quantized, overrides);
    } catch (const Error& e) {
      // The share is what matters here: spatial dims of an image input take the nominal size a zoo
      // model records (metadata "qbench_zoo_input_size", see qbench/zoo/zoo.h), any other unresolved
      // dim 1; the note says so.
      std::int64_t nominal = 0;
      for (const auto& kv : quantized.proto.metadata_props())
        if (kv.key() == "qbench_zoo_input_size") nominal = std::atoll(kv.value().c_str());
      inputs = quantized.Inputs();
      for (auto& in : inputs)
        for (size_t d = 0; d < in.shape.size(); ++d)
          if (in.shape[d] < 0) in.shape[d] = (nominal > 0 && in.shape.size() == 4 && d >= 2) ? nominal : 1;
      cov.note = std::string("MACs counted with unresolved input dimensions taken as ") +
                 (nominal > 0 ? std::to_string(nominal) + " (H, W: the zoo model's nominal size) or 1" : "1") + " (" +
                 e.what() + ")";
    }
    // One shape inference and one MAC formula with `inspect` (qbench/model/macs.h): the shapes of the
    // given graph (ORT keeps the names of the values it fuses over), plus the optimized graph's own
    // initializers (weights ORT folded or rewrote).
    ValueShapes shapes = InferValueShapes(quantized, inputs);
    SessionConfig config;
    config.graph_optimization = graph_optimization;
    config.intra_op_threads = intra_op_threads;
    config.optimized_model_path = tmp;
    { auto runner = OrtRunner::Create(quantized, config); }
    const Model opt = LoadModel(tmp);
    std::filesystem::remove(tmp);
    for (const auto& t : opt.proto.graph().initializer()) shapes[t.name()] = {t.dims().begin(), t.dims().end()};
    ShapesAcrossCasts(opt.proto.graph(), &shapes);
    // The given graph's MACs by node name: ORT keeps the name of a node it wraps in Casts or fuses
    // (FusedConv keeps the Conv's), the fallback when the optimized node's shapes stay unknown.
    std::unordered_map<std::string, std::int64_t> given_macs;
    for (const auto& n : quantized.proto.graph().node()) {
      const NodeMacCount m = CountNodeMacs(n, shapes);
      if (m.has_formula && m.macs >= 0 && !n.name().empty()) given_macs[n.name()] = m.macs;
    }
    const auto types = ValueTypes(opt.proto.graph());
    for (const auto& n : opt.proto.graph().node()) {
      cov.op_histogram[(n.domain().empty() || n.domain() == "ai.onnx") ? n.op_type() : n.domain() + "." + n.op_type()]++;
      const NodeMacCount m = CountNodeMacs(n, shapes);
      if (!m.has_formula) continue;
      std::int64_t macs = m.macs;
      if (macs < 0 && given_macs.count(n.name())) macs = given_macs.at(n.name());
      if (macs < 0) {
        ++cov.unknown_mac_nodes;
        continue;
      }
      if (m.integer) {
        cov.int8_macs += macs;
      } else {
        cov.float_macs += macs;
        const std::string entry =
            (n.name().empty() ? n.output(0) : n.name()) + " (" + n.op_type() + "): " + std::to_string(macs) + " MACs";
        cov.float_mac_nodes.push_back(entry);
        if (RunsInFloat16(n, types)) {
          cov.float16_macs += macs;
          cov.float16_mac_nodes.push_back(entry);
        }
      }
    }
    const std::int64_t total = cov.int8_macs + cov.float_macs;
    cov.int8_mac_share = total > 0 ? static_cast<double>(cov.int8_macs) / static_cast<double>(total) : 0.0;
    cov.analyzed = true;
    cov.macs_complete = cov.unknown_mac_nodes == 0;
    if (cov.unknown_mac_nodes > 0)
      cov.note += (cov.note.empty() ? "" : "; ") + std::to_string(cov.unknown_mac_nodes) +
                  " MAC-bearing node(s) with unknown shapes were not counted";
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    cov.analyzed = false;
    cov.macs_complete = false;
    cov.note = std::string("ORT graph analysis failed: ") + e.what();
  }
  return cov;
}

std::string FormatQuantizeReport(const QuantizeReport& r) {
  std::string s;
  char line[512];
  s += "scheme: " + r.scheme + "\nweights: " + r.weights + "\n";
  if (!r.weight_range.empty()) s += "weight range: " + r.weight_range + " (" + r.weight_range_reason + ")\n";
  s += "activations: " + r.activations + "\n";
  for (const auto& h : r.hygiene) s += "model hygiene: " + h + "\n";
  s += "\n";
  Table ops;
  ops.columns = {{"op_type", "op type", Align::kLeft}, {"quantized", "", Align::kRight},
                 {"kept_float", "float", Align::kRight}, {"why_kept_float", "why kept float", Align::kLeft}};
  for (const auto& c : r.by_op_type) {
    std::string why;
    for (size_t i = 0; i < c.reasons.size(); ++i) why += (i ? "; " : "") + c.reasons[i];
    ops.AddRow({Cell::Text(c.op_type), Cell::Integer(c.quantized), Cell::Integer(c.kept_float), Cell::Text(why)});
  }
  s += WriteText(ops);
  s += "\n";
  // The int8 share is the measure of integer schemes only (the scheme table's weight precision).
  bool integer_scheme = true;
  for (const auto& sc : QuantizationSchemes())
    if (r.scheme == sc.name) integer_scheme = IsIntegerPrecision(sc.weight_precision);
  if (integer_scheme && r.runtime.analyzed && r.runtime.int8_macs + r.runtime.float_macs == 0) {
    s += "int8 share of MACs after ORT optimization (" + r.runtime.graph_optimization + "): n/a (no MAC-bearing node counted)\n";
  } else if (integer_scheme && r.runtime.analyzed) {
    std::snprintf(line, sizeof line, "int8 share of MACs after ORT optimization (%s): %.1f %% (%s of %s MACs%s)\n",
                  r.runtime.graph_optimization.c_str(), 100.0 * r.runtime.int8_mac_share, HumanMacs(r.runtime.int8_macs).c_str(),
                  HumanMacs(r.runtime.int8_macs + r.runtime.float_macs).c_str(),
                  r.runtime.macs_complete ? "" : "; INCOMPLETE: the nodes with unknown shapes are not counted");
    s += line;
  }
  // A float16 file: the share of MACs ONNX Runtime runs in float16 (the others run in float32 behind
  // the Casts it inserts), from the same optimized graph.
  bool float16_scheme = false;
  for (const auto& sc : QuantizationSchemes())
    if (r.scheme == sc.name) float16_scheme = sc.weight_precision == Precision::kFloat16;
  if (float16_scheme && r.runtime.analyzed) {
    const std::int64_t total = r.runtime.int8_macs + r.runtime.float_macs;
    std::snprintf(line, sizeof line, "float16 share of MACs after ORT optimization (%s): %.1f %% (%s of %s MACs%s)%s\n",
                  r.runtime.graph_optimization.c_str(), total > 0 ? 100.0 * r.runtime.float16_macs / total : 0.0,
                  HumanMacs(r.runtime.float16_macs).c_str(), HumanMacs(total).c_str(),
                  r.runtime.macs_complete ? "" : "; INCOMPLETE: the nodes with unknown shapes are not counted",
                  r.runtime.float16_macs < total ? "; the others run in float32 behind the Casts ONNX Runtime inserts" : "");
    s += line;
  }
  if (r.runtime.analyzed) {
    std::string ops;
    for (const auto& [op, n] : r.runtime.op_histogram) ops += (ops.empty() ? "" : ", ") + op + " " + std::to_string(n);
    s += "ORT optimized graph: " + ops + "\n";
    // A float16 file's float MAC nodes say which precision ORT runs each in (float16_mac_nodes); a file
    // written before that was recorded says it does not know rather than calling them all fp32.
    const auto& fp16_nodes = r.runtime.float16_mac_nodes;
    const bool mark = float16_scheme && (r.runtime.float16_macs == 0 || !fp16_nodes.empty());
    const auto in_fp16 = [&](const std::string& e) { return std::find(fp16_nodes.begin(), fp16_nodes.end(), e) != fp16_nodes.end(); };
    if (float16_scheme && !mark)
      s += "  (which float MAC nodes run in float16 is not recorded in this report: written by an older qbench)\n";
    const size_t shown = std::min<size_t>(r.runtime.float_mac_nodes.size(), 10);
    for (size_t i = 0; i < shown; ++i) {
      const std::string& e = r.runtime.float_mac_nodes[i];
      s += std::string("  float MACs") + (mark ? in_fp16(e) ? " (fp16)" : " (fp32)" : "") + ": " + e + "\n";
    }
    if (r.runtime.float_mac_nodes.size() > shown) {
      const auto more = r.runtime.float_mac_nodes.size() - shown;
      const auto more16 = std::count_if(r.runtime.float_mac_nodes.begin() + static_cast<std::ptrdiff_t>(shown),
                                        r.runtime.float_mac_nodes.end(), in_fp16);
      s += "  ... and " + std::to_string(more) + " more float MAC nodes" +
           (mark ? " (" + std::to_string(more16) + " fp16, " + std::to_string(static_cast<std::int64_t>(more) - more16) + " fp32)"
                 : std::string()) + "\n";
    }
  }
  if (!r.runtime.note.empty()) s += "runtime coverage: " + r.runtime.note + "\n";
  if (r.bias_scale_adjustments > 0)
    s += "bias: " + std::to_string(r.bias_scale_adjustments) + " weight channel scale(s) enlarged so int32 biases fit\n";
  for (const auto& n : r.notes) s += "note: " + n + "\n";
  const double ratio = r.size_before_bytes ? static_cast<double>(r.size_after_bytes) / r.size_before_bytes : 0.0;
  std::snprintf(line, sizeof line, "size: %s -> %s (%.3fx)\n", HumanBytes(r.size_before_bytes).c_str(),
                HumanBytes(r.size_after_bytes).c_str(), ratio);
  s += line;
  return s;
}

namespace {

using json_fields::JsonReader;
using json_fields::JsonWriter;

// The report's field lists (core/json_fields.h), walked by JsonWriter for QuantizeReportToJson and
// by JsonReader for QuantizeReportFromJson. Keys are the member names unless written out.
template <typename F, typename R>
void Fields(const F& f, R& r, const NodeDecision*) {
  QBENCH_JSON_FIELDS(name, op_type, quantized)
  f.Optional("how", r.how, r.quantized);
  f.Optional("reason", r.reason, !r.quantized);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const OpTypeCoverage*) {
  QBENCH_JSON_FIELDS(op_type, quantized, kept_float, reasons)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const RuntimeCoverage*) {
  QBENCH_JSON_FIELDS(analyzed, note, graph_optimization, op_histogram, int8_macs, float_macs, unknown_mac_nodes,
                     int8_mac_share, float_mac_nodes)
  f.Optional("float16_macs", r.float16_macs, r.float16_macs > 0);  // written when some (older files: none)
  f.Optional("float16_mac_nodes", r.float16_mac_nodes, !r.float16_mac_nodes.empty());
  f.Optional("macs_complete", r.macs_complete, !r.macs_complete);  // written when false (older files: complete)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const Warning*) {
  QBENCH_JSON_FIELDS(code, message)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const QuantizeReport*) {
  QBENCH_JSON_FIELDS(scheme, weights, weight_range, weight_range_reason, activations, hygiene, calibration,
                     calibrated_tensors, bias_scale_adjustments, size_before_bytes, size_after_bytes, notes,
                     by_op_type, runtime, warnings)
  // Derived, written for readers of the file; the reader reads it into this local and drops it.
  double size_ratio = r.size_before_bytes ? static_cast<double>(r.size_after_bytes) / r.size_before_bytes : 0.0;
  f("size_ratio", size_ratio);
  f.Optional("nodes", r.nodes, !r.nodes.empty());
}

template <typename R>
nlohmann::json Write(const R& r) {
  nlohmann::json j = nlohmann::json::object();
  Fields(JsonWriter{j}, r, &r);
  return j;
}

template <typename R>
void Read(const nlohmann::json& j, R& r) {
  if (!j.is_object()) throw Error(ErrorCode::kInvalidInput, "coverage report: expected a JSON object, got " + std::string(j.type_name()));
  r = R();
  Fields(JsonReader{j}, r, &r);
}

}  // namespace

void to_json(nlohmann::json& j, const NodeDecision& d) { j = Write(d); }
void from_json(const nlohmann::json& j, NodeDecision& d) { Read(j, d); }
void to_json(nlohmann::json& j, const OpTypeCoverage& c) { j = Write(c); }
void from_json(const nlohmann::json& j, OpTypeCoverage& c) { Read(j, c); }
void to_json(nlohmann::json& j, const RuntimeCoverage& c) { j = Write(c); }
void from_json(const nlohmann::json& j, RuntimeCoverage& c) { Read(j, c); }
void to_json(nlohmann::json& j, const Warning& w) { j = Write(w); }
void from_json(const nlohmann::json& j, Warning& w) { Read(j, w); }
void to_json(nlohmann::json& j, const QuantizeReport& r) { j = Write(r); }
void from_json(const nlohmann::json& j, QuantizeReport& r) { Read(j, r); }

std::string QuantizeReportToJson(const QuantizeReport& r) {
  nlohmann::json j = r;
  if (r.nodes.empty()) j["nodes"] = nlohmann::json::array();  // the CLI's report always lists them
  return j.dump(2);
}

QuantizeReport QuantizeReportFromJson(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Error(ErrorCode::kInvalidInput, "coverage report: not JSON text");
  return j.get<QuantizeReport>();
}

}  // namespace qbench
