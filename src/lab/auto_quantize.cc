// `quantize --auto`: the candidate search (see qbench/lab/auto_quantize.h and docs/auto.md).
#include "qbench/lab/auto_quantize.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "auto_internal.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/eval/evaluator.h"
#include "qbench/eval/sensitivity.h"  // CachedDataset, ReplayRunner
#include "qbench/lab/op_profile.h"
#include "qbench/model/inspect.h"
#include "qbench/quantization/bias_correction.h"
#include "qbench/runtime/inputs.h"

namespace qbench {
namespace {

using Clock = std::chrono::steady_clock;

// The search's state: data, ranges per method, the fp32 reference and the clock.
class Search {
 public:
  Search(const Model& fp32, const AutoQuantizeOptions& options, AutoTimer& timer)
      : options_(options), timer_(timer), start_(Clock::now()) {
    fp32_ = fp32;
    auto* graph = fp32_.proto.mutable_graph();  // exclusions match node names: name unnamed nodes
    for (int i = 0; i < graph->node_size(); ++i)
      if (graph->node(i).name().empty()) graph->mutable_node(i)->set_name("#" + std::to_string(i));
    const SchemeInfo& scheme = FindQuantizationScheme("static");
    CheckQuantizable(fp32_, scheme);
    if (fp32_.Inputs().size() != 1)
      throw Error(ErrorCode::kUnsupported, fmt::format("--auto measures fidelity by evaluating samples, which feed one "
                                                       "input; this model has {}: quantize it with --mode static and "
                                                       "compare with `qbench eval --reference`", fp32_.Inputs().size()));
    std::vector<std::string> actions;
    prepared_ = PrepareModelForQuantization(fp32_, &actions, scheme.min_opset);
    for (const auto& n : prepared_.proto.graph().node()) {
      has_hard_sigmoid_ = has_hard_sigmoid_ || n.op_type() == "HardSigmoid";
      has_gemm_ = has_gemm_ || n.op_type() == "Gemm" || n.op_type() == "MatMul";
      has_depthwise_ = has_depthwise_ || auto_internal::IsGroupedConv(n);
    }
    if (options_.equalization_candidates && has_depthwise_) equalized_ = auto_internal::EqualizedVariants(prepared_);
    weight_ranges_ = options_.weight_ranges.empty()
                         ? AutoWeightRanges(options_.base.weight_range, ResolveWeightRange(WeightRange::kAuto, DType::kUint8))
                         : options_.weight_ranges;
  }

  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  // True once `share` of the time budget is spent (never without a budget).
  bool PastBudget(double share) const {
    return options_.time_budget_s > 0 && Elapsed() > share * options_.time_budget_s;
  }

  // One progress line; the ETA extrapolates the time per item since the step's first item (done = 1
  // starts a step: its time is measured from the previous step's end).
  void Progress(const std::string& what, std::size_t done, std::size_t total) {
    if (!options_.progress) return;
    const double e = Elapsed();
    if (done <= 1 || e < step_start_s_) step_start_s_ = last_progress_s_;
    last_progress_s_ = e;
    std::string eta = "-";
    if (done > 0 && done < total)
      eta = fmt::format("{:.0f} s", (e - step_start_s_) / static_cast<double>(done) * static_cast<double>(total - done));
    if (done >= total) eta = "0 s";
    options_.progress(fmt::format("auto: {} {}/{}, elapsed {:.0f} s, ETA of this step {}", what, done, total, e, eta));
  }

  AutoQuantizeResult Run() {
    AutoQuantizeResult r;
    r.max_drop_points = options_.max_drop_points;
    r.batch = options_.batch;
    r.seed = options_.seed;
    r.fp32_size_bytes = fp32_.proto.ByteSizeLong();
    try {
      OpenData(&r);
      Calibrate(&r);
      Fidelity(&r);
      if (options_.islands) Islands(&r);
      reference_.reset();  // no session of the search stays alive while the candidates are timed
      fp32_runner_.reset();  // (CompareModels then runs them all on ONNX Runtime's global pool)
      Time(&r);
    } catch (const Cancelled&) {
      r.cancelled = true;
    }
    Choose(&r);
    r.elapsed_s = Elapsed();
    for (const auto& w : warnings_.items()) r.warnings.push_back(w);
    return r;
  }

 private:
  void OpenData(AutoQuantizeResult* r) {
    auto_internal::AutoData data = auto_internal::OpenAutoData(fp32_, options_, &warnings_);
    calibration_ = data.calibration;
    r->calibration_spec = data.calibration;
    evaluation_ = std::make_unique<CachedDataset>(*data.evaluation, 0);
    r->evaluation_data = evaluation_->Describe();
    r->evaluation_samples = evaluation_->size();
    CheckDatasetFitsModel(*evaluation_, fp32_.Inputs(), "the model");
    SessionConfig session;
    session.intra_op_threads = options_.threads;
    fp32_runner_ = OrtRunner::Create(fp32_, session);
    reference_ = std::make_unique<ReplayRunner>(*fp32_runner_);
    const AccuracyResult self = Evaluate(*reference_, *evaluation_, EvalOpts());
    r->fp32_top1 = self.top1;
  }

  EvalOptions EvalOpts() const {
    EvalOptions e;
    e.batch_size = 1;
    return e;
  }

  void Calibrate(AutoQuantizeResult* r) {
    std::set<std::string> tensors;
    for (HardSigmoidPolicy hs : HardSigmoidPolicies())
      for (DType act : options_.activation_types) {
        QuantizeOptions o = BaseOptions();
        o.hard_sigmoid = hs;
        o.activation_type = act;
        for (const auto& t : FindQuantizationScheme("static").factory()->TensorsToCalibrate(prepared_, o)) tensors.insert(t);
      }
    // An fp32 island unfolds the Relu/Clip after its producer: the producer's own output then needs a
    // range. Collected now, so islands need no second pass over the data.
    for (const auto& n : prepared_.proto.graph().node()) {
      static const std::set<std::string> kFolding = {"Conv", "ConvTranspose", "Gemm"};
      if (kFolding.count(n.op_type()) && n.output_size() > 0 && !n.output(0).empty()) tensors.insert(n.output(0));
    }
    CalibrateTensors(tensors, r);
  }

  // The fp32 model a candidate quantizes (as given or cross-layer equalized) and its prepared form.
  const Model& Source(CrossLayerEqualization e) const {
    return e == CrossLayerEqualization::kOff ? fp32_ : equalized_.at(e).model;
  }
  const Model& Prepared(CrossLayerEqualization e) const {
    return e == CrossLayerEqualization::kOff ? prepared_ : equalized_.at(e).model;  // equalized models are prepared
  }

  // Calibrates `tensors` of variant `e` with `which` methods (default: every method) in one pass over
  // the calibration data, adding to ranges_.
  void CalibrateTensors(const std::set<std::string>& tensors, AutoQuantizeResult* r,
                        CrossLayerEqualization e = CrossLayerEqualization::kOff,
                        std::vector<CalibrationMethod> which = {}) const {
    if (which.empty()) which = options_.methods;
    std::vector<CalibrationOptions> methods;
    for (CalibrationMethod m : which) {
      CalibrationOptions c = options_.base.calibration;
      c.method = m;
      methods.push_back(c);
    }
    WarningList scratch;
    auto reader = MakeCalibrationDataReader(prepared_, calibration_, ranges_.empty() ? &warnings_ : &scratch);
    if (r) r->calibration_data = reader->Describe();
    if (options_.progress)
      options_.progress(fmt::format("auto: calibrating {} tensor(s) with {} method(s) in one pass over {}", tensors.size(),
                                    methods.size(), reader->Describe()));
    auto tables = CalibrateModelMethods(Prepared(e), {tensors.begin(), tensors.end()}, *reader, methods, options_.threads);
    for (std::size_t i = 0; i < methods.size(); ++i)
      for (auto& kv : tables[i]) ranges_[{e, methods[i].method}].insert(kv);
  }

  // Keeping nodes fp32 changes which tensors the static plan quantizes (a Relu no longer folds into
  // an excluded producer): those are calibrated the first time a configuration needs them.
  // An equalized variant is calibrated with the candidate's method only, the first time it is needed.
  void EnsureRanges(const QuantizeOptions& o, CrossLayerEqualization e) const {
    const bool plain = e == CrossLayerEqualization::kOff;
    const CalibrationMethod m = plain ? options_.methods.front() : o.calibration.method;
    const CalibrationTable& have = ranges_[{e, m}];
    std::set<std::string> missing;
    for (const auto& t : FindQuantizationScheme("static").factory()->TensorsToCalibrate(Prepared(e), o))
      if (!have.count(t)) missing.insert(t);
    if (!missing.empty()) CalibrateTensors(missing, nullptr, e, plain ? std::vector<CalibrationMethod>{} : std::vector{m});
  }

  // The calibration samples in memory (bias correction runs over them), read once.
  const std::vector<std::vector<HostTensor>>& CalibrationBatches() const {
    if (calibration_batches_.empty()) {
      WarningList scratch;
      auto reader = MakeCalibrationDataReader(prepared_, calibration_, &scratch);
      std::vector<HostTensor> feeds;
      while (reader->Next(&feeds)) calibration_batches_.push_back(feeds);
    }
    return calibration_batches_;
  }

  std::vector<HardSigmoidPolicy> HardSigmoidPolicies() const {
    if (!has_hard_sigmoid_) return {options_.base.hard_sigmoid};
    return {HardSigmoidPolicy::kDecompose, HardSigmoidPolicy::kQdqAround};
  }

  QuantizeOptions BaseOptions() const {
    QuantizeOptions o = options_.base;
    o.scheme = "static";
    o.equalize = CrossLayerEqualization::kOff;  // the search equalizes and corrects itself (Source, Quantize)
    o.bias_correction = false;
    o.intra_op_threads = options_.threads;
    return o;
  }

  QuantizeOptions OptionsOf(const AutoCandidate& c) const {
    QuantizeOptions o = BaseOptions();
    o.calibration.method = c.method;
    o.activation_type = c.activation_type;
    o.granularity = c.granularity;
    o.hard_sigmoid = c.hard_sigmoid;
    o.weight_range = c.weight_range;
    o.exclude.insert(o.exclude.end(), c.keep_float.begin(), c.keep_float.end());
    return o;
  }

  QuantizeResult Quantize(const AutoCandidate& c, WarningList* warnings) const {
    const QuantizeOptions o = OptionsOf(c);
    const std::string key = c.bias_correction ? c.name + "|" + auto_internal::GraphKey(c) : "";
    if (auto it = corrected_.find(key); !key.empty() && it != corrected_.end()) return it->second;
    EnsureRanges(o, c.equalize);
    QuantizeResult q = QuantizeModelWithRanges(Source(c.equalize), o, ranges_.at({c.equalize, c.method}), warnings);
    q.model.path = fp32_.path;
    if (c.equalize != CrossLayerEqualization::kOff) q.report.hygiene.push_back(equalized_.at(c.equalize).report.Describe());
    if (c.bias_correction) {
      if (options_.progress) options_.progress("auto: bias correction of " + c.name + " on the calibration samples");
      BiasCorrectionOptions bo;
      bo.intra_op_threads = options_.threads;
      BiasCorrectionReport br;
      CorrectBias(Prepared(c.equalize), &q.model, CalibrationBatches(), bo, &br);
      q.report.notes.push_back(br.Describe());
      q.report.size_after_bytes = q.model.proto.ByteSizeLong();
      corrected_[key] = q;
    }
    return q;
  }

  // Quantizes and evaluates `c` against fp32; appends it to the result.
  void Measure(AutoCandidate c, AutoQuantizeResult* r) {
    WarningList scratch;
    const QuantizeResult q = Quantize(c, &scratch);
    c.size_bytes = q.model.proto.ByteSizeLong();
    c.graph_key = auto_internal::GraphKey(c);
    SessionConfig session;
    session.intra_op_threads = options_.threads;
    auto runner = OrtRunner::Create(q.model, session);
    reference_->Rewind();
    const AccuracyResult a = Evaluate(*runner, *evaluation_, EvalOpts(), reference_.get());
    c.samples = a.count;
    c.agree = a.agreement_count;
    c.agreement = a.top1_agreement;
    c.agreement_ci95 = a.top1_agreement_ci95;
    c.top1 = a.top1;
    c.sqnr_db = a.sqnr_db;
    auto_internal::JudgeFidelity(options_, &c);
    r->candidates.push_back(std::move(c));
  }

  // `weight`: index into weight_ranges_ (u8 activations; s8 activations take base.weight_range).
  AutoCandidate Config(CalibrationMethod m, DType act, WeightGranularity g, HardSigmoidPolicy hs,
                       std::size_t weight = 0) const {
    AutoCandidate c;
    c.method = m;
    c.activation_type = act;
    c.granularity = g;
    c.hard_sigmoid = hs;
    c.weight_range = act == DType::kUint8 ? weight_ranges_.at(weight) : options_.base.weight_range;
    c.name = fmt::format("{} {} {}{}{}", CalibrationMethodName(m), act == DType::kUint8 ? "u8" : "s8", auto_internal::GranularityLabel(g),
                         has_hard_sigmoid_ ? std::string(" hardsigmoid-") + HardSigmoidPolicyName(hs) : "",
                         act == DType::kUint8 && weight > 0 ? fmt::format(" {}-weights", WeightRangeName(c.weight_range)) : "");
    return c;
  }

  // Measures `todo` in order while the budget allows (the first always); false when it ran out.
  bool MeasureAll(const std::vector<AutoCandidate>& todo, const std::string& step, AutoQuantizeResult* r) {
    for (std::size_t i = 0; i < todo.size(); ++i) {
      ThrowIfCancelled("searching quantization candidates");
      if (!r->candidates.empty() && PastBudget(0.5)) {
        r->budget_exhausted = true;
        return false;
      }
      Measure(todo[i], r);
      const AutoCandidate& c = r->candidates.back();
      Progress(fmt::format("{}: {} (drop {:.2f} points, SQNR {:.1f} dB)", step, c.name, c.drop_points, c.sqnr_db), i + 1,
               todo.size());
    }
    return true;
  }

  // A coordinate search (docs/auto.md): every calibration method on the default configuration,
  // then, with the most faithful method, each other value of each other axis alone.
  void Fidelity(AutoQuantizeResult* r) {
    const DType act0 = options_.activation_types.front();
    const HardSigmoidPolicy hs0 = HardSigmoidPolicies().front();
    std::vector<AutoCandidate> methods;
    for (CalibrationMethod m : options_.methods) methods.push_back(Config(m, act0, WeightGranularity::kDefault, hs0));
    if (!MeasureAll(methods, "calibrators", r)) return;
    const CalibrationMethod best = r->candidates[MostFaithful(*r)].method;
    std::vector<AutoCandidate> axes;
    for (std::size_t k = 1; k < options_.activation_types.size(); ++k)
      axes.push_back(Config(best, options_.activation_types[k], WeightGranularity::kDefault, hs0));
    if (has_gemm_) axes.push_back(Config(best, act0, WeightGranularity::kPerChannel, hs0));
    const auto policies = HardSigmoidPolicies();
    for (std::size_t k = 1; k < policies.size(); ++k) axes.push_back(Config(best, act0, WeightGranularity::kDefault, policies[k]));
    if (act0 == DType::kUint8)
      for (std::size_t k = 1; k < weight_ranges_.size(); ++k)
        axes.push_back(Config(best, act0, WeightGranularity::kDefault, hs0, k));
    if (!MeasureAll(axes, "other axes with " + std::string(CalibrationMethodName(best)), r)) return;
    if (options_.equalization_candidates && has_depthwise_) EqualizationAxis(r);
  }

  // Cross-layer equalization and bias correction (docs/auto.md) on the most faithful configuration,
  // then bias correction on the most faithful equalized one.
  // Then bias correction on the most faithful configuration of each other integer kernel family
  // (KernelFamily), which may bring faster kernels within the budget.
  void EqualizationAxis(AutoQuantizeResult* r) {
    const AutoCandidate base = r->candidates[MostFaithful(*r)];
    const auto todo = auto_internal::EqualizationCandidates(base, equalized_);
    if (!MeasureAll(todo, "equalization and bias correction", r)) return;
    if (auto both = auto_internal::BiasCorrectedBestEqualized(r->candidates))
      if (!MeasureAll({*both}, "equalization and bias correction", r)) return;
    std::vector<AutoCandidate> others;
    for (int i : auto_internal::MostFaithfulOfOtherKernels(r->candidates, base, false, true)) {
      others.push_back(r->candidates[i]);
      others.back().bias_correction = true;
      others.back().name += " +bias-corr";
    }
    MeasureAll(others, "bias correction on the other integer kernels", r);
  }

  // Index of the most faithful candidate (within budget first), or -1.
  static int MostFaithful(const AutoQuantizeResult& r) {
    int best = -1;
    for (std::size_t i = 0; i < r.candidates.size(); ++i) {
      const AutoCandidate& c = r.candidates[i];
      if (best < 0 || auto_internal::MoreFaithful(c, r.candidates[best])) best = static_cast<int>(i);
    }
    return best;
  }

  void Islands(AutoQuantizeResult* r) {
    const int best = MostFaithful(*r);
    if (best < 0 || PastBudget(0.6)) {
      r->budget_exhausted = r->budget_exhausted || best >= 0;
      return;
    }
    const AutoCandidate base = r->candidates[best];
    // Profile: nodes whose int8 kernel costs more than fp32 plus the Q/DQ keeping them fp32 adds; on
    // the most faithful configuration, and on the most faithful one within the budget of each other
    // integer kernel family (KernelFamily), whose slow nodes differ.
    std::vector<AutoCandidate> bases = {base};
    for (int i : auto_internal::MostFaithfulOfOtherKernels(r->candidates, base, true, false)) bases.push_back(r->candidates[i]);
    if (options_.progress) options_.progress("auto: profiling fp32 and int8 per node (ONNX Runtime profiler)");
    const NodeTimes f = timer_.Profile(prepared_, prepared_);
    ShapeOverrides shapes = options_.calibration.shape_overrides;
    shapes.batch = options_.batch;
    const ReferenceGraph ref = BuildReferenceGraph(WithBatchSize(prepared_, options_.batch), shapes);
    for (const AutoCandidate& b : bases) {
      WarningList scratch;
      const QuantizeResult q = Quantize(b, &scratch);
      const NodeTimes q8 = timer_.Profile(q.model, prepared_);
      std::vector<std::string> slow = auto_internal::SlowerInInt8(q.report, ref, f, q8);
      if (slow.empty()) continue;
      AutoCandidate c = b;
      c.keep_float = slow;
      c.islands_reason = fmt::format("{} node(s) slower in int8 than fp32 plus their Q/DQ (per-node profile)", slow.size());
      c.name = b.name + fmt::format(" + {} fp32 (profile)", slow.size());
      ThrowIfCancelled("searching quantization candidates");
      Measure(c, r);
      Progress("fidelity of " + r->candidates.back().name, 1, 1);
    }
    // Sensitivity: when nothing meets the accuracy budget, keep the most damaging layers fp32.
    bool any_within = false;
    for (const auto& c : r->candidates) any_within = any_within || c.within_budget;
    if (any_within || PastBudget(0.6) || !std::isfinite(base.agreement)) return;
    SensitivityAt(base, r);
  }

  void SensitivityAt(const AutoCandidate& base, AutoQuantizeResult* r) {
    WarningList scratch;
    const QuantizeResult full = Quantize(base, &scratch);
    const auto keep = auto_internal::SensitivityIslands(
        fp32_, full.report, *evaluation_, options_,
        [&](const std::vector<std::string>& k) {
          AutoCandidate c = base;
          c.keep_float = k;
          c.bias_correction = false;  // the ranking compares layers; one bias correction per try would cost a pass each
          WarningList w;
          return Quantize(c, &w).model;
        },
        [&](std::size_t done, std::size_t total) {
          ThrowIfCancelled("ranking layer sensitivity");
          Progress("sensitivity of layer", done, total);
          return PastBudget(0.8);
        });
    if (!keep) {
      r->budget_exhausted = true;
      return;
    }
    if (keep->empty()) return;
    AutoCandidate c = base;
    c.keep_float = *keep;
    c.islands_reason = fmt::format("{} layer(s) whose quantization costs the most agreement (sensitivity ranking)",
                                   keep->size());
    c.name = base.name + fmt::format(" + {} fp32 (sensitivity)", keep->size());
    Measure(c, r);
  }

  void Time(AutoQuantizeResult* r) {
    ThrowIfCancelled("timing candidates");
    const std::vector<int> timed = auto_internal::CandidatesToTime(r->candidates, options_.max_timed);
    if (timed.empty()) return;
    std::vector<Model> models;
    models.reserve(timed.size());
    WarningList scratch;
    for (int i : timed) models.push_back(Quantize(r->candidates[i], &scratch).model);
    std::vector<const Model*> ptrs = {&fp32_};
    std::vector<std::string> labels = {"fp32"};
    for (std::size_t k = 0; k < timed.size(); ++k) {
      ptrs.push_back(&models[k]);
      labels.push_back(r->candidates[timed[k]].name);
    }
    if (options_.progress)
      options_.progress(fmt::format("auto: timing fp32 and {} candidate graph(s) interleaved (elapsed {:.0f} s)",
                                    timed.size(), Elapsed()));
    const Comparison t = timer_.Compare(ptrs, labels);
    for (const auto& w : t.warnings) warnings_.Add(w.code, w.message);
    r->fp32_median_ms = t.models[0].measurement.statistics.median_ms;
    for (std::size_t k = 0; k < timed.size(); ++k) {
      const ComparedModel& m = t.models[k + 1];
      if (!m.ok || !m.has_speedup) continue;  // not timed: never chosen
      AutoCandidate& c = r->candidates[timed[k]];
      c.timed = true;
      c.median_ms = m.measurement.statistics.median_ms;
      c.speedup = m.speedup;
    }
  }

  void Choose(AutoQuantizeResult* r) {
    auto_internal::ChooseCandidate(r);
    if (r->chosen >= 0) {
      QuantizeResult q = Quantize(r->candidates[r->chosen], &warnings_);
      for (std::string* text : {&q.report.calibration, &q.report.activations}) {
        const auto at = text->find("(ranges given)");
        if (at != std::string::npos) text->replace(at, 14, "over " + r->calibration_data);
      }
      r->model = std::move(q.model);
      r->report = std::move(q.report);
    } else {
      r->model = fp32_;
    }
  }

  AutoQuantizeOptions options_;
  AutoTimer& timer_;
  Clock::time_point start_;
  Model fp32_, prepared_;
  bool has_hard_sigmoid_ = false, has_gemm_ = false, has_depthwise_ = false;
  std::vector<WeightRange> weight_ranges_;  // for u8 activations, the default first
  std::map<CrossLayerEqualization, auto_internal::EqualizedModel> equalized_;  // when CLE finds pairs
  mutable std::vector<std::vector<HostTensor>> calibration_batches_;
  mutable std::map<std::string, QuantizeResult> corrected_;     // bias-corrected candidates, by name and graph
  CalibrationDataSpec calibration_;
  std::unique_ptr<CachedDataset> evaluation_;
  std::unique_ptr<OrtRunner> fp32_runner_;
  std::unique_ptr<ReplayRunner> reference_;
  double step_start_s_ = 0, last_progress_s_ = 0;
  mutable std::map<std::pair<CrossLayerEqualization, CalibrationMethod>, CalibrationTable> ranges_;
  mutable WarningList warnings_;
};

}  // namespace

AutoQuantizeResult AutoQuantize(const Model& fp32, const AutoQuantizeOptions& options, AutoTimer* timer) {
  ValidateAutoOptions(options);
  std::unique_ptr<AutoTimer> own;
  if (!timer) {
    BenchmarkConfig config;
    config.warmup_runs = 3;
    config.repetitions = 30;
    config.max_repetitions = 100;
    config.cv_threshold = 0.05;
    config.seed = options.seed;
    own = MakeOrtAutoTimer(options.batch, options.threads, config, options.seed, options.calibration.shape_overrides);
    timer = own.get();
  }
  Search search(fp32, options, *timer);
  return search.Run();
}

}  // namespace qbench
