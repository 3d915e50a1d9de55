// Shape inference for ONNX Runtime's com.microsoft quantized ops (QOperator files made by ORT's
// quantizer, Intel Neural Compressor, the ONNX Model Zoo), so that shapes flow through them and the
// MACs behind them are counted. The output shapes follow ORT's own schema definitions
// (onnxruntime/core/graph/contrib_ops/quantization_defs.cc, contrib_defs.cc); the schemas here are
// handed out by the guarded registry only (guarded_inference.cc), never registered globally.
#include "model/contrib_shapes.h"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>

#include <map>
#include <memory>
#include <string>

namespace qbench::internal {
namespace {

using onnx::InferenceContext;
using onnx::TensorShapeProto;
using onnx::TypeProto;
using Infer = void (*)(InferenceContext&);

void SameAsInput0(InferenceContext& ctx) {
  onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (onnx::hasInputShape(ctx, 0)) onnx::propagateShapeFromInputToOutput(ctx, 0, 0);
}

// QLinearAdd / QLinearMul: A (0) and B (3), numpy broadcasting; C has A's element type.
void Broadcast03(InferenceContext& ctx) {
  onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (onnx::hasInputShape(ctx, 0) && onnx::hasInputShape(ctx, 3))
    onnx::bidirectionalBroadcastShapeInference(onnx::getInputShape(ctx, 0), onnx::getInputShape(ctx, 3),
                                               *ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape());
}

bool ChannelsLast(InferenceContext& ctx) { return onnx::getAttribute(ctx, "channels_last", 0) != 0; }

// QLinearGlobalAveragePool: X [N, C, D1...] → [N, C, 1...]; channels_last X [N, D1..., C] → [N, 1..., C].
void GlobalPool(InferenceContext& ctx) {
  onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (!onnx::hasInputShape(ctx, 0)) return;
  const TensorShapeProto& x = onnx::getInputShape(ctx, 0);
  const int rank = x.dim_size();
  if (rank < 3) fail_shape_inference("input 0 has rank ", rank, ", expected >= 3");
  const int channel = ChannelsLast(ctx) ? rank - 1 : 1;
  auto* y = ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape();
  y->clear_dim();
  for (int d = 0; d < rank; ++d) {
    if (d == 0 || d == channel) *y->add_dim() = x.dim(d);
    else y->add_dim()->set_dim_value(1);
  }
}

// Runs an NCHW inference function on a channels_last node: input 0 and output 0 seen as NCHW.
class NchwView : public InferenceContext {
 public:
  explicit NchwView(InferenceContext& inner) : inner_(inner) {
    in0_ = *inner.getInputType(0);
    Permute(in0_.mutable_tensor_type()->mutable_shape(), /*to_nchw=*/true);
  }
  const onnx::AttributeProto* getAttribute(const std::string& name) const override { return inner_.getAttribute(name); }
  size_t getNumInputs() const override { return inner_.getNumInputs(); }
  const TypeProto* getInputType(size_t i) const override { return i == 0 ? &in0_ : inner_.getInputType(i); }
  const onnx::TensorProto* getInputData(size_t i) const override { return inner_.getInputData(i); }
  size_t getNumOutputs() const override { return inner_.getNumOutputs(); }
  TypeProto* getOutputType(size_t i) override { return i == 0 ? &out0_ : inner_.getOutputType(i); }
  onnx::GraphInferencer* getGraphAttributeInferencer(const std::string& name) override {
    return inner_.getGraphAttributeInferencer(name);
  }
  const onnx::SparseTensorProto* getInputSparseData(size_t i) const override { return inner_.getInputSparseData(i); }
  const TensorShapeProto* getSymbolicInput(size_t i) const override { return i == 0 ? nullptr : inner_.getSymbolicInput(i); }

  // Writes the NCHW output back as channels_last.
  void Commit() {
    if (!out0_.has_tensor_type()) return;
    auto* t = inner_.getOutputType(0)->mutable_tensor_type();
    if (out0_.tensor_type().has_elem_type()) t->set_elem_type(out0_.tensor_type().elem_type());
    if (!out0_.tensor_type().has_shape()) return;
    TensorShapeProto s = out0_.tensor_type().shape();
    Permute(&s, /*to_nchw=*/false);
    *t->mutable_shape() = s;
  }

 private:
  static void Permute(TensorShapeProto* s, bool to_nchw) {
    const int rank = s->dim_size();
    if (rank < 3) return;
    TensorShapeProto p;
    *p.add_dim() = s->dim(0);
    if (to_nchw) {  // [N, D..., C] → [N, C, D...]
      *p.add_dim() = s->dim(rank - 1);
      for (int d = 1; d < rank - 1; ++d) *p.add_dim() = s->dim(d);
    } else {  // [N, C, D...] → [N, D..., C]
      for (int d = 2; d < rank; ++d) *p.add_dim() = s->dim(d);
      *p.add_dim() = s->dim(1);
    }
    *s = p;
  }

  InferenceContext& inner_;
  TypeProto in0_, out0_;
};

// QLinearAveragePool: ONNX AveragePool's own inference (X is input 0, the same attributes).
void AveragePool(InferenceContext& ctx) {
  const onnx::OpSchema* pool = onnx::OpSchemaRegistry::Schema("AveragePool", 11, "");
  if (!pool || !pool->has_type_and_shape_inference_function()) return;
  if (!ChannelsLast(ctx)) {
    pool->GetTypeAndShapeInferenceFunction()(ctx);
    return;
  }
  if (!onnx::hasInputShape(ctx, 0)) {
    onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
    return;
  }
  NchwView view(ctx);
  pool->GetTypeAndShapeInferenceFunction()(view);
  view.Commit();
}

// QLinearConcat: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input; attribute axis.
void Concat(InferenceContext& ctx) {
  const size_t n = ctx.getNumInputs();
  if (n < 5 || (n - 2) % 3 != 0) fail_shape_inference("expects Y_scale, Y_zero_point and (X, scale, zero point) triples");
  onnx::propagateElemTypeFromInputToOutput(ctx, 2, 0);
  for (size_t i = 2; i < n; i += 3)
    if (!onnx::hasInputShape(ctx, i)) return;
  const int rank = onnx::getInputShape(ctx, 2).dim_size();
  const auto* axis_attr = ctx.getAttribute("axis");
  if (!axis_attr) fail_shape_inference("attribute axis is missing");
  std::int64_t axis = axis_attr->i();
  if (axis < -rank || axis >= rank) fail_shape_inference("axis ", axis, " outside [-rank, rank)");
  if (axis < 0) axis += rank;
  auto* y = ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape();
  y->clear_dim();
  for (int d = 0; d < rank; ++d) y->add_dim();
  std::int64_t total = 0;
  bool known = true;
  for (size_t i = 2; i < n; i += 3) {
    const TensorShapeProto& x = onnx::getInputShape(ctx, i);
    if (x.dim_size() != rank) fail_shape_inference("inputs of QLinearConcat differ in rank");
    for (int d = 0; d < rank; ++d) {
      if (d != axis) {
        onnx::mergeInDimensionInfo(x.dim(d), *y->mutable_dim(d), d);
      } else if (x.dim(d).has_dim_value()) {
        total += x.dim(d).dim_value();
      } else {
        known = false;
      }
    }
  }
  if (known) y->mutable_dim(static_cast<int>(axis))->set_dim_value(total);
}

// QGemm: A (0) [M, K] or [K, M] with transA, B (3) [K, N] or [N, K] with transB → Y [M, N]; Y is
// quantized (the type of y_zero_point, input 8) when given, else float.
void QGemm(InferenceContext& ctx) {
  if (ctx.getNumInputs() > 8 && ctx.getInputType(8))
    onnx::propagateElemTypeFromInputToOutput(ctx, 8, 0);
  else
    onnx::updateOutputElemType(ctx, 0, onnx::TensorProto::FLOAT);
  if (!onnx::hasInputShape(ctx, 0) || !onnx::hasInputShape(ctx, 3)) return;
  const TensorShapeProto& a = onnx::getInputShape(ctx, 0);
  const TensorShapeProto& b = onnx::getInputShape(ctx, 3);
  if (a.dim_size() != 2 || b.dim_size() != 2) fail_shape_inference("QGemm inputs A and B must have rank 2");
  const bool ta = onnx::getAttribute(ctx, "transA", 0) != 0, tb = onnx::getAttribute(ctx, "transB", 0) != 0;
  onnx::updateOutputShape(ctx, 0, {a.dim(ta ? 1 : 0), b.dim(tb ? 0 : 1)});
}

// DynamicQuantizeMatMul / MatMulIntegerToFloat: numpy matmul of A (0) and B (1), float output.
void MatMulToFloat(InferenceContext& ctx) {
  const onnx::OpSchema* mm = onnx::OpSchemaRegistry::Schema("MatMul", 13, "");
  if (mm && mm->has_type_and_shape_inference_function()) mm->GetTypeAndShapeInferenceFunction()(ctx);
  onnx::updateOutputElemType(ctx, 0, onnx::TensorProto::FLOAT);
}

// QLinearReduceMean: data (0); attributes axes (all when absent) and keepdims (default 1).
void ReduceMean(InferenceContext& ctx) {
  onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (!onnx::hasInputShape(ctx, 0)) return;
  const TensorShapeProto& x = onnx::getInputShape(ctx, 0);
  const int rank = x.dim_size();
  std::vector<std::int64_t> axes;
  onnx::getRepeatedAttribute(ctx, "axes", axes);
  std::vector<bool> reduced(static_cast<size_t>(rank), axes.empty());
  for (auto a : axes) {
    if (a < -rank || a >= rank) fail_shape_inference("axis ", a, " outside [-rank, rank)");
    reduced[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  }
  const bool keep = onnx::getAttribute(ctx, "keepdims", 1) != 0;
  auto* y = ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape();
  y->clear_dim();
  for (int d = 0; d < rank; ++d) {
    if (!reduced[static_cast<size_t>(d)]) *y->add_dim() = x.dim(d);
    else if (keep) y->add_dim()->set_dim_value(1);
  }
}

// com.microsoft QuantizeLinear: the shape of x, the type of y_zero_point (uint8 without it).
void Quantize(InferenceContext& ctx) {
  if (ctx.getNumInputs() > 2 && ctx.getInputType(2)) onnx::propagateElemTypeFromInputToOutput(ctx, 2, 0);
  else onnx::updateOutputElemType(ctx, 0, onnx::TensorProto::UINT8);
  if (onnx::hasInputShape(ctx, 0)) onnx::propagateShapeFromInputToOutput(ctx, 0, 0);
}

// com.microsoft DequantizeLinear: the shape of x, float.
void Dequantize(InferenceContext& ctx) {
  onnx::updateOutputElemType(ctx, 0, onnx::TensorProto::FLOAT);
  if (onnx::hasInputShape(ctx, 0)) onnx::propagateShapeFromInputToOutput(ctx, 0, 0);
}

const std::map<std::string, Infer>& Table() {
  static const std::map<std::string, Infer> k = {
      {"QLinearAdd", Broadcast03},
      {"QLinearMul", Broadcast03},
      {"QLinearSigmoid", SameAsInput0},
      {"QLinearLeakyRelu", SameAsInput0},
      {"QLinearSoftmax", SameAsInput0},
      {"QLinearGlobalAveragePool", GlobalPool},
      {"QLinearAveragePool", AveragePool},
      {"QLinearConcat", Concat},
      {"QLinearReduceMean", ReduceMean},
      {"QGemm", QGemm},
      {"DynamicQuantizeMatMul", MatMulToFloat},
      {"MatMulIntegerToFloat", MatMulToFloat},
      {"QuantizeLinear", Quantize},
      {"DequantizeLinear", Dequantize},
  };
  return k;
}

}  // namespace

const onnx::OpSchema* ContribSchema(const std::string& op_type, int max_version, const std::string& domain) {
  if (domain != "com.microsoft" || max_version < 1) return nullptr;
  static const std::map<std::string, std::unique_ptr<onnx::OpSchema>> schemas = [] {
    std::map<std::string, std::unique_ptr<onnx::OpSchema>> m;
    for (const auto& [op, fn] : Table()) {
      auto s = std::make_unique<onnx::OpSchema>();
      s->SetName(op).SetDomain("com.microsoft").SinceVersion(1).TypeAndShapeInferenceFunction(fn);
      m[op] = std::move(s);
    }
    return m;
  }();
  auto it = schemas.find(op_type);
  return it == schemas.end() ? nullptr : it->second.get();
}

namespace {

using onnx::DataPropagationContext;

// Unsqueeze, Squeeze, Cast of a value list (rank <= 1): the same values.
void CopyValues(DataPropagationContext& ctx) {
  const TensorShapeProto* in = ctx.getInputData(0);
  if (!in) return;
  TensorShapeProto out = *in;
  ctx.addOutputData(0, std::move(out));
}

// Shape (versions before 15 carry no values in libonnx 1.12): the input's dims.
void ShapeValues(DataPropagationContext& ctx) {
  const TypeProto* t = ctx.getInputType(0);
  if (!t || !t->has_tensor_type() || !t->tensor_type().has_shape()) return;
  TensorShapeProto out = t->tensor_type().shape();
  ctx.addOutputData(0, std::move(out));
}

// Gather on axis 0 of a value list, by a scalar or 1-D index list (negative indices from the end).
void GatherValues(DataPropagationContext& ctx) {
  const auto* axis = ctx.getAttribute("axis");
  if (axis && axis->i() != 0) return;
  const TensorShapeProto* data = ctx.getInputData(0);
  const TensorShapeProto* idx = ctx.getInputData(1);
  if (!data || !idx) return;
  const int n = data->dim_size();
  TensorShapeProto out;
  for (const auto& d : idx->dim()) {
    if (!d.has_dim_value()) return;
    std::int64_t i = d.dim_value();
    if (i < 0) i += n;
    if (i < 0 || i >= n) return;
    *out.add_dim() = data->dim(static_cast<int>(i));
  }
  ctx.addOutputData(0, std::move(out));
}

// Concat of value lists (axis 0 or -1 of rank-1 tensors).
void ConcatValues(DataPropagationContext& ctx) {
  const auto* axis = ctx.getAttribute("axis");
  if (!axis || (axis->i() != 0 && axis->i() != -1)) return;
  TensorShapeProto out;
  for (size_t i = 0; i < ctx.getNumInputs(); ++i) {
    const TensorShapeProto* in = ctx.getInputData(i);
    if (!in) return;
    for (const auto& d : in->dim()) *out.add_dim() = d;
  }
  ctx.addOutputData(0, std::move(out));
}

}  // namespace

void ReshapeFromShapeValues(InferenceContext& ctx) {
  auto* y = ctx.getOutputType(0);
  if (!y || (y->has_tensor_type() && y->tensor_type().has_shape())) return;  // already sized
  const TensorShapeProto* target = ctx.getSymbolicInput(1);
  if (!target || !onnx::hasInputShape(ctx, 0)) return;
  const TensorShapeProto& x = onnx::getInputShape(ctx, 0);
  std::int64_t x_elements = 1;
  for (const auto& d : x.dim()) {
    if (!d.has_dim_value()) return;
    x_elements *= d.dim_value();
  }
  const bool allow_zero = onnx::getAttribute(ctx, "allowzero", 0) != 0;
  std::vector<std::int64_t> dims;
  int infer = -1;
  std::int64_t known = 1;
  for (int i = 0; i < target->dim_size(); ++i) {
    if (!target->dim(i).has_dim_value()) return;
    std::int64_t v = target->dim(i).dim_value();
    if (v == 0 && !allow_zero) {
      if (i >= x.dim_size()) return;
      v = x.dim(i).dim_value();
    }
    if (v == -1) {
      if (infer >= 0) return;
      infer = i;
    } else if (v < 0) {
      return;
    } else {
      known *= v;
    }
    dims.push_back(v);
  }
  if (infer >= 0) {
    if (known == 0 || x_elements % known != 0) return;
    dims[static_cast<size_t>(infer)] = x_elements / known;
  } else if (known != x_elements) {
    return;
  }
  onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
  auto* shape = y->mutable_tensor_type()->mutable_shape();
  shape->clear_dim();
  for (auto v : dims) shape->add_dim()->set_dim_value(v);
}

onnx::DataPropagationFunction ShapeValuePropagator(const std::string& op_type) {
  static const std::map<std::string, void (*)(DataPropagationContext&)> k = {
      {"Unsqueeze", CopyValues}, {"Squeeze", CopyValues}, {"Cast", CopyValues},
      {"Gather", GatherValues},  {"Concat", ConcatValues}, {"Shape", ShapeValues},
  };
  auto it = k.find(op_type);
  return it == k.end() ? onnx::DataPropagationFunction{} : onnx::DataPropagationFunction(it->second);
}

}  // namespace qbench::internal
