// Keeping a model's interface through ONNX's version converter (see model/upgrade_interface.h).
#include "model/upgrade_interface.h"

#include <set>
#include <vector>

#include "qbench/core/error.h"

namespace qbench::internal {

void RenameReads(onnx::GraphProto* g, const std::string& from, const std::string& to) {
  for (auto& n : *g->mutable_node()) {
    for (auto& in : *n.mutable_input())
      if (in == from) in = to;
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) RenameReads(a.mutable_g(), from, to);
      for (auto& sub : *a.mutable_graphs()) RenameReads(&sub, from, to);
    }
  }
}

std::string UniqueName(const onnx::GraphProto& g, const std::string& base) {
  std::set<std::string> used;
  for (const auto& v : g.input()) used.insert(v.name());
  for (const auto& v : g.output()) used.insert(v.name());
  for (const auto& t : g.initializer()) used.insert(t.name());
  for (const auto& n : g.node()) {
    used.insert(n.name());
    for (const auto& o : n.output()) used.insert(o);
  }
  std::string name = base;
  for (int k = 1; used.count(name); ++k) name = base + "_" + std::to_string(k);
  return name;
}

namespace {

// Declared dims as strings ("1", "N", "?"); empty when the value has no tensor shape.
std::vector<std::string> Dims(const onnx::ValueInfoProto& v) {
  std::vector<std::string> d;
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return d;
  for (const auto& x : v.type().tensor_type().shape().dim())
    d.push_back(x.has_dim_value() ? std::to_string(x.dim_value()) : x.has_dim_param() ? x.dim_param() : "?");
  return d;
}

std::string Shape(const std::vector<std::string>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + d[i];
  return s + "]";
}

// True when `now` is `before` without its leading axis (the Scan-8 → 9 change).
bool LostLeadingAxis(const std::vector<std::string>& before, const std::vector<std::string>& now) {
  return !before.empty() && now.size() + 1 == before.size() &&
         std::equal(now.begin(), now.end(), before.begin() + 1);
}

// Squeeze or Unsqueeze on axis 0: `axes` is an input from opset 13 on, an attribute before.
onnx::NodeProto AxisZeroNode(onnx::GraphProto* g, const std::string& op, const std::string& in,
                             const std::string& out, std::int64_t opset) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(UniqueName(*g, out + "_" + op));
  n.add_input(in);
  n.add_output(out);
  if (opset >= 13) {
    const std::string axes = UniqueName(*g, out + "_axes");
    auto* t = g->add_initializer();
    t->set_name(axes);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(1);
    t->add_int64_data(0);
    n.add_input(axes);
  } else {
    auto* a = n.add_attribute();
    a->set_name("axes");
    a->set_type(onnx::AttributeProto::INTS);
    a->add_ints(0);
  }
  return n;
}

}  // namespace

int RestoreUpgradedInterface(const onnx::GraphProto& original, onnx::ModelProto* upgraded, std::int64_t opset,
                             const std::string& name) {
  onnx::GraphProto* g = upgraded->mutable_graph();
  std::vector<onnx::NodeProto> head, tail;
  auto refuse = [&](const char* kind, const std::string& tensor, const std::vector<std::string>& before,
                    const std::vector<std::string>& now) {
    throw Error(ErrorCode::kUnsupported,
                name + ": ONNX's version converter drops the leading axis of " + kind + " '" + tensor + "' (" +
                    Shape(before) + " → " + Shape(now) + ", as Scan-8 → 9 does) and only an axis of size 1 can be "
                    "bridged; re-export the model at opset " + std::to_string(opset) + " or newer");
  };
  for (const auto& before : original.input()) {
    for (auto& now : *g->mutable_input()) {
      if (now.name() != before.name()) continue;
      if (!before.type().has_tensor_type()) {
        *now.mutable_type() = before.type();  // sequence / map / optional: the converter lost it
      } else if (LostLeadingAxis(Dims(before), Dims(now))) {
        if (Dims(before)[0] != "1") refuse("input", now.name(), Dims(before), Dims(now));
        const std::string inner = UniqueName(*g, now.name() + "_unbatched");
        RenameReads(g, now.name(), inner);
        head.push_back(AxisZeroNode(g, "Squeeze", now.name(), inner, opset));
        *now.mutable_type() = before.type();
      }
    }
  }
  for (const auto& before : original.output()) {
    for (auto& now : *g->mutable_output()) {
      if (now.name() != before.name() || !before.type().has_tensor_type() ||
          !LostLeadingAxis(Dims(before), Dims(now)))
        continue;
      if (Dims(before)[0] != "1") refuse("output", now.name(), Dims(before), Dims(now));
      const std::string inner = UniqueName(*g, now.name() + "_unbatched");
      for (auto& n : *g->mutable_node())
        for (auto& o : *n.mutable_output())
          if (o == now.name()) o = inner;
      RenameReads(g, now.name(), inner);
      tail.push_back(AxisZeroNode(g, "Unsqueeze", inner, now.name(), opset));
      *now.mutable_type() = before.type();
    }
  }
  const int bridged = static_cast<int>(head.size() + tail.size());
  if (bridged == 0) return 0;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (auto& n : head) *nodes.Add() = std::move(n);
  for (auto& n : *g->mutable_node()) *nodes.Add() = std::move(n);
  for (auto& n : tail) *nodes.Add() = std::move(n);
  g->mutable_node()->Swap(&nodes);
  return bridged;
}

}  // namespace qbench::internal
