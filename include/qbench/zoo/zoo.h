// qbench/zoo/zoo.h — the builtin architectures, generated as ONNX graphs in code, and the
// `zoo:NAME` model spec accepted wherever a model path is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/model/model.h"

namespace qbench {

struct ZooOptions {
  int input_size = 224;        ///< default spatial size recorded in docs; the graph's H/W stay dynamic
  int num_classes = 1000;
  std::uint64_t seed = 0;
};

/// Loads `spec`: "zoo:NAME" builds a zoo model (Model::path stays "" and Model::proto's
/// graph name is NAME); anything else is a file path given to LoadModel.
/// Throws Error(kNotFound) for an unknown zoo name (listing the names), else as LoadModel.
Model LoadModelOrZoo(const std::string& spec, const ZooOptions& options = {});

/// A short display name: the zoo name for "zoo:NAME", else the file name without folder/extension.
std::string ModelDisplayName(const std::string& spec);

}  // namespace qbench
