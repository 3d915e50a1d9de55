// CompareModels on real ONNX Runtime sessions of tiny models, with a fake clock that the observer
// scripts per model: the speedups, input sharing, batch rewrite, failures, the observer's calls, the
// global thread pool policy and the session cache are checked against exact values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "qbench/benchmark/compare.h"
#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/ort_env.h"
#include "qbench/runtime/session_cache.h"

namespace qbench {
namespace {

// y = Relu(x), x [batch, width]; batch dynamic ("N") unless `fixed_batch` > 0.
Model ReluModel(std::int64_t width, std::int64_t fixed_batch = 0) {
  GraphBuilder g("relu", 13);
  const Dim batch = fixed_batch > 0 ? Dim(fixed_batch) : Dim("N");
  g.AddInput("x", DType::kFloat32, {batch, width});
  g.AddNode("Relu", "relu", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {batch, width});
  return g.Build();
}

// A model ORT refuses: an op no domain defines.
Model BrokenModel() {
  GraphBuilder g("broken", 13);
  g.AddInput("x", DType::kFloat32, {"N", 4});
  g.AddNode("NoSuchOperator", "bad", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  return g.Build();
}

std::vector<TensorInfo> Shapes(const Model& m, std::int64_t batch) {
  ShapeOverrides o;
  o.batch = batch;
  return ResolveInputShapes(m, o);
}

// Advances the fake clock by each model's scripted duration inside its run (BeforeRun comes before the
// first clock read, so the time lands between the two reads), and logs every call.
class ScriptedObserver : public CompareObserver {
 public:
  explicit ScriptedObserver(std::vector<double> ms) : ms_(std::move(ms)) {}
  void OnSessionReady(std::size_t model, const OrtRunner& session) override {
    log += "S" + std::to_string(model);
    sessions.push_back(&session);
  }
  void OnTimingStart(const std::vector<std::size_t>& models, bool interleaved) override {
    log += interleaved ? "[I" : "[A";
    for (auto m : models) log += std::to_string(m);
  }
  void OnTimedRunsStart() override { log += "|"; }
  void BeforeRun(std::size_t model, bool warmup) override {
    pending_ = ms_[model];
    log += (warmup ? "w" : "r") + std::to_string(model);
  }
  void AfterRun(std::size_t, bool, double ms) override { runs_ms.push_back(ms); }
  void OnTimingEnd(const std::vector<std::size_t>&) override { log += "]"; }
  std::string log;
  std::vector<double> runs_ms;
  std::vector<const OrtRunner*> sessions;
  // Called by the clock wrapper below.
  double TakePending() {
    const double d = pending_;
    pending_ = 0;
    return d;
  }

 private:
  std::vector<double> ms_;
  double pending_ = 0;
};

// The second read of a run (t1) sees the scripted duration added: reads alternate t0, t1.
class ScriptedClock : public Clock {
 public:
  explicit ScriptedClock(ScriptedObserver* o) : o_(o) {}
  double NowMs() override {
    if (second_) now_ += o_->TakePending();
    second_ = !second_;
    return now_;
  }

 private:
  ScriptedObserver* o_;
  double now_ = 0;
  bool second_ = false;
};

CompareOptions Options(ScriptedObserver* observer, Clock* clock) {
  CompareOptions o;
  o.config.warmup_runs = 2;
  o.config.repetitions = 6;
  o.config.max_repetitions = 6;
  o.config.cv_threshold = 0;
  o.session.intra_op_threads = 1;
  o.observer = observer;
  o.clock = clock;
  return o;
}

TEST(CompareModels, InterleavedSpeedupAndObserverOrder) {
  const Model a = ReluModel(4), b = ReluModel(4);
  ScriptedObserver obs({3.0, 1.5});  // model 0 takes 3 ms, model 1 1.5 ms: speedup exactly 2
  ScriptedClock clock(&obs);
  const Comparison c = CompareModels({{"a", &a, Shapes(a, 2), ""}, {"b", &b, Shapes(b, 2), ""}}, Options(&obs, &clock));
  ASSERT_EQ(c.models.size(), 2u);
  EXPECT_TRUE(c.interleaved);
  EXPECT_EQ(c.rounds, 6);
  EXPECT_EQ(c.policy, InterleavePolicy::kGlobalThreadPool);
  EXPECT_EQ(GlobalThreadPoolThreads(), 1);
  EXPECT_EQ(obs.log, "S0S1[I01w0w1w0w1|r0r1r0r1r0r1r0r1r0r1r0r1]");
  for (const auto& m : c.models) {
    EXPECT_TRUE(m.ok) << m.error;
    EXPECT_EQ(m.timing, "interleaved");
    EXPECT_EQ(m.measurement.latency_ms.size(), 6u);
    EXPECT_EQ(m.batch_rewrite, 0);
  }
  EXPECT_DOUBLE_EQ(c.models[0].measurement.statistics.median_ms, 3.0);
  EXPECT_DOUBLE_EQ(c.models[1].measurement.statistics.median_ms, 1.5);
  EXPECT_FALSE(c.models[0].has_speedup);
  ASSERT_TRUE(c.models[1].has_speedup);
  EXPECT_DOUBLE_EQ(c.models[1].speedup.speedup, 2.0);
  EXPECT_DOUBLE_EQ(c.models[1].speedup.ci_low, 2.0);
  EXPECT_DOUBLE_EQ(c.models[1].speedup.ci_high, 2.0);
  // Identical inputs: the same bytes, generated once ([2,4] floats).
  ASSERT_EQ(c.models[0].inputs.size(), 1u);
  EXPECT_EQ(c.models[0].inputs[0].tensor.bytes.size(), 2u * 4u * 4u);
  EXPECT_EQ(c.models[0].inputs[0].tensor.bytes, c.models[1].inputs[0].tensor.bytes);
  EXPECT_FALSE(c.models[1].own_inputs);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(obs.runs_ms.size(), 16u);  // 2 warm-up rounds + 6 timed rounds, two models
}

TEST(CompareModels, DifferentShapesGetOwnInputsAndNoSpeedup) {
  const Model a = ReluModel(4), b = ReluModel(8);
  ScriptedObserver obs({2.0, 1.0});
  ScriptedClock clock(&obs);
  CompareOptions o = Options(&obs, &clock);
  o.context = "batch 1";
  const Comparison c = CompareModels({{"a", &a, Shapes(a, 1), ""}, {"b", &b, Shapes(b, 1), ""}}, o);
  ASSERT_TRUE(c.models[1].ok);
  EXPECT_TRUE(c.models[1].own_inputs);
  EXPECT_FALSE(c.models[1].has_speedup);
  EXPECT_EQ(c.models[1].speedup_unavailable, "inputs differ");
  EXPECT_EQ(c.models[1].inputs[0].tensor.bytes.size(), 8u * 4u);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].code, "inputs_differ");
  EXPECT_EQ(c.warnings[0].message.rfind("batch 1: b: its inputs (x=float32[1x8]) differ from a's (x=float32[1x4])", 0),
            0u)
      << c.warnings[0].message;
}

TEST(CompareModels, FixedBatchFileIsRewrittenAndAFailingModelIsReported) {
  const Model fixed = ReluModel(4, /*fixed_batch=*/1), broken = BrokenModel();
  ScriptedObserver obs({1.0, 1.0});
  ScriptedClock clock(&obs);
  CompareOptions o = Options(&obs, &clock);
  o.keep_going = true;
  const std::vector<CompareModel> models = {{"fixed", &fixed, Shapes(fixed, 3), ""}, {"broken", &broken, Shapes(broken, 3), ""}};
  const Comparison c = CompareModels(models, o);
  ASSERT_TRUE(c.models[0].ok) << c.models[0].error;
  EXPECT_EQ(c.models[0].batch_rewrite, 3);
  EXPECT_EQ(c.models[0].timing, "alone");  // the only model left is timed alone
  EXPECT_EQ(c.models[0].measurement.latency_ms.size(), 6u);
  EXPECT_FALSE(c.models[1].ok);
  EXPECT_NE(c.models[1].error.find("NoSuchOperator"), std::string::npos) << c.models[1].error;
  EXPECT_EQ(obs.log, "S0[A0w0w0|r0r0r0r0r0r0]");
  // Without keep_going the failure propagates.
  o.keep_going = false;
  EXPECT_THROW(CompareModels(models, o), Error);
  EXPECT_THROW(CompareModels({}, o), Error);
}

TEST(CompareModels, SessionCacheReusesSessionsAndPoolFallsBackWhileSessionsLive) {
  const Model a = ReluModel(4), b = ReluModel(4);
  ScriptedObserver obs({1.0, 1.0});
  ScriptedClock clock(&obs);
  SessionCache cache;
  CompareOptions o = Options(&obs, &clock);
  o.cache = &cache;
  const std::vector<CompareModel> models = {{"a", &a, Shapes(a, 1), "a"}, {"b", &b, Shapes(b, 1), "b"}};
  CompareModels(models, o);
  CompareModels(models, o);
  ASSERT_EQ(obs.sessions.size(), 4u);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(obs.sessions[0], obs.sessions[2]);  // the cached sessions were used again
  EXPECT_EQ(obs.sessions[1], obs.sessions[3]);
  EXPECT_TRUE(cache.Find("a")->config().global_thread_pool);

  // Another pool size while a session outside the cache lives: spinning off instead, said once.
  SessionConfig own;
  own.intra_op_threads = 1;
  auto outside = OrtRunner::Create(a, own);
  o.session.intra_op_threads = 2;
  const Comparison c = CompareModels(models, o);
  EXPECT_EQ(c.policy, InterleavePolicy::kNoSpinning);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].code, "global_pool_unavailable");
  EXPECT_FALSE(cache.Find("a")->config().global_thread_pool);
  EXPECT_FALSE(cache.Find("a")->config().allow_spinning);
  EXPECT_EQ(cache.Find("a")->config().intra_op_threads, 2);
  EXPECT_EQ(GlobalThreadPoolThreads(), 1);  // unchanged

  // With no session left, the pool is resized (the cache is cleared first).
  outside.reset();
  const Comparison d = CompareModels(models, o);
  EXPECT_EQ(d.policy, InterleavePolicy::kGlobalThreadPool);
  EXPECT_EQ(GlobalThreadPoolThreads(), 2);
  EXPECT_TRUE(d.warnings.empty());
}

TEST(CompareModels, PolicyNames) {
  EXPECT_STREQ(InterleavePolicyName(InterleavePolicy::kGlobalThreadPool), "global-pool");
  EXPECT_STREQ(InterleavePolicyName(InterleavePolicy::kNoSpinning), "no-spinning");
  EXPECT_EQ(ParseInterleavePolicy("no-spinning"), InterleavePolicy::kNoSpinning);
  EXPECT_EQ(ParseInterleavePolicy("global-pool"), InterleavePolicy::kGlobalThreadPool);
  try {
    ParseInterleavePolicy("shared");
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("--interleave 'shared'"), std::string::npos);
  }
}

}  // namespace
}  // namespace qbench
