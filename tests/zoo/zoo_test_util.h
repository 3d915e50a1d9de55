// tests/zoo/zoo_test_util.h — the issue #3 reference table and a per-process cache of built models.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qbench/zoo/zoo.h"

namespace qbench::testing {

/// Issue #3's table: torchvision parameter counts (1000 classes) and Conv+Gemm MACs at 224×224.
struct ZooReference {
  std::string name;
  std::int64_t torchvision_params;
  double macs_224;
};
inline const std::vector<ZooReference>& ZooReferenceTable() {
  static const std::vector<ZooReference> table = {
      {"resnet18", 11689512, 1.814e9},          {"mobilenet_v2", 3504872, 0.3008e9},
      {"mobilenet_v3_small", 2542856, 0.0565e9}, {"squeezenet1_1", 1235496, 0.3492e9},
      {"squeezenet1_0", 1248424, 0.8189e9},      {"resnet50", 25557032, 4.089e9},
      {"mobilenet_v3_large", 5483032, 0.2166e9}};
  return table;
}

/// BuildZooModel(name, options), built once per process per (name, num_classes, seed).
inline const Model& CachedZooModel(const std::string& name, int num_classes = 1000, std::uint64_t seed = 0) {
  static std::map<std::string, Model> cache;
  const std::string key = name + "/" + std::to_string(num_classes) + "/" + std::to_string(seed);
  auto it = cache.find(key);
  if (it == cache.end()) {
    ZooOptions o;
    o.num_classes = num_classes;
    o.seed = seed;
    it = cache.emplace(key, BuildZooModel(name, o)).first;
  }
  return it->second;
}

}  // namespace qbench::testing
