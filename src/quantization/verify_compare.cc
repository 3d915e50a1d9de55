// Output verification: per-output SQNR, cosine, top-1 agreement and slice collapse; the report as
// text and JSON (see qbench/quantization/verify.h and docs/verification.md).
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "qbench/core/error.h"
#include "qbench/core/json_fields.h"
#include "qbench/data/metrics.h"
#include "qbench/quantization/verify.h"
#include "quantization/verify_internal.h"

namespace qbench {
namespace quant_internal {

void TensorComparison::Add(const HostTensor& reference, const HostTensor& candidate) {
  if (reference.dtype != DType::kFloat32 || candidate.dtype != DType::kFloat32)
    throw Error(ErrorCode::kInvalidArgument, "TensorComparison compares float32 tensors only");
  if (reference.shape != candidate.shape) {
    shape_mismatch_ = true;
    return;
  }
  const std::size_t n = static_cast<std::size_t>(reference.num_elements());
  const float* r = reference.data<float>();
  const float* x = candidate.data<float>();
  if (!started_) {
    started_ = true;
    first_shape_ = reference.shape;
    const int rank = static_cast<int>(reference.shape.size());
    std::vector<int> axes;
    if (rank >= 2) axes.push_back(rank - 1);
    if (rank >= 3) axes.push_back(1);
    for (int a : axes) {
      const std::int64_t extent = reference.shape[static_cast<std::size_t>(a)];
      if (extent < 2 || extent > max_slices_) continue;
      AxisEnergy e;
      e.axis = a;
      e.extent = extent;
      for (int k = a + 1; k < rank; ++k) e.stride *= reference.shape[static_cast<std::size_t>(k)];
      e.signal.assign(static_cast<std::size_t>(extent), 0.0);
      e.noise.assign(static_cast<std::size_t>(extent), 0.0);
      e.count.assign(static_cast<std::size_t>(extent), 0.0);
      axes_.push_back(std::move(e));
    }
  }
  for (auto& e : axes_)
    if (reference.shape.size() != first_shape_.size() ||
        reference.shape[static_cast<std::size_t>(e.axis)] != e.extent)
      e.valid = false;
  // One sample at a time (axis 0 of a rank >= 2 output is the batch), so the mean cosine is per
  // sample, as `qbench eval` reports it, and does not depend on --batch. Non-finite pairs are counted
  // and left out, so one NaN does not turn every statistic into NaN.
  const std::size_t samples =
      reference.shape.size() >= 2 && reference.shape[0] > 0 ? static_cast<std::size_t>(reference.shape[0]) : 1;
  const std::size_t per = n / samples;
  std::vector<float> rf, xf;
  for (std::size_t s = 0; s < samples; ++s) {
    const float* rs = r + s * per;
    const float* xs = x + s * per;
    bool clean = true;
    for (std::size_t i = 0; i < per && clean; ++i) clean = std::isfinite(rs[i]) && std::isfinite(xs[i]);
    if (clean) {
      whole_.Add(rs, xs, per);
      continue;
    }
    rf.clear();
    xf.clear();
    for (std::size_t i = 0; i < per; ++i) {
      if (!std::isfinite(rs[i])) continue;
      if (!std::isfinite(xs[i])) {
        ++non_finite_;
        continue;
      }
      rf.push_back(rs[i]);
      xf.push_back(xs[i]);
    }
    whole_.Add(rf.data(), xf.data(), rf.size());
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(r[i]) || !std::isfinite(x[i])) continue;
    const double rv = r[i], d = static_cast<double>(x[i]) - rv;
    signal_ += rv * rv;
    noise_ += d * d;
    count_ += 1.0;
    for (auto& e : axes_) {
      if (!e.valid) continue;
      const auto k = static_cast<std::size_t>((static_cast<std::int64_t>(i) / e.stride) % e.extent);
      e.signal[k] += rv * rv;
      e.noise[k] += d * d;
      e.count[k] += 1.0;
    }
  }
}

SliceCollapse TensorComparison::WorstSlice(double min_sqnr_db, double gap_db) const {
  SliceCollapse worst;
  const double whole = sqnr_db();
  for (const auto& e : axes_) {
    if (!e.valid) continue;
    std::vector<bool> bad(static_cast<std::size_t>(e.extent), false);
    std::int64_t count = 0, worst_index = -1;
    double worst_db = std::numeric_limits<double>::infinity();
    for (std::int64_t k = 0; k < e.extent; ++k) {
      const auto i = static_cast<std::size_t>(k);
      if (e.signal[i] == 0.0) continue;
      const double db = SqnrFromEnergies(e.signal[i], e.noise[i]);
      // Mean powers of the slice against the whole tensor's, in dB.
      const double signal_gap = 10.0 * std::log10((e.signal[i] / e.count[i]) / (signal_ / count_));
      const double noise_gap = noise_ > 0 && e.noise[i] > 0 ? 10.0 * std::log10((e.noise[i] / e.count[i]) / (noise_ / count_)) : 0.0;
      const bool small_scale = signal_gap <= -kVerifySliceScaleGapDb, noise_concentrated = noise_gap >= gap_db;
      if (db < min_sqnr_db && db <= whole - gap_db && (small_scale || noise_concentrated)) {
        bad[i] = true;
        ++count;
        if (db < worst_db) worst_db = db, worst_index = k;
      }
    }
    if (worst_index < 0) continue;
    std::int64_t first = worst_index, last = worst_index;
    while (first > 0 && bad[static_cast<std::size_t>(first - 1)]) --first;
    while (last + 1 < e.extent && bad[static_cast<std::size_t>(last + 1)]) ++last;
    double s = 0.0, nz = 0.0;
    for (std::int64_t k = first; k <= last; ++k) s += e.signal[static_cast<std::size_t>(k)], nz += e.noise[static_cast<std::size_t>(k)];
    const double group_db = SqnrFromEnergies(s, nz);
    if (worst.axis < 0 || group_db < worst.sqnr_db) {
      worst.axis = e.axis;
      worst.first = first;
      worst.last = last;
      worst.extent = e.extent;
      worst.collapsed = count;
      worst.sqnr_db = group_db;
    }
  }
  return worst;
}

std::string DescribeSlice(const SliceCollapse& s, std::size_t rank) {
  const bool columns = rank >= 2 && static_cast<std::size_t>(s.axis) == rank - 1;
  const std::string what = columns ? (s.first == s.last ? "column" : "columns") : (s.first == s.last ? "channel" : "channels");
  const std::string range = s.first == s.last ? std::to_string(s.first) : fmt::format("{}-{}", s.first, s.last);
  std::string out = fmt::format("{} {} of {} (axis {})", what, range, s.extent, s.axis);
  const std::int64_t group = s.last - s.first + 1;
  if (s.collapsed > group) out += fmt::format(", {} collapsed in all", s.collapsed);
  return out;
}

std::string Db(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.1f}", v);
}

}  // namespace quant_internal

namespace {

using quant_internal::Db;

// Class scores: float [N, C] with C >= 2, or [N, C, 1, 1] (as qbench eval judges output 0).
bool ClassScoreShape(const std::vector<std::int64_t>& s) {
  if (s.size() == 2) return s[1] >= 2;
  if (s.size() == 4) return s[1] >= 2 && s[2] == 1 && s[3] == 1;
  return false;
}

}  // namespace

std::vector<OutputVerification> CompareOutputs(const std::vector<TensorInfo>& infos,
                                               const std::vector<std::vector<HostTensor>>& fp32_outputs,
                                               const std::vector<std::vector<HostTensor>>& quantized_outputs,
                                               const VerifyOptions& options) {
  if (fp32_outputs.size() != quantized_outputs.size())
    throw Error(ErrorCode::kInvalidArgument, "CompareOutputs: batch counts differ");
  std::vector<OutputVerification> out;
  for (std::size_t k = 0; k < infos.size(); ++k) {
    OutputVerification v;
    v.name = infos[k].name;
    quant_internal::TensorComparison cmp(options.max_slices);
    std::size_t rows = 0, agree = 0, equal = 0, total = 0;
    bool shape_differs = false;
    for (std::size_t b = 0; b < fp32_outputs.size(); ++b) {
      if (k >= fp32_outputs[b].size() || k >= quantized_outputs[b].size()) continue;
      const HostTensor& r = fp32_outputs[b][k];
      const HostTensor& q = quantized_outputs[b][k];
      if (b == 0) {
        v.dtype = DTypeName(r.dtype);
        v.shape = r.shape;
      }
      if (r.dtype != q.dtype || r.shape != q.shape) {
        shape_differs = true;
        continue;
      }
      if (r.dtype == DType::kFloat32) {
        v.compared = true;
        cmp.Add(r, q);
        if (ClassScoreShape(r.shape)) {
          const std::size_t c = static_cast<std::size_t>(r.shape[1]);
          for (std::int64_t row = 0; row < r.shape[0]; ++row, ++rows) {
            const std::size_t off = static_cast<std::size_t>(row) * c;
            agree += ArgMax(r.data<float>() + off, c) == ArgMax(q.data<float>() + off, c);
          }
        }
      } else {
        const std::size_t size = DTypeSize(r.dtype);
        const std::size_t n = static_cast<std::size_t>(r.num_elements());
        for (std::size_t i = 0; i < n && size > 0; ++i, ++total)
          equal += std::memcmp(r.bytes.data() + i * size, q.bytes.data() + i * size, size) == 0;
      }
    }
    if (v.compared) {
      v.sqnr_db = cmp.sqnr_db();
      v.cosine = cmp.cosine();
      v.non_finite = cmp.non_finite();
      if (rows > 0) v.top1_agreement = static_cast<double>(agree) / static_cast<double>(rows);
      v.slice = cmp.WorstSlice(options.min_sqnr_db, options.slice_gap_db);
      // The class axis of a classifier with many classes is not judged per class: most of its logits
      // are small and never compete for the top; top-1 agreement measures what matters there.
      if (v.slice.axis == 1 && ClassScoreShape(v.shape) && v.shape[1] >= kVerifyClassAxisUnjudged) v.slice = SliceCollapse{};
    } else if (total > 0) {
      v.exact_match = static_cast<double>(equal) / static_cast<double>(total);
    }
    if (shape_differs) {
      v.collapsed = true;
      v.why = "its shape or element type differs from the fp32 model's";
    } else if (v.non_finite > 0) {
      v.collapsed = true;
      v.why = fmt::format("{} NaN/Inf values where the fp32 output is finite", v.non_finite);
    } else if (v.compared && cmp.reference_all_zero()) {
      v.why = "";  // nothing to compare against: the fp32 output is all zero on these inputs
    } else if (v.compared && SqnrCollapsed(v.sqnr_db, options.min_sqnr_db, rows, v.top1_agreement)) {
      v.collapsed = true;
      v.why = fmt::format("SQNR {} dB < {} dB", Db(v.sqnr_db), Db(options.min_sqnr_db));
      if (rows >= kVerifyAgreementMinRows)
        v.why += fmt::format(", top-1 agreement {:.1f} % (95 % upper bound {:.1f} % < {:g} %)", 100.0 * v.top1_agreement,
                             100.0 * AgreementUpperBound(rows, v.top1_agreement), 100.0 * kVerifyKeptAgreement);
    } else if (v.compared && v.slice.axis >= 0) {
      v.collapsed = true;
      v.why = fmt::format("{}: SQNR {} dB, while the whole output has {} dB", quant_internal::DescribeSlice(v.slice, v.shape.size()),
                          Db(v.slice.sqnr_db), Db(v.sqnr_db));
    }
    out.push_back(std::move(v));
  }
  return out;
}

double AgreementUpperBound(std::size_t rows, double top1_agreement) {
  if (rows == 0 || !std::isfinite(top1_agreement)) return std::nan("");
  const auto agree = static_cast<std::size_t>(std::llround(top1_agreement * static_cast<double>(rows)));
  return WilsonInterval(std::min(agree, rows), rows).hi;
}

bool SqnrCollapsed(double sqnr_db, double min_sqnr_db, std::size_t rows, double top1_agreement) {
  if (!(sqnr_db < min_sqnr_db)) return false;
  const bool decisions_kept = rows >= kVerifyAgreementMinRows && AgreementUpperBound(rows, top1_agreement) >= kVerifyKeptAgreement;
  return !decisions_kept;
}

std::string CollapseRuleText(double min_sqnr_db, double slice_gap_db) {
  return fmt::format("collapse: SQNR < {} dB unless top-1 agreement could be >= {:g} % (95 % Wilson upper bound; class "
                     "scores, >= {} samples); a slice: also {} dB below its output",
                     Db(min_sqnr_db), 100.0 * kVerifyKeptAgreement, kVerifyAgreementMinRows, Db(slice_gap_db));
}

std::string FormatVerification(const VerificationReport& r) {
  if (!r.performed) return "verification: not performed" + (r.note.empty() ? std::string() : " (" + r.note + ")") + "\n";
  std::string s = fmt::format("verification: ran in ONNX Runtime on {} batch(es) of {}; {}\n", r.batches, r.samples,
                              CollapseRuleText(r.min_sqnr_db, r.slice_gap_db));
  for (const auto& o : r.outputs) {
    if (o.compared) {
      s += fmt::format("  output {:<20} SQNR {:>6} dB  cosine {:.4f}", o.name, Db(o.sqnr_db), o.cosine);
      if (!std::isnan(o.top1_agreement)) s += fmt::format("  top-1 agreement {:.1f} %", 100.0 * o.top1_agreement);
    } else if (!std::isnan(o.exact_match)) {
      s += fmt::format("  output {:<20} {} values equal: {:.1f} %", o.name, o.dtype, 100.0 * o.exact_match);
    } else {
      s += fmt::format("  output {:<20} not compared ({})", o.name, o.dtype.empty() ? "not a tensor" : o.dtype);
    }
    s += o.collapsed ? "  COLLAPSED: " + o.why + "\n" : "\n";
  }
  for (const auto& k : r.kept_fp32)
    s += fmt::format("  kept fp32 (round {}): {} ({}): {}\n", k.round, k.node, k.op_type, k.reason);
  if (r.rounds.size() > 1)
    for (const auto& line : r.rounds) s += "  " + line + "\n";
  if (!r.note.empty()) s += "  note: " + r.note + "\n";
  return s;
}

std::string CollapsedOutputsText(const VerificationReport& r) {
  std::string what;
  for (const auto& o : r.outputs)
    if (o.collapsed) what += (what.empty() ? "" : "; ") + ("output '" + o.name + "': " + o.why);
  return what;
}

namespace {

// The report's field lists (core/json_fields.h), walked by to_json and from_json. Figures that were
// not measured are null, ±inf "inf" / "-inf" (f.Unbounded).
template <typename F, typename R>
void Fields(const F& f, R& r, const SliceCollapse*) {
  QBENCH_JSON_FIELDS(axis, first, last, extent, collapsed)
  f.Unbounded("sqnr_db", r.sqnr_db);
}

template <typename F, typename R>
void Fields(const F& f, R& r, const OutputVerification*) {
  QBENCH_JSON_FIELDS(name, dtype, shape, compared, non_finite, collapsed, why)
  f.Unbounded("sqnr_db", r.sqnr_db);
  f.Unbounded("cosine", r.cosine);
  f.Unbounded("top1_agreement", r.top1_agreement);
  f.Unbounded("exact_match", r.exact_match);
  f.Optional("worst_slice", r.slice, r.slice.axis >= 0);  // axis -1: no slice collapsed
}

template <typename F, typename R>
void Fields(const F& f, R& r, const KeptFp32*) {
  QBENCH_JSON_FIELDS(node, op_type, tensor, reason, round)
}

template <typename F, typename R>
void Fields(const F& f, R& r, const VerificationReport*) {
  QBENCH_JSON_FIELDS(performed, note, samples, batches, min_sqnr_db, slice_gap_db, collapsed, outputs, kept_fp32, rounds)
}

template <typename R>
void Write(nlohmann::json& j, const R& r) {
  j = nlohmann::json::object();
  Fields(json_fields::JsonWriter{j}, r, &r);
}

template <typename R>
void Read(const nlohmann::json& j, R& r) {
  r = R();
  if (j.is_object()) Fields(json_fields::JsonReader{j}, r, &r);
}

}  // namespace

void to_json(nlohmann::json& j, const SliceCollapse& s) { Write(j, s); }
void from_json(const nlohmann::json& j, SliceCollapse& s) { Read(j, s); }
void to_json(nlohmann::json& j, const OutputVerification& o) { Write(j, o); }
void from_json(const nlohmann::json& j, OutputVerification& o) { Read(j, o); }
void to_json(nlohmann::json& j, const KeptFp32& k) { Write(j, k); }
void from_json(const nlohmann::json& j, KeptFp32& k) { Read(j, k); }
void to_json(nlohmann::json& j, const VerificationReport& r) { Write(j, r); }
void from_json(const nlohmann::json& j, VerificationReport& r) { Read(j, r); }

nlohmann::json VerificationToJson(const VerificationReport& r) { return r; }

}  // namespace qbench
