// qbench/core/npy.h — NumPy .npy files (format versions 1.0–3.0, C order, little-endian).
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#pragma once

#include <string>

#include "qbench/core/tensor.h"

namespace qbench {

/// Reads a .npy file. Supported descr: <f4 <f8 <i8 <i4 <i2 |i1 |u1 <u2 <u4 <u8 |b1 <f2.
/// Throws Error(kNotFound) for a missing file, Error(kInvalidInput) naming the file for a bad
/// magic, a truncated body, Fortran order or an unsupported dtype.
HostTensor ReadNpy(const std::string& path);
/// Parses .npy bytes; `name` is used in error messages.
HostTensor ParseNpy(const std::string& bytes, const std::string& name);

/// Serialises a tensor as .npy version 1.0 bytes.
std::string SerializeNpy(const HostTensor& t);
/// Writes a .npy file atomically. Throws Error(kIo).
void WriteNpy(const std::string& path, const HostTensor& t);

}  // namespace qbench
