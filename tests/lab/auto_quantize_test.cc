// `quantize --auto` on tiny models built in code, with a fake timer whose per-node costs are known,
// so the right choice is known: real quantization and real fidelity (ONNX Runtime), fake latency.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "lab/auto_internal.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/core/error.h"
#include "qbench/lab/auto_quantize.h"
#include "qbench/model/graph_builder.h"

namespace qbench {
namespace {

std::vector<float> Gaussian(std::size_t n, std::uint32_t seed, float stddev) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, stddev);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// x[N, 8] → Mul(mask: feature 0 zeroed) → Gemm "first" [8→16] → Relu → Gemm "middle" [16→16] →
// Relu → Gemm "head" [16→10] → logits [N, 10]. With `destructive`, "first" also holds a weight of
// 1000 on the zeroed feature in every output column: fp32 never sees it (0·1000), but any 8-bit
// weight scale becomes 1000/127 and rounds every real weight of "first" to 0.
Model Mlp(bool destructive) {
  GraphBuilder b("mlp");
  b.AddInput("x", DType::kFloat32, {"N", 8});
  b.AddOutput("logits", DType::kFloat32, {"N", 10});
  std::vector<float> mask(8, 1.0f);
  mask[0] = 0.0f;
  b.AddInitializer("mask", {8}, mask);
  b.AddNode("Mul", "masking", {"x", "mask"}, {"xm"});
  std::vector<float> w1 = Gaussian(8 * 16, 1, 0.4f);
  if (destructive)
    for (int j = 0; j < 16; ++j) w1[j] = 1000.0f;  // row 0 (feature 0), [K=8, N=16] layout
  b.AddInitializer("w1", {8, 16}, w1);
  b.AddInitializer("b1", {16}, Gaussian(16, 2, 0.1f));
  b.AddNode("Gemm", "first", {"xm", "w1", "b1"}, {"h1"});
  b.AddNode("Relu", "relu1", {"h1"}, {"a1"});
  b.AddInitializer("w2", {16, 16}, Gaussian(16 * 16, 3, 0.3f));
  b.AddInitializer("b2", {16}, Gaussian(16, 4, 0.1f));
  b.AddNode("Gemm", "middle", {"a1", "w2", "b2"}, {"h2"});
  b.AddNode("Relu", "relu2", {"h2"}, {"a2"});
  b.AddInitializer("w3", {16, 10}, Gaussian(16 * 10, 5, 0.4f));
  b.AddInitializer("b3", {10}, Gaussian(10, 6, 0.1f));
  b.AddNode("Gemm", "head", {"a2", "w3", "b3"}, {"logits"});
  return b.Build();
}

// Per-node costs in ms: a Gemm runs at `int8` cost when its weight comes through a
// DequantizeLinear (the quantized model), times `u8_weights` when that weight is stored as uint8
// (ORT's u8u8 kernels), else at `fp32` cost; each QuantizeLinear costs 0.01.
struct Costs {
  std::map<std::string, double> fp32, int8;
  double u8_weights = 1.0;
};

class FakeTimer : public AutoTimer {
 public:
  explicit FakeTimer(Costs costs) : costs_(std::move(costs)) {}
  NodeTimes Profile(const Model& model, const Model&) override {
    NodeTimes t;
    for (const auto& [name, ms] : NodeCosts(model)) t.node_ms[name] = ms;
    return t;
  }
  Comparison Compare(const std::vector<const Model*>& models, const std::vector<std::string>& labels) override {
    ++compares;
    EXPECT_EQ(labels.size(), models.size());
    EXPECT_EQ(labels.front(), "fp32");
    Comparison r;
    r.rounds = 30;
    r.interleaved = true;
    for (const Model* m : models) {
      double total = 0;
      for (const auto& [name, ms] : NodeCosts(*m)) total += ms;
      for (const auto& n : m->proto.graph().node()) total += n.op_type() == "QuantizeLinear" ? 0.01 : 0.0;
      ComparedModel c;
      c.ok = true;
      for (int k = 0; k < r.rounds; ++k) c.measurement.latency_ms.push_back(total * (1.0 + 0.01 * std::sin(k)));  // same drift for all
      c.measurement.statistics = ComputeStatistics(c.measurement.latency_ms);
      r.models.push_back(c);
    }
    for (std::size_t i = 1; i < models.size(); ++i) {
      r.models[i].has_speedup = true;
      r.models[i].speedup = EstimateSpeedup(r.models[0].measurement.latency_ms, r.models[i].measurement.latency_ms, true, 7);
    }
    return r;
  }
  int compares = 0;

 private:
  std::map<std::string, double> NodeCosts(const Model& m) const {
    std::set<std::string> u8_initializers;
    for (const auto& t : m.proto.graph().initializer())
      if (t.data_type() == onnx::TensorProto::UINT8) u8_initializers.insert(t.name());
    std::map<std::string, bool> dq_outputs;  // output → reads a uint8 initializer
    for (const auto& n : m.proto.graph().node())
      if (n.op_type() == "DequantizeLinear") dq_outputs[n.output(0)] = u8_initializers.count(n.input(0)) > 0;
    std::map<std::string, double> out;
    for (const auto& n : m.proto.graph().node()) {
      if (!costs_.fp32.count(n.name())) continue;
      const auto dq = n.input_size() > 1 ? dq_outputs.find(n.input(1)) : dq_outputs.end();
      out[n.name()] = dq == dq_outputs.end() ? costs_.fp32.at(n.name())
                                             : costs_.int8.at(n.name()) * (dq->second ? costs_.u8_weights : 1.0);
    }
    return out;
  }
  Costs costs_;
};

AutoQuantizeOptions SmallSearch() {
  AutoQuantizeOptions o;
  o.eval_limit = 100;
  o.calibration.size = 64;
  // A random 10-class MLP on random inputs has small top-1 margins: its sound int8 models keep
  // 95-97 % agreement (about 23 dB); the destroyed one keeps far less.
  o.max_drop_points = 6;
  o.time_budget_s = 0;
  o.threads = 1;
  o.methods = {CalibrationMethod::kMinMax, CalibrationMethod::kMse};
  o.weight_ranges = {WeightRange::kAuto};  // the CPU's choice alone: the same candidates on every CPU
  return o;
}

Costs Uniform(double fp32, double int8) {
  Costs c;
  for (const char* n : {"first", "middle", "head"}) {
    c.fp32[n] = fp32;
    c.int8[n] = int8;
  }
  return c;
}

const AutoCandidate& Chosen(const AutoQuantizeResult& r) {
  EXPECT_GE(r.chosen, 0) << FormatAutoResult(r);
  return r.candidates.at(static_cast<std::size_t>(std::max(r.chosen, 0)));
}

TEST(AutoQuantize, EverythingPaysComesOutFullyInt8) {
  FakeTimer timer(Uniform(1.0, 0.3));
  const AutoQuantizeResult r = AutoQuantize(Mlp(false), SmallSearch(), &timer);
  const AutoCandidate& c = Chosen(r);
  EXPECT_TRUE(c.keep_float.empty()) << c.name;
  EXPECT_TRUE(c.within_budget);
  EXPECT_NEAR(c.speedup.speedup, 3.0 / (0.9 + 0.01 * 0), 0.2);  // 3 ms fp32 vs 0.9 ms + a few Q nodes
  EXPECT_GT(c.speedup.ci_low, 1.0);
  // Coordinate search: 2 methods on u8 conv-per-channel, then s8 and all-per-channel (the model
  // has Gemm) with the better method; no HardSigmoid axis.
  std::vector<std::string> names;
  for (const auto& x : r.candidates) names.push_back(x.name);
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], "minmax u8 conv-per-channel");
  EXPECT_EQ(names[1], "mse u8 conv-per-channel");
  EXPECT_EQ(names[2].substr(names[2].find(' ')), " s8 conv-per-channel");
  EXPECT_EQ(names[3].substr(names[3].find(' ')), " u8 all-per-channel");
  EXPECT_NE(r.decision.find("wrote '"), std::string::npos) << r.decision;
  EXPECT_EQ(timer.compares, 1);  // one interleaved run for every timed graph
}

TEST(AutoQuantize, LayerWhoseInt8KernelIsSlowerComesOutFp32) {
  Costs costs = Uniform(1.0, 0.3);
  costs.int8["middle"] = 3.0;  // int8 slower than fp32 (1.0) by far more than its Q/DQ
  FakeTimer timer(costs);
  const AutoQuantizeResult r = AutoQuantize(Mlp(false), SmallSearch(), &timer);
  const AutoCandidate& c = Chosen(r);
  EXPECT_EQ(c.keep_float, std::vector<std::string>{"middle"}) << c.name;
  EXPECT_NE(c.islands_reason.find("slower in int8"), std::string::npos);
  // fp32 3.0 ms; all int8 3.6 ms (slower); with "middle" fp32: 0.3 + 1.0 + 0.3 = 1.6 ms → 1.9x.
  EXPECT_NEAR(c.speedup.speedup, 3.0 / 1.6, 0.1);
  // The island is its base configuration with one layer fewer quantized, on the same ranges and
  // samples: its outputs are at least as close to fp32 (the weight and accumulator rounding of
  // "middle" is gone; its input and output keep the base's Q/DQ).
  const std::string base_name = c.name.substr(0, c.name.find(" + "));
  const auto base = std::find_if(r.candidates.begin(), r.candidates.end(),
                                 [&](const AutoCandidate& x) { return x.name == base_name; });
  ASSERT_NE(base, r.candidates.end()) << base_name;
  EXPECT_GE(c.sqnr_db, base->sqnr_db - 0.5) << FormatAutoResult(r);
  EXPECT_GE(c.agree + 2, base->agree) << FormatAutoResult(r);
}

// ORT's u8u8 kernels (u8 weights, exact) run slower than its u8s8 ones on x86 without VNNI: the
// weight range is an axis, and the faster s8-weight graph is chosen when it keeps the accuracy.
TEST(AutoQuantize, FasterWeightRangeIsChosenWhenItKeepsTheAccuracy) {
  Costs costs = Uniform(1.0, 0.3);
  costs.u8_weights = 2.0;  // u8 weights: 0.6 ms per Gemm, s8 weights 0.3 ms
  FakeTimer timer(costs);
  AutoQuantizeOptions o = SmallSearch();
  o.weight_ranges = {WeightRange::kUnsigned, WeightRange::kReduced, WeightRange::kFull};
  o.activation_types = {DType::kUint8};
  o.islands = false;
  const AutoQuantizeResult r = AutoQuantize(Mlp(false), o, &timer);
  // 2 methods with u8 weights, all-per-channel, then reduced and full s8 weights with the better method.
  ASSERT_EQ(r.candidates.size(), 5u) << FormatAutoResult(r);
  const std::string method = r.candidates[2].name.substr(0, r.candidates[2].name.find(' '));
  EXPECT_EQ(r.candidates[3].name, method + " u8 conv-per-channel reduced-weights");
  EXPECT_EQ(r.candidates[4].name, method + " u8 conv-per-channel full-weights");
  // Reduced and full run the same kernels: one graph key, different from the u8-weight one.
  EXPECT_EQ(r.candidates[3].graph_key, r.candidates[4].graph_key);
  EXPECT_NE(r.candidates[3].graph_key, r.candidates[1].graph_key);
  const AutoCandidate& c = Chosen(r);
  EXPECT_NE(c.weight_range, WeightRange::kUnsigned) << FormatAutoResult(r);
  EXPECT_TRUE(c.within_budget);
  EXPECT_NEAR(c.speedup.speedup, 3.0 / 0.9, 0.2);  // 3 ms fp32 vs 3 × 0.3 ms + a few Q nodes
  const auto json = AutoResultToJson(r);
  EXPECT_EQ(json["candidates"][0]["weight_range"], "u8");
  EXPECT_EQ(json["candidates"][3]["weight_range"], "reduced");
  EXPECT_EQ(json["candidates"][4]["weight_range"], "full");
  // Both kernel families were timed in the one comparison.
  int timed_u8 = 0, timed_s8 = 0;
  for (const auto& x : r.candidates)
    if (x.timed) ++(x.weight_range == WeightRange::kUnsigned ? timed_u8 : timed_s8);
  EXPECT_GE(timed_u8, 1);
  EXPECT_EQ(timed_s8, 1);
  EXPECT_EQ(timer.compares, 1);
}

TEST(AutoRules, WeightRangesByCpu) {
  const WeightRangeDecision no_vnni{WeightRange::kUnsigned, "no VNNI"}, vnni{WeightRange::kFull, "VNNI"};
  EXPECT_EQ(AutoWeightRanges(WeightRange::kAuto, no_vnni),
            (std::vector<WeightRange>{WeightRange::kUnsigned, WeightRange::kReduced, WeightRange::kFull}));
  EXPECT_EQ(AutoWeightRanges(WeightRange::kAuto, vnni), std::vector<WeightRange>{WeightRange::kFull});
  EXPECT_EQ(AutoWeightRanges(WeightRange::kReduced, no_vnni), std::vector<WeightRange>{WeightRange::kReduced});
  EXPECT_EQ(AutoWeightRanges(WeightRange::kUnsigned, vnni), std::vector<WeightRange>{WeightRange::kUnsigned});
}

// Kernel families: u8 activations with u8 weights (u8u8), with s8 weights (u8s8), s8 activations
// (s8s8). For each family other than the base's, its most faithful candidate without islands.
TEST(AutoRules, MostFaithfulOfEachOtherKernelFamily) {
  auto cand = [](DType act, WeightRange w, double agreement, bool within, bool bias = false) {
    AutoCandidate c;
    c.activation_type = act;
    c.weight_range = w;
    c.agreement = agreement;
    c.within_budget = within;
    c.bias_correction = bias;
    return c;
  };
  std::vector<AutoCandidate> cs = {cand(DType::kUint8, WeightRange::kUnsigned, 0.97, true),   // 0: base family
                                   cand(DType::kUint8, WeightRange::kReduced, 0.94, false),   // 1
                                   cand(DType::kUint8, WeightRange::kFull, 0.90, false),      // 2: same family as 1
                                   cand(DType::kInt8, WeightRange::kReduced, 0.95, true),     // 3
                                   cand(DType::kUint8, WeightRange::kReduced, 0.96, true, true)};  // 4: 1 + bias corr
  cs[4].keep_float = {};
  EXPECT_EQ(auto_internal::KernelFamily(cs[0]), "u8 activations, u8 weights");
  EXPECT_EQ(auto_internal::KernelFamily(cs[2]), "u8 activations, s8 weights");
  EXPECT_EQ(auto_internal::KernelFamily(cs[3]), "s8 activations, s8 weights");
  // Plain configurations, any fidelity: 1 (better than 2) and 3.
  EXPECT_EQ(auto_internal::MostFaithfulOfOtherKernels(cs, cs[0], false, true), (std::vector<int>{1, 3}));
  // Within the budget, bias correction allowed: 4 and 3.
  EXPECT_EQ(auto_internal::MostFaithfulOfOtherKernels(cs, cs[0], true, false), (std::vector<int>{3, 4}));
  cs[4].keep_float = {"conv"};  // islands are never a base
  EXPECT_EQ(auto_internal::MostFaithfulOfOtherKernels(cs, cs[0], true, false), (std::vector<int>{3}));
}

TEST(AutoQuantize, LayerThatDestroysAccuracyComesOutFp32) {
  FakeTimer timer(Uniform(1.0, 0.3));
  AutoQuantizeOptions o = SmallSearch();
  o.methods = {CalibrationMethod::kMinMax};
  o.activation_types = {DType::kUint8};
  const AutoQuantizeResult r = AutoQuantize(Mlp(true), o, &timer);
  for (const auto& c : r.candidates)
    if (c.keep_float.empty()) EXPECT_FALSE(c.within_budget) << c.name << " drop " << c.drop_points;
  const AutoCandidate& c = Chosen(r);
  ASSERT_FALSE(c.keep_float.empty());
  EXPECT_EQ(c.keep_float.front(), "first") << c.name;
  EXPECT_LE(c.drop_points, 6.0);
  EXPECT_NE(c.islands_reason.find("sensitivity"), std::string::npos);
}

TEST(AutoQuantize, NothingFasterWritesFp32Unchanged) {
  FakeTimer timer(Uniform(1.0, 1.0));  // int8 as fast as fp32 at best: the CI cannot lie above 1
  const Model fp32 = Mlp(false);
  const AutoQuantizeResult r = AutoQuantize(fp32, SmallSearch(), &timer);
  EXPECT_EQ(r.chosen, -1);
  EXPECT_NE(r.decision.find("fp32 model unchanged"), std::string::npos) << r.decision;
  EXPECT_NE(r.decision.find("best within --max-drop 6"), std::string::npos) << r.decision;
  EXPECT_EQ(SerializeModel(r.model), SerializeModel(fp32));
  for (const auto& c : r.candidates)
    if (c.timed) EXPECT_LE(c.speedup.ci_low, 1.0);
}

TEST(AutoQuantize, SameSeedSameTableAndChoice) {
  auto run = [] {
    FakeTimer timer(Uniform(1.0, 0.3));
    return AutoQuantize(Mlp(false), SmallSearch(), &timer);
  };
  const AutoQuantizeResult a = run(), b = run();
  ASSERT_EQ(a.candidates.size(), b.candidates.size());
  for (std::size_t i = 0; i < a.candidates.size(); ++i) {
    EXPECT_EQ(a.candidates[i].name, b.candidates[i].name);
    EXPECT_EQ(a.candidates[i].agree, b.candidates[i].agree);
    EXPECT_EQ(a.candidates[i].sqnr_db, b.candidates[i].sqnr_db);
  }
  EXPECT_EQ(a.chosen, b.chosen);
  EXPECT_EQ(SerializeModel(a.model), SerializeModel(b.model));
}

TEST(AutoQuantize, TimeBudgetStopsTheSearch) {
  FakeTimer timer(Uniform(1.0, 0.3));
  AutoQuantizeOptions o = SmallSearch();
  o.time_budget_s = 1e-6;  // spent once the first candidate is measured
  const AutoQuantizeResult r = AutoQuantize(Mlp(false), o, &timer);
  EXPECT_TRUE(r.budget_exhausted);
  EXPECT_EQ(r.candidates.size(), 1u);
  EXPECT_NE(r.decision.find("time budget"), std::string::npos) << r.decision;
}

// The search's default calibration methods are the calibrator table's rows marked tried_by_auto, in
// table order: adding a calibrator is one row. Today every row, minmax first (the plain configuration's).
TEST(AutoQuantize, DefaultMethodsAreTheCalibratorRowsTriedByAuto) {
  std::vector<CalibrationMethod> flagged;
  for (const auto& m : CalibrationMethods())
    if (m.tried_by_auto) flagged.push_back(m.method);
  EXPECT_EQ(AutoQuantizeOptions{}.methods, flagged);
  EXPECT_EQ(AutoSearchCalibrationMethods(), flagged);
  const std::vector<CalibrationMethod> expected{CalibrationMethod::kMinMax, CalibrationMethod::kPercentile,
                                                CalibrationMethod::kEntropy, CalibrationMethod::kMse};
  EXPECT_EQ(AutoQuantizeOptions{}.methods, expected);
}

TEST(AutoQuantize, BadOptionsAreOneClearError) {
  auto message = [](AutoQuantizeOptions o) {
    try {
      ValidateAutoOptions(o);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  AutoQuantizeOptions o;
  o.time_budget_s = -5;
  EXPECT_EQ(message(o), "--time-budget -5: expected seconds >= 0 (0 = no budget; default 300)");
  o = {};
  o.max_drop_points = 150;
  EXPECT_EQ(message(o), "--max-drop 150: expected percentage points of top-1 agreement with fp32 in [0, 100] (default 1)");
  o = {};
  o.base.scheme = "dynamic";
  EXPECT_NE(message(o).find("--mode dynamic cannot be combined with it"), std::string::npos);
}

TEST(AutoRules, SlowerInInt8CountsTheQdqAnIslandAdds) {
  QuantizeReport report;
  report.nodes = {{"a", "Conv", true, "", ""}, {"b", "Conv", true, "", ""}, {"c", "Conv", false, "", "excluded"}};
  ReferenceGraph ref;
  ref.order = {"a", "b", "c"};
  ref.nodes["a"].input_elements = 1000;
  ref.nodes["a"].output_elements = 1000;
  ref.nodes["b"].input_elements = 1000;
  ref.nodes["b"].output_elements = 1000;
  NodeTimes f, q;
  f.node_ms = {{"a", 1.0}, {"b", 1.0}, {"c", 1.0}};
  // Q/DQ: 0.2 ms for 1000 elements → 0.0002 ms per element → 0.4 ms around a node of 2000 elements.
  q.qdq_ms = 0.2;
  q.qdq_elements = 1000;
  q.node_ms = {{"a", 1.3}, {"b", 1.5}, {"c", 9.0}};
  // a: 1.3 <= 1.0 + 0.4 (an island would cost more than it saves); b: 1.5 > 1.4; c is not quantized.
  EXPECT_EQ(auto_internal::SlowerInInt8(report, ref, f, q), std::vector<std::string>{"b"});
}

// Speedup intervals on both sides of 1 (hand-made): wholly below 1 is "reliably slower", one that
// contains 1 is "not reliably faster", wholly above 1 is chosen; the fp32 row says when it was not timed.
TEST(AutoRules, StatusNamesSlowerFasterAndUntimedFp32) {
  AutoQuantizeResult r;
  r.max_drop_points = 1;
  r.batch = 1;
  auto timed = [](const std::string& name, double s, double lo, double hi) {
    AutoCandidate c;
    c.name = name;
    c.within_budget = true;
    c.drop_points = 0.5;
    c.timed = true;
    c.speedup.speedup = s;
    c.speedup.ci_low = lo;
    c.speedup.ci_high = hi;
    return c;
  };
  r.candidates = {timed("slow", 0.92, 0.90, 0.94), timed("even", 1.01, 0.97, 1.05), timed("fast", 1.3, 1.2, 1.4)};
  auto_internal::ChooseCandidate(&r);
  EXPECT_EQ(r.candidates[0].status, "reliably slower than fp32 (speedup CI lies below 1)");
  EXPECT_EQ(r.candidates[1].status, "not reliably faster than fp32 (speedup CI reaches 1)");
  EXPECT_EQ(r.chosen, 2);
  EXPECT_EQ(r.candidates[2].status, "chosen");
  r.fp32_median_ms = std::numeric_limits<double>::quiet_NaN();  // the time budget skipped timing
  const std::string untimed = FormatAutoResult(r);
  const std::string fp32_row = untimed.substr(untimed.find("fp32 (reference)"));
  EXPECT_EQ(fp32_row.substr(0, fp32_row.find('\n')).find("nan"), std::string::npos) << untimed;
  EXPECT_NE(fp32_row.find("fp32 not timed"), std::string::npos) << untimed;
  r.fp32_median_ms = 2.5;
  EXPECT_NE(FormatAutoResult(r).find("fp32 median 2.500 ms"), std::string::npos);
}

// x [N,4,8,8] → expand 1x1 (8) → Relu → depthwise 3x3 → Relu → project 1x1 (6) → GlobalAveragePool →
// Flatten → Gemm "fc" [6→10]: a MobileNet block whose expand/depthwise channel ranges are 100x apart.
Model DepthwiseNet() {
  GraphBuilder b("dwnet");
  b.AddInput("x", DType::kFloat32, {"N", 4, 8, 8});
  b.AddOutput("logits", DType::kFloat32, {"N", 10});
  std::vector<float> w1 = Gaussian(32, 21, 0.5f), dw = Gaussian(72, 22, 0.5f);
  for (int c = 0; c < 8; ++c) {
    for (int i = 0; i < 4; ++i) w1[c * 4 + i] *= (c % 2 ? 3.0f : 0.03f);
    for (int k = 0; k < 9; ++k) dw[c * 9 + k] *= (c % 2 ? 0.05f : 5.0f);
  }
  b.AddInitializer("w1", {8, 4, 1, 1}, w1);
  b.AddInitializer("b1", {8}, Gaussian(8, 23, 0.01f));
  b.AddInitializer("wd", {8, 1, 3, 3}, dw);
  b.AddInitializer("bd", {8}, Gaussian(8, 24, 0.01f));
  b.AddInitializer("w3", {6, 8, 1, 1}, Gaussian(48, 25, 0.4f));
  b.AddInitializer("b3", {6}, Gaussian(6, 26, 0.05f));
  b.AddInitializer("wf", {10, 6}, Gaussian(60, 27, 0.8f));
  b.AddInitializer("bf", {10}, Gaussian(10, 28, 0.05f));
  b.AddNode("Conv", "expand", {"x", "w1", "b1"}, {"c1"});
  b.AddNode("Relu", "relu1", {"c1"}, {"a1"});
  b.AddNode("Conv", "dw", {"a1", "wd", "bd"}, {"c2"},
            {AttrInt("group", 8), AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})});
  b.AddNode("Relu", "relu2", {"c2"}, {"a2"});
  b.AddNode("Conv", "project", {"a2", "w3", "b3"}, {"c3"});
  b.AddNode("GlobalAveragePool", "gap", {"c3"}, {"g"});
  b.AddNode("Flatten", "flatten", {"g"}, {"f"});
  b.AddNode("Gemm", "fc", {"f", "wf", "bf"}, {"logits"}, {AttrInt("transB", 1)});
  return b.Build();
}

TEST(AutoQuantize, DepthwiseNetGetsEqualizationAndBiasCorrectionCandidates) {
  Costs costs;
  for (const char* n : {"expand", "dw", "project", "fc"}) costs.fp32[n] = 1.0, costs.int8[n] = 0.3;
  FakeTimer timer(costs);
  AutoQuantizeOptions o = SmallSearch();
  o.islands = false;
  o.weight_ranges = {WeightRange::kUnsigned};  // u8 activations: u8 weights; s8 activations: s8 weights
  const AutoQuantizeResult r = AutoQuantize(DepthwiseNet(), o, &timer);
  // 2 methods, s8, all-per-channel (fc is a Gemm), then +cle-relu and +bias-corr on the most faithful
  // configuration, then bias correction on the equalized one (no ReLU6 here: no +cle-relu6), then
  // bias correction on the most faithful configuration of the other integer kernels (s8 activations,
  // s8 weights).
  ASSERT_EQ(r.candidates.size(), 8u) << FormatAutoResult(r);
  EXPECT_EQ(r.candidates[7].name, r.candidates[2].name + " +bias-corr");
  EXPECT_EQ(r.candidates[7].activation_type, DType::kInt8);
  EXPECT_TRUE(r.candidates[7].bias_correction);
  const std::string base = r.candidates[4].name.substr(0, r.candidates[4].name.find(" +"));
  EXPECT_EQ(r.candidates[4].name, base + " +cle-relu");
  EXPECT_EQ(r.candidates[4].equalize, CrossLayerEqualization::kRelu);
  EXPECT_EQ(r.candidates[5].name, base + " +bias-corr");
  EXPECT_TRUE(r.candidates[5].bias_correction);
  EXPECT_EQ(r.candidates[6].name, base + " +cle-relu +bias-corr");
  for (const auto& c : r.candidates) {
    EXPECT_EQ(c.samples, r.evaluation_samples) << c.name;
    EXPECT_TRUE(std::isfinite(c.sqnr_db)) << c.name;
  }
  // Equalization changes values, not kernels: the equalized graph is the same graph as its base.
  EXPECT_EQ(r.candidates[4].graph_key, r.candidates[5].graph_key);
  const auto json = AutoResultToJson(r);
  EXPECT_EQ(json["candidates"][4]["equalize"], "relu");
  EXPECT_EQ(json["candidates"][6]["bias_correction"], true);
  // The table's columns line up whatever the name length: the longest name's SQNR value ends where
  // the header's "SQNR dB" ends.
  EXPECT_NE(FormatAutoResult(r).find("+cle-relu +bias-corr"), std::string::npos);
  AutoQuantizeResult longer = r;  // a name as long as a MobileNetV3 one with islands (71+ characters)
  longer.candidates[6].name = "entropy u8 conv-per-channel hardsigmoid-decompose +cle-relu +bias-corr + 16 fp32 (profile)";
  const std::string table = FormatAutoResult(longer);
  const auto header = table.find("  candidate"), row = table.find("  " + longer.candidates[6].name + " ");
  ASSERT_NE(header, std::string::npos);
  ASSERT_NE(row, std::string::npos);
  const std::string hline = table.substr(header, table.find('\n', header) - header);
  const std::string rline = table.substr(row, table.find('\n', row) - row);
  const std::size_t end = hline.find("SQNR dB") + 7;
  char sqnr[32];
  std::snprintf(sqnr, sizeof sqnr, "%.1f", r.candidates[6].sqnr_db);
  const std::size_t len = std::strlen(sqnr);
  ASSERT_GT(rline.size(), end);
  EXPECT_EQ(rline.substr(end - len, len), sqnr) << table;
  EXPECT_EQ(rline[end], ' ') << table;
  EXPECT_EQ(table.find("  fp32 (reference)"), table.rfind("  fp32 (reference)"));
  // The search is the same for the same seed, bias correction included.
  FakeTimer timer2(costs);
  const AutoQuantizeResult again = AutoQuantize(DepthwiseNet(), o, &timer2);
  ASSERT_EQ(again.candidates.size(), r.candidates.size());
  for (std::size_t i = 0; i < r.candidates.size(); ++i) EXPECT_EQ(again.candidates[i].sqnr_db, r.candidates[i].sqnr_db);
  o.equalization_candidates = false;
  FakeTimer timer3(costs);
  EXPECT_EQ(AutoQuantize(DepthwiseNet(), o, &timer3).candidates.size(), 4u);
}

}  // namespace
}  // namespace qbench
