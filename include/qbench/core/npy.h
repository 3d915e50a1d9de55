// qbench/core/npy.h — NumPy .npy files (format versions 1.0–3.0, C order, little-endian).
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"

namespace qbench {

/// Reads a .npy file. Supported descr: <f4 <f8 <i8 <i4 <i2 |i1 |u1 <u2 <u4 <u8 |b1 <f2.
/// Throws Error(kNotFound) for a missing file, Error(kInvalidInput) naming the file for a bad
/// magic, a truncated body, Fortran order or an unsupported dtype.
HostTensor ReadNpy(const std::string& path);
/// Parses .npy bytes; `name` is used in error messages.
HostTensor ParseNpy(const std::string& bytes, const std::string& name);

/// A .npy file read in slices: the header is parsed on open and the data memory-mapped (read-only);
/// Rows() copies only the rows asked for and then releases the pages it read (madvise
/// MADV_DONTNEED), so reading a 1,000-sample stack row by row keeps the resident memory at about one
/// row, not the file. Same formats and errors as ReadNpy.
class NpyFile {
 public:
  /// Opens and maps `path`. Throws Error(kNotFound) for a missing file, Error(kInvalidInput) naming
  /// the file for a bad header, a truncated body, Fortran order or an unsupported dtype, Error(kIo)
  /// when it cannot be mapped.
  explicit NpyFile(const std::string& path);
  ~NpyFile();
  NpyFile(const NpyFile&) = delete;
  NpyFile& operator=(const NpyFile&) = delete;

  const std::string& path() const { return path_; }
  DType dtype() const { return dtype_; }
  /// The array's shape, e.g. [1000, 3, 64, 64].
  const std::vector<std::int64_t>& shape() const { return shape_; }
  /// Rows [begin, begin + count) along dim 0, as a tensor of shape [count, shape[1:]...].
  /// Throws Error(kInvalidArgument) for a rank-0 array or a range outside [0, shape[0]].
  HostTensor Rows(std::int64_t begin, std::int64_t count) const;
  /// The whole array (shape()).
  HostTensor All() const;

 private:
  std::string path_;
  DType dtype_ = DType::kUndefined;
  std::vector<std::int64_t> shape_;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  std::size_t data_offset_ = 0;
  std::size_t data_bytes_ = 0;
};

/// Serialises a tensor as .npy version 1.0 bytes.
std::string SerializeNpy(const HostTensor& t);
/// Writes a .npy file atomically. Throws Error(kIo).
void WriteNpy(const std::string& path, const HostTensor& t);

}  // namespace qbench
