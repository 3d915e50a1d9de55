#include "qbench/core/text.h"
#include "qbench/quantization/weight_range.h"

#include "qbench/benchmark/environment.h"
#include "qbench/core/error.h"

namespace qbench {

const char* WeightRangeName(WeightRange range) {
  switch (range) {
    case WeightRange::kAuto: return "auto";
    case WeightRange::kFull: return "full";
    case WeightRange::kReduced: return "reduced";
    case WeightRange::kUnsigned: return "u8";
  }
  return "auto";
}

namespace {
constexpr WeightRange kAllRanges[] = {WeightRange::kAuto, WeightRange::kFull, WeightRange::kReduced, WeightRange::kUnsigned};
}  // namespace

std::vector<std::string> WeightRangeNames() {
  std::vector<std::string> out;
  for (WeightRange r : kAllRanges) out.push_back(WeightRangeName(r));
  return out;
}

WeightRange ParseWeightRange(const std::string& name) {
  for (WeightRange r : kAllRanges)
    if (name == WeightRangeName(r)) return r;
  throw Error(ErrorCode::kInvalidArgument, UnknownChoice("--weight-range", name, WeightRangeNames()));
}

const char* WeightRangeHelp() {
  return "int8 weights: full (s8 [-127, 127]), reduced (s8 7-bit [-64, 64], ORT's reduce_range), u8 (8-bit, "
         "zero point 128, ORT's U8U8) or auto (u8, or reduced with s8 activations, on x86 CPUs without VNNI, "
         "whose u8s8 kernel saturates; full elsewhere; see docs/quantization.md)";
}

WeightRangeDecision DecideWeightRange(WeightRange requested, DType activation_type, const std::string& architecture,
                                      const std::vector<std::pair<std::string, bool>>& isa_flags) {
  const bool s8_activations = activation_type == DType::kInt8;
  switch (requested) {
    case WeightRange::kFull: return {WeightRange::kFull, "s8 weights, 8 bits (--weight-range full)"};
    case WeightRange::kReduced: return {WeightRange::kReduced, "s8 weights, 7 bits [-64, 64] (--weight-range reduced)"};
    case WeightRange::kUnsigned:
      if (s8_activations)
        throw Error(ErrorCode::kInvalidArgument, "--weight-range u8 needs u8 activations (ONNX Runtime has no s8 x u8 "
                                                 "kernel); use --activation-type u8 or --weight-range reduced");
      return {WeightRange::kUnsigned, "u8 weights, zero point 128 (--weight-range u8)"};
    case WeightRange::kAuto: break;
  }
  const bool x86 = architecture == "x86_64" || architecture == "amd64" || architecture == "AMD64" ||
                   (architecture.size() == 4 && architecture[0] == 'i' && architecture.substr(2) == "86");
  if (!x86)
    return {WeightRange::kFull, "s8 weights, 8 bits: " + (architecture.empty() ? std::string("unknown CPU architecture")
                                                                              : architecture + " CPU, ORT's int8 kernels accumulate in int32")};
  for (const auto& f : isa_flags)
    if (f.second && (f.first == "avx512_vnni" || f.first == "avx_vnni" || f.first == "amx_int8"))
      return {WeightRange::kFull, "s8 weights, 8 bits: this CPU has " + f.first + ", ORT's u8s8 kernel accumulates exactly"};
  if (s8_activations)
    return {WeightRange::kReduced, "7-bit weights: this CPU has no VNNI, ORT's AVX2 u8s8 kernel saturates (docs/quantization.md)"};
  return {WeightRange::kUnsigned, "u8 weights (zero point 128): this CPU has no VNNI, ORT's AVX2 u8s8 kernel saturates, "
                                  "its u8u8 kernel is exact (docs/quantization.md)"};
}

WeightRangeDecision ResolveWeightRange(WeightRange requested, DType activation_type) {
  if (requested != WeightRange::kAuto) return DecideWeightRange(requested, activation_type, "", {});
  static const EnvironmentInfo cpu = CaptureCpu();
  return DecideWeightRange(requested, activation_type, cpu.architecture, cpu.isa_flags);
}

}  // namespace qbench
