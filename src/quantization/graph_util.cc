#include "quantization/graph_util.h"

#include <cmath>
#include <cstring>
#include <deque>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"

namespace qbench::quant_internal {
namespace {

const onnx::AttributeProto* FindAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

onnx::AttributeProto* MutableAttr(onnx::NodeProto* node, const std::string& name) {
  for (auto& a : *node->mutable_attribute())
    if (a.name() == name) return &a;
  auto* a = node->add_attribute();
  a->set_name(name);
  return a;
}

// Free variables of `g`: names read inside (node inputs, outputs of g) that g does not define.
void CollectFreeVars(const onnx::GraphProto& g, std::set<std::string>* out) {
  std::set<std::string> defined;
  for (const auto& v : g.input()) defined.insert(v.name());
  for (const auto& t : g.initializer()) defined.insert(t.name());
  for (const auto& n : g.node())
    for (const auto& o : n.output()) defined.insert(o);
  auto read = [&](const std::string& name) {
    if (!name.empty() && !defined.count(name)) out->insert(name);
  };
  for (const auto& n : g.node()) {
    for (const auto& in : n.input()) read(in);
    for (const auto& name : OuterScopeReads(n)) read(name);
  }
  for (const auto& o : g.output()) read(o.name());
}

}  // namespace

std::vector<const onnx::GraphProto*> Subgraphs(const onnx::NodeProto& node) {
  std::vector<const onnx::GraphProto*> out;
  for (const auto& a : node.attribute()) {
    if (a.has_g()) out.push_back(&a.g());
    for (const auto& g : a.graphs()) out.push_back(&g);
  }
  return out;
}

std::vector<onnx::GraphProto*> MutableSubgraphs(onnx::NodeProto* node) {
  std::vector<onnx::GraphProto*> out;
  for (auto& a : *node->mutable_attribute()) {
    if (a.has_g()) out.push_back(a.mutable_g());
    for (auto& g : *a.mutable_graphs()) out.push_back(&g);
  }
  return out;
}

void ForEachSubgraph(onnx::GraphProto* graph, const std::function<void(onnx::GraphProto*)>& visit) {
  for (auto& n : *graph->mutable_node()) {
    for (onnx::GraphProto* sub : MutableSubgraphs(&n)) {
      visit(sub);
      ForEachSubgraph(sub, visit);
    }
  }
}

std::set<std::string> OuterScopeReads(const onnx::NodeProto& node) {
  std::set<std::string> out;
  for (const onnx::GraphProto* g : Subgraphs(node)) CollectFreeVars(*g, &out);
  return out;
}

bool RunsDepthwiseKernel(const onnx::NodeProto& conv, const std::vector<std::int64_t>& weight_shape) {
  if (conv.op_type() != "Conv" && conv.op_type() != "QLinearConv") return false;
  const std::int64_t group = AttrInt(conv, "group", 1);
  return group > 1 && weight_shape.size() >= 2 && weight_shape[0] == group && weight_shape[1] == 1;
}

std::int64_t AttrInt(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback) {
  const auto* a = FindAttr(node, name);
  return a ? a->i() : fallback;
}

float AttrFloat(const onnx::NodeProto& node, const std::string& name, float fallback) {
  const auto* a = FindAttr(node, name);
  return a ? a->f() : fallback;
}

std::vector<std::int64_t> AttrInts(const onnx::NodeProto& node, const std::string& name) {
  const auto* a = FindAttr(node, name);
  if (!a) return {};
  return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
}

std::string AttrString(const onnx::NodeProto& node, const std::string& name, const std::string& fallback) {
  const auto* a = FindAttr(node, name);
  return a ? a->s() : fallback;
}

bool HasAttr(const onnx::NodeProto& node, const std::string& name) { return FindAttr(node, name) != nullptr; }

void SetAttrInt(onnx::NodeProto* node, const std::string& name, std::int64_t value) {
  auto* a = MutableAttr(node, name);
  a->Clear();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void SetAttrFloat(onnx::NodeProto* node, const std::string& name, float value) {
  auto* a = MutableAttr(node, name);
  a->Clear();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void SetAttrInts(onnx::NodeProto* node, const std::string& name, const std::vector<std::int64_t>& values) {
  auto* a = MutableAttr(node, name);
  a->Clear();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto v : values) a->add_ints(v);
}

void RemoveAttr(onnx::NodeProto* node, const std::string& name) {
  auto* attrs = node->mutable_attribute();
  for (int i = 0; i < attrs->size(); ++i) {
    if (attrs->Get(i).name() == name) {
      attrs->DeleteSubrange(i, 1);
      return;
    }
  }
}

std::string NodeLabel(const onnx::NodeProto& node, int index) {
  return (node.name().empty() ? "#" + std::to_string(index) : "'" + node.name() + "'") + " (" + node.op_type() + ")";
}

GraphIndex::GraphIndex(const onnx::GraphProto& g) : graph(g) {
  for (int i = 0; i < g.initializer_size(); ++i) initializer[g.initializer(i).name()] = i;
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& o : g.node(i).output())
      if (!o.empty()) producer[o] = i;
    for (const auto& in : g.node(i).input())
      if (!in.empty()) consumers[in].push_back(i);
    for (const auto& name : OuterScopeReads(g.node(i))) subgraph_readers[name].push_back(i);
  }
  for (const auto& v : g.input()) graph_inputs.insert(v.name());
  for (const auto& v : g.output()) graph_outputs.insert(v.name());
}

const onnx::TensorProto* GraphIndex::Initializer(const std::string& name) const {
  auto it = initializer.find(name);
  return it == initializer.end() ? nullptr : &graph.initializer(it->second);
}

int GraphIndex::UseCount(const std::string& name) const {
  auto it = consumers.find(name);
  int n = it == consumers.end() ? 0 : static_cast<int>(it->second.size());
  if (auto s = subgraph_readers.find(name); s != subgraph_readers.end()) n += static_cast<int>(s->second.size());
  return n + (graph_outputs.count(name) ? 1 : 0);
}

NameScope::NameScope(const onnx::GraphProto& g) {
  for (const auto& t : g.initializer()) used_.insert(t.name());
  for (const auto& v : g.input()) used_.insert(v.name());
  for (const auto& v : g.output()) used_.insert(v.name());
  for (const auto& n : g.node()) {
    used_.insert(n.name());
    for (const auto& s : n.input()) used_.insert(s);
    for (const auto& s : n.output()) used_.insert(s);
    for (const onnx::GraphProto* sub : Subgraphs(n)) {
      NameScope inner(*sub);
      used_.insert(inner.used_.begin(), inner.used_.end());
    }
  }
}

std::string NameScope::Unique(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_.count(name); ++i) name = base + "_" + std::to_string(i);
  used_.insert(name);
  return name;
}

void SetInitializer(onnx::GraphProto* graph, const std::string& name, const HostTensor& tensor) {
  for (auto& t : *graph->mutable_initializer()) {
    if (t.name() == name) {
      FillTensorProto(name, tensor, &t);
      return;
    }
  }
  FillTensorProto(name, tensor, graph->add_initializer());
}

void SetScalarInitializer(onnx::GraphProto* graph, const std::string& name, float value) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {});
  t.data<float>()[0] = value;
  SetInitializer(graph, name, t);
}

void SetScalarInitializer(onnx::GraphProto* graph, const std::string& name, DType dtype, std::int32_t value) {
  SetVectorInitializer(graph, name, dtype, {value}, {});
}

void SetVectorInitializer(onnx::GraphProto* graph, const std::string& name, const std::vector<float>& values,
                          const std::vector<std::int64_t>& shape) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, shape);
  if (static_cast<std::int64_t>(values.size()) != t.num_elements())
    throw Error(ErrorCode::kInvalidArgument, "initializer '" + name + "': value count does not match its shape");
  std::memcpy(t.bytes.data(), values.data(), values.size() * sizeof(float));
  SetInitializer(graph, name, t);
}

void SetVectorInitializer(onnx::GraphProto* graph, const std::string& name, DType dtype,
                          const std::vector<std::int32_t>& values, const std::vector<std::int64_t>& shape) {
  HostTensor t = HostTensor::Zeros(dtype, shape);
  if (static_cast<std::int64_t>(values.size()) != t.num_elements())
    throw Error(ErrorCode::kInvalidArgument, "initializer '" + name + "': value count does not match its shape");
  for (size_t i = 0; i < values.size(); ++i) {
    switch (dtype) {
      case DType::kInt8: t.data<std::int8_t>()[i] = static_cast<std::int8_t>(values[i]); break;
      case DType::kUint8: t.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(values[i]); break;
      case DType::kInt32: t.data<std::int32_t>()[i] = values[i]; break;
      default: throw Error(ErrorCode::kInvalidArgument, "initializer '" + name + "': unsupported dtype " + DTypeName(dtype));
    }
  }
  SetInitializer(graph, name, t);
}

std::vector<std::string> RemoveUnusedInitializers(onnx::GraphProto* graph) {
  std::set<std::string> used;
  for (const auto& n : graph->node()) {
    for (const auto& in : n.input()) used.insert(in);
    for (const auto& name : OuterScopeReads(n)) used.insert(name);
  }
  for (const auto& o : graph->output()) used.insert(o.name());
  std::vector<std::string> removed;
  auto* inits = graph->mutable_initializer();
  for (int i = inits->size() - 1; i >= 0; --i) {
    if (!used.count(inits->Get(i).name())) {
      removed.push_back(inits->Get(i).name());
      inits->DeleteSubrange(i, 1);
    }
  }
  const std::set<std::string> removed_set(removed.begin(), removed.end());
  auto* inputs = graph->mutable_input();
  for (int i = inputs->size() - 1; i >= 0; --i)
    if (removed_set.count(inputs->Get(i).name())) inputs->DeleteSubrange(i, 1);
  for (auto& n : *graph->mutable_node())
    for (onnx::GraphProto* sub : MutableSubgraphs(&n))
      for (auto& name : RemoveUnusedInitializers(sub)) removed.push_back(std::move(name));
  return removed;
}

int RemoveUnreadQdqNodes(onnx::GraphProto* graph) {
  int removed = 0;
  for (bool again = true; again;) {
    again = false;
    const GraphIndex idx(*graph);
    std::set<int> dead;
    for (int i = 0; i < graph->node_size(); ++i) {
      const onnx::NodeProto& n = graph->node(i);
      if ((n.op_type() != "QuantizeLinear" && n.op_type() != "DequantizeLinear") || !(n.domain().empty() || n.domain() == "ai.onnx") ||
          n.output_size() != 1)
        continue;
      if (idx.UseCount(n.output(0)) == 0) dead.insert(i);
    }
    if (dead.empty()) break;
    auto* nodes = graph->mutable_node();
    for (auto it = dead.rbegin(); it != dead.rend(); ++it) nodes->DeleteSubrange(*it, 1);
    removed += static_cast<int>(dead.size());
    again = true;
  }
  return removed;
}

void RenameReads(onnx::GraphProto* graph, const std::string& from, const std::string& to) {
  auto rename = [&](onnx::GraphProto* g) {
    for (auto& n : *g->mutable_node())
      for (auto& in : *n.mutable_input())
        if (in == from) in = to;
    for (auto& o : *g->mutable_output())
      if (o.name() == from) o.set_name(to);
  };
  rename(graph);
  ForEachSubgraph(graph, rename);
}

void TopologicalSort(onnx::GraphProto* graph) {
  std::set<std::string> available;
  for (const auto& t : graph->initializer()) available.insert(t.name());
  for (const auto& v : graph->input()) available.insert(v.name());
  available.insert("");
  const int n = graph->node_size();
  // A node with subgraphs also needs what they read from this graph (outer-scope references).
  std::set<std::string> produced;
  for (const auto& node : graph->node())
    for (const auto& o : node.output()) produced.insert(o);
  std::vector<std::vector<std::string>> implicit(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    for (const auto& name : OuterScopeReads(graph->node(i)))
      if (produced.count(name)) implicit[static_cast<size_t>(i)].push_back(name);
  std::vector<bool> placed(static_cast<size_t>(n), false);
  std::vector<int> order;
  order.reserve(static_cast<size_t>(n));
  // Repeated stable passes: O(n^2) worst case, linear for graphs that are already sorted.
  bool progress = true;
  while (static_cast<int>(order.size()) < n && progress) {
    progress = false;
    for (int i = 0; i < n; ++i) {
      if (placed[static_cast<size_t>(i)]) continue;
      const auto& node = graph->node(i);
      bool ready = true;
      for (const auto& in : node.input())
        if (!available.count(in)) { ready = false; break; }
      for (const auto& in : implicit[static_cast<size_t>(i)])
        if (!available.count(in)) { ready = false; break; }
      if (!ready) continue;
      placed[static_cast<size_t>(i)] = true;
      order.push_back(i);
      for (const auto& o : node.output()) available.insert(o);
      progress = true;
    }
  }
  if (static_cast<int>(order.size()) < n) {
    for (int i = 0; i < n; ++i) {
      if (placed[static_cast<size_t>(i)]) continue;
      for (const auto& in : graph->node(i).input())
        if (!available.count(in))
          throw Error(ErrorCode::kInvalidInput, "node " + NodeLabel(graph->node(i), i) + " reads tensor '" + in +
                                                    "' that no node, initializer or graph input provides (or the graph has a cycle)");
    }
  }
  bool sorted = true;
  for (int i = 0; i < n; ++i) sorted = sorted && order[static_cast<size_t>(i)] == i;
  if (sorted) return;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i : order) *nodes.Add() = graph->node(i);
  graph->mutable_node()->Swap(&nodes);
}

onnx::NodeProto MakeNode(const std::string& op_type, const std::string& name, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::string& domain) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name(name);
  if (!domain.empty()) node.set_domain(domain);
  for (const auto& i : inputs) node.add_input(i);
  for (const auto& o : outputs) node.add_output(o);
  return node;
}

HostTensor FloatTensorOf(const onnx::TensorProto& proto) {
  HostTensor t = TensorFromProto(proto);
  if (t.dtype == DType::kFloat32) return t;
  HostTensor out = HostTensor::Zeros(DType::kFloat32, t.shape);
  const auto n = static_cast<size_t>(t.num_elements());
  if (t.dtype == DType::kFloat16) {
    for (size_t i = 0; i < n; ++i) out.data<float>()[i] = HalfToFloat(t.data<std::uint16_t>()[i]);
  } else if (t.dtype == DType::kFloat64) {
    for (size_t i = 0; i < n; ++i) out.data<float>()[i] = static_cast<float>(t.data<double>()[i]);
  } else {
    throw Error(ErrorCode::kUnsupported, "initializer '" + proto.name() + "' is " + DTypeName(t.dtype) +
                                             ", expected a floating-point tensor");
  }
  return out;
}

}  // namespace qbench::quant_internal
