// GenerateObservations: the plain-language findings of a study, each generated from its numbers.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "qbench/calibration/calibrator.h"
#include "qbench/lab/config.h"
#include "qbench/model/int8_storage.h"
#include "qbench/report/analysis.h"
#include "report/report_util.h"

namespace qbench {

using namespace report_internal;

namespace {

// The op types of a profile that take the largest share of time, as "ConvInteger 78 %, DynamicQuantizeLinear 9 %".
std::string TopOps(const OpProfileRecord& prof, std::size_t n) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < prof.op_types.size() && i < n; ++i)
    if (prof.total_ms > 0) parts.push_back(fmt::format("{} {}", prof.op_types[i].op_type, Percent(prof.op_types[i].time_ms / prof.total_ms)));
  return Join(parts);
}

void SizeObservations(const LabStudy& study, std::vector<std::string>& out) {
  const std::string base = BaselineVariant(study);
  const std::string base_name = BaselineName(study);
  const auto variants = StudyVariants(study);
  const auto models = StudyModels(study);
  for (const auto& v : variants) {
    if (v == base) continue;
    // What the scheme's weight precision should give against the baseline's (int8 0.25x, fp16
    // 0.5x of fp32; int8 0.5x of an fp16 file; the baseline's bytes per weight: its scheme's when it
    // is a scheme's variant, else the file's original bits); "did not shrink much" is above twice
    // that, at most 0.75x. Bytes still in fp32 explain it (and, for integer schemes, float16 ones
    // too). A variant whose weights are not narrower than the baseline's (the file as given against a
    // scheme's baseline: `--variants dynamic,fp32`) is no compression of it: its ratio, no verdict.
    const SchemeInfo* scheme = VariantScheme(v);
    const SchemeInfo* base_scheme = VariantScheme(base);
    const bool as_given = !scheme && LookupLabVariant(v) != nullptr;  // the file as given (fp32), not an external one
    const bool integer = !scheme || IsIntegerPrecision(scheme->weight_precision);
    std::vector<std::string> shrunk, not_shrunk;
    std::set<std::string> factors;  // "4x" per shrunk model's bound
    double lo = 1e9, hi = 0;
    for (const auto& m : models) {
      if (AutoKeptUnchanged(study, m, v)) continue;  // the model as given, not an int8 file
      if (OutputCollapsed(study, m, v)) continue;  // not a usable model: CollapseObservations
      const double r = SizeRatio(study, m, v);
      if (!std::isfinite(r)) continue;
      const ModelRecord* base_rec = study.FindModel(m, base);
      const double file_bytes = base_rec && base_rec->ok && base_rec->original_bits > 0 ? base_rec->original_bits / 8.0 : 4.0;
      const double base_bytes = base_scheme ? base_scheme->WeightBytes() : file_bytes;
      const double expected = (scheme ? scheme->WeightBytes() : as_given ? file_bytes : 1.0) / base_bytes;
      const double shrink_bound = std::min(2 * expected, 0.75);
      lo = std::min(lo, r);
      hi = std::max(hi, r);
      if (expected >= 1) continue;  // not a compression of the baseline: the ratio only
      if (r > shrink_bound) {
        const auto* rec = study.FindModel(m, v);
        double float_bytes = 0, total = 0;
        for (const auto& [dt, b] : rec->weight_bytes_by_dtype) {
          total += static_cast<double>(b);
          if (dt == "float32" || (integer && dt == "float16")) float_bytes += static_cast<double>(b);
        }
        std::string why = total > 0 ? fmt::format("; {} of its weight bytes are still {}", Percent(float_bytes / total),
                                                  integer ? "float" : "float32")
                                    : "";
        not_shrunk.push_back(fmt::format("{} ({} of the {} size{})", m, FormatRatio(r), base_name, why));
      } else {
        shrunk.push_back(m);
        factors.insert(fmt::format("{:.3g}x", 1 / shrink_bound));
      }
    }
    if (hi == 0) continue;
    std::string s = fmt::format("**Size, {}**: files are {} of the {} size", v, FormatRatioRange(lo, hi), base_name);
    if (!shrunk.empty())
      s += fmt::format(" ({} shrank at least {})", Join(shrunk),
                       Join(std::vector<std::string>(factors.begin(), factors.end()), " or "));
    s += ".";
    if (!not_shrunk.empty()) s += " Did not shrink much: " + Join(not_shrunk) + ".";
    out.push_back(s);
  }
}

void SpeedObservations(const LabStudy& study, std::vector<std::string>& out) {
  const std::string base = BaselineVariant(study);
  // The baseline as the reports name it: "fp32", or "baseline (fp16)" for an fp16 --models file (N1).
  const std::string base_name = BaselineName(study);
  const std::string than = base_name.rfind("baseline", 0) == 0 ? "the " + base_name : base_name;
  const auto variants = StudyVariants(study);
  const auto models = StudyModels(study);
  const std::int64_t threads0 = FirstThreads(study);
  for (const auto& v : variants) {
    if (v == base) continue;
    std::vector<std::string> faster, slower, unclear;
    for (const auto& m : models) {
      if (AutoKeptUnchanged(study, m, v)) continue;  // fp32 unchanged: no int8 to explain
      if (OutputCollapsed(study, m, v)) continue;  // not a usable model: CollapseObservations
      auto series = BatchSeries(study, m, v, FirstInputSize(study, m), threads0);
      if (series.empty() || !series.front()->has_speedup) continue;
      const PointResult& p = *series.front();
      const std::string word = SpeedupWord(p);
      // An uninformative interval gives no size (R2): "faster, size unknown (95 % CI [2.57x, 11.54x] spans 4.5x)".
      const std::string desc = fmt::format("{} {}{} at {}", m, word == "faster" && SpeedupCiUninformative(p) ? "faster, " : "",
                                           SpeedupSize(p), PointWhere(study, p));
      if (word == "faster") {
        faster.push_back(desc);
        continue;
      }
      std::vector<std::string> why;  // the reasons, joined with "; "
      const auto* rec = study.FindModel(m, v);
      const auto* prof = ProfileFor(study, m, v);
      // Float nodes that matter: MAC-bearing ones (their work stays fp32) and, when activations are
      // static int8, any op type kept float (each costs a DequantizeLinear/QuantizeLinear round trip).
      // Otherwise (dynamic: activations stay float between integer kernels) pooling or Relu being float is no cause.
      const bool static_acts = HasCalibratedIntegerActivations(v);
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
        // Precision conversions: Casts in the file, and those ONNX Runtime inserts around ops its
        // provider has no kernel for in the variant's precision (float16 on most CPUs).
        const double casts = TimeShare(*prof, [](const std::string& op) { return op == "Cast"; });
        if (casts > 0.05) top += fmt::format(" (Cast {} of the time: precision conversions around ops run in another precision)", Percent(casts));
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
    if (!faster.empty()) out.push_back(fmt::format("**Faster with {}** (speedup vs {}, 95 % CI, interleaved): {}.", v, base_name, Join(faster, "; ")));
    if (!slower.empty()) out.push_back(fmt::format("**Slower with {}** than {}: {}.", v, than, Join(slower, ". ")));
    if (!unclear.empty()) out.push_back(fmt::format("**No clear speedup with {}** (the CI includes 1.00x): {}.", v, Join(unclear, ". ")));
  }
}

// Speedup intervals too wide to bound the speedup (SpeedupCiUninformative): one bullet that names them
// and says why a small k lets one outlier round set an end (docs/statistics.md).
void UninformativeIntervalObservations(const LabStudy& study, std::vector<std::string>& out) {
  std::vector<std::string> wide;
  std::int64_t total = 0, n = 0, k = 0;
  for (const auto& p : study.points) {
    if (!p.ok || !p.has_speedup) continue;
    ++total;
    if (!SpeedupCiUninformative(p)) continue;
    ++n;
    if (wide.size() < 3)  // the interval only: its point estimate is no finding (R2)
      wide.push_back(fmt::format("{} {} {}: [{}, {}]", p.point.model, p.point.variant, PointWhere(study, p),
                                 FormatRatio(p.speedup_ci95_low), FormatRatio(p.speedup_ci95_high)));
    const auto rounds = static_cast<std::int64_t>(p.latency.n);
    k = k ? std::min(k, rounds) : rounds;
  }
  if (wide.empty()) return;
  const double chance = OutlierRoundResampleChance(k);
  std::string why = chance > 0.025
      ? fmt::format("with k = {} interleaved rounds a bootstrap resample holds one given round {} times or more in {:.1f} % of "
                    "resamples, more than the interval's 2.5 % tail, so one outlier round (a load spike) alone sets an end",
                    k, (k + 1) / 2, 100 * chance)
      : fmt::format("at k = {} rounds, several outlier rounds (load spikes) set an end", k);
  out.push_back(fmt::format("**Uninformative speedup intervals** ({} of {} speedups, e.g. {}): each 95 % CI spans more than a "
                            "factor of {:.0f} (upper / lower end), so it does not bound the size of the speedup: {}. Faster or "
                            "slower still holds where the whole interval lies on one side of 1.00x; for the size, rerun on a "
                            "quiet machine or with more --repetitions (docs/statistics.md).",
                            n, total, Join(wide, "; "), kUninformativeSpeedupCiRatio, why));
}

// A qbench int8 variant whose file holds u8 weights (zero point 128: --weight-range auto on x86 without
// VNNI) that is slower than an s8 int8 file of the same model (--compare-file, or an int8 --models file
// as the baseline): the likely reason is the kernel, ORT's u8u8 GEMM (int16 products, VPMADDWD) against
// its u8s8 one; docs/quantization.md measured u8 1.17x vs full 1.50x on MobileNetV2.
void WeightStorageObservations(const LabStudy& study, std::vector<std::string>& out) {
  const std::string base = BaselineVariant(study);
  const std::int64_t threads0 = FirstThreads(study);
  auto first = [&](const std::string& m, const std::string& v) -> const PointResult* {
    auto series = BatchSeries(study, m, v, FirstInputSize(study, m), threads0);
    return series.empty() || !series.front()->has_speedup ? nullptr : series.front();
  };
  auto ci = [](const PointResult& p) {
    return fmt::format("{} [{}, {}]", FormatRatio(p.speedup), FormatRatio(p.speedup_ci95_low), FormatRatio(p.speedup_ci95_high));
  };
  for (const auto& u8 : study.models) {
    if (!u8.ok || u8.external || u8.variant == base || u8.weight_storage.rfind(kWeightsU8ZeroPoint128, 0) != 0) continue;
    const PointResult* pu = first(u8.model, u8.variant);
    if (!pu) continue;
    for (const auto& s8 : study.models) {
      const bool given = s8.variant == base;  // an int8 file given with --models is the baseline
      if (s8.model != u8.model || !s8.ok || !(s8.external || given) || s8.weight_storage.rfind("s8", 0) != 0) continue;
      std::string faster;
      if (given) {
        if (pu->speedup_ci95_high >= 1.0) continue;  // not clearly slower than the s8 file
        faster = fmt::format("runs {} against {} as given, whose weights are {}", ci(*pu), base, s8.weight_storage);
      } else {
        const PointResult* ps = first(s8.model, s8.variant);
        if (!ps || ps->speedup <= pu->speedup) continue;
        faster = fmt::format("runs {} while {}, whose weights are {}, runs {}", ci(*pu), s8.variant, s8.weight_storage, ci(*ps));
      }
      out.push_back(fmt::format(
          "**u8 weights, {} {}**: its file stores u8 weights with zero point 128 and {} (vs {}, batch {}). The likely "
          "reason is the kernel: ONNX Runtime runs u8 weights with its u8u8 kernels (int16 products), slower than the "
          "u8s8 kernels an s8 file uses (docs/quantization.md measured u8 1.17x vs full 1.50x on MobileNetV2). Try "
          "--weight-range reduced (7-bit s8: the u8s8 kernel without saturation) or full (8-bit s8: it can saturate on "
          "x86 without VNNI; check the verification).",
          u8.model, u8.variant, faster, base, pu->point.batch));
    }
  }
}

// Variants whose output collapsed, in verification or in accuracy (OutputCollapsed): measured, but no
// speed or size finding.
void CollapseObservations(const LabStudy& study, std::vector<std::string>& out) {
  const std::string base = BaselineName(study);
  for (const auto& v : StudyVariants(study)) {
    std::vector<std::string> models;
    for (const auto& m : StudyModels(study))
      if (VerificationCollapsed(study, m, v)) models.push_back(m);
    if (!models.empty())
      out.push_back(fmt::format("**Collapsed, {}**: the output of {} collapsed in verification against the baseline (see Warnings "
                                "and results.json verification): its speed and size are those of a model that does not compute "
                                "the same thing, so they are left out of the size and speed findings.{}",
                                v, Join(models), report_internal::PerTensorRemedy(study, v)));
    for (const auto& m : StudyModels(study)) {
      if (VerificationCollapsed(study, m, v) || !AccuracyCollapsed(study, m, v)) continue;
      const AccuracyRecord& a = *study.FindAccuracy(m, v);
      const AccuracyRecord* b = study.FindAccuracy(m, BaselineVariant(study));
      const ModelRecord* rec = study.FindModel(m, v);
      std::string cause;
      if (rec && rec->calibration.rfind(kRandomInputSource) != std::string::npos)
        cause = " It was calibrated on random input, whose activation ranges are not the data's: calibrate on real samples "
                "(--calibration-data, or --split to calibrate on a disjoint part of --eval-data).";
      else if (const std::string remedy = report_internal::PerTensorRemedy(study, v); !remedy.empty())
        cause = remedy;
      else if (report_internal::HasCalibratedIntegerActivations(v))
        cause = " Check that the calibration data is the data the model is meant for, and find the nodes that cause the "
                "loss with `qbench sensitivity` (`qbench quantize --exclude` keeps them in float).";
      out.push_back(fmt::format("**Collapsed in accuracy, {} {}**: its top-1 agrees with {} on {:.1f} % [{:.1f}, {:.1f}] of {} "
                                "samples (top-1 {:.1f} %{}): it does not predict what the model predicts, so its speed and size "
                                "are left out of the size and speed findings.{}",
                                m, v, base, 100 * a.top1_agreement, 100 * a.top1_agreement_ci95_low,
                                100 * a.top1_agreement_ci95_high, a.samples, 100 * a.top1,
                                b && b->ok ? fmt::format(" vs {:.1f} %", 100 * b->top1) : std::string(), cause));
    }
  }
}

void RooflineObservations(const LabStudy& study, std::vector<std::string>& out) {
  const std::string base = BaselineVariant(study);
  const auto variants = StudyVariants(study);
  const auto models = StudyModels(study);
  const std::int64_t threads0 = FirstThreads(study);
  {
    const auto op_rows = OpTypeRooflineRows(study);
    std::map<RooflineBound, std::vector<std::string>> by_bound;
    std::set<std::string> incomplete, causes;  // causes: the records' "macs_incomplete: …" warnings
    for (const auto& r : op_rows) {
      if (!r.macs_complete) incomplete.insert(r.model + " " + VariantLabel(study, r.model, r.variant));
      if (const ModelRecord* rec = r.macs_complete ? nullptr : study.FindModel(r.model, BaselineVariant(study)))
        for (const auto& w : rec->warnings)
          if (w.rfind(kMacsIncompleteWarning, 0) == 0)
            causes.insert(r.model + ": " + w.substr(std::string(kMacsIncompleteWarning).size()));
      if (r.bound == RooflineBound::kUnknown) continue;
      by_bound[r.bound].push_back(fmt::format("{} {} {} ({:.1f} MAC/B, {})", r.model, VariantLabel(study, r.model, r.variant),
                                              r.op_type, r.intensity_macs_per_byte,
                                              r.bound == RooflineBound::kAboveRoof
                                                  ? fmt::format("{:.2f}x its roof", r.achieved_macs_per_s / r.attainable_macs_per_s)
                                                  : Percent(r.share_of_peak) + " of peak"));
    }
    const RooflinePeaks* peaks = study.roofline.empty() ? nullptr : PeaksFor(study, threads0);
    if (peaks && !by_bound.empty()) {
      std::string s = fmt::format(
          "**Roofline** (peaks: fp32 {}MAC/s, int8 {}MAC/s, memory {:.1f} GB/s; ridge {:.1f} MAC/B fp32, {:.1f} MAC/B int8): ",
          FormatGiga(peaks->fp32_macs_per_s), FormatGiga(peaks->int8_macs_per_s), peaks->bytes_per_s / 1e9,
          peaks->fp32_macs_per_s / std::max(peaks->bytes_per_s, 1.0), peaks->int8_macs_per_s / std::max(peaks->bytes_per_s, 1.0));
      s += fmt::format("{} op type(s) are memory-bound (below the ridge: a smaller weight file barely speeds them up, and int8 "
                       "raises their peak without raising the bandwidth they wait on), {} compute-bound (above it: int8's higher "
                       "MAC rate pays off), {} below both roofs (under {} of the rate the roofline allows: the kernel itself is the "
                       "limit, e.g. ONNX Runtime's ConvInteger im2col path).",
                       by_bound[RooflineBound::kMemory].size(), by_bound[RooflineBound::kCompute].size(),
                       by_bound[RooflineBound::kKernel].size(), Percent(kKernelBoundShare));
      if (const auto& above = by_bound[RooflineBound::kAboveRoof]; !above.empty())
        s += fmt::format(" {} op type(s) ran above the roof that should bound them, e.g. {}: no bound is claimed for them; "
                         "above the memory roof their data came from cache (the bytes are the compulsory traffic, the "
                         "bandwidth a streaming one), above the MAC peak the peaks were measured too low (under load: "
                         "--refresh-roofline on a quiet machine).",
                         above.size(), Join(std::vector<std::string>(above.begin(), above.begin() + std::min<std::size_t>(above.size(), 3)), "; "));
      for (auto b : {RooflineBound::kMemory, RooflineBound::kCompute, RooflineBound::kKernel}) {
        const auto& items = by_bound[b];
        std::vector<std::string> examples(items.begin(), items.begin() + std::min<std::size_t>(items.size(), 3));
        std::string name = RooflineBoundName(b);
        name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
        if (!examples.empty()) s += " " + name + ", e.g.: " + Join(examples, "; ") + ".";
      }
      double max_share = 0;
      std::string over;
      for (const auto& r : op_rows)
        if (r.macs_complete && r.share_of_peak > max_share) {
          max_share = r.share_of_peak;
          over = r.model + " " + r.variant + " " + r.op_type;
        }
      if (max_share > 1.0)
        s += fmt::format(" Note: {} ran at {} of the measured peak, so the peaks were measured while the machine was "
                         "busier than during the profile; run with --refresh-roofline to measure them again.",
                         over, Percent(max_share));
      if (const std::string busy = RooflineBusyNote(study); !busy.empty())
        s += " These verdicts are not to be trusted: " + busy + ", so they can be the load's, not the kernels'; rerun on a "
             "quiet machine.";
      out.push_back(s);
    }
    if (!incomplete.empty())
      out.push_back(fmt::format("**MACs incomplete** for {}: {}, so its MAC count is a lower bound and no MAC rate or share of "
                                "peak is computed for it.",
                                Join(std::vector<std::string>(incomplete.begin(), incomplete.end())),
                                causes.empty() ? "shape inference could not size some of its MAC nodes (`qbench inspect` names them)"
                                               : Join(std::vector<std::string>(causes.begin(), causes.end()), "; ")));
    for (const auto& v : variants) {
      if (v == base) continue;
      for (const auto& m : models) {
        const double r = SizeRatio(study, m, v);
        const auto* p = ReferencePoint(study, m, v);
        if (!std::isfinite(r) || !p || !p->has_speedup || r <= 0 || OutputCollapsed(study, m, v)) continue;
        // An uninformative interval gives no size to set against the size gain ("only 2.00x faster", "3.6x slower").
        if (SpeedupCiUninformative(*p) && SpeedupWord(*p) != "not clearly different") continue;
        const double size_gain = 1.0 / r;
        if (size_gain > 2.0 && p->speedup < 0.75 * size_gain) {
          // "3.85x smaller but 3.6x slower (0.28x the speed)" / "3.85x smaller but only 1.61x faster": faster or
          // slower only where the speedup's 95 % CI excludes 1.0 (SpeedupWord); else no measurable difference.
          const std::string word = SpeedupWord(*p);
          std::string s =
              word == "slower"   ? fmt::format("{} {}: {} smaller but {:.1f}x slower ({} the speed) at {}", m, v,
                                               FormatRatio(size_gain), 1.0 / p->speedup, FormatRatio(p->speedup), PointWhere(study, *p))
              : word == "faster" ? fmt::format("{} {}: {} smaller but only {} faster at {}", m, v, FormatRatio(size_gain),
                                               FormatRatio(p->speedup), PointWhere(study, *p))
                                 : fmt::format("{} {}: {} smaller but no measurable speed difference ({}, 95 % CI [{}, {}] "
                                               "includes 1.0x) at {}",
                                               m, v, FormatRatio(size_gain), FormatRatio(p->speedup),
                                               FormatRatio(p->speedup_ci95_low), FormatRatio(p->speedup_ci95_high), PointWhere(study, *p));
          const auto* prof = ProfileFor(study, m, v);
          if (prof && prof->total_ms > 0) {
            // Shares of the run on one basis: the profiler's own times (prof->total_ms and op_types), so an op
            // row's time, scaled down to the timed median (RooflineRow::time_scale), is unscaled first; the
            // compute-bound ops' MAC rate uses the scaled time, as the roofline table does.
            double mem_time = 0, zero_mac_time = 0, above_time = 0, comp_time = 0, comp_scaled_time = 0, comp_macs = 0, comp_peak = 0;
            for (const auto& o : prof->op_types)
              if (o.macs == 0) zero_mac_time += o.time_ms;
            for (const auto& row : op_rows) {
              if (row.model != m || row.variant != v) continue;
              const double profiled_ms = row.time_scale > 0 ? row.time_ms / row.time_scale : row.time_ms;
              if (row.bound == RooflineBound::kAboveRoof) {
                above_time += profiled_ms;
              } else if (row.bound != RooflineBound::kCompute) {
                mem_time += profiled_ms;
              } else {
                comp_time += profiled_ms;
                comp_scaled_time += row.time_ms;
                comp_macs += static_cast<double>(row.macs);
                comp_peak = row.peak_macs_per_s;
              }
            }
            s += fmt::format(". Of its profiled run, {} is MAC ops that are memory-bound or below both roofs (int8 raises neither "
                             "the bandwidth they wait on nor their kernel's rate), {} ops without MACs (quantize/dequantize, layout, pooling, "
                             "activations: int8 weights do not shorten them)",
                             Percent(mem_time / prof->total_ms), Percent(zero_mac_time / prof->total_ms));
            if (above_time > 0) s += fmt::format(", {} MAC ops above their roof (no bound claimed)", Percent(above_time / prof->total_ms));
            if (comp_time > 0 && comp_peak > 0)
              s += fmt::format(" and {} compute-bound MAC ops, which reach {} of the peak", Percent(comp_time / prof->total_ms),
                               Percent(comp_macs / (comp_scaled_time / 1000.0) / comp_peak));
          }
          out.push_back(s + ".");
        }
      }
    }
  }
}

}  // namespace

std::vector<std::string> GenerateObservations(const LabStudy& study) {
  std::vector<std::string> out;
  CollapseObservations(study, out);
  SizeObservations(study, out);
  SpeedObservations(study, out);
  UninformativeIntervalObservations(study, out);
  WeightStorageObservations(study, out);
  CorrelationObservations(study, out);
  TrendObservations(study, out);
  RooflineObservations(study, out);
  for (const auto& m : StudyModels(study)) {
    const std::string acc = AccuracyObservation(study, m);
    if (!acc.empty()) out.push_back(acc);
  }
  // Failures, grouped by error (cut at a word boundary).
  std::map<std::string, std::vector<std::string>> failures;
  for (const auto& p : study.points)
    if (!p.ok && !p.not_applicable) failures[Abbreviate(p.error, 200)].push_back(PointWords(p.point));
  // Variants that do not apply (a scheme variant of a file already int8): said once per model and reason.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> not_applicable;
  for (const auto& p : study.points)
    if (p.not_applicable) not_applicable[{p.point.model, p.error}].insert(p.point.variant);
  for (const auto& [key, variants] : not_applicable) {
    std::string list;
    for (const auto& v : variants) list += (list.empty() ? "" : ", ") + v;
    out.push_back(fmt::format("{} {}: {} (the file is measured as given; quantize its fp32 original to compare schemes)",
                              key.first, list, key.second));
  }
  for (const auto& [e, keys] : failures)
    out.push_back(fmt::format("**{} point(s) failed** ({}{}): {}", keys.size(), keys.front(), keys.size() > 1 ? "; …" : "", e));
  return out;
}

}  // namespace qbench
