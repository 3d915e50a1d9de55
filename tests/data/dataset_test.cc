// Datasets: the shared labels CSV, Fashion-MNIST raw arrays, class folders, .npy, corrupt files.
#include <gtest/gtest.h>

#include <filesystem>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/npy.h"
#include "qbench/data/dataset.h"
#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;

TEST(OpenDataset, SharedImagenetSampleLabelsCsv) {
  QBENCH_REQUIRE_SHARED(dir, "data/imagenet-sample/labels.csv");
  DatasetSpec spec;
  spec.path = testing::SharedDir() + "/data/imagenet-sample";  // the folder: auto → labels-csv
  auto ds = OpenDataset(spec);
  ASSERT_EQ(ds->size(), 200u);
  EXPECT_NE(ds->Describe().find("labels-csv: 200 images"), std::string::npos) << ds->Describe();
  Sample s0 = ds->Get(0);
  EXPECT_EQ(s0.id, "n01440764_tench.JPEG");
  EXPECT_EQ(s0.label, 0);
  EXPECT_EQ(s0.input.shape, (std::vector<std::int64_t>{3, 224, 224}));
  EXPECT_EQ(ds->Get(1).label, 5);
  EXPECT_EQ(ds->Get(199).label, 995);
  spec.limit = 3;
  EXPECT_EQ(OpenDataset(spec)->size(), 3u);
}

TEST(OpenDataset, FashionMnistRawArrays) {
  QBENCH_REQUIRE_SHARED(dir, "data/fashion-mnist/test-1000.u8");
  DatasetSpec spec;
  spec.path = testing::SharedDir() + "/data/fashion-mnist";
  spec.preprocess = PreprocessOptions::FromPreset("fashion-mnist");
  auto ds = OpenDataset(spec);
  ASSERT_EQ(ds->size(), 1000u);
  const std::vector<int> labels = {9, 2, 1, 1, 6, 1, 4, 6};  // README: labels of images 0..7
  for (int i = 0; i < 8; ++i) EXPECT_EQ(ds->Get(i).label, labels[i]) << i;
  Sample s = ds->Get(0);
  ASSERT_EQ(s.input.shape, (std::vector<std::int64_t>{3, 32, 32}));
  // Padding → (0 − .286)/.353; pixel (r,c) of the original at (r+2, c+2) in every channel.
  const float* p = s.input.data<float>();
  EXPECT_NEAR(p[0], -0.810198f, 1e-5);
  const std::string raw = ReadFileBytes(dir);
  for (int r = 0; r < 28; r += 9) {
    for (int c = 0; c < 28; c += 5) {
      const float want = (static_cast<unsigned char>(raw[r * 28 + c]) / 255.0f - 0.2860f) / 0.3530f;
      for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(p[(ch * 32 + r + 2) * 32 + c + 2], want) << r << "," << c;
    }
  }
}

// A temporary copy of three shared images plus a truncated JPEG and a garbage file: the good ones
// load, the bad ones throw Error(kInvalidInput) naming the file.
TEST(OpenDataset, CorruptFilesInACopyAreReportedByName) {
  QBENCH_REQUIRE_SHARED(src, "data/imagenet-sample");
  const std::string dir = testing::TempDir();
  const char* good[] = {"n01440764_tench.JPEG", "n01496331_electric_ray.JPEG", "n02692877_airship.JPEG"};
  std::string csv = "file,class_index,wnid,name\n";
  for (const char* g : good) fs::copy_file(src + "/" + g, dir + "/" + g);
  csv += "n01440764_tench.JPEG,0,n01440764,tench\nn01496331_electric_ray.JPEG,5,n01496331,electric_ray\n";
  const std::string tench = ReadFileBytes(src + "/n01440764_tench.JPEG");
  WriteFileAtomic(dir + "/truncated.JPEG", tench.substr(0, tench.size() / 3));
  WriteFileAtomic(dir + "/garbage.JPEG", std::string(5000, 'x'));
  csv += "truncated.JPEG,0,n01440764,tench\ngarbage.JPEG,1,n01443537,goldfish\n";
  csv += "n02692877_airship.JPEG,405,n02692877,airship\nmissing.JPEG,2,n01484850,shark\n";
  WriteFileAtomic(dir + "/labels.csv", csv);
  DatasetSpec spec;
  spec.path = dir + "/labels.csv";
  auto ds = OpenDataset(spec);
  ASSERT_EQ(ds->size(), 6u);
  EXPECT_EQ(ds->Get(0).label, 0);
  EXPECT_EQ(ds->Get(4).label, 405);
  for (std::size_t i : {2u, 3u, 5u}) {
    try {
      ds->Get(i);
      FAIL() << "sample " << i << " decoded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput) << e.what();
      const char* names[] = {"", "", "truncated.JPEG", "garbage.JPEG", "", "missing.JPEG"};
      EXPECT_NE(std::string(e.what()).find(names[i]), std::string::npos) << e.what();
    }
  }
}

TEST(OpenDataset, LabelsCsvErrorsNameTheLine) {
  const std::string dir = testing::TempDir();
  WriteFileAtomic(dir + "/labels.csv", "file,class_index\na.jpg,0\nb.jpg,seven\n");
  DatasetSpec spec;
  spec.path = dir + "/labels.csv";
  try {
    OpenDataset(spec);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("seven"), std::string::npos) << e.what();
  }
  spec.path = dir + "/nope";
  try {
    OpenDataset(spec);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  spec.path = dir;
  spec.format = "tfrecord";
  try {
    OpenDataset(spec);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("class-folders"), std::string::npos) << e.what();
  }
}

// ImageNet-style tree with wnid folder names: sorted order by default, the class map's indices
// when labels.csv is given as the map.
TEST(OpenDataset, ClassFoldersSortedOrMappedByWnid) {
  QBENCH_REQUIRE_SHARED(src, "data/imagenet-sample");
  const std::string dir = testing::TempDir();
  fs::create_directories(dir + "/n01496331");
  fs::create_directories(dir + "/n01440764");
  fs::copy_file(src + "/n01496331_electric_ray.JPEG", dir + "/n01496331/a.JPEG");
  fs::copy_file(src + "/n01440764_tench.JPEG", dir + "/n01440764/b.jpeg");
  DatasetSpec spec;
  spec.path = dir;
  auto ds = OpenDataset(spec);
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ(ds->Get(0).id, "n01440764/b.jpeg");
  EXPECT_EQ(ds->Get(0).label, 0);
  EXPECT_EQ(ds->Get(1).label, 1);
  spec.class_map = src + "/labels.csv";
  ds = OpenDataset(spec);
  EXPECT_EQ(ds->Get(0).label, 0);
  EXPECT_EQ(ds->Get(1).label, 5);
  WriteFileAtomic(dir + "/wnids.txt", "n01496331\nn01440764\n");
  spec.class_map = dir + "/wnids.txt";
  ds = OpenDataset(spec);
  EXPECT_EQ(ds->Get(0).label, 1);
  EXPECT_EQ(ds->Get(1).label, 0);
}

TEST(OpenDataset, NpyFileAndFolder) {
  const std::string dir = testing::TempDir();
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {4, 2, 3});
  for (int i = 0; i < 24; ++i) t.data<float>()[i] = static_cast<float>(i);
  WriteNpy(dir + "/x.npy", t);
  HostTensor labels = HostTensor::Zeros(DType::kInt64, {4});
  for (int i = 0; i < 4; ++i) labels.data<std::int64_t>()[i] = 7 - i;
  WriteNpy(dir + "/x.labels.npy", labels);
  DatasetSpec spec;
  spec.path = dir + "/x.npy";
  auto ds = OpenDataset(spec);
  ASSERT_EQ(ds->size(), 4u);
  Sample s = ds->Get(2);
  EXPECT_EQ(s.input.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(s.input.data<float>()[0], 12.0f);
  EXPECT_EQ(s.label, 5);
  // A folder of one-sample files [1,2,3]: the leading 1 is dropped.
  const std::string folder = testing::TempDir();
  HostTensor one = HostTensor::Zeros(DType::kFloat64, {1, 2, 3});
  one.data<double>()[5] = 2.5;
  WriteNpy(folder + "/a.npy", one);
  WriteNpy(folder + "/b.npy", one);
  spec.path = folder;
  ds = OpenDataset(spec);
  ASSERT_EQ(ds->size(), 2u);
  Sample f = ds->Get(1);
  EXPECT_EQ(f.id, "b.npy");
  EXPECT_EQ(f.input.dtype, DType::kFloat32);
  EXPECT_EQ(f.input.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(f.input.data<float>()[5], 2.5f);
  EXPECT_EQ(f.label, -1);
}

// One label per sample: 3 or 5 labels for 4 samples is an error naming both counts (it was
// accepted when there were more labels than samples).
TEST(OpenDataset, NpyLabelCountMustEqualSampleCount) {
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/x.npy", HostTensor::Zeros(DType::kFloat32, {4, 2}));
  for (const std::int64_t n : {3, 5}) {
    WriteNpy(dir + "/l.npy", HostTensor::Zeros(DType::kInt64, {n}));
    DatasetSpec spec;
    spec.path = dir + "/x.npy";
    spec.labels = dir + "/l.npy";
    try {
      OpenDataset(spec);
      ADD_FAILURE() << n << " labels accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
      EXPECT_NE(std::string(e.what()).find("has " + std::to_string(n) + " labels but the npy dataset '" + dir +
                                           "/x.npy' has 4 samples"),
                std::string::npos)
          << e.what();
    }
  }
}

// A labels CSV with its header only is an empty dataset, said so with the file's name (it used to
// surface later as "no sample could be decoded (0 skipped)").
TEST(OpenDataset, HeaderOnlyLabelsCsvIsEmpty) {
  const std::string dir = testing::TempDir();
  WriteFileAtomic(dir + "/labels.csv", "file,class_index\n\n");
  DatasetSpec spec;
  spec.path = dir;
  try {
    OpenDataset(spec);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("the dataset is empty: labels file '" + dir + "/labels.csv'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace qbench
