#include <gtest/gtest.h>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/npy.h"
#include "test_util.h"

namespace qbench {
namespace {

TEST(Npy, RoundTripFloat32) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {2, 3});
  for (int i = 0; i < 6; ++i) t.data<float>()[i] = 0.5f * static_cast<float>(i) - 1.0f;
  HostTensor back = ParseNpy(SerializeNpy(t), "mem");
  EXPECT_EQ(back.dtype, DType::kFloat32);
  EXPECT_EQ(back.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(back.ToFloatVector(), (std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f}));
}

TEST(Npy, HeaderIsAlignedTo64Bytes) {
  HostTensor t = HostTensor::Zeros(DType::kInt64, {7});
  const std::string bytes = SerializeNpy(t);
  EXPECT_EQ((bytes.size() - 7 * 8) % 64, 0u);
  EXPECT_EQ(ParseNpy(bytes, "mem").shape, (std::vector<std::int64_t>{7}));
}

TEST(Npy, RejectsBadMagicAndTruncation) {
  EXPECT_THROW(ParseNpy("not a numpy file", "x.npy"), Error);
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {4, 4});
  std::string bytes = SerializeNpy(t);
  bytes.resize(bytes.size() - 5);
  try {
    ParseNpy(bytes, "cut.npy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("cut.npy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
}

TEST(Npy, ReadsSharedReferenceOutput) {
  QBENCH_REQUIRE_SHARED(path, "models/imagenet/squeezenet1.1_test_data/set_0/output_0.npy");
  HostTensor t = ReadNpy(path);
  EXPECT_EQ(t.dtype, DType::kFloat32);
  EXPECT_EQ(t.shape, (std::vector<std::int64_t>{1, 1000}));
}

}  // namespace
}  // namespace qbench

namespace qbench {
namespace {

// NpyFile: rows sliced from the memory-mapped file equal the same rows of the whole array; errors as
// ReadNpy's.
TEST(NpyFile, RowsEqualTheArraysRows) {
  const std::string dir = ::qbench::testing::TempDir();
  HostTensor t = HostTensor::Zeros(DType::kInt16, {7, 3, 2});
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<std::int16_t>()[i] = static_cast<std::int16_t>(i * 3 - 50);
  WriteNpy(dir + "/a.npy", t);
  NpyFile f(dir + "/a.npy");
  EXPECT_EQ(f.dtype(), DType::kInt16);
  EXPECT_EQ(f.shape(), (std::vector<std::int64_t>{7, 3, 2}));
  for (std::int64_t r = 0; r < 7; ++r) {
    const HostTensor row = f.Rows(r, 1);
    ASSERT_EQ(row.shape, (std::vector<std::int64_t>{1, 3, 2}));
    for (int e = 0; e < 6; ++e) EXPECT_EQ(row.data<std::int16_t>()[e], t.data<std::int16_t>()[r * 6 + e]);
  }
  const HostTensor mid = f.Rows(2, 3);
  EXPECT_EQ(mid.shape, (std::vector<std::int64_t>{3, 3, 2}));
  EXPECT_EQ(mid.data<std::int16_t>()[0], t.data<std::int16_t>()[12]);
  EXPECT_EQ(f.Rows(0, 1).bytes, f.Rows(0, 1).bytes);  // pages given back are read again
  EXPECT_EQ(f.All().bytes, t.bytes);
  EXPECT_THROW(f.Rows(6, 2), Error);
  EXPECT_THROW(NpyFile(dir + "/absent.npy"), Error);
  WriteFileAtomic(dir + "/bad.npy", "not npy");
  try {
    NpyFile bad(dir + "/bad.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("bad.npy"), std::string::npos);
  }
}

}  // namespace
}  // namespace qbench
