#include "qbench/core/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"

namespace qbench {
namespace {

struct DescrEntry {
  const char* descr;
  DType dtype;
};
constexpr DescrEntry kDescr[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<i8", DType::kInt64}, {"<i4", DType::kInt32},
    {"<i2", DType::kInt16},   {"|i1", DType::kInt8},    {"|u1", DType::kUint8}, {"<u2", DType::kUint16},
    {"<u4", DType::kUint32},  {"<u8", DType::kUint64},  {"|b1", DType::kBool},  {"<f2", DType::kFloat16},
};

// The parsed header of .npy bytes: dtype, shape and where the data starts. `size` is the whole
// file's length; only the header bytes need to be in `bytes`.
struct NpyHeader {
  DType dtype = DType::kUndefined;
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;
  std::size_t data_bytes = 0;
};

NpyHeader ParseHeader(const char* bytes, std::size_t size, const std::string& name) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidInput, "'" + name + "' is not a valid .npy file: " + why);
  };
  if (size < 10 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) throw bad("bad magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw bad("unknown version " + std::to_string(major));
  }
  if (offset + header_len > size) throw bad("truncated header");
  const std::string header(bytes + offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']+)')"))) throw bad("no descr");
  const std::string descr = m[1];
  if (std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*True)")))
    throw bad("Fortran order is not supported; save with np.ascontiguousarray");
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) throw bad("no shape");
  NpyHeader h;
  for (const auto& e : kDescr)
    if (descr == e.descr) h.dtype = e.dtype;
  if (h.dtype == DType::kUndefined) throw bad("unsupported dtype '" + descr + "'");
  const std::string dims = m[1];
  static const std::regex kDigits(R"(\d+)");
  std::sregex_iterator it(dims.begin(), dims.end(), kDigits), end;
  for (; it != end; ++it) h.shape.push_back(std::stoll((*it)[0]));
  h.data_bytes = static_cast<size_t>(NumElements(h.shape)) * DTypeSize(h.dtype);
  h.data_offset = offset + header_len;
  if (size - h.data_offset < h.data_bytes)
    throw bad("truncated data: expected " + std::to_string(h.data_bytes) + " bytes, found " +
              std::to_string(size - h.data_offset));
  return h;
}

}  // namespace

HostTensor ParseNpy(const std::string& bytes, const std::string& name) {
  const NpyHeader h = ParseHeader(bytes.data(), bytes.size(), name);
  HostTensor t;
  t.dtype = h.dtype;
  t.shape = h.shape;
  t.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(h.data_offset),
                 bytes.begin() + static_cast<std::ptrdiff_t>(h.data_offset + h.data_bytes));
  return t;
}

NpyFile::NpyFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw Error(ErrorCode::kNotFound, "'" + path + "' does not exist");
    throw Error(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::kInvalidInput, "'" + path + "' is not a regular file");
  }
  map_size_ = static_cast<std::size_t>(st.st_size);
  if (map_size_ > 0) {
    map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      const int err = errno;
      ::close(fd);
      throw Error(ErrorCode::kIo, "cannot map '" + path + "': " + std::strerror(err));
    }
  }
  ::close(fd);
  try {
    const NpyHeader h = ParseHeader(static_cast<const char*>(map_), map_size_, path);
    dtype_ = h.dtype;
    shape_ = h.shape;
    data_offset_ = h.data_offset;
    data_bytes_ = h.data_bytes;
  } catch (...) {
    if (map_) ::munmap(map_, map_size_);
    map_ = nullptr;
    throw;
  }
}

NpyFile::~NpyFile() {
  if (map_) ::munmap(map_, map_size_);
}

HostTensor NpyFile::Rows(std::int64_t begin, std::int64_t count) const {
  if (shape_.empty())
    throw Error(ErrorCode::kInvalidArgument, "'" + path_ + "' holds a scalar; it has no rows to slice");
  if (begin < 0 || count < 0 || begin + count > shape_[0])
    throw Error(ErrorCode::kInvalidArgument, "rows [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                                                 ") are outside '" + path_ + "' (" + std::to_string(shape_[0]) + " rows)");
  std::vector<std::int64_t> row_shape(shape_.begin() + 1, shape_.end());
  const std::size_t row_bytes = static_cast<std::size_t>(NumElements(row_shape)) * DTypeSize(dtype_);
  HostTensor t;
  t.dtype = dtype_;
  t.shape = row_shape;
  t.shape.insert(t.shape.begin(), count);
  const std::size_t from = data_offset_ + static_cast<std::size_t>(begin) * row_bytes;
  const std::size_t n = static_cast<std::size_t>(count) * row_bytes;
  const auto* base = static_cast<const std::uint8_t*>(map_);
  t.bytes.assign(base + from, base + from + n);
  // Give back the pages just read (whole pages only): the file stays mapped, a later read faults
  // them in again, and the resident set holds the copy, not the file.
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t lo = from / page * page, hi = (from + n) / page * page;
  if (hi > lo) ::madvise(static_cast<std::uint8_t*>(map_) + lo, hi - lo, MADV_DONTNEED);
  return t;
}

HostTensor NpyFile::All() const {
  if (shape_.empty()) {
    HostTensor t;
    t.dtype = dtype_;
    const auto* base = static_cast<const std::uint8_t*>(map_);
    t.bytes.assign(base + data_offset_, base + data_offset_ + data_bytes_);
    return t;
  }
  return Rows(0, shape_[0]);
}

HostTensor ReadNpy(const std::string& path) { return ParseNpy(ReadFileBytes(path), path); }

std::string SerializeNpy(const HostTensor& t) {
  const char* descr = nullptr;
  for (const auto& e : kDescr)
    if (e.dtype == t.dtype) descr = e.descr;
  if (!descr) throw Error(ErrorCode::kUnsupported, "cannot write a " + DTypeName(t.dtype) + " tensor as .npy");
  std::string shape;
  for (size_t i = 0; i < t.shape.size(); ++i) shape += std::to_string(t.shape[i]) + (t.shape.size() == 1 || i + 1 < t.shape.size() ? "," : "");
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
  return out;
}

void WriteNpy(const std::string& path, const HostTensor& t) { WriteFileAtomic(path, SerializeNpy(t)); }

}  // namespace qbench
