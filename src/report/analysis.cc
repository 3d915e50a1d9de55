#include "qbench/report/analysis.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

namespace qbench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
std::vector<T> JsonList(const nlohmann::json& config, const char* key) {
  std::vector<T> out;
  if (config.is_object() && config.contains(key) && config[key].is_array())
    for (const auto& v : config[key]) out.push_back(v.get<T>());
  return out;
}

bool IsIntegerOp(const std::string& op) {
  return op.rfind("QLinear", 0) == 0 || op.find("Integer") != std::string::npos || op == "QGemm" ||
         op == "DynamicQuantizeMatMul" || op == "QAttention";
}

std::string Percent(double share) { return fmt::format("{:.0f} %", 100.0 * share); }

const RooflinePeaks* PeaksFor(const LabStudy& study, std::int64_t threads) {
  for (const auto& r : study.roofline)
    if (r.ok && r.threads == threads) return &r;
  for (const auto& r : study.roofline)
    if (r.ok) return &r;
  return nullptr;
}

const OpProfileRecord* ProfileFor(const LabStudy& study, const std::string& model, const std::string& variant) {
  for (const auto& o : study.op_profiles)
    if (o.ok && o.model == model && o.variant == variant) return &o;
  return nullptr;
}

// Points of (model, variant) that were measured, at the first threads value and input size, by batch.
std::vector<const PointResult*> BatchSeries(const LabStudy& study, const std::string& model, const std::string& variant,
                                            std::int64_t input_size, std::int64_t threads) {
  std::vector<const PointResult*> out;
  for (const auto& p : study.points)
    if (p.ok && p.point.model == model && p.point.variant == variant && p.point.input_size == input_size &&
        p.point.threads == threads)
      out.push_back(&p);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->point.batch < b->point.batch; });
  return out;
}

std::string SpeedWord(const PointResult& p) {
  if (!p.has_speedup) return "unknown";
  if (p.speedup_ci95_low > 1.0) return "faster";
  if (p.speedup_ci95_high < 1.0) return "slower";
  return "not clearly different";
}

std::string Join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

// The op types of a profile that take the largest share of time, as "ConvInteger 78 %, DynamicQuantizeLinear 9 %".
std::string TopOps(const OpProfileRecord& prof, std::size_t n) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < prof.op_types.size() && i < n; ++i)
    if (prof.total_ms > 0) parts.push_back(fmt::format("{} {}", prof.op_types[i].op_type, Percent(prof.op_types[i].time_ms / prof.total_ms)));
  return Join(parts);
}

double TimeShare(const OpProfileRecord& prof, const std::function<bool(const std::string&)>& pred) {
  if (prof.total_ms <= 0) return 0;
  double t = 0;
  for (const auto& o : prof.op_types)
    if (pred(o.op_type)) t += o.time_ms;
  return t / prof.total_ms;
}

}  // namespace

std::string BaselineVariant(const LabStudy& study) {
  auto v = StudyVariants(study);
  return v.empty() ? "" : v.front();
}

std::vector<std::string> StudyVariants(const LabStudy& study) {
  auto v = JsonList<std::string>(study.config, "variants");
  if (!v.empty()) return v;
  std::vector<std::string> out;
  for (const auto& m : study.models)
    if (std::find(out.begin(), out.end(), m.variant) == out.end()) out.push_back(m.variant);
  return out;
}

std::vector<std::string> StudyModels(const LabStudy& study) {
  std::vector<std::string> out;
  for (const auto& m : study.models)
    if (std::find(out.begin(), out.end(), m.model) == out.end()) out.push_back(m.model);
  for (const auto& p : study.points)
    if (std::find(out.begin(), out.end(), p.point.model) == out.end()) out.push_back(p.point.model);
  return out;
}

double SpearmanRankCorrelation(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  if (n < 3 || y.size() != n) return kNaN;
  auto ranks = [n](const std::vector<double>& v) {
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> r(n);
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i;
      while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) ++j;
      const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;  // 1-based average rank
      for (std::size_t k = i; k <= j; ++k) r[idx[k]] = avg;
      i = j + 1;
    }
    return r;
  };
  const auto rx = ranks(x), ry = ranks(y);
  const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n, my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx == 0 || syy == 0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

double SizeRatio(const LabStudy& study, const std::string& model, const std::string& variant) {
  const auto* a = study.FindModel(model, variant);
  const auto* b = study.FindModel(model, BaselineVariant(study));
  if (!a || !b || !a->ok || !b->ok || b->file_size_bytes <= 0) return kNaN;
  return static_cast<double>(a->file_size_bytes) / static_cast<double>(b->file_size_bytes);
}

std::vector<std::int64_t> ModelInputSizes(const LabStudy& study, const std::string& model) {
  const auto& c = study.config;
  if (c.is_object() && c.contains("model_input_sizes") && c["model_input_sizes"].is_object() &&
      c["model_input_sizes"].contains(model) && c["model_input_sizes"][model].is_array() && !c["model_input_sizes"][model].empty())
    return c["model_input_sizes"][model].get<std::vector<std::int64_t>>();
  return JsonList<std::int64_t>(c, "input_size");
}

const PointResult* ReferencePoint(const LabStudy& study, const std::string& model, const std::string& variant) {
  const auto sizes = ModelInputSizes(study, model);
  const auto threads = JsonList<std::int64_t>(study.config, "threads");
  const PointResult* best = nullptr;
  for (const auto& p : study.points) {
    if (!p.ok || p.point.model != model || p.point.variant != variant) continue;
    if (!sizes.empty() && p.point.input_size != sizes.front()) continue;
    if (!threads.empty() && p.point.threads != threads.front()) continue;
    if (!best || p.point.batch < best->point.batch) best = &p;
  }
  return best;
}

std::vector<RooflineRow> ModelRooflineRows(const LabStudy& study) {
  std::vector<RooflineRow> rows;
  for (const auto& prof : study.op_profiles) {
    if (!prof.ok) continue;
    const RooflinePeaks* peaks = PeaksFor(study, prof.threads);
    RooflineRow r;
    r.model = prof.model;
    r.variant = prof.variant;
    r.macs = prof.macs;
    if (r.macs == 0)
      for (const auto& o : prof.op_types) r.macs += o.macs;
    r.time_ms = prof.total_ms;
    for (const auto& p : study.points)
      if (p.ok && p.point.model == prof.model && p.point.variant == prof.variant && p.point.batch == prof.batch &&
          p.point.input_size == prof.input_size && p.point.threads == prof.threads)
        r.time_ms = p.latency.median_ms;
    if (r.time_ms > 0) r.achieved_macs_per_s = static_cast<double>(r.macs) / (r.time_ms / 1000.0);
    const auto* rec = study.FindModel(prof.model, prof.variant);
    const bool int8 = rec && rec->weight_precision == "int8";
    if (peaks) {
      r.peak_macs_per_s = int8 ? peaks->int8_macs_per_s : peaks->fp32_macs_per_s;
      if (r.peak_macs_per_s > 0) r.share_of_peak = r.achieved_macs_per_s / r.peak_macs_per_s;
      if (peaks->bytes_per_s > 0) r.ridge_macs_per_byte = r.peak_macs_per_s / peaks->bytes_per_s;
    }
    std::int64_t bytes = prof.bytes;
    if (bytes == 0)
      for (const auto& o : prof.op_types) bytes += o.bytes;
    r.bytes = bytes;
    if (bytes > 0) r.intensity_macs_per_byte = static_cast<double>(r.macs) / static_cast<double>(bytes);
    if (peaks && peaks->bytes_per_s > 0)
      r.attainable_macs_per_s = std::min(r.peak_macs_per_s, peaks->bytes_per_s * r.intensity_macs_per_byte);
    r.memory_bound = r.ridge_macs_per_byte > 0 && r.intensity_macs_per_byte < r.ridge_macs_per_byte;
    rows.push_back(r);
  }
  return rows;
}

std::vector<RooflineRow> OpTypeRooflineRows(const LabStudy& study) {
  std::vector<RooflineRow> rows;
  for (const auto& prof : study.op_profiles) {
    if (!prof.ok) continue;
    const RooflinePeaks* peaks = PeaksFor(study, prof.threads);
    for (const auto& o : prof.op_types) {
      if (o.macs <= 0) continue;
      RooflineRow r;
      r.model = prof.model;
      r.variant = prof.variant;
      r.op_type = o.op_type;
      r.macs = o.macs;
      r.bytes = o.bytes;
      r.time_ms = o.time_ms;
      if (o.time_ms > 0) r.achieved_macs_per_s = static_cast<double>(o.macs) / (o.time_ms / 1000.0);
      if (o.bytes > 0) r.intensity_macs_per_byte = static_cast<double>(o.macs) / static_cast<double>(o.bytes);
      if (peaks) {
        r.peak_macs_per_s = IsIntegerOp(o.op_type) ? peaks->int8_macs_per_s : peaks->fp32_macs_per_s;
        if (r.peak_macs_per_s > 0) r.share_of_peak = r.achieved_macs_per_s / r.peak_macs_per_s;
        if (peaks->bytes_per_s > 0) {
          r.ridge_macs_per_byte = r.peak_macs_per_s / peaks->bytes_per_s;
          r.attainable_macs_per_s = std::min(r.peak_macs_per_s, peaks->bytes_per_s * r.intensity_macs_per_byte);
        }
      }
      r.memory_bound = r.ridge_macs_per_byte > 0 && r.intensity_macs_per_byte < r.ridge_macs_per_byte;
      rows.push_back(r);
    }
  }
  return rows;
}

std::string FormatMs(double ms) {
  if (!std::isfinite(ms)) return "n/a";
  if (ms < 1) return fmt::format("{:.3f} ms", ms);
  if (ms < 10) return fmt::format("{:.2f} ms", ms);
  if (ms < 100) return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.0f} ms", ms);
}

std::string FormatRatio(double r) { return std::isfinite(r) ? fmt::format("{:.2f}x", r) : "n/a"; }

bool BelowNominalCi(double level) { return !(level >= 0.95 - 1e-9); }

std::string FormatCiLevel(double level) {
  const double pct = 100 * level;
  if (!std::isfinite(pct)) return "n/a";
  return std::abs(pct - std::round(pct)) < 0.05 ? fmt::format("{:.0f} %", pct) : fmt::format("{:.1f} %", pct);
}

std::string FormatMedianCi(const LatencySummary& l) {
  std::string s = "[" + FormatMs(l.ci95_low_ms) + ", " + FormatMs(l.ci95_high_ms) + "]";
  if (!BelowNominalCi(l.median_ci_level)) return s;
  if (l.n <= 1 || l.median_ci_level <= 0) return s + fmt::format(" (no CI: n={})", l.n);
  return s + fmt::format(" ({} CI: n={})", FormatCiLevel(l.median_ci_level), l.n);
}

std::string FormatBytes(double b) {
  if (!std::isfinite(b)) return "n/a";
  if (b < 1e6) return fmt::format("{:.1f} kB", b / 1e3);
  const double mb = b / 1e6;
  if (mb < 10) return fmt::format("{:.2f} MB", mb);
  if (mb < 100) return fmt::format("{:.1f} MB", mb);
  return fmt::format("{:.0f} MB", mb);
}

std::string FormatGiga(double v) {
  const double g = v / 1e9;
  if (!std::isfinite(g)) return "n/a";
  if (g < 1) return fmt::format("{:.3f} G", g);
  if (g < 10) return fmt::format("{:.2f} G", g);
  if (g < 100) return fmt::format("{:.1f} G", g);
  return fmt::format("{:.0f} G", g);
}

std::vector<std::string> GenerateObservations(const LabStudy& study) {
  std::vector<std::string> out;
  const std::string base = BaselineVariant(study);
  const auto variants = StudyVariants(study);
  const auto models = StudyModels(study);
  const auto threads = JsonList<std::int64_t>(study.config, "threads");
  const std::int64_t threads0 = threads.empty() ? 1 : threads.front();
  auto size0_of = [&study](const std::string& m) {
    const auto s = ModelInputSizes(study, m);
    return s.empty() ? std::int64_t{0} : s.front();
  };

  // 1. Size.
  for (const auto& v : variants) {
    if (v == base) continue;
    std::vector<std::string> shrunk, not_shrunk;
    double lo = 1e9, hi = 0;
    for (const auto& m : models) {
      const double r = SizeRatio(study, m, v);
      if (!std::isfinite(r)) continue;
      lo = std::min(lo, r);
      hi = std::max(hi, r);
      if (r > 0.5) {
        const auto* rec = study.FindModel(m, v);
        double float_bytes = 0, total = 0;
        for (const auto& [dt, b] : rec->weight_bytes_by_dtype) {
          total += static_cast<double>(b);
          if (dt == "float32" || dt == "float16") float_bytes += static_cast<double>(b);
        }
        std::string why = total > 0 ? fmt::format("; {} of its weight bytes are still float", Percent(float_bytes / total)) : "";
        not_shrunk.push_back(fmt::format("{} ({} of the {} size{})", m, FormatRatio(r), base, why));
      } else {
        shrunk.push_back(m);
      }
    }
    if (hi == 0) continue;
    std::string s = fmt::format("**Size, {}**: files are {}–{} of the {} size", v, FormatRatio(lo), FormatRatio(hi), base);
    if (!shrunk.empty()) s += fmt::format(" ({} shrank at least 2x)", Join(shrunk));
    s += ".";
    if (!not_shrunk.empty()) s += " Did not shrink much: " + Join(not_shrunk) + ".";
    out.push_back(s);
  }

  // 2. Speed per model × quantized variant at the smallest batch, and why slow ones are slow.
  for (const auto& v : variants) {
    if (v == base) continue;
    std::vector<std::string> faster, slower, unclear;
    for (const auto& m : models) {
      auto series = BatchSeries(study, m, v, size0_of(m), threads0);
      if (series.empty() || !series.front()->has_speedup) continue;
      const PointResult& p = *series.front();
      const std::string desc = fmt::format("{} {} [{}, {}] at batch {}", m, FormatRatio(p.speedup), FormatRatio(p.speedup_ci95_low),
                                           FormatRatio(p.speedup_ci95_high), p.point.batch);
      const std::string word = SpeedWord(p);
      if (word == "faster") {
        faster.push_back(desc);
        continue;
      }
      std::vector<std::string> why;  // the reasons, joined with "; "
      const auto* rec = study.FindModel(m, v);
      const auto* prof = ProfileFor(study, m, v);
      // Float nodes that matter: MAC-bearing ones (their work stays fp32) and, when activations are
      // static int8, any op type kept float (each costs a DequantizeLinear/QuantizeLinear round trip).
      // Under dynamic quantization activations stay float anyway, so pooling or Relu being float is no cause.
      const bool static_acts = rec && rec->activation_precision.find("run time") == std::string::npos &&
                               rec->activation_precision.find("dynamic") == std::string::npos && rec->weight_precision == "int8";
      std::vector<std::string> kept;
      if (rec)
        for (const auto& [op, c] : rec->op_coverage) {
          const bool mac_op = op == "Conv" || op == "Gemm" || op == "MatMul" || op == "ConvTranspose" || op == "LSTM" || op == "GRU";
          // A non-MAC op matters when it shows in the profile (>= 2 % of the run) or no profile exists.
          const double share = prof ? TimeShare(*prof, [&op](const std::string& o) { return o == op; }) : 1.0;
          if (c.kept_float > 0 && (mac_op || (static_acts && share >= 0.02)))
            kept.push_back(fmt::format("{} {} node(s)", c.kept_float, op));
        }
      if (!kept.empty()) why.push_back("kept in float: " + Join(kept));
      if (rec && rec->int8_mac_share >= 0) why.push_back(fmt::format("{} of its MACs run in int8", Percent(rec->int8_mac_share)));
      if (prof) {
        std::string top = "its profile: " + TopOps(*prof, 3);
        const double qdq = TimeShare(*prof, [](const std::string& op) {
          return op == "QuantizeLinear" || op == "DequantizeLinear" || op == "DynamicQuantizeLinear";
        });
        if (qdq > 0.05) top += fmt::format(" (quantize/dequantize steps {} of the time)", Percent(qdq));
        why.push_back(top);
        const double conv_integer = TimeShare(*prof, [](const std::string& op) { return op.rfind("ConvInteger", 0) == 0; });
        if (conv_integer > 0.3)
          why.push_back(fmt::format("ConvInteger, ONNX Runtime's dynamic int8 convolution (im2col + integer GEMM, without "
                                    "the blocked layouts of its fp32 Conv), takes {} of the run", Percent(conv_integer)));
        const double float_ops = TimeShare(*prof, [](const std::string& op) {
          return op == "HardSigmoid" || op == "Mul" || op == "Sigmoid" || op == "HardSwish";
        });
        if (static_acts && float_ops > 0.05)
          why.push_back(fmt::format("float HardSigmoid/Mul/Sigmoid ops {} of the time", Percent(float_ops)));
      }
      (word == "slower" ? slower : unclear).push_back(desc + (why.empty() ? "" : " — " + Join(why, "; ")));
    }
    // Entries carry "; "-separated reasons: separate the models by sentences.
    if (!faster.empty()) out.push_back(fmt::format("**Faster with {}** (speedup vs {}, 95 % CI, interleaved): {}.", v, base, Join(faster, "; ")));
    if (!slower.empty()) out.push_back(fmt::format("**Slower with {}** than {}: {}.", v, base, Join(slower, ". ")));
    if (!unclear.empty()) out.push_back(fmt::format("**No clear speedup with {}** (the CI includes 1.00x): {}.", v, Join(unclear, ". ")));
  }

  // 3. Did latency track model size (and MACs)?
  {
    std::vector<double> size, lat, macs, macs_lat;
    std::vector<std::string> names;
    for (const auto& m : models) {
      const auto* rec = study.FindModel(m, base);
      const auto* p = ReferencePoint(study, m, base);
      if (!rec || !rec->ok || !p) continue;
      size.push_back(static_cast<double>(rec->file_size_bytes));
      lat.push_back(p->latency.median_ms);
      names.push_back(m);
      if (p->macs > 0) {
        macs.push_back(static_cast<double>(p->macs));
        macs_lat.push_back(p->latency.median_ms);
      }
    }
    const double rho_size = names.size() >= 3 ? SpearmanRankCorrelation(size, lat) : kNaN;
    if (std::isfinite(rho_size)) {
      std::string s = fmt::format("**Latency vs model size** ({}, {} models): Spearman ρ = {:.2f} between file size and median latency",
                                  base, size.size(), rho_size);
      const double rho_macs = macs.size() == size.size() ? SpearmanRankCorrelation(macs, macs_lat) : kNaN;
      if (std::isfinite(rho_macs)) s += fmt::format(", ρ = {:.2f} between MACs and latency", rho_macs);
      s += std::abs(rho_size) >= 0.8 ? "; latency tracked size" : "; latency did not track size closely";
      if (std::isfinite(rho_macs) && rho_macs > rho_size + 0.2) s += " (work, not bytes, sets the pace)";
      // The pair that breaks the order most visibly.
      for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = 0; j < names.size(); ++j)
          if (size[i] < size[j] / 2 && lat[i] > lat[j]) {
            s += fmt::format("; e.g. {} is {} the size of {} but {} slower ({} vs {})", names[i], FormatRatio(size[i] / size[j]),
                             names[j], FormatRatio(lat[i] / lat[j]), FormatMs(lat[i]), FormatMs(lat[j]));
            i = j = names.size();
            break;
          }
      out.push_back(s + ".");
    }
    // Across every variant: does a smaller file run faster?
    std::vector<double> all_size, all_lat;
    for (const auto& m : models)
      for (const auto& v : variants) {
        const auto* rec = study.FindModel(m, v);
        const auto* p = ReferencePoint(study, m, v);
        if (rec && rec->ok && p) {
          all_size.push_back(static_cast<double>(rec->file_size_bytes));
          all_lat.push_back(p->latency.median_ms);
        }
      }
    const double rho_all = SpearmanRankCorrelation(all_size, all_lat);
    if (std::isfinite(rho_all) && all_size.size() > size.size() && names.size() >= 2)
      out.push_back(fmt::format("Over all {} model variants, ρ(file size, latency) = {:.2f}: {}.", all_size.size(), rho_all,
                                rho_all > 0.8 ? "smaller files ran faster" : "a smaller file was not reliably a faster one"));
  }

  // 4. Trend over the batch (and input size) axis.
  for (const auto& v : variants) {
    if (v == base) continue;
    for (const auto& m : models) {
      auto series = BatchSeries(study, m, v, size0_of(m), threads0);
      std::vector<const PointResult*> s;
      for (auto* p : series)
        if (p->has_speedup) s.push_back(p);
      if (s.size() < 2) continue;
      const PointResult* first = s.front();
      const PointResult* last = s.back();
      std::string txt = fmt::format("{} {}: speedup {} at batch {} → {} at batch {}", m, v, FormatRatio(first->speedup),
                                    first->point.batch, FormatRatio(last->speedup), last->point.batch);
      const PointResult* best = *std::max_element(s.begin(), s.end(), [](auto* a, auto* b) { return a->speedup < b->speedup; });
      if (best != first && best != last) txt += fmt::format(" (peak {} at batch {})", FormatRatio(best->speedup), best->point.batch);
      const PointResult* stop = nullptr;
      for (std::size_t i = 1; i < s.size(); ++i)
        if (s[i - 1]->speedup >= 1.0 && s[i]->speedup < 1.0) {
          stop = s[i];
          break;
        }
      if (stop) txt += fmt::format("; int8 stopped paying off from batch {}", stop->point.batch);
      else if (last->speedup < 1.0 && first->speedup < 1.0) txt += "; slower than the baseline at every batch";
      else if (last->speedup < first->speedup * 0.9) txt += "; the gain shrank as the batch grew";
      else if (last->speedup > first->speedup * 1.1) txt += "; the gain grew with the batch";
      else txt += "; about constant";
      out.push_back(txt + ".");
    }
  }
  for (const auto& v : variants) {
    if (v == base) continue;
    for (const auto& m : models) {
      const auto sizes = ModelInputSizes(study, m);
      if (sizes.size() < 2) continue;
      {
        std::vector<std::string> parts;
        for (auto s : sizes)
          for (const auto& p : study.points)
            if (p.ok && p.has_speedup && p.point.model == m && p.point.variant == v && p.point.input_size == s &&
                p.point.threads == threads0 && p.point.batch == (ReferencePoint(study, m, v) ? ReferencePoint(study, m, v)->point.batch : 1))
              parts.push_back(fmt::format("{} at {}px", FormatRatio(p.speedup), s));
        if (parts.size() > 1) out.push_back(fmt::format("{} {} over input size: {}.", m, v, Join(parts)));
      }
    }
  }

  // 5. Roofline: why a smaller model is not proportionally faster.
  {
    const auto op_rows = OpTypeRooflineRows(study);
    std::vector<std::string> mem, comp;
    std::map<std::string, std::vector<double>> mem_by_type;
    for (const auto& r : op_rows) {
      if (r.ridge_macs_per_byte <= 0) continue;
      const std::string item = fmt::format("{} {} {} ({:.1f} MAC/B, {} of peak)", r.model, r.variant, r.op_type,
                                           r.intensity_macs_per_byte, Percent(r.share_of_peak));
      (r.memory_bound ? mem : comp).push_back(item);
    }
    const RooflinePeaks* peaks = study.roofline.empty() ? nullptr : PeaksFor(study, threads0);
    if (peaks && (!mem.empty() || !comp.empty())) {
      std::string s = fmt::format(
          "**Roofline** (peaks: fp32 {}MAC/s, int8 {}MAC/s, memory {:.1f} GB/s; ridge {:.1f} MAC/B fp32, {:.1f} MAC/B int8): ",
          FormatGiga(peaks->fp32_macs_per_s), FormatGiga(peaks->int8_macs_per_s), peaks->bytes_per_s / 1e9,
          peaks->fp32_macs_per_s / std::max(peaks->bytes_per_s, 1.0), peaks->int8_macs_per_s / std::max(peaks->bytes_per_s, 1.0));
      s += fmt::format("{} op type(s) sit below the ridge (memory-bound: a smaller weight file barely speeds them up, and int8 "
                       "raises their peak without raising the bandwidth they wait on), {} above it (compute-bound: int8's higher "
                       "MAC rate pays off).",
                       mem.size(), comp.size());
      std::vector<std::string> examples;
      for (std::size_t i = 0; i < mem.size() && i < 3; ++i) examples.push_back(mem[i]);
      if (!examples.empty()) s += " Memory-bound, e.g.: " + Join(examples, "; ") + ".";
      examples.clear();
      for (std::size_t i = 0; i < comp.size() && i < 3; ++i) examples.push_back(comp[i]);
      if (!examples.empty()) s += " Compute-bound, e.g.: " + Join(examples, "; ") + ".";
      double max_share = 0;
      std::string over;
      for (const auto& r : op_rows)
        if (r.share_of_peak > max_share) {
          max_share = r.share_of_peak;
          over = r.model + " " + r.variant + " " + r.op_type;
        }
      if (max_share > 1.0)
        s += fmt::format(" Note: {} ran at {} of the measured peak, so the peaks were measured while the machine was "
                         "busier than during the profile; delete the roofline cache ({}) to measure them again.",
                         over, Percent(max_share), "~/.cache/qbench/roofline.json or --roofline-cache");
      out.push_back(s);
    }
    for (const auto& v : variants) {
      if (v == base) continue;
      for (const auto& m : models) {
        const double r = SizeRatio(study, m, v);
        const auto* p = ReferencePoint(study, m, v);
        if (!std::isfinite(r) || !p || !p->has_speedup || r <= 0) continue;
        const double size_gain = 1.0 / r;
        if (size_gain > 2.0 && p->speedup < 0.75 * size_gain) {
          // "3.85x smaller but 3.6x slower (0.28x the speed)" / "3.85x smaller but only 1.61x faster".
          std::string s = p->speedup < 1.0
                              ? fmt::format("{} {}: {} smaller but {:.1f}x slower ({} the speed) at batch {}", m, v,
                                            FormatRatio(size_gain), 1.0 / p->speedup, FormatRatio(p->speedup), p->point.batch)
                              : fmt::format("{} {}: {} smaller but only {} faster at batch {}", m, v, FormatRatio(size_gain),
                                            FormatRatio(p->speedup), p->point.batch);
          const auto* prof = ProfileFor(study, m, v);
          if (prof && prof->total_ms > 0) {
            double mem_time = 0, zero_mac_time = 0, comp_time = 0, comp_macs = 0, comp_peak = 0;
            for (const auto& o : prof->op_types)
              if (o.macs == 0) zero_mac_time += o.time_ms;
            for (const auto& row : op_rows) {
              if (row.model != m || row.variant != v) continue;
              if (row.memory_bound) {
                mem_time += row.time_ms;
              } else {
                comp_time += row.time_ms;
                comp_macs += static_cast<double>(row.macs);
                comp_peak = row.peak_macs_per_s;
              }
            }
            s += fmt::format(". Of its profiled run, {} is MAC ops below the ridge (memory-bound: int8 does not raise the "
                             "bandwidth they wait on), {} ops without MACs (quantize/dequantize, layout, pooling, "
                             "activations: int8 weights do not shorten them)",
                             Percent(mem_time / prof->total_ms), Percent(zero_mac_time / prof->total_ms));
            if (comp_time > 0 && comp_peak > 0)
              s += fmt::format(" and {} compute-bound MAC ops, which reach {} of the peak", Percent(comp_time / prof->total_ms),
                               Percent(comp_macs / (comp_time / 1000.0) / comp_peak));
          }
          out.push_back(s + ".");
        }
      }
    }
  }

  // 6. Accuracy and the best trade-off.
  for (const auto& m : models) {
    const auto* a0 = study.FindAccuracy(m, base);
    if (!a0 || !a0->ok) continue;
    std::string best = base;
    double best_speed = 1.0;
    std::vector<std::string> parts;
    for (const auto& v : variants) {
      const auto* a = study.FindAccuracy(m, v);
      if (!a || !a->ok) continue;
      parts.push_back(fmt::format("{} {:.1f} %", v, 100 * a->top1));
      if (v == base) continue;
      const auto* p = ReferencePoint(study, m, v);
      const double drop = a0->top1 - a->top1;
      const bool acceptable = drop <= 0.01 || a->top1 >= a0->top1_ci95_low;
      if (acceptable && p && p->has_speedup && p->speedup > best_speed) {
        best = v;
        best_speed = p->speedup;
      }
    }
    out.push_back(fmt::format("**Accuracy, {}** (top-1 on {} samples): {}. Best trade-off: **{}**{}.", m, a0->samples, Join(parts), best,
                              best == base ? " (no quantized variant was both faster and within 1 point / the CI of " + base + ")"
                                           : fmt::format(" ({} faster, top-1 within 1 point or the 95 % CI of {})", FormatRatio(best_speed), base)));
  }

  // 7. Failures.
  std::map<std::string, std::vector<std::string>> failures;
  for (const auto& p : study.points)
    if (!p.ok) {
      std::string e = p.error.substr(0, 160);
      failures[e].push_back(p.point.Key());
    }
  for (const auto& [e, keys] : failures)
    out.push_back(fmt::format("**{} point(s) failed** ({}{}): {}", keys.size(), keys.front(), keys.size() > 1 ? ", …" : "", e));
  return out;
}

}  // namespace qbench
