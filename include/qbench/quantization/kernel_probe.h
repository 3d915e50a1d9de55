// qbench/quantization/kernel_probe.h — whether a quantized file relies on ONNX Runtime's u8·s8
// integer kernels, which saturate on x86 CPUs with AVX2 but no VNNI (OrtU8S8KernelsSaturate() in
// quantizer.h probes this CPU; docs/quantized_graphs.md).
#pragma once

#include <string>

#include "qbench/model/model.h"

namespace qbench {

/// True when `model`, a quantized file as written (made by qbench or elsewhere), relies on the kernels
/// OrtU8S8KernelsSaturate() is about: u8 activations against int8 weights beyond [-64, 64] in
/// MatMulInteger/ConvInteger/DynamicQuantizeLSTM, in QLinearConv/QLinearMatMul (u8 input zero point,
/// int8 weight: QOperator files such as the ONNX Model Zoo's int8 models), or in static QDQ whose
/// QuantizeLinear nodes write u8. Top-level initializers decide the activation type; subgraphs are
/// searched for the ops. Never throws for a loaded model.
bool FileUsesU8S8Kernels(const Model& model);

/// What `eval` and the lab say about a quantized file that loses accuracy on this CPU only: when
/// FileUsesU8S8Kernels(model) and OrtU8S8KernelsSaturate(), "it runs u8 activations against int8 weights
/// beyond [-64, 64], and this CPU's ONNX Runtime u8 x s8 kernels saturate (…): its accuracy here can be
/// lower than on a CPU with VNNI (docs/quantized_graphs.md)"; else "". Probes the CPU once per process.
std::string U8S8SaturationNote(const Model& model);

}  // namespace qbench
