// qbench/lab/ort_backend.h — the real LabBackend: zoo models or ONNX files, quantized with the
// quantization module, timed with the benchmark module on ONNX Runtime sessions, evaluated with
// the eval module, profiled with ONNX Runtime's profiler.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qbench/benchmark/compare.h"
#include "qbench/core/log.h"
#include "qbench/lab/lab.h"
#include "qbench/model/shapes.h"

namespace qbench {

/// Input shapes for a lab point: an input given in `user.input_shapes` (--shape) takes that shape,
/// dim 0 = batch when it has a batch dimension; otherwise every input of rank 4 is taken as an image,
/// NCHW [batch, C, input_size, input_size] (C from the file, 3 when dynamic); other inputs get dim 0 =
/// batch where they have a batch dimension (BatchDimensions) and their other dims from the file or
/// `user.dim_values` (--dim; names this model does not have are left out). input_size 0 keeps the
/// file's H and W. Throws Error(kUnsupported) naming the input when the file fixes H/W to other values
/// than input_size (the point cannot run at that size).
ShapeOverrides LabShapes(const Model& model, std::int64_t batch, std::int64_t input_size,
                         const ShapeOverrides& user = {});

/// How the lab times the variants of one point (OrtLabBackend::MeasureGroup; bench/speedup_repeatability
/// measures with it too): `config.warmup_runs` warm-up rounds, then exactly `config.repetitions`
/// interleaved rounds (no automatic extension), bootstrap and input seed `config.seed`, `batch`,
/// `threads` intra-op threads, graph optimization "all", `config.provider`, no spin-waiting for a
/// variant alone, and CompareOptions' default interleaving policy (the global pool). The lab adds its
/// failure handling, session cache, energy observer and context.
CompareOptions LabCompareOptions(const LabConfig& config, std::int64_t batch, std::int64_t threads);

/// Measures with ONNX Runtime. One model is kept loaded at a time (RunLab's order loads each once);
/// sessions are reused across batch sizes and input sizes of a dynamic-shape model and created per
/// batch for a model whose file fixes the batch (rewritten with WithBatchSize).
/// Timing: each group's variants are compared with CompareModels (benchmark/compare.h: exactly
/// `repetitions` interleaved rounds after `warmup_runs` warm-up rounds, no automatic extension) on
/// identical seeded inputs, on ONNX Runtime's global thread pool (its default policy: no idle pool
/// steals a core from the one being timed, docs/measurement.md); a variant alone runs without
/// spin-waiting; when the interleaved run fails (e.g. one variant runs out of memory), each variant
/// is timed alone and its failure recorded.
class OrtLabBackend : public LabBackend {
 public:
  /// `warnings` (may be null) collects the modules' warnings (random calibration data, high CV, …).
  OrtLabBackend(const LabConfig& config, WarningList* warnings);
  ~OrtLabBackend() override;

  std::int64_t ModelMacs(const std::string& spec, std::int64_t input_size) override;
  /// Zoo models: 0 (H and W dynamic). Files: H of the first rank-4 input whose H and W are both
  /// fixed (-1 when they differ), else 0. Cached per spec. Throws as LoadModel.
  std::int64_t FixedInputSize(const std::string& spec) override;
  std::string ModelMacsGap(const std::string& spec, std::int64_t input_size) override;
  std::int64_t ModelActivationElements(const std::string& spec, std::int64_t input_size) override;
  /// Zoo models: "fp32" (generated in fp32). Files: DescribeModelContent of InspectModel. Throws as LoadModel.
  std::string ModelContentLabel(const std::string& spec, std::int64_t input_size) override;
  RooflinePeaks EstimatePeaks(std::int64_t threads) override;
  RooflinePeaks RooflineFor(std::int64_t threads) override;
  LabDataCost MeasureData(const DatasetSpec& spec) override { return MeasureDataCost(spec); }
  std::vector<ModelRecord> PrepareModel(const ModelJob& job) override;
  std::vector<PointResult> MeasureGroup(const SweepGroup& group, const std::vector<std::string>& record) override;
  std::vector<OpProfileRecord> ProfileOps(const SweepGroup& group, const std::vector<std::string>& variants) override;
  std::vector<AccuracyRecord> Evaluate(const std::string& model, const std::vector<std::string>& variants) override;
  void ReleaseModel(const std::string& model) override;
  EnvironmentInfo Environment() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qbench
