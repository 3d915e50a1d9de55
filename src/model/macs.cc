// The shapes of a graph's values and the one MAC count per node (qbench/model/macs.h).
#include "qbench/model/macs.h"

#include <algorithm>
#include <map>

#include "model/guarded_inference.h"
#include "model/safe_math.h"

namespace qbench {
namespace {

using internal::SafeMul;
using internal::SafeProduct;
using Shape = std::vector<std::int64_t>;

void AddShape(const onnx::ValueInfoProto& v, ValueShapes* shapes) {
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
  Shape dims;
  for (const auto& d : v.type().tensor_type().shape().dim())
    dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
  (*shapes)[v.name()] = dims;
}

std::int64_t AttrInt(const onnx::NodeProto& n, const std::string& name, std::int64_t def) {
  for (const auto& a : n.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::INT) return a.i();
  return def;
}

// Shape of input `index` with every dim known, or nullptr.
const Shape* Known(const ValueShapes& shapes, const onnx::NodeProto& n, int index) {
  if (index >= n.input_size() || n.input(index).empty()) return nullptr;
  auto it = shapes.find(n.input(index));
  if (it == shapes.end() || SafeProduct(it->second) < 0) return nullptr;
  return &it->second;
}

const Shape* KnownOutput(const ValueShapes& shapes, const onnx::NodeProto& n) {
  if (n.output_size() < 1) return nullptr;
  auto it = shapes.find(n.output(0));
  if (it == shapes.end() || SafeProduct(it->second) < 0) return nullptr;
  return &it->second;
}

// numpy matmul: A [..., M, K] · B [..., K, N]; -1 when unknown or inconsistent.
std::int64_t MatMulMacs(const Shape* a_in, const Shape* b_in) {
  if (!a_in || !b_in || a_in->empty() || b_in->empty()) return -1;
  Shape a = *a_in, b = *b_in;
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const std::int64_t m = a[a.size() - 2], k = a.back(), k2 = b[b.size() - 2], n = b.back();
  if (k != k2) return -1;
  std::int64_t batch = 1;
  const size_t ra = a.size() - 2, rb = b.size() - 2, r = std::max(ra, rb);
  for (size_t i = 0; i < r; ++i) {
    const std::int64_t da = i < r - ra ? 1 : a[i - (r - ra)], db = i < r - rb ? 1 : b[i - (r - rb)];
    if (da != db && da != 1 && db != 1) return -1;
    batch = SafeMul(batch, std::max(da, db));
  }
  return SafeMul(SafeMul(SafeMul(batch, m), n), k);
}

enum class Formula { kConv, kConvTranspose, kGemm, kMatMul, kFusedMatMul, kRecurrent };

struct MacOp {
  Formula formula;
  bool integer;
  int a, b;  // input indices: activation (or A) and weight (or B)
};

// Keyed as CountNodeMacs documents: "op" in the default domain, "domain.op" otherwise.
const std::map<std::string, MacOp>& MacOps() {
  static const std::map<std::string, MacOp> k = {
      {"Conv", {Formula::kConv, false, 0, 1}},
      {"com.microsoft.FusedConv", {Formula::kConv, false, 0, 1}},
      {"ConvInteger", {Formula::kConv, true, 0, 1}},
      {"QLinearConv", {Formula::kConv, true, 0, 3}},
      {"com.microsoft.NhwcQLinearConv", {Formula::kConv, true, 0, 3}},
      {"ConvTranspose", {Formula::kConvTranspose, false, 0, 1}},
      {"Gemm", {Formula::kGemm, false, 0, 1}},
      {"com.microsoft.FusedGemm", {Formula::kGemm, false, 0, 1}},
      {"com.microsoft.QGemm", {Formula::kGemm, true, 0, 3}},
      {"MatMul", {Formula::kMatMul, false, 0, 1}},
      {"MatMulInteger", {Formula::kMatMul, true, 0, 1}},
      {"QLinearMatMul", {Formula::kMatMul, true, 0, 3}},
      {"com.microsoft.DynamicQuantizeMatMul", {Formula::kMatMul, true, 0, 1}},
      {"com.microsoft.MatMulIntegerToFloat", {Formula::kMatMul, true, 0, 1}},
      {"com.microsoft.FusedMatMul", {Formula::kFusedMatMul, false, 0, 1}},
      {"LSTM", {Formula::kRecurrent, false, 0, 1}},
      {"GRU", {Formula::kRecurrent, false, 0, 1}},
      {"RNN", {Formula::kRecurrent, false, 0, 1}},
      {"com.microsoft.DynamicQuantizeLSTM", {Formula::kRecurrent, true, 0, 1}},
  };
  return k;
}

}  // namespace

ValueShapes InferValueShapes(const Model& model, const std::vector<TensorInfo>& inputs, std::string* failure) {
  onnx::ModelProto work = model.proto;
  auto* g = work.mutable_graph();
  g->clear_value_info();
  for (auto& o : *g->mutable_output())
    if (o.type().has_tensor_type()) o.mutable_type()->mutable_tensor_type()->clear_shape();
  for (auto& in : *g->mutable_input()) {
    for (const auto& r : inputs) {
      if (r.name != in.name() || !in.type().has_tensor_type()) continue;
      auto* tt = in.mutable_type()->mutable_tensor_type();
      if (!r.has_shape) {
        tt->clear_shape();
        continue;
      }
      auto* shape = tt->mutable_shape();
      shape->clear_dim();
      for (size_t d = 0; d < r.shape.size(); ++d) {
        auto* dim = shape->add_dim();
        if (r.shape[d] >= 0)
          dim->set_dim_value(r.shape[d]);
        else if (d < r.dim_names.size() && !r.dim_names[d].empty())
          dim->set_dim_param(r.dim_names[d]);
      }
    }
  }
  std::string why;
  if (!internal::InferShapesIsolated(work, &why) && failure) *failure = why;
  ValueShapes shapes;
  for (const auto& v : work.graph().input()) AddShape(v, &shapes);
  for (const auto& v : work.graph().value_info()) AddShape(v, &shapes);
  for (const auto& v : work.graph().output()) AddShape(v, &shapes);
  for (const auto& t : work.graph().initializer()) shapes[t.name()] = {t.dims().begin(), t.dims().end()};
  for (const auto& n : work.graph().node())
    if (n.op_type() == "Constant" && n.output_size() > 0)
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.has_t()) shapes[n.output(0)] = {a.t().dims().begin(), a.t().dims().end()};
  return shapes;
}

NodeMacCount CountNodeMacs(const onnx::NodeProto& n, const ValueShapes& s) {
  const std::string key = (n.domain().empty() || n.domain() == "ai.onnx") ? n.op_type() : n.domain() + "." + n.op_type();
  auto it = MacOps().find(key);
  if (it == MacOps().end()) return {};
  const MacOp& op = it->second;
  NodeMacCount c;
  c.has_formula = true;
  c.integer = op.integer;
  c.macs = -1;
  switch (op.formula) {
    case Formula::kConv: {
      const Shape* y = KnownOutput(s, n);
      const Shape* w = Known(s, n, op.b);
      if (y && w && w->size() >= 2 && (*w)[0] > 0) c.macs = SafeMul(SafeProduct(*y), SafeProduct(*w, 1));
      break;
    }
    case Formula::kConvTranspose: {
      const Shape* x = Known(s, n, op.a);
      const Shape* w = Known(s, n, op.b);
      if (x && w && w->size() >= 2 && (*w)[0] > 0) c.macs = SafeMul(SafeProduct(*x), SafeProduct(*w, 1));
      break;
    }
    case Formula::kGemm: {
      const Shape* a = Known(s, n, op.a);
      const Shape* b = Known(s, n, op.b);
      if (!a || !b || a->size() != 2 || b->size() != 2) break;
      const bool ta = AttrInt(n, "transA", 0) != 0, tb = AttrInt(n, "transB", 0) != 0;
      const std::int64_t m = ta ? (*a)[1] : (*a)[0], k = ta ? (*a)[0] : (*a)[1], nn = tb ? (*b)[0] : (*b)[1];
      c.macs = SafeMul(SafeMul(m, nn), k);
      break;
    }
    case Formula::kMatMul:
      c.macs = MatMulMacs(Known(s, n, op.a), Known(s, n, op.b));
      break;
    case Formula::kFusedMatMul: {  // transA/transB apply to the last two dims of A
      const Shape* a = Known(s, n, op.a);
      const Shape* y = KnownOutput(s, n);
      if (!a || !y || a->empty()) break;
      const std::int64_t k = a->size() == 1 ? (*a)[0] : AttrInt(n, "transA", 0) != 0 ? (*a)[a->size() - 2] : a->back();
      c.macs = SafeMul(SafeProduct(*y), k);
      break;
    }
    case Formula::kRecurrent: {
      const Shape* x = Known(s, n, 0);
      const Shape* w = Known(s, n, 1);
      const Shape* r = Known(s, n, 2);
      if (!x || !w || !r || x->size() != 3) break;
      const std::int64_t steps = SafeMul((*x)[0], (*x)[1]);  // seq·batch in either layout
      c.macs = SafeMul(steps, SafeProduct(*w) + SafeProduct(*r));
      break;
    }
  }
  return c;
}

}  // namespace qbench
