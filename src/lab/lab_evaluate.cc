// OrtLabBackend: accuracy of each variant, paired with the baseline on the same samples.
#include <cmath>
#include <memory>

#include "qbench/data/dataset.h"
#include "qbench/eval/evaluator.h"
#include "qbench/runtime/runner.h"

#include "ort_backend_impl.h"

namespace qbench {
using namespace lab_internal;  // NOLINT(build/namespaces)

namespace {

bool FixesBatch(const Model& model) {
  for (const auto& in : model.Inputs())
    if (in.has_shape && !in.shape.empty() && in.shape[0] > 0) return true;
  return false;
}

}  // namespace

std::vector<AccuracyRecord> OrtLabBackend::Evaluate(const std::string& model, const std::vector<std::string>& variants) {
  Impl& I = *impl_;
  DatasetSpec spec;
  spec.path = I.config.eval_data;
  spec.preprocess = LabPreprocess(I.config, I.size0);
  spec.limit = I.config.eval_limit;
  spec.seed = I.config.seed;
  if (I.config.split) {  // the evaluation part, disjoint from the calibration part PrepareVariant used
    spec.split_calibration = I.config.calibration_size;
    spec.part = DatasetPart::kEvaluation;
  }
  auto dataset = OpenDataset(spec);
  SessionConfig sc;
  sc.execution_provider = I.config.provider;
  sc.intra_op_threads = static_cast<int>(I.threads0);
  EvalOptions eo;
  eo.limit = I.config.eval_limit;
  const std::string base = I.Baseline();
  std::unique_ptr<OrtRunner> base_runner;
  try {
    base_runner = OrtRunner::Create(I.VariantModel(base), sc);
  } catch (const std::exception&) {
    if (CancelRequested()) throw;
    base_runner.reset();
  }
  std::vector<AccuracyRecord> out;
  for (const auto& v : variants) {
    AccuracyRecord a;
    a.model = model;
    a.variant = v;
    try {
      const Model& m = I.VariantModel(v);
      eo.batch_size = FixesBatch(m) ? 1 : 4;
      std::unique_ptr<OrtRunner> own;
      OrtRunner* runner = v == base ? base_runner.get() : nullptr;
      if (!runner) {
        own = OrtRunner::Create(m, sc);
        runner = own.get();
      }
      const AccuracyResult res = qbench::Evaluate(*runner, *dataset, eo, v == base ? nullptr : base_runner.get());
      a.ok = true;
      a.dataset = res.dataset;
      a.samples = static_cast<std::int64_t>(res.count);
      a.top1 = res.top1;
      a.top1_ci95_low = res.top1_ci95.lo;
      a.top1_ci95_high = res.top1_ci95.hi;
      a.top5 = res.top5;
      // The baseline is not compared with itself: its agreement is "not measured" (-1).
      a.top1_agreement = v != base && std::isfinite(res.top1_agreement) ? res.top1_agreement : -1;
      a.top1_agreement_ci95_low = res.top1_agreement_ci95.lo;
      a.top1_agreement_ci95_high = res.top1_agreement_ci95.hi;
      a.num_classes = static_cast<std::int64_t>(res.num_classes);
      a.labels_out_of_range = static_cast<std::int64_t>(res.labels_out_of_range);
      if (v != base && res.has_reference && res.labelled > 0) {
        a.has_paired = true;
        a.labelled = static_cast<std::int64_t>(res.labelled);
        a.both_correct = static_cast<std::int64_t>(res.both_top1_correct);
        a.variant_only_correct = static_cast<std::int64_t>(res.model_only_top1_correct);
        a.baseline_only_correct = static_cast<std::int64_t>(res.reference_only_top1_correct);
        a.top1_change = res.top1_change.estimate;
        a.top1_change_ci95_low = res.top1_change.lo;
        a.top1_change_ci95_high = res.top1_change.hi;
        a.mcnemar_p = res.top1_change_mcnemar_p;
      }
      if (!res.classification) {
        // Output 0 is not class scores: no top-1 exists; label-free fidelity against the baseline on
        // the same samples instead (what `qbench eval --reference` computes).
        a.metric = "fidelity";
        a.top1 = a.top5 = 0;
        a.top1_agreement = -1;
        if (v != base) {
          if (!res.has_reference || res.outputs.empty()) {
            a.ok = false;
            a.error = "the model's first output is not class scores and the " + base +
                      " baseline could not be run to compare its outputs with";
          } else {
            a.sqnr_db = res.sqnr_db;
            a.cosine = res.cosine;
            for (const auto& o : res.outputs) a.output_sqnr_db[o.name] = o.sqnr_db;
          }
        }
      } else if (!std::isfinite(res.top1)) {
        a.ok = false;
        a.error = "the evaluation data has no labels: top-1 needs a label per sample (a labels CSV, class folders, "
                  "labels.npy or .labels.u8)";
      }
      if (I.warnings)
        for (const auto& w : res.warnings) I.warnings->Add(w.code, model + " " + v + ": " + w.message);
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      a.ok = false;
      a.error = e.what();
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace qbench
