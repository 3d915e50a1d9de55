// Seeded, label-stratified subsets (--limit, --eval-limit, --calibration-size) and disjoint
// calibration/evaluation splits of one dataset (DatasetSpec::split_calibration).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/data/dataset.h"
#include "test_util.h"

namespace qbench {
namespace {

std::map<int, int> CountLabels(const std::vector<int>& labels, const std::vector<std::size_t>& idx) {
  std::map<int, int> c;
  for (auto i : idx) ++c[labels[i]];
  return c;
}

// 60 samples of class 0, then 30 of class 1, then 10 of class 2: a class-sorted folder.
std::vector<int> Sorted603010() {
  std::vector<int> l;
  for (int c : {0, 1, 2})
    for (int i = 0; i < (c == 0 ? 60 : c == 1 ? 30 : 10); ++i) l.push_back(c);
  return l;
}

TEST(SelectSubset, KeepsTheClassProportionsNotTheFirstClasses) {
  const auto labels = Sorted603010();
  const auto idx = SelectSubset(labels, 20, 0);
  ASSERT_EQ(idx.size(), 20u);
  // 20 × (60, 30, 10)/100 = 12, 6, 2 exactly; the first 20 files would all be class 0.
  EXPECT_EQ(CountLabels(labels, idx), (std::map<int, int>{{0, 12}, {1, 6}, {2, 2}}));
  EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
  EXPECT_EQ(std::set<std::size_t>(idx.begin(), idx.end()).size(), 20u);
  // Not simply the first of each class: class 0's 12 are spread over its 60.
  std::vector<std::size_t> class0;
  for (auto i : idx)
    if (labels[i] == 0) class0.push_back(i);
  EXPECT_GT(class0.back(), 11u);
}

TEST(SelectSubset, LargestRemainderAndTiesToTheSmallerLabel) {
  // 5 + 5 + 5 samples, k = 4: 4/3 each → 1, 1, 1 and the remaining one to label 0.
  const std::vector<int> labels = {2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  EXPECT_EQ(CountLabels(labels, SelectSubset(labels, 4, 7)), (std::map<int, int>{{0, 2}, {1, 1}, {2, 1}}));
  // 7 of class 0 and 3 of class 1, k = 5: 3.5 and 1.5 → 3 + 1, one more to the larger remainder
  // (equal: the smaller label) → 4 and 1.
  const std::vector<int> l2 = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  EXPECT_EQ(CountLabels(l2, SelectSubset(l2, 5, 1)), (std::map<int, int>{{0, 4}, {1, 1}}));
}

TEST(SelectSubset, SeededDeterministicAndSeedDependent) {
  const auto labels = Sorted603010();
  EXPECT_EQ(SelectSubset(labels, 20, 42), SelectSubset(labels, 20, 42));
  EXPECT_NE(SelectSubset(labels, 20, 42), SelectSubset(labels, 20, 43));
  // Unlabelled data: a uniform random subset, also seeded.
  const std::vector<int> none(50, -1);
  const auto a = SelectSubset(none, 10, 3);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(a, SelectSubset(none, 10, 3));
  EXPECT_NE(a, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // k >= n: everything, in order.
  EXPECT_EQ(SelectSubset({1, 0, 1}, 5, 0), (std::vector<std::size_t>{0, 1, 2}));
}

// An npy dataset [100, 2] whose sample i holds (i, i) and whose labels are class-sorted 60/30/10.
std::string MakeNpyDataset(const std::string& dir) {
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {100, 2});
  for (int i = 0; i < 200; ++i) x.data<float>()[i] = static_cast<float>(i / 2);
  WriteNpy(dir + "/x.npy", x);
  const auto labels = Sorted603010();
  HostTensor l = HostTensor::Zeros(DType::kInt64, {100});
  for (int i = 0; i < 100; ++i) l.data<std::int64_t>()[i] = labels[i];
  WriteNpy(dir + "/x.labels.npy", l);
  return dir + "/x.npy";
}

TEST(OpenDatasetSubset, LimitDrawsAStratifiedSeededSubsetAndSaysSo) {
  const std::string path = MakeNpyDataset(testing::TempDir());
  DatasetSpec spec;
  spec.path = path;
  spec.limit = 10;
  spec.seed = 5;
  auto ds = OpenDataset(spec);
  ASSERT_EQ(ds->size(), 10u);
  std::map<int, int> counts;
  std::vector<float> first_values;
  for (std::size_t i = 0; i < ds->size(); ++i) {
    const Sample s = ds->Get(i);
    ++counts[s.label];
    first_values.push_back(s.input.data<float>()[0]);
  }
  EXPECT_EQ(counts, (std::map<int, int>{{0, 6}, {1, 3}, {2, 1}}));
  EXPECT_NE(ds->Describe().find("a random subset of 10 of 100 sample(s) (seed 5, stratified by label)"), std::string::npos)
      << ds->Describe();
  // The same seed opens the same samples.
  auto again = OpenDataset(spec);
  for (std::size_t i = 0; i < again->size(); ++i) EXPECT_EQ(again->Get(i).input.data<float>()[0], first_values[i]);
}

TEST(OpenDatasetSubset, SplitPartsAreDisjointAndCoverTheData) {
  const std::string path = MakeNpyDataset(testing::TempDir());
  DatasetSpec spec;
  spec.path = path;
  spec.seed = 11;
  spec.split_calibration = 20;
  spec.part = DatasetPart::kCalibration;
  auto calib = OpenDataset(spec);
  spec.part = DatasetPart::kEvaluation;
  auto eval = OpenDataset(spec);
  ASSERT_EQ(calib->size(), 20u);
  ASSERT_EQ(eval->size(), 80u);
  std::set<float> a, b;
  std::map<int, int> calib_counts;
  for (std::size_t i = 0; i < calib->size(); ++i) {
    const Sample s = calib->Get(i);
    a.insert(s.input.data<float>()[0]);
    ++calib_counts[s.label];
  }
  for (std::size_t i = 0; i < eval->size(); ++i) b.insert(eval->Get(i).input.data<float>()[0]);
  EXPECT_EQ(calib_counts, (std::map<int, int>{{0, 12}, {1, 6}, {2, 2}}));
  for (float v : a) EXPECT_EQ(b.count(v), 0u) << "sample " << v << " is in both parts";
  EXPECT_EQ(a.size() + b.size(), 100u);
  EXPECT_NE(eval->Describe().find("the evaluation part of a split (seed 11, stratified by label): 20 calibration + 80 "
                                  "evaluation sample(s), disjoint"),
            std::string::npos)
      << eval->Describe();
  // A limit applies within the part: 8 of the 80 evaluation samples, still disjoint from calibration.
  spec.limit = 8;
  auto eval8 = OpenDataset(spec);
  ASSERT_EQ(eval8->size(), 8u);
  for (std::size_t i = 0; i < eval8->size(); ++i) EXPECT_EQ(a.count(eval8->Get(i).input.data<float>()[0]), 0u);
  // A split that leaves nothing to evaluate is refused.
  spec.limit = 0;
  spec.split_calibration = 100;
  try {
    OpenDataset(spec);
    FAIL() << "a split of 100 of 100 samples was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("it has only 100 sample(s); lower --calibration-size"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qbench
