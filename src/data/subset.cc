// Seeded, label-stratified subsets of a dataset and disjoint calibration/evaluation splits
// (DatasetSpec::limit, split_calibration, part; see dataset.h).
#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include <fmt/format.h>

#include "qbench/core/error.h"
#include "qbench/data/dataset.h"

namespace qbench {
namespace {

// An unbiased draw in [0, n) from a 64-bit generator (rejection of the top partial range), so the
// result does not depend on the standard library's distribution implementation.
std::uint64_t Below(std::mt19937_64& gen, std::uint64_t n) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x;
  do x = gen();
  while (x >= limit);
  return x % n;
}

class SubsetDataset : public Dataset {
 public:
  SubsetDataset(std::unique_ptr<Dataset> base, std::vector<std::size_t> indices, std::string note)
      : base_(std::move(base)), indices_(std::move(indices)), note_(std::move(note)) {}
  std::size_t size() const override { return indices_.size(); }
  Sample Get(std::size_t i) const override {
    if (i >= indices_.size())
      throw Error(ErrorCode::kInvalidArgument, "sample index " + std::to_string(i) + " out of range");
    return base_->Get(indices_[i]);
  }
  std::string Describe() const override { return base_->Describe() + note_; }
  bool FedAsStored() const override { return base_->FedAsStored(); }
  std::vector<int> Labels() const override {
    const auto all = base_->Labels();
    if (all.empty()) return {};
    std::vector<int> out;
    for (auto i : indices_) out.push_back(all.at(i));
    return out;
  }

 private:
  std::unique_ptr<Dataset> base_;
  std::vector<std::size_t> indices_;
  std::string note_;
};

bool AnyLabel(const std::vector<int>& labels) {
  return std::any_of(labels.begin(), labels.end(), [](int l) { return l >= 0; });
}

}  // namespace

std::vector<std::size_t> SelectSubset(const std::vector<int>& labels, std::size_t k, std::uint64_t seed) {
  const std::size_t n = labels.size();
  std::vector<std::size_t> out;
  if (k >= n) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  std::map<int, std::vector<std::size_t>> groups;  // label → indices, in order
  for (std::size_t i = 0; i < n; ++i) groups[labels[i]].push_back(i);
  // Largest remainder: floor(k n_g / n) each, then one more to the largest remainders.
  std::vector<std::pair<std::size_t, int>> remainders;  // (remainder numerator, label)
  std::map<int, std::size_t> quota;
  std::size_t given = 0;
  for (const auto& [label, idx] : groups) {
    const std::size_t num = k * idx.size();
    quota[label] = num / n;
    given += num / n;
    remainders.push_back({num % n, label});
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });  // ties: smaller label first
  for (std::size_t i = 0; given < k && i < remainders.size(); ++i, ++given) ++quota[remainders[i].second];
  std::mt19937_64 gen(seed);
  for (auto& [label, idx] : groups) {
    const std::size_t q = quota[label];
    for (std::size_t i = 0; i < q; ++i) {  // partial Fisher–Yates: the first q positions
      const std::size_t j = i + static_cast<std::size_t>(Below(gen, idx.size() - i));
      std::swap(idx[i], idx[j]);
      out.push_back(idx[i]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<Dataset> SubsetOf(std::unique_ptr<Dataset> base, std::vector<std::size_t> indices, std::string note) {
  return std::make_unique<SubsetDataset>(std::move(base), std::move(indices), std::move(note));
}

std::unique_ptr<Dataset> ApplySubsetSpec(std::unique_ptr<Dataset> whole, const DatasetSpec& spec) {
  const std::size_t n = whole->size();
  std::vector<int> labels = whole->Labels();
  if (labels.size() != n) labels.assign(n, -1);
  const bool stratified = AnyLabel(labels);
  std::vector<std::size_t> indices(n);
  for (std::size_t i = 0; i < n; ++i) indices[i] = i;
  std::string note;
  if (spec.split_calibration > 0 && spec.part != DatasetPart::kAll) {
    if (spec.split_calibration >= n)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("cannot split {} into {} calibration sample(s) and an evaluation part: it has only {} "
                              "sample(s); lower --calibration-size",
                              whole->Describe(), spec.split_calibration, n));
    const auto calib = SelectSubset(labels, spec.split_calibration, spec.seed);
    if (spec.part == DatasetPart::kCalibration) {
      indices = calib;
    } else {
      std::vector<bool> taken(n, false);
      for (auto i : calib) taken[i] = true;
      indices.clear();
      for (std::size_t i = 0; i < n; ++i)
        if (!taken[i]) indices.push_back(i);
    }
    note = fmt::format("; the {} part of a split (seed {}{}): {} calibration + {} evaluation sample(s), disjoint",
                       spec.part == DatasetPart::kCalibration ? "calibration" : "evaluation", spec.seed,
                       stratified ? ", stratified by label" : "", calib.size(), n - calib.size());
  }
  if (spec.limit > 0 && spec.limit < indices.size()) {
    std::vector<int> part_labels;
    for (auto i : indices) part_labels.push_back(labels[i]);
    // Another stream than the split's, so that limit and split draws are independent.
    const auto pick = SelectSubset(part_labels, spec.limit, spec.seed ^ 0x9E3779B97F4A7C15ull);
    note += fmt::format("; a random subset of {} of {} sample(s) (seed {}{})", spec.limit, indices.size(), spec.seed,
                        stratified ? ", stratified by label" : "");
    std::vector<std::size_t> chosen;
    for (auto p : pick) chosen.push_back(indices[p]);
    indices = std::move(chosen);
  }
  if (note.empty()) return whole;
  return SubsetOf(std::move(whole), std::move(indices), note);
}

}  // namespace qbench
