// `quantize --auto`: option checks, the data split, fidelity and speed rules, the choice
// (see auto_internal.h and docs/auto.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "auto_internal.h"
#include "qbench/core/error.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/inputs.h"

namespace qbench {
namespace {

/// Generated samples (one model input, batch dimension dropped): GenerateInputs with seed + i for
/// sample i, so that no sample repeats the calibration stream (seeded with the bare seed).
class GeneratedDataset : public Dataset {
 public:
  GeneratedDataset(const Model& model, std::size_t n, std::uint64_t seed, const ShapeOverrides& shapes)
      : model_(model), n_(n), seed_(seed) {
    ShapeOverrides one = shapes;
    one.batch = 1;
    info_ = ResolveInputShapes(model_, one).at(0);
  }
  std::size_t size() const override { return n_; }
  Sample Get(std::size_t i) const override {
    InputOptions io;
    io.seed = seed_ + i;
    Sample s;
    s.input = GenerateInputs(model_, {info_}, io).at(0).tensor;
    if (!s.input.shape.empty()) s.input.shape.erase(s.input.shape.begin());  // the batch dimension
    s.id = "generated #" + std::to_string(i);
    return s;
  }
  std::string Describe() const override {
    return fmt::format("{} generated inputs (normal(0,1), seeds {}..{})", n_, seed_, seed_ + n_ - 1);
  }

 private:
  Model model_;
  std::size_t n_;
  std::uint64_t seed_;
  TensorInfo info_;
};

/// Seeds of generated evaluation samples start here (+ --seed), far from the calibration stream.
constexpr std::uint64_t kEvaluationSeedOffset = 1000003;

}  // namespace

std::vector<WeightRange> AutoWeightRanges(WeightRange requested, const WeightRangeDecision& for_u8) {
  if (requested != WeightRange::kAuto) return {requested};
  if (for_u8.range == WeightRange::kUnsigned) return {WeightRange::kUnsigned, WeightRange::kReduced, WeightRange::kFull};
  return {for_u8.range};
}

void ValidateAutoOptions(const AutoQuantizeOptions& o) {
  if (!(std::isfinite(o.max_drop_points) && o.max_drop_points >= 0 && o.max_drop_points <= 100))
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--max-drop {:g}: expected percentage points of top-1 agreement with fp32 in [0, 100] "
                            "(default 1)", o.max_drop_points));
  if (!(std::isfinite(o.time_budget_s) && o.time_budget_s >= 0))
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--time-budget {:g}: expected seconds >= 0 (0 = no budget; default 300)", o.time_budget_s));
  if (o.batch < 1) throw Error(ErrorCode::kInvalidArgument, fmt::format("--batch {}: expected >= 1", o.batch));
  if (o.methods.empty() || o.activation_types.empty())
    throw Error(ErrorCode::kInvalidArgument, "--auto needs at least one calibration method and activation type");
  if (o.base.scheme != "static")
    throw Error(ErrorCode::kInvalidArgument, "--auto searches static int8 configurations (QDQ, calibrated); --mode " +
                                                 o.base.scheme + " cannot be combined with it: drop --mode");
  if (o.eval_limit < 1) throw Error(ErrorCode::kInvalidArgument, "--eval-limit: expected a number of samples >= 1");
}

namespace auto_internal {

AutoData OpenAutoData(const Model& fp32, const AutoQuantizeOptions& options, WarningList* warnings) {
  AutoData d;
  d.calibration = options.calibration;
  d.calibration.seed = options.seed;
  DatasetSpec eval = options.evaluation;
  eval.seed = options.seed;
  eval.limit = options.eval_limit;
  const std::string& cal_path = options.calibration.path;
  if (eval.path.empty() && cal_path.empty()) {  // generated inputs: two seeded streams
    d.evaluation = std::make_unique<GeneratedDataset>(fp32, options.eval_limit, options.seed + kEvaluationSeedOffset,
                                                      options.calibration.shape_overrides);
    if (warnings)
      warnings->Add("auto_random_data", "--auto without data calibrates and judges fidelity on generated inputs: "
                                        "the accuracy budget then says little about real inputs; give --eval-data");
    return d;
  }
  if (eval.path.empty()) {
    eval.path = cal_path;
    eval.preprocess = options.calibration.preprocess;
  }
  if (cal_path.empty() || cal_path == eval.path) {  // one dataset: split it, calibrate on one part
    d.calibration.path = eval.path;
    if (cal_path.empty()) d.calibration.preprocess = eval.preprocess;
    d.calibration.split_part = true;
    eval.split_calibration = d.calibration.size;
    eval.part = DatasetPart::kEvaluation;
  }
  d.evaluation = OpenDataset(eval);
  return d;
}

void JudgeFidelity(const AutoQuantizeOptions& options, AutoCandidate* c) {
  if (std::isfinite(c->agreement)) {
    c->drop_points = 100.0 * (1.0 - c->agreement);
    c->within_budget = c->drop_points <= options.max_drop_points + 1e-9;
  } else {
    c->drop_points = 0.0;
    c->within_budget = std::isfinite(c->sqnr_db) && c->sqnr_db >= kMinSqnrWithoutClassesDb;
  }
}

bool MoreFaithful(const AutoCandidate& a, const AutoCandidate& b) {
  if (a.within_budget != b.within_budget) return a.within_budget;
  auto v = [](double x) { return std::isnan(x) ? -1e300 : x; };
  if (v(a.agreement) != v(b.agreement)) return v(a.agreement) > v(b.agreement);
  if (v(a.sqnr_db) != v(b.sqnr_db)) return v(a.sqnr_db) > v(b.sqnr_db);
  return a.keep_float.size() < b.keep_float.size();
}

std::vector<std::string> SlowerInInt8(const QuantizeReport& report, const ReferenceGraph& ref, const NodeTimes& fp32,
                                      const NodeTimes& int8) {
  const double per_element_ms =
      int8.qdq_elements > 0 ? int8.qdq_ms / static_cast<double>(int8.qdq_elements) : 0.0;
  std::set<std::string> quantized;
  for (const auto& d : report.nodes)
    if (d.quantized && !d.name.empty()) quantized.insert(d.name);
  std::vector<std::string> slow;
  for (const auto& name : ref.order) {
    if (!quantized.count(name)) continue;
    const auto f = fp32.node_ms.find(name);
    const auto q = int8.node_ms.find(name);
    if (f == fp32.node_ms.end() || q == int8.node_ms.end()) continue;
    const auto w = ref.nodes.find(name);
    const double elements = w == ref.nodes.end() ? 0.0 : static_cast<double>(w->second.input_elements + w->second.output_elements);
    if (q->second > f->second + per_element_ms * elements) slow.push_back(name);
  }
  return slow;
}

bool U8Weights(const AutoCandidate& c) {
  return ResolveWeightRange(c.weight_range, c.activation_type).range == WeightRange::kUnsigned;
}

std::string KernelFamily(const AutoCandidate& c) {
  return fmt::format("{} activations, {} weights", c.activation_type == DType::kUint8 ? "u8" : "s8", U8Weights(c) ? "u8" : "s8");
}

std::vector<int> MostFaithfulOfOtherKernels(const std::vector<AutoCandidate>& candidates, const AutoCandidate& base,
                                            bool within_budget, bool plain) {
  std::map<std::string, int> best;  // family → index
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const AutoCandidate& c = candidates[i];
    if (KernelFamily(c) == KernelFamily(base) || !c.keep_float.empty() || (within_budget && !c.within_budget) ||
        (plain && (c.bias_correction || c.equalize != CrossLayerEqualization::kOff)))
      continue;
    auto [it, fresh] = best.emplace(KernelFamily(c), static_cast<int>(i));
    if (!fresh && MoreFaithful(c, candidates[static_cast<std::size_t>(it->second)])) it->second = static_cast<int>(i);
  }
  std::vector<int> out;
  for (const auto& [family, i] : best) out.push_back(i);
  std::sort(out.begin(), out.end());
  return out;
}

const char* GranularityLabel(WeightGranularity g) {
  return g == WeightGranularity::kPerChannel ? "all-per-channel" : "conv-per-channel";
}

std::string GraphKey(const AutoCandidate& c) {
  std::vector<std::string> keep = c.keep_float;
  std::sort(keep.begin(), keep.end());
  std::string key = fmt::format("{}|{}|{}|{}", DTypeName(c.activation_type), GranularityLabel(c.granularity),
                                HardSigmoidPolicyName(c.hard_sigmoid), U8Weights(c) ? "u8-weights" : "s8-weights");
  for (const auto& k : keep) key += "|" + k;
  return key;
}

std::vector<int> CandidatesToTime(const std::vector<AutoCandidate>& candidates, std::size_t max_timed) {
  std::vector<int> order;
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (candidates[i].within_budget) order.push_back(static_cast<int>(i));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return MoreFaithful(candidates[a], candidates[b]); });
  std::set<std::string> keys;
  std::vector<int> timed;
  for (int i : order) {
    if (!keys.insert(candidates[i].graph_key).second) continue;
    if (timed.size() < max_timed) timed.push_back(i);
  }
  return timed;
}

void ChooseCandidate(AutoQuantizeResult* r) {
  r->chosen = -1;
  int best_int8 = -1;  // the fastest timed candidate at all, for the plain sentence
  for (std::size_t i = 0; i < r->candidates.size(); ++i) {
    AutoCandidate& c = r->candidates[i];
    if (!c.within_budget) {
      c.status = "over the accuracy budget";
      continue;
    }
    if (!c.timed) {
      c.status = "not timed (same kernels as a more faithful candidate, or past the time budget)";
      continue;
    }
    if (best_int8 < 0 || c.speedup.speedup > r->candidates[best_int8].speedup.speedup) best_int8 = static_cast<int>(i);
    if (c.speedup.ci_high < 1.0) {
      c.status = "reliably slower than fp32 (speedup CI lies below 1)";
      continue;
    }
    if (!(c.speedup.ci_low > 1.0)) {
      c.status = "not reliably faster than fp32 (speedup CI reaches 1)";
      continue;
    }
    c.status = "faster, within budget";
    if (r->chosen < 0 || c.speedup.speedup > r->candidates[r->chosen].speedup.speedup) r->chosen = static_cast<int>(i);
  }
  const std::string budget = fmt::format("--max-drop {:g}", r->max_drop_points);
  if (r->chosen >= 0) {
    AutoCandidate& c = r->candidates[r->chosen];
    c.status = "chosen";
    r->decision = fmt::format(
        "wrote '{}': the fastest candidate within {} ({:.2f} points of agreement lost) whose speedup interval lies "
        "above 1: {:.2f}x [{:.2f}, {:.2f}] at batch {}",
        c.name, budget, c.drop_points, c.speedup.speedup, c.speedup.ci_low, c.speedup.ci_high, r->batch);
  } else if (best_int8 >= 0) {
    const AutoCandidate& c = r->candidates[best_int8];
    r->decision = fmt::format(
        "wrote the fp32 model unchanged: no int8 candidate is reliably faster than fp32 on this machine at batch {} "
        "(best within {}: '{}' at {:.2f}x [{:.2f}, {:.2f}])",
        r->batch, budget, c.name, c.speedup.speedup, c.speedup.ci_low, c.speedup.ci_high);
  } else {
    double best_drop = std::numeric_limits<double>::quiet_NaN();
    for (const auto& c : r->candidates)
      if (std::isnan(best_drop) || c.drop_points < best_drop) best_drop = c.drop_points;
    r->decision = std::isnan(best_drop)
                      ? "wrote the fp32 model unchanged: no candidate was measured"
                      : fmt::format("wrote the fp32 model unchanged: no int8 candidate stays within {} (the best loses "
                                    "{:.2f} points of agreement)", budget, best_drop);
  }
  if (r->cancelled) r->decision += " (search interrupted by Ctrl-C)";
  else if (r->budget_exhausted) r->decision += " (the time budget cut the search short)";
}

}  // namespace auto_internal
}  // namespace qbench
