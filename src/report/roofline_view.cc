// The roofline view of a study: per model and per op type, achieved MAC rate vs arithmetic
// intensity under the machine's fp32/int8 peaks and bandwidth, classified in four cases (memory-bound, compute-bound, below both roofs, above its roof).
#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "qbench/benchmark/environment.h"
#include "qbench/report/analysis.h"
#include "report/report_util.h"

namespace qbench {

using namespace report_internal;

namespace {

// MACs of the model variant are complete when both its own record and its baseline's say so (the
// profile's MACs come from the baseline graph).
bool MacsComplete(const LabStudy& study, const std::string& model, const std::string& variant) {
  const auto* rec = study.FindModel(model, variant);
  const auto* base = study.FindModel(model, BaselineVariant(study));
  return !(rec && !rec->macs_complete) && !(base && !base->macs_complete);
}

// Peak of a row: the int8 peak for integer work, else the fp32 peak.
// Rates from the row's MACs, bytes and time first (0 where unknown), then its place under the roofs.
void Classify(RooflineRow* r, const RooflinePeaks* peaks, bool int8) {
  if (r->time_ms > 0) r->achieved_macs_per_s = static_cast<double>(r->macs) / (r->time_ms / 1000.0);
  if (r->bytes > 0) r->intensity_macs_per_byte = static_cast<double>(r->macs) / static_cast<double>(r->bytes);
  if (!peaks) return;
  r->peak_macs_per_s = int8 ? peaks->int8_macs_per_s : peaks->fp32_macs_per_s;
  if (peaks->bytes_per_s > 0) r->ridge_macs_per_byte = r->peak_macs_per_s / peaks->bytes_per_s;
  if (!r->macs_complete) {
    r->achieved_macs_per_s = 0;
    return;
  }
  if (r->peak_macs_per_s > 0) r->share_of_peak = r->achieved_macs_per_s / r->peak_macs_per_s;
  if (peaks->bytes_per_s > 0 && r->intensity_macs_per_byte > 0)
    r->attainable_macs_per_s = std::min(r->peak_macs_per_s, peaks->bytes_per_s * r->intensity_macs_per_byte);
  r->memory_bound = r->ridge_macs_per_byte > 0 && r->intensity_macs_per_byte > 0 && r->intensity_macs_per_byte < r->ridge_macs_per_byte;
  r->bound = ClassifyRoofline(r->intensity_macs_per_byte, r->achieved_macs_per_s, r->peak_macs_per_s, peaks->bytes_per_s);
}

}  // namespace

RooflineBound ClassifyRoofline(double intensity, double achieved, double peak, double bytes_per_s) {
  if (!(intensity > 0) || !(achieved > 0) || !(peak > 0) || !(bytes_per_s > 0)) return RooflineBound::kUnknown;
  const double attainable = std::min(peak, bytes_per_s * intensity);
  if (achieved < kKernelBoundShare * attainable) return RooflineBound::kKernel;
  if (achieved > attainable) return RooflineBound::kAboveRoof;  // no roof can be binding above it
  return intensity < peak / bytes_per_s ? RooflineBound::kMemory : RooflineBound::kCompute;
}

std::string RooflineBoundName(RooflineBound bound) {
  switch (bound) {
    case RooflineBound::kMemory: return "memory-bound";
    case RooflineBound::kCompute: return "compute-bound";
    case RooflineBound::kKernel: return "below both roofs (kernel-limited)";
    case RooflineBound::kAboveRoof: return "above its roof (peaks too low)";
    case RooflineBound::kUnknown: break;
  }
  return "?";
}

std::string RooflineSource(const RooflinePeaks& r) {
  const std::string busy = BusyMachine(r.load_average_1min, r.logical_cores);
  const std::string load = r.load_average_1min >= 0 && r.logical_cores > 0
                               ? fmt::format("load {:.1f} on {} cores", r.load_average_1min, r.logical_cores)
                               : "";
  if (!r.from_cache) {
    if (!busy.empty()) return "measured now on a busy machine: " + busy + "; not cached";
    if (!r.not_cached.empty()) return "measured now, " + r.not_cached + "; not cached";
    return load.empty() ? "measured now" : "measured now (" + load + ")";
  }
  std::string when;
  if (r.measured_at_unix_s > 0) {
    const std::time_t t = static_cast<std::time_t>(r.measured_at_unix_s);
    std::tm tm{};
    char day[16];
    if (::gmtime_r(&t, &tm) && std::strftime(day, sizeof day, "%Y-%m-%d", &tm)) when = std::string("measured ") + day;
  }
  if (!busy.empty()) when += (when.empty() ? "" : ", ") + std::string("on a busy machine: ") + busy;
  else if (!load.empty()) when += (when.empty() ? "" : ", ") + load;
  return when.empty() ? "cache" : "cache (" + when + ")";
}

std::string RooflineBusyNote(const LabStudy& study) {
  if (const std::string busy = BusyMachine(study.environment.load_average_1min, study.environment.logical_cores); !busy.empty())
    return "the timings and op profiles were measured on a busy machine (" + busy + ")";
  for (const auto& r : study.roofline)
    if (const std::string busy = BusyMachine(r.load_average_1min, r.logical_cores); r.ok && !busy.empty())
      return "the roofline peaks were measured on a busy machine (" + busy + ")";
  return "";
}

std::vector<RooflineRow> ModelRooflineRows(const LabStudy& study) {
  std::vector<RooflineRow> rows;
  for (const auto& prof : study.op_profiles) {
    if (!prof.ok) continue;
    RooflineRow r{prof.model, prof.variant, "", prof.macs, prof.bytes, prof.total_ms};
    for (const auto& o : prof.op_types) {  // the profile's totals, else the sums over its op types
      if (prof.macs == 0) r.macs += o.macs;
      if (prof.bytes == 0) r.bytes += o.bytes;
    }
    for (const auto& p : study.points)
      if (p.ok && p.point.model == prof.model && p.point.variant == prof.variant && p.point.batch == prof.batch &&
          p.point.input_size == prof.input_size && p.point.threads == prof.threads)
        r.time_ms = p.latency.median_ms;
    r.macs_complete = MacsComplete(study, prof.model, prof.variant);
    const auto* rec = study.FindModel(prof.model, prof.variant);
    Classify(&r, prof.has_peaks ? &prof.peaks : PeaksFor(study, prof.threads), rec && rec->weight_precision == "int8");
    rows.push_back(r);
  }
  return rows;
}

double ProfileTimeScale(const LabStudy& study, const OpProfileRecord& prof) {
  for (const auto& p : study.points)
    if (p.ok && p.point.model == prof.model && p.point.variant == prof.variant && p.point.batch == prof.batch &&
        p.point.input_size == prof.input_size && p.point.threads == prof.threads && p.latency.median_ms > 0 &&
        prof.total_ms > p.latency.median_ms)
      return p.latency.median_ms / prof.total_ms;
  return 1.0;
}

std::vector<RooflineRow> OpTypeRooflineRows(const LabStudy& study) {
  std::vector<RooflineRow> rows;
  for (const auto& prof : study.op_profiles) {
    if (!prof.ok) continue;
    const bool complete = MacsComplete(study, prof.model, prof.variant);
    const double scale = ProfileTimeScale(study, prof);
    for (const auto& o : prof.op_types) {
      if (o.macs <= 0) continue;
      RooflineRow r{prof.model, prof.variant, o.op_type, o.macs, o.bytes, o.time_ms * scale};
      r.time_scale = scale;
      r.macs_complete = complete;
      Classify(&r, prof.has_peaks ? &prof.peaks : PeaksFor(study, prof.threads), IsIntegerOp(o.op_type));
      rows.push_back(r);
    }
  }
  return rows;
}

}  // namespace qbench
