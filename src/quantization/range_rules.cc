// Range rules of the static scheme (see range_rules.h and docs/quantization.md).
#include "quantization/range_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "quantization/graph_util.h"
#include "quantization/scheme_util.h"

namespace qbench::quant_internal {
namespace {

constexpr double kSteps = 255.0;  // uint8 [0, 255] and int8 [-128, 127] both have 255 steps

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string RangeText(const TensorRange& r) { return "[" + Fmt(r.min) + ", " + Fmt(r.max) + "]"; }

// Width of the quantized span: the range widened to include 0, as ComputeQuantParams does.
double Span(const TensorRange& r) { return std::max<double>(r.max, 0.0) - std::min<double>(r.min, 0.0); }

// Min/max of a constant's values, ±Inf included (a -inf mask), NaN skipped; false when it has none
// or is not float.
bool ConstantRange(const onnx::TensorProto& t, TensorRange* r) {
  HostTensor v;
  try {
    v = FloatTensorOf(t);
  } catch (const std::exception&) {
    return false;
  }
  bool any = false;
  for (std::int64_t i = 0; i < v.num_elements(); ++i) {
    const float x = v.data<float>()[i];
    if (std::isnan(x)) continue;
    if (!any) *r = TensorRange{x, x};
    r->min = std::min(r->min, x);
    r->max = std::max(r->max, x);
    any = true;
  }
  return any;
}

bool IsSoftmax(const onnx::NodeProto& n) {
  return IsDefaultDomain(n) && (n.op_type() == "Softmax" || n.op_type() == "LogSoftmax");
}

bool IsShapeOnly(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  return IsDefaultDomain(n) && (op == "Reshape" || op == "Transpose" || op == "Flatten" || op == "Squeeze" ||
                                op == "Unsqueeze" || op == "Identity");
}

// Collects the tensors of one rule and adds them with one note and one warning.
class RuleLog {
 public:
  RuleLog(RangeRuleResult* out, std::string code, std::string summary)
      : out_(out), code_(std::move(code)), summary_(std::move(summary)) {}
  void Keep(const std::string& tensor, const std::string& why) {
    if (out_->keep_float.count(tensor)) return;
    out_->keep_float[tensor] = why;
    tensors_.push_back(tensor);
  }
  ~RuleLog() {
    if (tensors_.empty()) return;
    std::string list;
    const size_t shown = std::min<size_t>(tensors_.size(), 4);
    for (size_t i = 0; i < shown; ++i) list += (i ? ", '" : "'") + tensors_[i] + "'";
    if (tensors_.size() > shown) list += " and " + std::to_string(tensors_.size() - shown) + " more";
    const std::string line = std::to_string(tensors_.size()) + " tensor(s) kept fp32: " + summary_ + ": " + list +
                             "; e.g. " + out_->keep_float[tensors_.front()];
    out_->notes.push_back(line);
    out_->warnings.push_back({code_, line});
  }

 private:
  RangeRuleResult* out_;
  std::string code_, summary_;
  std::vector<std::string> tensors_;
};

}  // namespace

RangeRuleResult ApplyRangeRules(const Model& model, const StaticPlan& plan, const CalibrationTable& ranges) {
  RangeRuleResult result;
  const onnx::GraphProto& g = model.proto.graph();
  const GraphIndex idx(g);
  auto final_name = [&](std::string t) {
    for (auto it = plan.output_rename.find(t); it != plan.output_rename.end(); it = plan.output_rename.find(t)) t = it->second;
    return t;
  };
  auto range_of = [&](const std::string& t) -> const TensorRange* {
    auto it = ranges.find(t);
    return it == ranges.end() ? nullptr : &it->second;
  };

  {  // 1. No calibration data.
    RuleLog log(&result, "no_calibration_data",
                "no calibration data (zero-sized on every batch, only NaN/Inf, or inside an If/Loop/Scan body such as "
                "a branch the data never took); a placeholder range would be meaningless");
    for (const auto& t : plan.act_tensors)
      if (const TensorRange* r = range_of(t); r && r->empty)
        log.Keep(t, "tensor '" + t + "' has no calibration data (zero-sized, all NaN/Inf, or never computed)");
  }

  {  // 2. Sentinel magnitudes, whatever the calibration method clipped.
    RuleLog log(&result, "sentinel_range",
                "calibrated values reach |x| >= " + Fmt(kSentinelMagnitude) +
                    " (float16's largest value): sentinels such as additive attention masks, not activations");
    auto check = [&](const std::string& t, const TensorRange& extent) {
      const double m = std::max(std::fabs(double(extent.min)), std::fabs(double(extent.max)));
      if (m >= kSentinelMagnitude)
        log.Keep(t, "tensor '" + t + "' spans " + RangeText(extent) + ", |x| >= " + Fmt(kSentinelMagnitude) +
                        " (a sentinel such as an attention mask; one int8 step would be " + Fmt(Span(extent) / kSteps) + ")");
    };
    for (const auto& t : plan.act_tensors)
      if (const TensorRange* r = range_of(t); r && !r->empty) check(t, DataExtent(*r));
    for (int i = 0; i < g.node_size(); ++i) {
      const StaticNodePlan& p = plan.nodes[static_cast<size_t>(i)];
      if (!p.quantized) continue;
      for (int k : p.const_inputs) {
        TensorRange r;
        if (const onnx::TensorProto* c = idx.Initializer(g.node(i).input(k)); c && ConstantRange(*c, &r)) check(c->name(), r);
      }
    }
  }

  {  // 3. What a Softmax reads.
    RuleLog log(&result, "softmax_input_range",
                "Softmax/LogSoftmax input wider than " + Fmt(kSteps * kSoftmaxMaxStep) + " (int8 step > " +
                    Fmt(kSoftmaxMaxStep) + "): quantized, every real logit would collapse (a mask's range)");
    for (const auto& node : g.node()) {
      if (!IsSoftmax(node) || node.input_size() < 1) continue;
      std::string t = node.input(0);
      for (int hops = 0; hops < 64 && !ranges.count(t); ++hops) {
        auto pr = idx.producer.find(t);
        if (pr == idx.producer.end() || !IsShapeOnly(g.node(pr->second)) || g.node(pr->second).input_size() < 1) break;
        t = g.node(pr->second).input(0);
      }
      const TensorRange* r = range_of(t);
      if (!r || r->empty || !plan.act_set.count(t)) continue;
      const TensorRange extent = DataExtent(*r);
      const double step = Span(extent) / kSteps;
      if (step > kSoftmaxMaxStep)
        log.Keep(t, "tensor '" + t + "' feeds Softmax '" + node.name() + "' and spans " + RangeText(extent) +
                        ": an int8 step of " + Fmt(step) + " (> " + Fmt(kSoftmaxMaxStep) + ") would erase the logits");
    }
  }

  {  // 4. Concat / Add of very different ranges.
    RuleLog log(&result, "join_ranges_differ",
                "Concat/Add inputs whose ranges differ so much that the output's one scale leaves the narrowest fewer "
                "than " + Fmt(kJoinMinLevels) + " of 255 steps (ratio > " + Fmt(kSteps / kJoinMinLevels) +
                    "); the join stays fp32 and each input keeps its own scale");
    for (int i = 0; i < g.node_size(); ++i) {
      const StaticNodePlan& p = plan.nodes[static_cast<size_t>(i)];
      const onnx::NodeProto& node = g.node(i);
      const bool is_concat = p.role == StaticRole::kConcat, is_add = p.role == StaticRole::kBinary && node.op_type() == "Add";
      if (!p.quantized || p.folded || !(is_concat || is_add) || node.output_size() < 1) continue;
      const std::string out = node.output(0), out_final = final_name(out);
      if (result.keep_float.count(out) || result.keep_float.count(out_final)) continue;
      std::vector<std::pair<std::string, TensorRange>> inputs;
      bool skip = false;
      for (int k = 0; k < node.input_size(); ++k) {
        const std::string& in = node.input(k);
        if (result.keep_float.count(in)) skip = true;
        const bool is_const = std::find(p.const_inputs.begin(), p.const_inputs.end(), k) != p.const_inputs.end();
        if (is_const && !is_concat) continue;  // an Add's constant is an offset applied everywhere, not a separate part
        TensorRange r;
        if (is_const) {
          const onnx::TensorProto* c = idx.Initializer(in);
          if (!c || !ConstantRange(*c, &r)) continue;
        } else if (const TensorRange* cr = range_of(in); cr && !cr->empty) {
          r = *cr;
        } else {
          continue;
        }
        if (Span(r) > 0) inputs.emplace_back(in, r);
      }
      if (skip || inputs.size() < 2) continue;
      TensorRange out_range = inputs.front().second;
      if (const TensorRange* r = range_of(out_final); r && !r->empty) {
        out_range = *r;
      } else {
        for (const auto& in : inputs) {
          out_range.min = std::min(out_range.min, in.second.min);
          out_range.max = std::max(out_range.max, in.second.max);
        }
      }
      auto narrow = std::min_element(inputs.begin(), inputs.end(),
                                     [](const auto& a, const auto& b) { return Span(a.second) < Span(b.second); });
      const double levels = kSteps * Span(narrow->second) / Span(out_range);
      if (levels >= kJoinMinLevels) continue;
      const std::string why = node.op_type() + " '" + DisplayName(node, i) + "' joins input '" + narrow->first + "' " +
                              RangeText(narrow->second) + " into an output of range " + RangeText(out_range) +
                              ": one output scale would leave it " + Fmt(levels) + " of 255 steps (ratio " +
                              Fmt(Span(out_range) / Span(narrow->second)) + " > " + Fmt(kSteps / kJoinMinLevels) + ")";
      log.Keep(out, why);
      if (out_final != out) log.Keep(out_final, why);
    }
  }
  // A kept tensor written by a folded Relu/Clip: the tensors of the chain before the fold (calibrated
  // under the final name only) are kept too, so the producer never needs a range it does not have.
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [raw, renamed] : plan.output_rename) {
      auto it = result.keep_float.find(renamed);
      if (it == result.keep_float.end() || result.keep_float.count(raw)) continue;
      result.keep_float[raw] = it->second;
      changed = true;
    }
  }
  return result;
}

}  // namespace qbench::quant_internal
