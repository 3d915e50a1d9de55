#include "qbench/core/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "qbench/core/error.h"

namespace qbench {
namespace {
struct stat StatOrThrow(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      throw Error(ErrorCode::kNotFound, "file not found: '" + path + "'");
    throw Error(ErrorCode::kIo, "cannot stat '" + path + "': " + std::strerror(errno));
  }
  return st;
}
}  // namespace

std::string ReadFileBytes(const std::string& path) {
  struct stat st = StatOrThrow(path);
  if (S_ISDIR(st.st_mode))
    throw Error(ErrorCode::kInvalidInput, "'" + path + "' is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read '" + path + "'");
  return ss.str();
}

bool CanCreateFileIn(const std::string& dir, std::string* why) {
  const std::string trial =
      (dir.empty() ? std::string(".") : dir) + "/.qbench-write-check." + std::to_string(static_cast<long>(::getpid()));
  const int fd = ::open(trial.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) return true;  // a leftover of this process id: files can be made there
    if (why != nullptr) *why = std::strerror(err);
    return false;
  }
  ::close(fd);
  ::unlink(trial.c_str());
  return true;
}

std::string DirName(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

void WriteFileAtomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(errno) +
                                    " (does the folder '" + DirName(path) + "' exist and is it writable?)");
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(e));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot rename onto '" + path + "': " + std::strerror(e));
  }
}

void AppendLineDurable(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ErrorCode::kIo, "cannot append to '" + path + "': " + std::strerror(errno));
  std::string data = line + "\n";
  // A crash mid-write leaves a partial last line: end it first, so this line stays a line of its own.
  const off_t size = ::lseek(fd, 0, SEEK_END);
  char last = '\n';
  if (size > 0 && ::pread(fd, &last, 1, size - 1) == 1 && last != '\n') data.insert(data.begin(), '\n');
  ssize_t n = ::write(fd, data.data(), data.size());
  int e = errno;
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size()))
    throw Error(ErrorCode::kIo, "cannot append to '" + path + "': " + std::strerror(e));
}

std::uint64_t FileSizeBytes(const std::string& path) {
  return static_cast<std::uint64_t>(StatOrThrow(path).st_size);
}

std::uint64_t DiskUsageBytes(const std::string& path) {
  return static_cast<std::uint64_t>(StatOrThrow(path).st_blocks) * 512u;
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string FileChecksum(const std::string& path) {
  StatOrThrow(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read '" + path + "': " + std::strerror(errno));
  std::uint64_t h = 0xcbf29ce484222325ULL;
  std::string block(1 << 20, '\0');
  while (in) {
    in.read(&block[0], static_cast<std::streamsize>(block.size()));
    const std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
      h ^= static_cast<unsigned char>(block[static_cast<std::size_t>(i)]);
      h *= 0x100000001b3ULL;
    }
  }
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read '" + path + "'");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fnv1a64:") + hex;
}

}  // namespace qbench
