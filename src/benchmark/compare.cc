// CompareModels: sessions, shared inputs, interleaved timing and speedups (compare.h).
#include "qbench/benchmark/compare.h"

#include "qbench/benchmark/environment.h"

#include <memory>
#include <optional>

#include "qbench/core/cancel.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/ort_env.h"
#include "qbench/runtime/session_cache.h"

namespace qbench {
namespace {

// Same names, dtypes and shapes: the models can share one set of generated inputs.
bool SameInputs(const std::vector<TensorInfo>& a, const std::vector<TensorInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].dtype != b[i].dtype || a[i].shape != b[i].shape) return false;
  return true;
}

// Same dtypes and shapes, in order (names may differ): the models do the same work per run, so a
// ratio of their latencies is a speedup. Otherwise (224 vs 32 pixels) the ratio means nothing.
bool ComparableInputs(const std::vector<TensorInfo>& a, const std::vector<TensorInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].dtype != b[i].dtype || a[i].shape != b[i].shape) return false;
  return true;
}

std::string DescribeInputs(const std::vector<TensorInfo>& inputs) {
  std::string s;
  for (const auto& t : inputs)
    s += (s.empty() ? "" : " ") + t.name + "=" + DTypeName(t.dtype) + "[" + ShapeToString(t.shape) + "]";
  return s;
}

// A model ready to time: its session (owned here, or in the cache) and the target bound to its feeds.
struct Prepared {
  std::size_t index = 0;
  std::unique_ptr<OrtRunner> own;
  OrtRunner* runner = nullptr;
  std::unique_ptr<OrtBenchTarget> target;
};

// Maps the loop's target indexes to model indexes for the caller's observer.
class LoopObserver : public TimingObserver {
 public:
  LoopObserver(CompareObserver* user, std::vector<std::size_t> models) : user_(user), models_(std::move(models)) {}
  void OnLoopStart(std::size_t) override { user_->OnTimingStart(models_, models_.size() > 1); }
  void OnTimedStart() override { user_->OnTimedRunsStart(); }
  void BeforeRun(std::size_t t, bool warmup) override { user_->BeforeRun(models_[t], warmup); }
  void AfterRun(std::size_t t, bool warmup, double ms) override { user_->AfterRun(models_[t], warmup, ms); }
  void OnLoopEnd() override { user_->OnTimingEnd(models_); }

 private:
  CompareObserver* user_;
  std::vector<std::size_t> models_;
};

// The session config of an interleaved comparison under `policy`; falls back to kNoSpinning (and
// says so) when the global pool cannot be given the requested size.
SessionConfig InterleavedSession(const CompareOptions& o, Comparison* out) {
  SessionConfig s = o.session;
  out->policy = o.policy;
  if (o.policy == InterleavePolicy::kGlobalThreadPool) {
    if (GlobalThreadPoolThreads() != s.intra_op_threads && o.cache) o.cache->Clear();  // sessions of the old pool
    if (UseGlobalThreadPool(s.intra_op_threads)) {
      s.global_thread_pool = true;
      return s;
    }
    out->policy = InterleavePolicy::kNoSpinning;
    out->warnings.push_back({"global_pool_unavailable",
                             (o.context.empty() ? "" : o.context + ": ") + std::to_string(LiveOrtSessions()) +
                                 " ONNX Runtime session(s) of another thread count exist, so the global thread pool "
                                 "cannot be resized; the models were interleaved with spinning off instead"});
  }
  s.global_thread_pool = false;
  s.allow_spinning = false;
  return s;
}

}  // namespace

void RecordTimingPool(EnvironmentInfo* env, bool interleaved, InterleavePolicy policy, bool alone_spinning) {
  const bool global = interleaved && policy == InterleavePolicy::kGlobalThreadPool;
  env->thread_pool = global ? "global" : "per-session";
  env->allow_spinning = global || (!interleaved && alone_spinning);
}

const char* InterleavePolicyName(InterleavePolicy policy) {
  return policy == InterleavePolicy::kGlobalThreadPool ? "global-pool" : "no-spinning";
}

InterleavePolicy ParseInterleavePolicy(const std::string& name) {
  if (name == "global-pool") return InterleavePolicy::kGlobalThreadPool;
  if (name == "no-spinning") return InterleavePolicy::kNoSpinning;
  throw Error(ErrorCode::kInvalidArgument, "--interleave '" + name + "' is unknown; expected global-pool or no-spinning");
}

Comparison CompareModels(const std::vector<CompareModel>& models, const CompareOptions& o) {
  if (models.empty()) throw Error(ErrorCode::kInvalidArgument, "a comparison needs at least one model");
  ValidateBenchmarkConfig(o.config);
  Comparison out;
  out.models.resize(models.size());
  const SessionConfig session = models.size() > 1 ? InterleavedSession(o, &out) : o.session;
  const std::string prefix = o.context.empty() ? "" : o.context + ": ";
  CompareObserver silent;
  CompareObserver* observer = o.observer ? o.observer : &silent;

  std::vector<Prepared> prepared;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const CompareModel& m = models[i];
    ComparedModel& r = out.models[i];
    r.label = m.label;
    try {
      if (!m.model) throw Error(ErrorCode::kInvalidArgument, "comparison model '" + m.label + "' has no model");
      r.batch_rewrite = BatchRewriteTarget(*m.model, m.shapes);
      std::optional<Model> rewritten;  // a reference otherwise: a copy would hold the weights twice
      if (r.batch_rewrite > 0) rewritten = WithBatchSize(*m.model, r.batch_rewrite);
      const Model& run = rewritten ? *rewritten : *m.model;
      if (!prepared.empty() && SameInputs(models[prepared.front().index].shapes, m.shapes)) {
        r.inputs = out.models[prepared.front().index].inputs;
      } else {
        if (!prepared.empty()) {
          const CompareModel& first = models[prepared.front().index];
          r.own_inputs = true;
          out.warnings.push_back(
              {"inputs_differ", prefix + m.label + ": its inputs (" + DescribeInputs(m.shapes) + ") differ from " +
                                    first.label + "'s (" + DescribeInputs(first.shapes) +
                                    "), so it gets its own random data (same seed)" +
                                    (ComparableInputs(first.shapes, m.shapes)
                                         ? std::string()
                                         : "; no speedup is given: the models do different work. Compare models "
                                           "with the same input shapes (--shape, --dim)")});
        }
        InputOptions io;
        io.seed = o.input_seed;
        r.inputs = GenerateInputs(run, m.shapes, io);
      }
      Prepared p;
      p.index = i;
      if (o.cache) {
        p.runner = &o.cache->Get(m.cache_key, run, session);
      } else {
        p.own = OrtRunner::Create(run, session);
        p.runner = p.own.get();
      }
      p.target = std::make_unique<OrtBenchTarget>(*p.runner, FeedsInOrder(r.inputs, p.runner->inputs()));
      observer->OnSessionReady(i, *p.runner);
      prepared.push_back(std::move(p));
      r.ok = true;
    } catch (const Cancelled&) {
      throw;
    } catch (const Error& e) {
      if (!o.keep_going || (o.usage_errors_propagate && e.code() == ErrorCode::kInvalidArgument)) throw;
      r.ok = false;
      r.error = e.what();
      r.error_code = e.code();
    } catch (const std::exception& e) {
      if (CancelRequested() || !o.keep_going) throw;
      r.ok = false;
      r.error = e.what();
    }
  }
  if (prepared.empty()) return out;

  std::vector<BenchTarget*> targets;
  std::vector<std::size_t> order;
  for (auto& p : prepared) {
    targets.push_back(p.target.get());
    order.push_back(p.index);
  }
  if (prepared.size() == 1) {
    LoopObserver lo(observer, order);
    ComparedModel& r = out.models[order[0]];
    r.measurement = RunBenchmark(*targets[0], o.config, o.clock, &lo);
    r.timing = "alone";
    return out;
  }
  bool interleaved_ok = false;
  try {
    LoopObserver lo(observer, order);
    InterleavedResult ir = RunInterleaved(targets, o.config, o.clock, &lo);
    out.interleaved = true;
    out.rounds = ir.rounds;
    for (std::size_t t = 0; t < order.size(); ++t) {
      ComparedModel& r = out.models[order[t]];
      r.measurement = std::move(ir.measurements[t]);
      r.timing = "interleaved";
      if (t == 0 || order[0] != 0) continue;  // speedups are against models[0], when it was measured
      if (ComparableInputs(models[0].shapes, models[order[t]].shapes)) {
        r.has_speedup = true;
        r.speedup = ir.speedups[t - 1];
      } else {  // 224 px vs 32 px: a latency ratio, not a speedup
        r.speedup_unavailable = "inputs differ";
      }
    }
    interleaved_ok = true;
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    if (CancelRequested() || !o.time_alone_if_interleaving_fails) throw;
    out.warnings.push_back({"interleaved_failed", prefix + "the interleaved run failed (" + std::string(e.what()) +
                                                      "); each model was timed alone"});
  }
  if (interleaved_ok) return out;
  for (std::size_t t = 0; t < order.size(); ++t) {
    ComparedModel& r = out.models[order[t]];
    try {
      LoopObserver lo(observer, {order[t]});
      r.measurement = RunBenchmark(*targets[t], o.config, o.clock, &lo);
      r.timing = "alone";
    } catch (const Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      if (CancelRequested()) throw;
      r.ok = false;
      r.error = e.what();
    }
  }
  return out;
}

}  // namespace qbench
