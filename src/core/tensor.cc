#include "qbench/core/tensor.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "qbench/core/error.h"

namespace qbench {

std::string DTypeName(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kUint8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kUint16: return "uint16";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kString: return "string";
    case DType::kBool: return "bool";
    case DType::kFloat16: return "float16";
    case DType::kFloat64: return "float64";
    case DType::kUint32: return "uint32";
    case DType::kUint64: return "uint64";
    case DType::kBFloat16: return "bfloat16";
    case DType::kUndefined: return "undefined";
  }
  return "dtype(" + std::to_string(static_cast<int>(t)) + ")";
}

std::size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kInt32: case DType::kUint32: return 4;
    case DType::kUint8: case DType::kInt8: case DType::kBool: return 1;
    case DType::kUint16: case DType::kInt16: case DType::kFloat16: case DType::kBFloat16: return 2;
    case DType::kInt64: case DType::kFloat64: case DType::kUint64: return 8;
    default: return 0;
  }
}

std::int64_t NumElements(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) throw Error(ErrorCode::kInvalidArgument, "shape " + ShapeToString(shape) + " has a dynamic or negative dimension");
    n *= d;
  }
  return n;
}

std::string ShapeToString(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += "x";
    s += shape[i] < 0 ? "?" : std::to_string(shape[i]);
  }
  return s.empty() ? "scalar" : s;
}

float HalfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal
  else if (exp == 31)
    v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else
    v = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

std::uint16_t FloatToHalf(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);  // NaN
  if (abs >= 0x47800000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // >= 65536: Inf (also rounds there)
  if (abs < 0x38800000u) {  // below the smallest normal half (2^-14): subnormal or zero
    const float a = std::fabs(f);
    const float q = std::nearbyint(a * 16777216.0f);  // units of 2^-24, ties to even
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(q));
  }
  const std::uint32_t mant = abs & 0x7fffffu;
  std::uint32_t h = ((abs >> 23) - 112) << 10 | (mant >> 13);
  const std::uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // round to nearest even (may carry into exp)
  return static_cast<std::uint16_t>(sign | h);
}

HostTensor HostTensor::Zeros(DType dtype, std::vector<std::int64_t> shape) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes.assign(static_cast<size_t>(NumElements(t.shape)) * DTypeSize(dtype), 0);
  return t;
}

std::vector<float> HostTensor::ToFloatVector() const {
  const auto n = static_cast<size_t>(num_elements());
  std::vector<float> out(n);
  auto conv = [&](auto tag) {
    using T = decltype(tag);
    const T* p = data<T>();
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
  };
  switch (dtype) {
    case DType::kFloat32: std::memcpy(out.data(), bytes.data(), n * 4); break;
    case DType::kFloat64: conv(double{}); break;
    case DType::kInt64: conv(std::int64_t{}); break;
    case DType::kInt32: conv(std::int32_t{}); break;
    case DType::kInt8: conv(std::int8_t{}); break;
    case DType::kUint8: conv(std::uint8_t{}); break;
    case DType::kFloat16:
      for (size_t i = 0; i < n; ++i) out[i] = HalfToFloat(data<std::uint16_t>()[i]);
      break;
    default:
      throw Error(ErrorCode::kUnsupported, "cannot convert a " + DTypeName(dtype) + " tensor to float");
  }
  return out;
}

}  // namespace qbench
