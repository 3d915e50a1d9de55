// src/model/contrib_shapes.h — shape inference for ONNX Runtime's com.microsoft quantized ops (not public).
#pragma once

#include <onnx/defs/schema.h>

#include <string>

namespace qbench::internal {

/// A schema carrying only a type-and-shape inference function for the com.microsoft ops whose output
/// shape follows from their inputs (QLinearAdd/QLinearMul broadcast, QLinearSigmoid/LeakyRelu/Softmax
/// elementwise, QLinearGlobalAveragePool [N,C,1,1] or with channels_last [N,1,1,C], QLinearAveragePool,
/// QLinearConcat, QLinearReduceMean, QGemm, DynamicQuantizeMatMul, MatMulIntegerToFloat, QuantizeLinear,
/// DequantizeLinear), after ORT's definitions (onnxruntime/core/graph/contrib_ops/quantization_defs.cc).
/// nullptr for any other op, another domain or max_version < 1. The schemas live for the process.
const onnx::OpSchema* ContribSchema(const std::string& op_type, int max_version, const std::string& domain);

/// For ONNX ops of the default domain whose older versions carry no data-propagation function in
/// libonnx 1.12 (Gather-11, Unsqueeze-11, Squeeze-11, Concat-11, Cast-9, ...), one that carries the
/// values of small integer tensors (shape computations) through them: Unsqueeze/Squeeze/Cast copy the
/// values, Gather picks them on axis 0, Concat joins them on axis 0. So an opset-12 export's
/// Shape→Gather→Unsqueeze→Concat→Reshape (a flatten) gets its Reshape sized, as opset 13+ files do.
/// An empty function for any other op.
onnx::DataPropagationFunction ShapeValuePropagator(const std::string& op_type);

/// After Reshape's own inference: when it left the output unsized (Reshape-5's inference reads only a
/// constant shape input) and the shape input's values were propagated (ShapeValuePropagator), the output
/// shape from them (0 copies the input dim unless allowzero, one -1 takes the remaining elements).
void ReshapeFromShapeValues(onnx::InferenceContext& ctx);

}  // namespace qbench::internal
