// qbench/core/fs.h — file helpers: whole-file reads, atomic writes, sizes on disk.
#pragma once

#include <cstdint>
#include <string>

namespace qbench {

/// Reads a whole file into memory. Throws Error(kNotFound) when it does not exist,
/// Error(kInvalidInput) when it is a directory, Error(kIo) when it cannot be read.
std::string ReadFileBytes(const std::string& path);

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename.
/// A reader sees the old file or the whole new one, never a partial one. Creates no folders.
/// Throws Error(kIo) naming the path on failure (the temporary file is removed).
void WriteFileAtomic(const std::string& path, const std::string& bytes);

/// Appends one line (a '\n' is added) and flushes it to disk, so a crash keeps what was written.
/// When the file ends in a partial line (a crash mid-write), that line is ended first, so the new
/// line is never glued onto it (readers skip the partial one). Throws Error(kIo).
void AppendLineDurable(const std::string& path, const std::string& line);

/// Size in bytes (st_size). Throws Error(kNotFound).
std::uint64_t FileSizeBytes(const std::string& path);

/// Bytes allocated on disk, as `du --block-size=1` reports (st_blocks × 512). Throws Error(kNotFound).
std::uint64_t DiskUsageBytes(const std::string& path);

/// True when both paths name the same existing file (same device and inode).
bool SameFile(const std::string& a, const std::string& b);

/// Directory part of a path ("." when none).
std::string DirName(const std::string& path);

/// Whether this process can create a file in folder `dir`: creates a trial file there (exclusively)
/// and removes it at once. Permission bits do not tell: root passes access() in /proc or on a
/// read-only mount. On false, `why` (when not null) gets the reason (strerror of the create).
bool CanCreateFileIn(const std::string& dir, std::string* why);

/// Content checksum of a file: "fnv1a64:" and 16 hex digits of the 64-bit FNV-1a hash of its bytes
/// (Fowler, Noll, Vo; offset basis 0xcbf29ce484222325, prime 0x100000001b3), streamed in 1 MiB
/// blocks. Identifies a file across machines (paths and modification times differ there); not a
/// cryptographic hash. Throws Error(kNotFound) when the file does not exist, Error(kIo) when it
/// cannot be read.
std::string FileChecksum(const std::string& path);

}  // namespace qbench
