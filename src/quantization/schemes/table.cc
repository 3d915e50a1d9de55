// The scheme table (qbench/quantization/scheme.h): one row per scheme, in --help order. A new scheme
// is one row here plus its implementation file in this folder (which CMake picks up by itself).
#include "qbench/quantization/quantizer.h"

namespace qbench {
namespace quant_internal {
// The implementations behind the rows (each defined in its own file).
std::unique_ptr<QuantizationScheme> MakeDynamicScheme();    // dynamic.cc
std::unique_ptr<QuantizationScheme> MakeStaticQdqScheme();  // static_qdq.cc
std::vector<std::string> StaticQdqOpTypes();                // static_plan.cc
std::unique_ptr<QuantizationScheme> MakeFp16Scheme();       // schemes/fp16.cc
}  // namespace quant_internal

const std::vector<SchemeInfo>& QuantizationSchemes() {
  static const std::vector<SchemeInfo> k = {
      {"dynamic",
       "8-bit weights stored in the file, per tensor: Conv u8 asymmetric, MatMul/Gemm/LSTM s8 symmetric (7-bit, or "
       "MatMul/Gemm u8 with zero point 128, by --weight-range); --per-channel: s8 symmetric (or u8 with zero point 128) "
       "per output channel; activations quantized to u8 at run time (MatMul/Gemm/Conv/LSTM); no calibration; "
       "about 4x smaller, slower than fp32 for conv nets in ORT",
       Precision::kInt8, Precision::kInt8, /*needs_calibration=*/false, Granularity::kPerTensor,
       {{Granularity::kPerChannel, /*speed_vs_fp32=*/0.2}},
       {"MatMul", "Gemm", "Conv", "LSTM"}, 11, 21, {DType::kUint8}, /*speed_vs_fp32=*/0.45,
       quant_internal::MakeDynamicScheme},
      {"static",
       "QDQ int8 (8-bit weights by --weight-range: s8, or u8 with zero point 128 on x86 CPUs without VNNI; int32 "
       "bias; calibrated u8/s8 activations) that ORT fuses into integer kernels; "
       "the fast path for CNNs",
       Precision::kInt8, Precision::kInt8, /*needs_calibration=*/true, Granularity::kPerChannel, {{Granularity::kPerTensor, /*speed_vs_fp32=*/1.1}},
       quant_internal::StaticQdqOpTypes(), kQuantizeUpgradeOpset, 21, {DType::kUint8, DType::kInt8}, /*speed_vs_fp32=*/1.1,
       quant_internal::MakeStaticQdqScheme, /*lab_auto_search=*/true},
      {"fp16",
       "float16 weights and activations inside, float32 graph inputs/outputs via Casts; no calibration; about 2x "
       "smaller; ORT's CPU provider runs few ops in float16 (slower than fp32 here), for GPUs/NPUs with float16 kernels",
       Precision::kFloat16, Precision::kFloat16, /*needs_calibration=*/false, Granularity::kNone, {}, {}, 11, 21, {},
       /*speed_vs_fp32=*/0.9, quant_internal::MakeFp16Scheme},  // 0.78x–1.06x measured (docs/quantization.md)
  };
  return k;
}

}  // namespace qbench
