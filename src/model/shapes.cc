#include "qbench/model/shapes.h"


#include <charconv>
#include <set>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "model/guarded_inference.h"
#include "model/shapes_internal.h"

namespace qbench {
namespace {

// Strict positive integer: digits only, no sign, no spaces, fits int64, > 0.
bool ParsePositive(const std::string& s, std::int64_t* out) {
  if (s.empty()) return false;
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto res = std::from_chars(s.data(), end, v);
  if (res.ec != std::errc() || res.ptr != end || v <= 0) return false;
  *out = v;
  return true;
}

std::string JoinShape(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string ListInputs(const std::vector<TensorInfo>& inputs) {
  if (inputs.empty()) return "(none)";
  std::string s;
  for (size_t i = 0; i < inputs.size(); ++i) s += (i ? ", " : "") + DescribeTensor(inputs[i]);
  return s;
}

}  // namespace

void ParseShapeFlag(const std::string& flag, ShapeOverrides* overrides) {
  const auto eq = flag.rfind('=');
  const std::string form = "expected NAME=D0xD1x... with integer dims > 0, e.g. --shape data=1x3x224x224";
  if (eq == std::string::npos || eq == 0)
    throw Error(ErrorCode::kInvalidArgument, "invalid --shape '" + flag + "': " + form);
  const std::string name = flag.substr(0, eq), dims = flag.substr(eq + 1);
  std::vector<std::int64_t> shape;
  if (!dims.empty()) {
    size_t start = 0;
    while (true) {
      const auto x = dims.find_first_of("xX,", start);
      const std::string part = dims.substr(start, x == std::string::npos ? std::string::npos : x - start);
      std::int64_t v = 0;
      if (!ParsePositive(part, &v))
        throw Error(ErrorCode::kInvalidArgument,
                    "invalid --shape '" + flag + "': dimension '" + part + "' is not an integer > 0; " + form);
      shape.push_back(v);
      if (x == std::string::npos) break;
      start = x + 1;
    }
  }
  if (overrides->input_shapes.count(name))
    throw Error(ErrorCode::kInvalidArgument, "--shape given twice for input '" + name + "'");
  overrides->input_shapes[name] = shape;
}

void ParseDimFlag(const std::string& flag, ShapeOverrides* overrides) {
  const auto eq = flag.rfind('=');
  const std::string form = "expected NAME=VALUE with an integer VALUE > 0, e.g. --dim seq=128";
  std::int64_t v = 0;
  if (eq == std::string::npos || eq == 0 || !ParsePositive(flag.substr(eq + 1), &v))
    throw Error(ErrorCode::kInvalidArgument, "invalid --dim '" + flag + "': " + form);
  const std::string name = flag.substr(0, eq);
  if (overrides->dim_values.count(name))
    throw Error(ErrorCode::kInvalidArgument, "--dim given twice for dimension '" + name + "'");
  overrides->dim_values[name] = v;
}

ShapeOverrides ParseShapeAndDimFlags(const std::vector<std::string>& shapes, const std::vector<std::string>& dims) {
  ShapeOverrides o;
  for (const auto& f : shapes) ParseShapeFlag(f, &o);
  for (const auto& f : dims) ParseDimFlag(f, &o);
  return o;
}

void ParseBatchFlag(const std::string& value, ShapeOverrides* overrides) {
  std::int64_t v = 0;
  if (!ParsePositive(value, &v))
    throw Error(ErrorCode::kInvalidArgument, "invalid --batch '" + value + "': expected an integer > 0");
  overrides->batch = v;
}

std::string DescribeTensor(const TensorInfo& info) {
  if (!info.is_tensor) return info.name + " " + (info.type.empty() ? std::string("(not a tensor)") : info.type);
  std::string s = info.name + " " + DTypeName(info.dtype) + " ";
  if (!info.has_shape) return s + "[?]";
  s += "[";
  for (size_t i = 0; i < info.shape.size(); ++i) {
    if (i) s += ",";
    if (info.shape[i] >= 0)
      s += std::to_string(info.shape[i]);
    else
      s += (i < info.dim_names.size() && !info.dim_names[i].empty()) ? info.dim_names[i] : "?";
  }
  return s + "]";
}

std::vector<bool> BatchDimensions(const std::vector<TensorInfo>& inputs) {
  bool any_dynamic = false;
  for (const auto& in : inputs) any_dynamic = any_dynamic || (in.has_shape && !in.shape.empty() && in.shape[0] < 0);
  std::int64_t fixed = -1;  // dim 0 of the first fixed input of rank >= 2 (all-fixed models only)
  std::vector<bool> out;
  for (const auto& in : inputs) {
    bool batched = false;
    if (in.has_shape && !in.shape.empty()) {
      if (in.shape[0] < 0) {
        batched = true;
      } else if (!any_dynamic && in.shape.size() >= 2) {
        if (fixed < 0) fixed = in.shape[0];
        batched = in.shape[0] == fixed;
      }
    }
    out.push_back(batched);
  }
  return out;
}

std::string DescribeBatchPolicy(const std::vector<TensorInfo>& inputs, std::int64_t batch) {
  if (batch <= 0) return "";
  const auto batched = BatchDimensions(inputs);
  std::string with, without;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (batched[i]) {
      with += (with.empty() ? "'" : ", '") + inputs[i].name + "'";
    } else {
      const TensorInfo& in = inputs[i];
      std::string what = !in.has_shape ? " (shape unknown)" : in.shape.empty() ? " (a scalar)" : " " + DescribeTensor(in).substr(in.name.size() + 1);
      without += (without.empty() ? "'" : ", '") + in.name + "'" + what;
    }
  }
  const std::string b = "--batch " + std::to_string(batch);
  if (without.empty()) return "";
  if (with.empty())
    return b + " has no effect: no input of the model has a batch dimension (" + without +
           "); give other shapes with --shape NAME=D0xD1x...";
  return b + " sets dim 0 of " + with + "; " + without + " have no batch dimension and keep their shapes";
}

std::vector<TensorInfo> ResolveInputShapes(const Model& model, const ShapeOverrides& overrides) {
  return internal::ResolveInputShapesImpl(model, overrides, nullptr);
}

namespace internal {

std::vector<TensorInfo> ResolveInputShapesImpl(const Model& model, const ShapeOverrides& overrides,
                                               std::vector<std::string>* unresolved) {
  const std::vector<TensorInfo> inputs = model.Inputs();
  if (overrides.batch < 0)
    throw Error(ErrorCode::kInvalidArgument,
                "invalid --batch " + std::to_string(overrides.batch) + ": expected an integer > 0");
  for (const auto& kv : overrides.input_shapes) {
    bool found = false;
    for (const auto& in : inputs) found = found || in.name == kv.first;
    if (!found)
      throw Error(ErrorCode::kInvalidArgument, "unknown input '" + kv.first + "' in --shape; the model's inputs are: " +
                                                   ListInputs(inputs));
  }
  std::set<std::string> symbolic;
  for (const auto& in : inputs)
    for (size_t i = 0; i < in.shape.size(); ++i)
      if (in.shape[i] < 0 && i < in.dim_names.size() && !in.dim_names[i].empty()) symbolic.insert(in.dim_names[i]);
  for (const auto& kv : overrides.dim_values) {
    if (kv.second <= 0)
      throw Error(ErrorCode::kInvalidArgument,
                  "invalid --dim " + kv.first + "=" + std::to_string(kv.second) + ": expected a value > 0");
    if (!symbolic.count(kv.first)) {
      std::string names;
      for (const auto& n : symbolic) names += (names.empty() ? "" : ", ") + n;
      throw Error(ErrorCode::kInvalidArgument, "unknown dimension '" + kv.first + "' in --dim; the model's symbolic "
                                               "dimensions are: " + (names.empty() ? "(none)" : names) +
                                               " (inputs: " + ListInputs(inputs) + ")");
    }
  }

  const std::vector<bool> batched = BatchDimensions(inputs);
  std::vector<TensorInfo> out;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const TensorInfo& in = inputs[k];
    TensorInfo r = in;
    r.dim_names.assign(in.shape.size(), "");
    if (!in.is_tensor) {  // a sequence, map or optional: no shape to give, no data qbench can make
      const std::string msg = "input '" + in.name + "' is " + (in.type.empty() ? "" : "a " + in.type + ", ") +
                              "not a tensor: qbench generates, calibrates and feeds tensor inputs only; run this "
                              "model from your own code";
      if (!unresolved) throw Error(ErrorCode::kUnsupported, msg);
      unresolved->push_back(msg);
      out.push_back(r);
      continue;
    }
    auto it = overrides.input_shapes.find(in.name);
    if (it != overrides.input_shapes.end()) {
      const auto& given = it->second;
      if (in.has_shape && given.size() != in.shape.size())
        throw Error(ErrorCode::kInvalidArgument, "--shape " + in.name + "=" + ShapeToString(given) + " has rank " +
                                                     std::to_string(given.size()) + " but input " + DescribeTensor(in) +
                                                     " has rank " + std::to_string(in.shape.size()));
      for (size_t i = 1; in.has_shape && i < given.size(); ++i)
        if (in.shape[i] >= 0 && in.shape[i] != given[i])
          throw Error(ErrorCode::kInvalidArgument, "--shape " + in.name + "=" + ShapeToString(given) + ": dim " +
                                                       std::to_string(i) + " is fixed to " + std::to_string(in.shape[i]) +
                                                       " in the model (" + DescribeTensor(in) + ")");
      if (overrides.batch > 0 && batched[k] && !given.empty() && given[0] != overrides.batch)
        throw Error(ErrorCode::kInvalidArgument, "--shape " + in.name + "=" + ShapeToString(given) +
                                                     " and --batch " + std::to_string(overrides.batch) +
                                                     " disagree on dim 0; give one of them");
      r.shape = given;
      r.dim_names.assign(given.size(), "");
      r.has_shape = true;
      out.push_back(r);
      continue;
    }
    if (!in.has_shape && unresolved) {
      unresolved->push_back("input '" + in.name + "' has no shape in the model file; give it with --shape " + in.name +
                            "=D0xD1x...");
      out.push_back(r);
      continue;
    }
    if (!in.has_shape)
      throw Error(ErrorCode::kInvalidArgument, "input '" + in.name + "' has no shape in the model file; give it with "
                                               "--shape " + in.name + "=D0xD1x...");
    for (size_t i = 0; i < in.shape.size(); ++i) {
      const std::string dim_name = i < in.dim_names.size() ? in.dim_names[i] : "";
      if (i == 0 && overrides.batch > 0 && batched[k]) {
        r.shape[0] = overrides.batch;
        continue;
      }
      if (in.shape[i] >= 0) continue;
      auto dv = dim_name.empty() ? overrides.dim_values.end() : overrides.dim_values.find(dim_name);
      if (dv != overrides.dim_values.end()) {
        r.shape[i] = dv->second;
      } else if (i == 0) {
        r.shape[0] = 1;  // documented default: a dynamic dim 0 is the batch, batch 1
      } else {
        const std::string sym = dim_name.empty() ? "an unnamed dynamic dimension" : "symbolic dimension '" + dim_name + "'";
        const std::string fix = dim_name.empty() ? "" : "--dim " + dim_name + "=VALUE or ";
        const std::string msg = "input '" + in.name + "' dim " + std::to_string(i) + " is " + sym + " (" +
                                DescribeTensor(in) + "); give it a value with " + fix + "--shape " + in.name +
                                "=D0xD1x...";
        if (!unresolved) throw Error(ErrorCode::kInvalidArgument, msg);
        unresolved->push_back(msg);
        r.dim_names[i] = dim_name;
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace internal

namespace {

// The values of a constant 1-D int64 tensor (a Reshape's shape): an initializer, a Constant node, or
// a Concat of those (depth-limited). False when it is not known without running the graph.
bool ConstantShape(const onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t>* shape,
                   int depth = 0) {
  if (depth > 8) return false;
  const onnx::TensorProto* tp = nullptr;
  for (const auto& t : g.initializer())
    if (t.name() == name) tp = &t;
  for (int i = 0; !tp && i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (n.output_size() < 1 || n.output(0) != name) continue;
    if (n.op_type() == "Concat") {
      shape->clear();
      for (const auto& in : n.input()) {
        std::vector<std::int64_t> part;
        if (!ConstantShape(g, in, &part, depth + 1)) return false;
        shape->insert(shape->end(), part.begin(), part.end());
      }
      return true;
    }
    if (n.op_type() != "Constant") return false;
    for (const auto& a : n.attribute()) {
      if (a.name() == "value" && a.has_t()) tp = &a.t();
      if (a.name() == "value_ints") {
        shape->assign(a.ints().begin(), a.ints().end());
        return true;
      }
    }
  }
  if (!tp || tp->data_type() != onnx::TensorProto::INT64 || tp->dims_size() > 1) return false;
  if (tp->dims_size() == 1 && (tp->dims(0) < 0 || tp->dims(0) > 64)) return false;
  try {
    HostTensor t = TensorFromProto(*tp);
    const auto* v = t.data<std::int64_t>();
    shape->assign(v, v + t.num_elements());
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::string NodeLabel(const onnx::NodeProto& n, int index) {
  return (n.name().empty() ? "#" + std::to_string(index) : n.name()) + " (" + n.op_type() + ")";
}

}  // namespace

Model WithBatchSize(const Model& model, std::int64_t batch) {
  if (batch <= 0)
    throw Error(ErrorCode::kInvalidArgument, "invalid batch " + std::to_string(batch) + ": expected an integer > 0");
  Model m = model;
  auto* g = m.proto.mutable_graph();
  std::set<std::string> inits, batched;
  for (const auto& t : g->initializer()) inits.insert(t.name());
  {
    const auto inputs = model.Inputs();
    const auto has_batch = BatchDimensions(inputs);
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (has_batch[i]) batched.insert(inputs[i].name);
  }

  std::int64_t fixed_batch = -1;
  std::string first_input;
  std::set<std::string> tainted;  // tensors computed from a rewritten input
  std::vector<onnx::ValueInfoProto*> to_rewrite;
  for (auto& vi : *g->mutable_input()) {
    if (inits.count(vi.name()) || !batched.count(vi.name())) continue;
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) continue;
    const auto& shape = vi.type().tensor_type().shape();
    if (shape.dim_size() < 1 || !shape.dim(0).has_dim_value()) continue;
    const std::int64_t b0 = shape.dim(0).dim_value();
    if (b0 == batch) continue;
    if (fixed_batch >= 0 && b0 != fixed_batch)
      throw Error(ErrorCode::kUnsupported, "cannot run batch " + std::to_string(batch) + ": inputs '" + first_input +
                                               "' and '" + vi.name() + "' fix dim 0 to different values (" +
                                               std::to_string(fixed_batch) + " and " + std::to_string(b0) + ")");
    fixed_batch = b0;
    if (first_input.empty()) first_input = vi.name();
    tainted.insert(vi.name());
    to_rewrite.push_back(&vi);
  }
  if (to_rewrite.empty()) return m;

  // A Reshape downstream of a rewritten input with a constant shape whose element 0 is the old batch
  // hard-codes it (nodes are in topological order in a valid ONNX graph).
  for (int i = 0; i < g->node_size(); ++i) {
    const auto& n = g->node(i);
    bool hit = false;
    for (const auto& in : n.input()) hit = hit || tainted.count(in) > 0;
    if (!hit) continue;
    for (const auto& o : n.output()) tainted.insert(o);
    if (n.op_type() != "Reshape" || n.input_size() < 2 || !tainted.count(n.input(0))) continue;
    std::vector<std::int64_t> shape;
    if (ConstantShape(*g, n.input(1), &shape) && !shape.empty() && shape[0] == fixed_batch)
      throw Error(ErrorCode::kUnsupported,
                  "cannot run batch " + std::to_string(batch) + ": input \"" + first_input + "\" dim 0 is fixed to " +
                      std::to_string(fixed_batch) + " and node " + NodeLabel(n, i) + " hard-codes batch " +
                      std::to_string(fixed_batch) + " in its shape " + JoinShape(shape) +
                      "; re-export the model with a dynamic batch (a Reshape shape of [-1,...] or [0,...])");
  }

  for (auto* vi : to_rewrite)
    vi->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_value(batch);
  std::vector<std::string> rewritten_outputs;
  for (auto& vo : *g->mutable_output()) {
    if (!vo.type().has_tensor_type() || !vo.type().tensor_type().has_shape()) continue;
    auto* shape = vo.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() >= 1 && shape->dim(0).has_dim_value() && shape->dim(0).dim_value() == fixed_batch) {
      shape->mutable_dim(0)->set_dim_value(batch);
      rewritten_outputs.push_back(vo.name());
    }
  }
  g->clear_value_info();

  // Second line of defence: ONNX shape inference on the rewritten graph, output shapes cleared so
  // that a hard-coded batch shows up as an inferred dim 0 != batch instead of a merge error.
  Model check = m;
  for (auto& vo : *check.proto.mutable_graph()->mutable_output())
    if (vo.type().has_tensor_type()) vo.mutable_type()->mutable_tensor_type()->clear_shape();
  std::string failure;
  if (!internal::InferShapesIsolated(check.proto, &failure))
    return m;  // inference could not decide; ORT will be the judge at session creation / run
  for (const auto& vo : check.proto.graph().output()) {
    if (!vo.type().has_tensor_type() || !vo.type().tensor_type().has_shape()) continue;
    const auto& shape = vo.type().tensor_type().shape();
    if (shape.dim_size() < 1 || !shape.dim(0).has_dim_value()) continue;
    bool was_batch = false;
    for (const auto& r : rewritten_outputs) was_batch = was_batch || r == vo.name();
    if (was_batch && shape.dim(0).dim_value() != batch) {
      // Find the first node whose output lost the batch: its inputs carry dim 0 == batch, its output not.
      std::string culprit;
      std::map<std::string, std::int64_t> dim0;
      for (const auto& vi : check.proto.graph().input())
        if (vi.type().tensor_type().shape().dim_size() > 0 && vi.type().tensor_type().shape().dim(0).has_dim_value())
          dim0[vi.name()] = vi.type().tensor_type().shape().dim(0).dim_value();
      for (const auto& vi : check.proto.graph().value_info())
        if (vi.type().tensor_type().shape().dim_size() > 0 && vi.type().tensor_type().shape().dim(0).has_dim_value())
          dim0[vi.name()] = vi.type().tensor_type().shape().dim(0).dim_value();
      for (const auto& vi : check.proto.graph().output())
        if (vi.type().tensor_type().shape().dim_size() > 0 && vi.type().tensor_type().shape().dim(0).has_dim_value())
          dim0[vi.name()] = vi.type().tensor_type().shape().dim(0).dim_value();
      for (int i = 0; i < check.proto.graph().node_size() && culprit.empty(); ++i) {
        const auto& n = check.proto.graph().node(i);
        bool in_batch = false;
        for (const auto& in : n.input()) in_batch = in_batch || (dim0.count(in) && dim0[in] == batch);
        if (in_batch && n.output_size() > 0 && dim0.count(n.output(0)) && dim0[n.output(0)] != batch)
          culprit = " (first at node " + NodeLabel(n, i) + ")";
      }
      throw Error(ErrorCode::kUnsupported,
                  "cannot run batch " + std::to_string(batch) + ": input \"" + first_input + "\" dim 0 is fixed to " +
                      std::to_string(fixed_batch) + " and with it rewritten, shape inference gives output '" +
                      vo.name() + "' dim 0 = " + std::to_string(shape.dim(0).dim_value()) +
                      ": the graph hard-codes the batch" + culprit + "; re-export the model with a dynamic batch");
    }
  }
  return m;
}

std::int64_t BatchRewriteTarget(const Model& model, const std::vector<TensorInfo>& resolved) {
  const std::vector<TensorInfo> file_inputs = model.Inputs();
  std::int64_t target = 0;
  for (std::size_t k = 0; k < file_inputs.size() && k < resolved.size(); ++k)
    if (file_inputs[k].has_shape && !file_inputs[k].shape.empty() && file_inputs[k].shape[0] > 0 &&
        !resolved[k].shape.empty() && resolved[k].shape[0] != file_inputs[k].shape[0])
      target = resolved[k].shape[0];
  return target;
}

}  // namespace qbench
