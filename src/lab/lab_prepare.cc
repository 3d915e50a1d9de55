// OrtLabBackend: loading a model and making its quantized variants (verified, written).
#include <algorithm>
#include <filesystem>
#include <memory>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/fs.h"
#include "qbench/lab/model_content.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/quantization/verify.h"
#include "qbench/zoo/zoo.h"

#include "lab_auto.h"
#include "ort_backend_impl.h"

namespace qbench {
namespace fs = std::filesystem;
using namespace lab_internal;  // NOLINT(build/namespaces)

// Makes variant `v` (quantized) of the loaded model and writes its file. Errors name the step that
// failed (calibrating, quantizing, writing); once the file is written, a failing analysis of it
// (inspection, runtime coverage) is a warning on the record, not a failure of the variant.
ModelRecord OrtLabBackend::Impl::PrepareVariant(const ModelJob& job, const std::string& v, const ModelRecord& fp32_rec) {
  const LabVariantInfo& info = FindLabVariant(v);
  ModelRecord r;
  r.model = job.model.name;
  r.model_spec = job.model.spec;
  r.variant = v;
  r.params = fp32_rec.params;
  r.original_bits = fp32_rec.original_bits;
  r.macs_per_sample = fp32_rec.macs_per_sample;
  auto prev = job.previous.find(v);
  if (prev != job.previous.end() && prev->second.ok && !prev->second.file.empty() && fs::exists(prev->second.file) &&
      !info.IsBaseline()) {
    variants[v] = Step("loading the earlier " + v + " file '" + prev->second.file + "'", [&] { return LoadModel(prev->second.file); });
    return prev->second;
  }
  const Model& fp32 = variants.at("fp32");
  QuantizeOptions q;
  const SchemeInfo& scheme = *info.scheme;
  q.scheme = scheme.name;
  q.granularity = info.weight_granularity;
  const bool calibrated = scheme.needs_calibration;
  // Calibration settings concern calibrated variants only: the other schemes ignore them.
  if (calibrated && !config.calibration_method.empty()) q.calibration.method = ParseCalibrationMethod(config.calibration_method);
  if (IsIntegerPrecision(scheme.weight_precision)) q.weight_range = config.weight_range;  // int8 schemes only
  q.intra_op_threads = static_cast<int>(threads0);
  const double t0 = NowMs();
  WarningList module_warnings;
  std::unique_ptr<CalibrationDataReader> reader;
  // The calibration data (the calibration part of --eval-data with --split). Every variant is verified
  // on it, calibrated or not, so that fp16 and dynamic are checked on the data static is (generated
  // inputs only when there is none).
  CalibrationDataSpec spec;
  spec.seed = config.seed;
  spec.shape_overrides = LabShapes(fp32, 1, size0, user_shapes);
  spec.path = config.split ? config.eval_data : config.calibration_data;
  spec.split_part = config.split;  // the calibration part; Evaluate uses the rest
  spec.preprocess = LabPreprocess(config, size0);
  spec.size = config.calibration_size;
  spec.batch_size = 1;
  if (calibrated) {
    if (!info.auto_search)
      reader = Step("opening the calibration data", [&] { return MakeCalibrationDataReader(fp32, spec, &module_warnings); });
  }
  QuantizeResult result;
  LabAutoRecord auto_summary;  // variant "auto": what the search chose (lab_auto.h)
  if (info.auto_search) {
    const AutoQuantizeResult a = Step("searching the int8 configurations (quantize --auto)", [&] {
      return AutoQuantize(fp32, LabAutoOptions(config, spec, LabPreprocess(config, size0), threads0));
    });
    for (const auto& w : a.warnings) module_warnings.Add(w.code, w.message);
    auto_summary = LabAutoSummary(a);
    result.model = a.model;
    result.report = a.report;
  } else {
    result = Step(calibrated ? "calibrating and quantizing" : "quantizing",
                  [&] { return QuantizeModel(fp32, q, reader.get(), &module_warnings); });
  }
  Forward(module_warnings);
  r.quantize_ms = NowMs() - t0;
  r.file = job.models_dir + "/" + job.model.name + "." + v + ".onnx";
  if (info.auto_search && auto_summary.wrote_fp32_unchanged)
    return AutoKeptFp32(r, fp32, fp32_rec, auto_summary);
  // Verified before it is written (verify.h): the same check and fp32 fallback as `qbench quantize`.
  WarningList scratch;  // re-quantizing repeats warnings already forwarded
  const RequantizeFn requantize = [&](const std::vector<std::string>& keep) {
    QuantizeOptions again = q;
    again.exclude.insert(again.exclude.end(), keep.begin(), keep.end());
    std::unique_ptr<CalibrationDataReader> rd;
    if (calibrated) rd = MakeCalibrationDataReader(fp32, spec, &scratch);
    return QuantizeModel(fp32, again, rd.get(), &scratch);
  };
  VerifyOptions vo;
  vo.enabled = config.verify;  // --no-verify
  vo.fix = !info.auto_search;  // auto: the file is exactly the candidate the search measured
  vo.strict = config.strict;   // --strict: a remaining collapse fails the variant
  vo.session.intra_op_threads = static_cast<int>(threads0);
  VerifiedQuantization verified = Step(std::string(vo.enabled ? "verifying and writing '" : "writing '") + r.file + "'", [&] {
    VerificationData data;
    if (vo.enabled) {
      CalibrationDataSpec vs = spec;
      vs.size = vs.path.empty() ? vo.max_samples : std::min(vs.size, vo.max_samples);
      auto vr = MakeCalibrationDataReader(fp32, vs, &scratch);
      data = ReadVerificationData(*vr, vo.max_samples);
    }
    return VerifyAndSave(fp32, std::move(result), info.auto_search ? RequantizeFn{} : requantize, data, r.file, vo);
  });
  result = std::move(verified.result);
  r.has_verification = true;
  r.verification = verified.verification;
  if (verified.verification.collapsed) {
    r.warnings.push_back("verification: an output collapsed against fp32 (see verification)");
    // As `qbench quantize` warns: the variant is measured, but its outputs are not the model's.
    if (warnings)
      warnings->Add("verification_collapse", job.model.name + " " + v + ": the quantized model's fidelity collapsed in verification (" +
                                                 CollapsedOutputsText(verified.verification) +
                                                 "); measured anyway, but its speed and size are those of a model whose outputs "
                                                 "are unusable (--strict refuses it)");
  }
  for (const auto& k : verified.verification.kept_fp32)
    r.warnings.push_back("verification kept " + k.node + " (" + k.op_type + ") fp32: " + k.reason);
  r.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(r.file));
  r.weight_precision = PrecisionName(scheme.weight_precision);
  r.activation_precision = result.report.activations;
  r.calibration = result.report.calibration;
  for (const auto& c : result.report.by_op_type) r.op_coverage[c.op_type] = OpCoverage{c.quantized, c.kept_float};
  try {
    const ModelSummary s = InspectModel(result.model, LabShapes(result.model, 1, size0, user_shapes));
    r.weight_bytes_by_dtype = s.weight_bytes_by_dtype;
    const ModelContent written = DescribeModelContent(s);  // what the written file holds, as for a given file
    r.content = written.label;
    r.weight_storage = written.weight_storage;  // read back: u8 (zero point 128) or s8, not the scheme's "int8"
    // An integer scheme that quantized nothing (every MAC op kept float: custom-domain ops, non-float
    // inputs, …) wrote a float file: its precisions are the file's, not the scheme's.
    if (IsIntegerPrecision(scheme.weight_precision) && !written.quantized) {
      r.weight_precision = written.weight_precision;
      r.activation_precision = written.activation_precision;
    }
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    r.warnings.push_back(std::string("inspect: weight bytes by dtype unknown: ") + e.what());
  }
  try {
    result.report.runtime =
        AnalyzeRuntimeCoverage(result.model, LabShapes(result.model, 1, size0, user_shapes), "extended", static_cast<int>(threads0));
    const RuntimeCoverage& rc = result.report.runtime;
    if (rc.analyzed && IsIntegerPrecision(scheme.weight_precision)) RecordInt8MacShare(rc, &r);
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    r.warnings.push_back(std::string("runtime coverage: the int8 share of MACs is unknown: ") + e.what());
  }
  r.has_coverage_report = true;
  r.coverage_report = result.report;
  r.coverage_report.nodes.clear();  // per-node decisions: see `qbench quantize --report`
  if (info.auto_search) {
    r.has_auto_search = true;
    r.auto_search = std::move(auto_summary);
  }
  for (const auto& w : result.report.warnings) r.warnings.push_back(w.code + ": " + w.message);
  r.ok = true;
  variants[v] = std::move(result.model);
  return r;
}

// Variant "auto" when the search wrote the model unchanged (no int8 configuration within the budget
// beats fp32 here): the fp32 file, recorded as what it holds (fp32), with the search's summary.
ModelRecord OrtLabBackend::Impl::AutoKeptFp32(ModelRecord r, const Model& fp32, const ModelRecord& fp32_rec,
                                              LabAutoRecord summary) {
  Step("writing '" + r.file + "'", [&] { WriteFileAtomic(r.file, SerializeModel(fp32)); });
  r.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(r.file));
  r.weight_precision = fp32_rec.weight_precision;  // what the file holds: the model as given
  r.weight_storage = fp32_rec.weight_storage;
  r.activation_precision = fp32_rec.activation_precision;
  r.content = fp32_rec.content;
  r.weight_bytes_by_dtype = fp32_rec.weight_bytes_by_dtype;
  r.warnings.push_back("auto: " + (summary.decision.empty() ? std::string("the model was written unchanged") : summary.decision));
  r.has_auto_search = true;
  r.auto_search = std::move(summary);
  r.ok = true;
  variants[r.variant] = fp32;
  return r;
}

std::vector<ModelRecord> OrtLabBackend::PrepareModel(const ModelJob& job) {
  Impl& I = *impl_;
  ReleaseModel(I.name);
  I.name = job.model.name;
  I.model = job.model;
  I.size0 = job.input_size;
  ZooOptions zo;
  zo.input_size = static_cast<int>(std::clamp<std::int64_t>(I.size0, 32, 4096));
  zo.seed = I.config.seed;
  Model fp32 = Step("loading '" + job.model.spec + "'", [&] { return LoadModelOrZoo(job.model.spec, zo); });

  ModelRecord base;
  base.model = job.model.name;
  base.model_spec = job.model.spec;
  base.variant = "fp32";
  base.weight_precision = "fp32";
  base.activation_precision = "fp32";
  try {
    const ModelSummary s = InspectModel(fp32, LabShapes(fp32, 1, I.size0, I.user_shapes));
    base.params = s.params;
    base.macs_per_sample = s.macs;
    base.weight_bytes_by_dtype = s.weight_bytes_by_dtype;
    base.file_size_bytes = static_cast<std::int64_t>(s.file_size_bytes);
    base.macs_complete = s.macs_complete;
    I.macs_per_sample[I.size0] = s.macs;
    if (!s.macs_complete) {
      I.macs_incomplete.insert(I.size0);
      base.warnings.push_back(kMacsIncompleteWarning + MacsGapCause(s));
    }
    // Labelled by what the file holds (a model given with --models may already be int8 or fp16).
    const ModelContent content = DescribeModelContent(s);
    base.content = content.label;
    base.original_bits = content.weight_bits;
    base.weight_precision = content.weight_precision;
    base.weight_storage = content.weight_storage;
    base.activation_precision = content.activation_precision;
    I.file_schemes["fp32"] = SchemeLikeContent(content);  // its op profile's traffic, as for an external file
    // An int8 file given with --models: warned, and its int8 share of MACs found, as one given with
    // --compare-file.
    if (content.quantized) {
      I.NoteU8S8Saturation(fp32, job.model.name + " as given (" + job.model.spec + ")", &base);
      const RuntimeCoverage rc =
          AnalyzeRuntimeCoverage(fp32, LabShapes(fp32, 1, I.size0, I.user_shapes), "extended", static_cast<int>(I.threads0));
      if (rc.analyzed) Impl::RecordInt8MacShare(rc, &base);
      else base.warnings.push_back("runtime coverage: " + rc.note);
    }
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    base.warnings.push_back(std::string("inspect: ") + e.what());
  }
  if (IsZooSpec(job.model.spec)) {
    base.file = job.models_dir + "/" + job.model.name + ".fp32.onnx";
    auto prev = job.previous.find("fp32");
    if (!(prev != job.previous.end() && prev->second.ok && fs::exists(base.file))) SaveModel(fp32, base.file);
    base.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(base.file));
  } else {
    base.file = job.model.spec;
    if (base.file_size_bytes == 0) base.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(base.file));
  }
  base.ok = true;
  I.variants["fp32"] = std::move(fp32);

  std::vector<ModelRecord> out;
  for (const auto& v : job.variants) {
    if (const ExternalVariant* ext = FindExternalVariant(I.config, job.model.name, job.model.spec, v)) {
      ModelRecord r = I.PrepareExternal(job, *ext, base);
      I.records[v] = r;
      out.push_back(r);
      continue;
    }
    if (FindLabVariant(v).IsBaseline()) {
      out.push_back(base);
      I.records[v] = base;
      continue;
    }
    ModelRecord r;
    try {
      r = I.PrepareVariant(job, v, base);
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      r.model = job.model.name;
      r.model_spec = job.model.spec;
      r.variant = v;
      r.ok = false;
      r.error = e.what();
    }
    I.records[v] = r;
    out.push_back(r);
  }
  for (auto& r : out) {
    I.RecordPlacement(&r);
    I.records[r.variant] = r;
  }
  return out;
}

void OrtLabBackend::Impl::RecordInt8MacShare(const RuntimeCoverage& rc, ModelRecord* r) {
  if (rc.macs_complete) r->int8_mac_share = rc.int8_mac_share;  // else unknown: a share of counted MACs only
  else r->warnings.push_back("runtime coverage: the int8 share of MACs is unknown: " + rc.note);
}

}  // namespace qbench
