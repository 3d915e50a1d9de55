#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "test_util.h"

namespace qbench {
namespace {

TEST(Fs, WriteAtomicThenRead) {
  const std::string p = testing::TempDir() + "/a.bin";
  WriteFileAtomic(p, "hello");
  EXPECT_EQ(ReadFileBytes(p), "hello");
  WriteFileAtomic(p, "bye");
  EXPECT_EQ(ReadFileBytes(p), "bye");
  EXPECT_EQ(FileSizeBytes(p), 3u);
}

// DiskUsageBytes counts allocated 512-byte blocks (st_blocks): a written 64 KiB file holds at least
// 64 KiB of blocks, a whole number of 512-byte units; a missing path throws naming it.
TEST(Fs, DiskUsageCountsAllocatedBlocks) {
  const std::string p = testing::TempDir() + "/dense.bin";
  WriteFileAtomic(p, std::string(65536, 'x'));
  const std::uint64_t used = DiskUsageBytes(p);
  EXPECT_GE(used, 65536u);
  EXPECT_EQ(used % 512u, 0u);
  EXPECT_LT(used, 65536u + 1024u * 1024u);  // no file system allocates a megabyte beyond 64 KiB of data
  try {
    DiskUsageBytes(testing::TempDir() + "/missing.bin");
    FAIL() << "a missing file has no disk usage";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.bin"), std::string::npos) << e.what();
  }
}

TEST(Fs, FileChecksumIsFnv1a64OfTheBytes) {
  const std::string p = testing::TempDir() + "/sum.bin";
  WriteFileAtomic(p, "");
  EXPECT_EQ(FileChecksum(p), "fnv1a64:cbf29ce484222325");  // the offset basis: no byte hashed
  WriteFileAtomic(p, "a");
  EXPECT_EQ(FileChecksum(p), "fnv1a64:af63dc4c8601ec8c");  // FNV-1a 64 test vector for "a"
  WriteFileAtomic(p, "foobar");
  EXPECT_EQ(FileChecksum(p), "fnv1a64:85944171f73967e8");  // and for "foobar"
  // Larger than one 1 MiB block: the hash carries across blocks (equal to hashing in one go).
  std::string big(3 * 1024 * 1024 + 17, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
  WriteFileAtomic(p, big);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : big) h = (h ^ c) * 0x100000001b3ULL;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  EXPECT_EQ(FileChecksum(p), std::string("fnv1a64:") + hex);
  EXPECT_THROW(FileChecksum(testing::TempDir() + "/absent.bin"), Error);
}

TEST(Fs, ErrorsNameThePath) {
  try {
    ReadFileBytes("/nonexistent/qbench.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/qbench.onnx"), std::string::npos);
  }
  const std::string d = testing::TempDir();
  try {
    ReadFileBytes(d);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  }
  EXPECT_THROW(WriteFileAtomic("/nonexistent/dir/x", "a"), Error);
}

TEST(Fs, AppendLineDurable) {
  const std::string p = testing::TempDir() + "/r.jsonl";
  AppendLineDurable(p, "{\"a\":1}");
  AppendLineDurable(p, "{\"a\":2}");
  EXPECT_EQ(ReadFileBytes(p), "{\"a\":1}\n{\"a\":2}\n");
  // A crash left a partial line: the next line is not glued onto it.
  { std::ofstream(p, std::ios::app) << "{\"a\":"; }
  AppendLineDurable(p, "{\"a\":3}");
  EXPECT_EQ(ReadFileBytes(p), "{\"a\":1}\n{\"a\":2}\n{\"a\":\n{\"a\":3}\n");
}

}  // namespace
}  // namespace qbench
