#include <gtest/gtest.h>

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
  EXPECT_GE(DiskUsageBytes(p), 0u);
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
}

}  // namespace
}  // namespace qbench
