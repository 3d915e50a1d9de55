// src/model/safe_math.h — element and MAC counts that survive crafted dims (not public).
#pragma once

#include <climits>
#include <cstdint>
#include <vector>

namespace qbench::internal {

constexpr std::int64_t kMaxElements = std::int64_t{1} << 50;  // beyond any real tensor; guards overflow

/// Product of `dims` from index `from` when every dim is >= 0 and the product stays <= kMaxElements; else -1.
inline std::int64_t SafeProduct(const std::vector<std::int64_t>& dims, size_t from = 0) {
  std::int64_t n = 1;
  for (size_t i = from; i < dims.size(); ++i) {
    if (dims[i] < 0) return -1;
    if (dims[i] != 0 && n > kMaxElements / dims[i]) return -1;
    n *= dims[i];
  }
  return n;
}

/// a·b (both >= 0) or -1 on overflow past INT64_MAX / 2 (or when either is negative).
inline std::int64_t SafeMul(std::int64_t a, std::int64_t b) {
  if (a < 0 || b < 0) return -1;
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > INT64_MAX / 2) return -1;
  return r;
}

/// a += b for counts >= 0, saturating at INT64_MAX / 2 instead of overflowing (crafted files).
inline void SatAdd(std::int64_t& a, std::int64_t b) {
  if (b <= 0) return;
  a = a > INT64_MAX / 2 - b ? INT64_MAX / 2 : a + b;
}

}  // namespace qbench::internal
