#include <gtest/gtest.h>

#include "qbench/core/error.h"
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
