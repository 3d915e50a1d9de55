// qbench/core/random.h — SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): tiny and fully specified, so a seed gives the same stream on every
// platform and standard library (std::normal_distribution and std::uniform_int_distribution are
// implementation-defined). Used by the seeded inputs (runtime/inputs.h) and the bootstrap
// (benchmark/statistics.h).
#pragma once

#include <cstdint>

namespace qbench {

struct SplitMix64 {
  std::uint64_t state;
  /// The next 64 random bits.
  std::uint64_t Next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1): the top 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  /// Uniform in [0, span) (span >= 1) by Lemire's multiply-shift (bias < span / 2^64, negligible here).
  std::uint64_t Below(std::uint64_t span) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(Next()) * span) >> 64);
  }
};

}  // namespace qbench
