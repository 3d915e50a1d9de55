#include "qbench/lab/op_profile.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/core/json_fields.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/model/inspect.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

using nlohmann::json;

std::int64_t Elements(const std::vector<std::int64_t>& s) {
  if (s.empty()) return 0;
  std::int64_t n = 1;
  for (auto d : s) {
    if (d < 0) return 0;
    n *= d;
  }
  return n;
}

bool IsMacOp(const std::string& op) { return op == "Conv" || op == "Gemm" || op == "MatMul"; }

// Whether ORT's op `profiled` is a form of the reference op `ref`.
bool IsFormOf(const std::string& profiled, const std::string& ref) {
  static const std::set<std::string> kConv = {"Conv", "FusedConv", "NchwcConv", "QLinearConv", "ConvInteger"};
  static const std::set<std::string> kGemm = {"Gemm",          "FusedGemm",     "QGemm",
                                              "MatMul",        "FusedMatMul",   "MatMulInteger",
                                              "QLinearMatMul", "DynamicQuantizeMatMul", "MatMulIntegerToFloat"};
  if (ref == "Conv") return kConv.count(profiled) > 0;
  if (ref == "Gemm" || ref == "MatMul") return kGemm.count(profiled) > 0;
  return false;
}

// The float op a reference node computes: a reference graph read from a file that is already
// quantized (an int8 QOperator or dynamic file given with --models) holds QLinearConv, ConvInteger,
// QGemm, MatMulInteger, …, attributed like the Conv / Gemm / MatMul they compute.
std::string FloatForm(const std::string& op) {
  if (IsFormOf(op, "Conv")) return "Conv";
  if (IsFormOf(op, "Gemm")) return op.find("MatMul") != std::string::npos ? "MatMul" : "Gemm";
  return op;
}

// Input index of a convolution's weight: QLinearConv(x, x_scale, x_zero_point, w, …); else (x, w, …).
int ConvWeightInput(const std::string& op) { return op == "QLinearConv" ? 3 : 1; }

bool IsFusableActivation(const std::string& op) {
  return op == "Relu" || op == "Clip" || op == "HardSigmoid" || op == "HardSwish" || op == "Sigmoid" || op == "LeakyRelu" ||
         op == "Add";
}

// The MAC node that produces `tensor`, directly or through activations / Add that ORT fuses into it.
std::string MacProducer(const ReferenceGraph& ref, const std::string& tensor, int depth = 0) {
  auto p = ref.producer.find(tensor);
  if (p == ref.producer.end() || depth > 4) return "";
  const auto n = ref.nodes.find(p->second);
  if (n == ref.nodes.end()) return "";
  if (IsMacOp(n->second.op_type)) return p->second;
  if (!IsFusableActivation(n->second.op_type)) return "";
  auto in = ref.inputs.find(p->second);
  if (in == ref.inputs.end()) return "";
  // Add(conv_a, conv_b): ORT fuses the Add into the conv computed last (the later input).
  for (auto it = in->second.rbegin(); it != in->second.rend(); ++it) {
    const std::string m = MacProducer(ref, *it, depth + 1);
    if (!m.empty()) return m;
  }
  return "";
}

// One event of ONNX Runtime's profile (Chrome trace format) as far as the op profile reads it: a
// node's kernel time is {"cat": "Node", "name": "<node>_kernel_time", "dur": µs, "args": {"op_name",
// "output_type_shape": [{"<dtype>": [dims]}, …]}}.
struct OrtEventArgs {
  std::string op_name;
  json output_type_shape;
};
struct OrtEvent {
  std::string cat, name;
  double dur = 0;
  OrtEventArgs args;
};
void from_json(const json& j, OrtEventArgs& a) {
  json_fields::JsonReader f{j};
  f("op_name", a.op_name);
  f("output_type_shape", a.output_type_shape);
}
void from_json(const json& j, OrtEvent& e) {
  json_fields::JsonReader f{j};
  f("cat", e.cat);
  f("name", e.name);
  f("dur", e.dur);
  f("args", e.args);
}

}  // namespace

std::vector<ProfiledNode> ParseOrtProfile(const std::string& json_text, const std::string& name) {
  json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    throw Error(ErrorCode::kInvalidInput, "ONNX Runtime profile '" + name + "' is not a JSON array of events");
  std::vector<ProfiledNode> out;
  static const std::string kSuffix = "_kernel_time";
  for (const auto& j_event : j) {
    if (!j_event.is_object()) continue;
    OrtEvent e;
    try {
      e = j_event.get<OrtEvent>();
    } catch (const Error&) {
      continue;  // not a well-formed node event (a key of another type): not a kernel time
    }
    const std::string& ev = e.name;
    if (e.cat != "Node") continue;
    if (ev.size() <= kSuffix.size() || ev.compare(ev.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) continue;
    ProfiledNode n;
    n.node = ev.substr(0, ev.size() - kSuffix.size());
    n.duration_us = e.dur;
    n.op_type = e.args.op_name;
    const json& outs = e.args.output_type_shape;  // [{"float": [1, 64, 56, 56]}]: the first output's dims
    if (outs.is_array() && !outs.empty() && outs.front().is_object() && !outs.front().empty()) {
      const json& dims = outs.front().begin().value();
      std::vector<std::int64_t> shape;
      if (dims.is_array())
        for (const auto& d : dims) shape.push_back(d.is_number_integer() ? d.get<std::int64_t>() : -1);
      n.output_elements = Elements(shape);
    }
    out.push_back(std::move(n));
  }
  return out;
}

ReferenceGraph BuildReferenceGraph(const Model& model, const ShapeOverrides& shapes) {
  const ModelSummary s = InspectModel(model, shapes);
  const auto& g = model.proto.graph();
  ReferenceGraph ref;
  std::map<std::string, std::vector<std::int64_t>> tensor_shape;
  for (const auto& in : s.resolved_inputs) tensor_shape[in.name] = in.shape;
  std::map<std::string, std::vector<std::int64_t>> initializer_dims;
  for (const auto& t : g.initializer()) initializer_dims[t.name()] = {t.dims().begin(), t.dims().end()};
  const int n = std::min<int>(g.node_size(), static_cast<int>(s.nodes.size()));
  for (int i = 0; i < n; ++i) {
    const auto& node = g.node(i);
    const NodeCost& cost = s.nodes[static_cast<std::size_t>(i)];
    NodeWork w;
    w.op_type = FloatForm(node.op_type());
    w.macs = std::max<std::int64_t>(cost.macs, 0);
    w.weight_elements = cost.params;
    w.output_elements = Elements(cost.output_shape);
    if (node.input_size() > 0) {
      auto it = tensor_shape.find(node.input(0));
      if (it != tensor_shape.end()) w.input_elements = Elements(it->second);
    }
    if (const int wi = ConvWeightInput(node.op_type()); w.op_type == "Conv" && node.input_size() > wi) {
      auto wd = initializer_dims.find(node.input(wi));
      std::int64_t group = 1;
      for (const auto& a : node.attribute())
        if (a.name() == "group") group = a.i();
      if (wd != initializer_dims.end() && wd->second.size() == 4) {
        const auto& d = wd->second;  // [C_out, C_in/group, kh, kw]
        const std::string k = fmt::format("{}x{}", d[2], d[3]);
        w.kind = group > 1 && d[1] == 1 ? "depthwise " + k : k;
      }
    }
    for (const auto& o : node.output()) {
      ref.producer[o] = cost.name;
      if (&o == &node.output(0)) tensor_shape[o] = cost.output_shape;
    }
    ref.inputs[cost.name] = {node.input().begin(), node.input().end()};
    ref.nodes[cost.name] = w;
    ref.order.push_back(cost.name);
  }
  return ref;
}

std::string AttributeNode(const ReferenceGraph& ref, const ProfiledNode& p) {
  auto accept = [&](const std::string& name) -> std::string {
    auto it = ref.nodes.find(name);
    return it != ref.nodes.end() && IsFormOf(p.op_type, it->second.op_type) ? name : "";
  };
  if (ref.nodes.count(p.node)) return accept(p.node);
  // Longest reference name that prefixes the profiled name, followed by '_' or '/'.
  std::string best;
  for (std::size_t cut = p.node.size(); cut > 0; --cut) {
    const char c = p.node[cut - 1];
    if (c != '_' && c != '/') continue;
    const std::string prefix = p.node.substr(0, cut - 1);
    if (ref.nodes.count(prefix)) {
      best = accept(prefix);
      if (!best.empty()) return best;
    }
  }
  static const std::string kNchwc = "_nchwc";
  if (p.node.size() > kNchwc.size() && p.node.compare(p.node.size() - kNchwc.size(), kNchwc.size(), kNchwc) == 0) {
    const std::string m = MacProducer(ref, p.node.substr(0, p.node.size() - kNchwc.size()));
    if (!m.empty()) return accept(m);
  }
  return "";
}

std::vector<OpTypeProfile> AggregateProfile(const std::vector<ProfiledNode>& nodes, int runs, const ReferenceGraph& ref,
                                            const TrafficModel& traffic) {
  const double r = std::max(runs, 1);
  // Attribution per distinct profiled node, in execution order: by name, then by order and size.
  std::map<std::string, std::string> target_of;
  std::set<std::string> taken;
  std::vector<const ProfiledNode*> unnamed;
  for (const auto& n : nodes) {
    if (target_of.count(n.node)) continue;
    target_of[n.node] = AttributeNode(ref, n);
    if (!target_of[n.node].empty()) taken.insert(target_of[n.node]);
    else if (IsFormOf(n.op_type, "Conv") || IsFormOf(n.op_type, "Gemm")) unnamed.push_back(&n);
  }
  if (!unnamed.empty()) {
    std::vector<std::string> order;  // reference MAC nodes in graph order
    for (const auto& name : ref.order)
      if (IsMacOp(ref.nodes.at(name).op_type) && !taken.count(name)) order.push_back(name);
    for (const ProfiledNode* n : unnamed) {
      std::string pick, first;
      for (const auto& name : order) {
        if (taken.count(name) || !IsFormOf(n->op_type, ref.nodes.at(name).op_type)) continue;
        if (first.empty()) first = name;
        if (n->output_elements > 0 && ref.nodes.at(name).output_elements == n->output_elements) {
          pick = name;
          break;
        }
      }
      if (pick.empty()) pick = first;
      if (pick.empty()) continue;
      target_of[n->node] = pick;
      taken.insert(pick);
    }
  }
  std::map<std::string, OpTypeProfile> by_type;
  std::map<std::string, std::set<std::string>> profiled_names, ref_nodes;
  for (const auto& n : nodes) {
    const std::string& target = target_of[n.node];
    std::string type = n.op_type;
    if (!target.empty()) {
      const NodeWork& w = ref.nodes.at(target);
      if (!w.kind.empty()) type += " (" + w.kind + ")";
      if (ref_nodes[type].insert(target).second) {
        by_type[type].macs += w.macs;
        by_type[type].bytes += w.weight_elements * traffic.weight_bytes + w.input_elements * traffic.input_bytes +
                               w.output_elements * traffic.output_bytes;
      }
    }
    auto& p = by_type[type];
    p.op_type = type;
    p.time_ms += n.duration_us / 1000.0 / r;
    profiled_names[type].insert(n.node);
  }
  std::vector<OpTypeProfile> out;
  for (auto& [type, p] : by_type) {
    p.nodes = static_cast<std::int64_t>(profiled_names[type].size());
    out.push_back(p);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.time_ms > b.time_ms; });
  return out;
}

std::vector<ProfiledNode> RunOrtProfile(const Model& model, const std::vector<HostTensor>& feeds, int threads,
                                        int warmup_runs, int runs, const std::string& scratch_dir) {
  SessionConfig config;  // a profiling session of the runtime module (runner.h)
  config.intra_op_threads = threads;
  config.graph_optimization = "all";
  config.allow_spinning = false;
  config.profile_prefix = scratch_dir + "/ort_profile";
  std::string profile_path;
  try {
    auto runner = OrtRunner::Create(model, config);
    runner->Bind(feeds);
    for (int i = 0; i < warmup_runs + runs; ++i) {
      ThrowIfCancelled("profiling ops");
      runner->RunBound();
    }
    profile_path = runner->EndProfiling();
  } catch (const Cancelled&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.code(), std::string("profiling: ") + e.what());
  }
  const std::string text = ReadFileBytes(profile_path);
  std::remove(profile_path.c_str());
  std::vector<ProfiledNode> nodes = ParseOrtProfile(text, profile_path);
  // Drop each node's first warmup_runs executions.
  std::map<std::string, int> seen;
  std::vector<ProfiledNode> kept;
  for (auto& n : nodes)
    if (++seen[n.node] > warmup_runs) kept.push_back(std::move(n));
  return kept;
}

OpProfileRecord ProfileModelOps(const Model& model, const std::vector<HostTensor>& feeds, int threads, int warmup_runs,
                                int runs, const std::string& scratch_dir, const ReferenceGraph& ref,
                                const TrafficModel& traffic) {
  OpProfileRecord rec;
  rec.threads = threads;
  const std::vector<ProfiledNode> kept = RunOrtProfile(model, feeds, threads, warmup_runs, runs, scratch_dir);
  rec.op_types = AggregateProfile(kept, runs, ref, traffic);
  for (const auto& o : rec.op_types) rec.total_ms += o.time_ms;
  for (const auto& [name, w] : ref.nodes)
    if (w.macs > 0) {
      rec.macs += w.macs;
      rec.bytes += w.weight_elements * traffic.weight_bytes + w.input_elements * traffic.input_bytes +
                   w.output_elements * traffic.output_bytes;
    }
  rec.ok = true;
  return rec;
}

}  // namespace qbench
