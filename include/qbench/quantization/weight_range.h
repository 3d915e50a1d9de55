// qbench/quantization/weight_range.h — how int8 weights are stored so that ONNX Runtime's integer
// kernels compute them exactly on the CPU it runs on: full 8-bit s8, 7-bit s8 (ORT's reduce_range)
// or 8-bit u8 (ORT's U8U8 format), and the automatic choice by the CPU.
//
// Why: ORT's x86-64 u8·s8 integer kernels (MLAS, AVX2 and AVX-512BW without VNNI) multiply with
// VPMADDUBSW, which adds each pair of adjacent u8×s8 products into an int16 with saturation:
// 2·255·127 = 64770 > 32767, so large activations times large weights clip and the quantized
// model silently loses 10-30 dB of SQNR (docs/quantization.md, "Weight range"). ORT's quantization
// docs give two remedies: `reduce_range` (weights in [-64, 64]: 2·255·64 = 32640 fits; costs one
// bit of weight precision, up to 6 dB; onnxruntime/python/tools/quantization/quantize.py,
// quant_utils.get_qmin_qmax_for_qType) and the U8U8 format (uint8 weights, zero point 128: MLAS's
// u8u8 kernel widens to int16 and multiplies with VPMADDWD, exact, at full 8-bit precision).
// CPUs with AVX512-VNNI, AVX-VNNI or AMX-INT8 use VPDPBUSD / TDPBUSD (int32 accumulation, exact);
// ARM's sdot/udot/smmla kernels accumulate in int32 too.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "qbench/core/tensor.h"

namespace qbench {

/// kAuto: by the CPU (DecideWeightRange). kFull: s8 weights in [-127, 127]. kReduced: s8 in
/// [-64, 64] (ORT reduce_range, 7 bits). kUnsigned: the full-range s8 values stored as u8 = q + 128
/// with zero point 128 (same real values; ORT runs its u8u8 kernels) — only with u8 activations
/// (ORT has no s8·u8 kernel); DynamicQuantizeLSTM weights then use kReduced.
enum class WeightRange { kAuto, kFull, kReduced, kUnsigned };

/// "auto", "full", "reduced", "u8" ↔ the value. Parse throws Error(kInvalidArgument) naming the text and the choices.
const char* WeightRangeName(WeightRange range);
WeightRange ParseWeightRange(const std::string& name);
/// The names in table order ("auto", "full", "reduced", "u8"): the choices of --weight-range.
std::vector<std::string> WeightRangeNames();
/// What each choice stores, one sentence for --help (`quantize --weight-range` and `lab --weight-range`).
const char* WeightRangeHelp();

/// The resolved choice (never kAuto) and one sentence saying why.
struct WeightRangeDecision {
  WeightRange range = WeightRange::kFull;
  std::string reason;  ///< e.g. "u8 weights (zero point 128): this CPU has no VNNI, ORT's AVX2 u8s8 kernel saturates ..."
  bool reduced() const { return range == WeightRange::kReduced; }
};

/// The decision logic, on given facts (testable with injected flags). `requested` other than kAuto
/// is taken as asked ("... (--weight-range full)"), except kUnsigned with s8 activations, which
/// throws Error(kInvalidArgument). kAuto: when `architecture` (uname machine) is x86 ("x86_64",
/// "amd64", "i386".."i686") and none of avx512_vnni, avx_vnni, amx_int8 is set in `isa_flags`
/// (/proc/cpuinfo names, as EnvironmentInfo::isa_flags): kUnsigned for u8 activations, kReduced for
/// s8 activations (ORT's s8s8 path shifts them to u8 and runs the same u8s8 kernel); else kFull
/// (ARM and other architectures, VNNI CPUs, unknown architecture "").
WeightRangeDecision DecideWeightRange(WeightRange requested, DType activation_type, const std::string& architecture,
                                      const std::vector<std::pair<std::string, bool>>& isa_flags);

/// DecideWeightRange on this machine's CPU (CaptureCpu, read once per process).
WeightRangeDecision ResolveWeightRange(WeightRange requested, DType activation_type);

}  // namespace qbench
