// qbench/core/tensor.h — element types and a plain host tensor (row-major, owned bytes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qbench {

/// Element types. The values are ONNX TensorProto.DataType codes, which ONNX Runtime's
/// ONNXTensorElementDataType shares, so a cast converts between the three.
enum class DType : int {
  kUndefined = 0, kFloat32 = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4, kInt16 = 5, kInt32 = 6,
  kInt64 = 7, kString = 8, kBool = 9, kFloat16 = 10, kFloat64 = 11, kUint32 = 12, kUint64 = 13,
  kBFloat16 = 16,
};

/// "float32", "int8", ... ; "dtype(N)" for codes qbench does not name.
std::string DTypeName(DType t);
/// Bytes per element (0 for kString / kUndefined).
std::size_t DTypeSize(DType t);

/// Product of dims; 1 for a scalar (empty shape). Throws Error(kInvalidArgument) on a negative dim.
std::int64_t NumElements(const std::vector<std::int64_t>& shape);
/// "1x3x224x224" (dynamic dims as their names are not representable here; -1 prints as "?").
std::string ShapeToString(const std::vector<std::int64_t>& shape);

/// IEEE 754 binary16 (float16) bits → float32, exact (subnormals, ±Inf and NaN included).
float HalfToFloat(std::uint16_t h);
/// float32 → IEEE 754 binary16 bits, rounded to nearest even; overflow → ±Inf, NaN stays NaN.
std::uint16_t FloatToHalf(float f);

/// A dense row-major tensor in host memory.
struct HostTensor {
  DType dtype = DType::kFloat32;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;  ///< NumElements(shape) × DTypeSize(dtype) bytes

  static HostTensor Zeros(DType dtype, std::vector<std::int64_t> shape);
  std::int64_t num_elements() const { return NumElements(shape); }
  template <typename T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <typename T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }
  /// Copies the values out as float (float32/float64/float16/int64/int32/int8/uint8; throws Error(kUnsupported)).
  std::vector<float> ToFloatVector() const;
};

}  // namespace qbench
