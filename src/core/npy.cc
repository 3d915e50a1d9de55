#include "qbench/core/npy.h"

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

}  // namespace

HostTensor ParseNpy(const std::string& bytes, const std::string& name) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidInput, "'" + name + "' is not a valid .npy file: " + why);
  };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) throw bad("bad magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw bad("unknown version " + std::to_string(major));
  }
  if (offset + header_len > bytes.size()) throw bad("truncated header");
  const std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']+)')"))) throw bad("no descr");
  const std::string descr = m[1];
  if (std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*True)")))
    throw bad("Fortran order is not supported; save with np.ascontiguousarray");
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) throw bad("no shape");
  HostTensor t;
  t.dtype = DType::kUndefined;
  for (const auto& e : kDescr)
    if (descr == e.descr) t.dtype = e.dtype;
  if (t.dtype == DType::kUndefined) throw bad("unsupported dtype '" + descr + "'");
  const std::string dims = m[1];
  static const std::regex kDigits(R"(\d+)");
  std::sregex_iterator it(dims.begin(), dims.end(), kDigits), end;
  for (; it != end; ++it) t.shape.push_back(std::stoll((*it)[0]));
  const size_t nbytes = static_cast<size_t>(NumElements(t.shape)) * DTypeSize(t.dtype);
  const size_t data_off = offset + header_len;
  if (bytes.size() - data_off < nbytes)
    throw bad("truncated data: expected " + std::to_string(nbytes) + " bytes, found " +
              std::to_string(bytes.size() - data_off));
  t.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_off),
                 bytes.begin() + static_cast<std::ptrdiff_t>(data_off + nbytes));
  return t;
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
