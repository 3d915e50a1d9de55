// tests/lab/model_job.h — the ModelJob of a configuration's first model, for tests that call a
// backend's PrepareModel directly (RunLab makes the same job for each model).
#pragma once

#include <cstdint>
#include <string>

#include "qbench/lab/config.h"
#include "qbench/lab/lab.h"

namespace qbench::testing {

/// The first of `c.models`, with `c.variants`, writing its files into `models_dir`, at `input_size`
/// (0: the file's own shape).
inline ModelJob FirstModelJob(const LabConfig& c, const std::string& models_dir, std::int64_t input_size) {
  ModelJob job;
  job.model = LabModels(c.models).front();
  job.variants = c.variants;
  job.models_dir = models_dir;
  job.input_size = input_size;
  return job;
}

}  // namespace qbench::testing
