// OrtLabBackend: external variants (--compare-file: a file made elsewhere, measured as it is) and
// where ONNX Runtime places each variant's nodes with the lab's provider (docs/devices.md).
#include "qbench/core/fs.h"
#include "qbench/lab/model_content.h"
#include "qbench/model/model.h"
#include "qbench/quantization/kernel_probe.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/runtime/placement.h"

#include "ort_backend_impl.h"

namespace qbench {
using namespace lab_internal;  // NOLINT(build/namespaces)

ModelRecord OrtLabBackend::Impl::PrepareExternal(const ModelJob& job, const ExternalVariant& e, const ModelRecord& fp32_rec) {
  ModelRecord r;
  r.model = job.model.name;
  r.model_spec = job.model.spec;
  r.variant = e.label;
  r.external = true;
  r.file = e.path;
  r.original_bits = fp32_rec.original_bits;
  r.macs_per_sample = fp32_rec.macs_per_sample;  // the same network's work, counted on the fp32 graph
  r.macs_complete = fp32_rec.macs_complete;
  try {
    Model m = Step("loading the external file '" + e.path + "'", [&] { return LoadModel(e.path); });
    r.file_size_bytes = static_cast<std::int64_t>(FileSizeBytes(e.path));
    try {
      const ModelSummary s = InspectModel(m, LabShapes(m, 1, size0, user_shapes));
      r.params = s.params;
      r.weight_bytes_by_dtype = s.weight_bytes_by_dtype;
      const ModelContent c = DescribeModelContent(s);
      r.content = c.label;
      r.original_bits = c.weight_bits;  // made elsewhere: the file as given is its own original (8 for int8)
      r.weight_precision = c.weight_precision;
      r.weight_storage = c.weight_storage;
      r.activation_precision = c.activation_precision;
      file_schemes[e.label] = SchemeLikeContent(c);
    } catch (const std::exception& ex) {
      if (CancelRequested()) throw;
      r.warnings.push_back(std::string("inspect: ") + ex.what());
    }
    ExternalFileCoverage& about = r.file_coverage;
    about.file_content = r.content;
    const RuntimeCoverage rc =
        AnalyzeRuntimeCoverage(m, LabShapes(m, 1, size0, user_shapes), "extended", static_cast<int>(threads0));
    if (rc.analyzed) {
      ModelSummary optimized;  // what ORT runs: the content of its optimized graph
      for (const auto& [op, n] : rc.op_histogram) optimized.op_histogram[op] = n;
      optimized.weight_bytes_by_dtype = r.weight_bytes_by_dtype;
      RecordInt8MacShare(rc, &r);
      about.analyzed = true;
      about.after_ort_optimization = {DescribeModelContent(optimized).label, rc.graph_optimization,
                                      IntegerOps(rc.op_histogram),           rc.int8_mac_share,
                                      rc.int8_macs,                          rc.float_macs,
                                      rc.float_mac_nodes,                    rc.macs_complete,
                                      rc.unknown_mac_nodes};
    } else {
      r.warnings.push_back("runtime coverage: " + rc.note);
    }
    // A file relying on u8·s8 kernels that saturate on this CPU (x86 AVX2 without VNNI) loses
    // accuracy here that it would not lose elsewhere: said, as qbench's own files would be.
    about.u8s8_saturation = NoteU8S8Saturation(m, name + " " + e.label + " (" + e.path + ")", &r);
    r.has_file_coverage = true;
    variants[e.label] = std::move(m);
    r.ok = true;
  } catch (const std::exception& ex) {
    if (CancelRequested()) throw;
    r.ok = false;
    r.error = ex.what();
  }
  return r;
}

bool OrtLabBackend::Impl::NoteU8S8Saturation(const Model& m, const std::string& who, ModelRecord* r) {
  const std::string why = U8S8SaturationNote(m);
  if (why.empty()) return false;
  r->warnings.push_back("u8s8_saturation: " + why);
  if (warnings) warnings->Add("u8s8_saturation", who + ": " + why);
  return true;
}

void OrtLabBackend::Impl::RecordPlacement(ModelRecord* r) {
  if (!r->ok || !variants.count(r->variant)) return;
  try {
    std::vector<HostTensor> feeds;
    const Model m = RunnableWithFeeds(r->variant, 1, size0, &feeds);
    SessionConfig sc;
    sc.intra_op_threads = static_cast<int>(threads0);
    sc.execution_provider = config.provider;
    sc.allow_spinning = false;
    r->placement = MeasureNodePlacement(m, sc, feeds, config.output_dir);
    r->has_placement = true;
    if (r->placement.fallback && warnings)
      warnings->Add("provider_fallback", name + " " + r->variant + ": " + DescribePlacement(r->placement));
  } catch (const std::exception& e) {
    if (CancelRequested()) throw;
    r->warnings.push_back(std::string("node placement unknown: ") + e.what());
  }
}

}  // namespace qbench
