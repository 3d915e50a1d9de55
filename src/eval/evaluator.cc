// Evaluate(): decode ahead on producer threads, batch, run the model (and the reference), score.
#include "qbench/eval/evaluator.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "qbench/core/cancel.h"
#include "qbench/core/error.h"

namespace qbench {
namespace {

// One decoded sample, or why it could not be decoded.
struct Item {
  std::size_t index = 0;
  bool ok = false;
  Sample sample;
  ErrorCode code = ErrorCode::kInvalidInput;
  std::string error;
};

// Decodes samples 0..n−1 on `threads` workers, at most `capacity` ahead of the consumer, and hands
// them out in index order (so batches and floating-point sums are deterministic).
class Prefetcher {
 public:
  Prefetcher(const Dataset& dataset, std::size_t n, int threads, std::size_t capacity)
      : dataset_(dataset), n_(n), capacity_(std::max<std::size_t>(1, capacity)), slots_(capacity_) {
    for (int t = 0; t < threads; ++t) workers_.emplace_back([this] { Work(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    for (auto& w : workers_) w.join();
  }
  /// The next item in order; false when all n were handed out.
  bool Next(Item* item) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (consumed_ == n_) return false;
    auto& slot = slots_[consumed_ % capacity_];
    ready_.wait(lock, [&] { return slot.has_value(); });
    *item = std::move(*slot);
    slot.reset();
    ++consumed_;
    lock.unlock();
    space_.notify_all();
    return true;
  }

 private:
  void Work() {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] { return stop_ || next_ >= n_ || next_ < consumed_ + capacity_; });
        if (stop_ || next_ >= n_) return;
        i = next_++;
      }
      Item item;
      item.index = i;
      try {
        item.sample = dataset_.Get(i);
        item.ok = true;
      } catch (const Error& e) {
        item.code = e.code();
        item.error = e.what();
      } catch (const std::exception& e) {
        item.code = ErrorCode::kRuntime;
        item.error = e.what();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        slots_[i % capacity_] = std::move(item);
      }
      ready_.notify_all();
    }
  }

  const Dataset& dataset_;
  const std::size_t n_;
  const std::size_t capacity_;
  std::vector<std::optional<Item>> slots_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::size_t next_ = 0, consumed_ = 0;
  bool stop_ = false;
};

std::string DimsToString(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

// The tensor outputs of `runner`, in order (sequence and map outputs left out).
std::vector<TensorInfo> TensorOutputs(const Runner& runner) {
  std::vector<TensorInfo> out;
  for (const auto& o : runner.outputs())
    if (o.is_tensor) out.push_back(o);
  return out;
}

// Per-sample outputs: values[output] = the sample's slice (everything after dim 0), as float.
using SampleOutputs = std::vector<std::vector<float>>;

// Runs `runner` on `samples` (each without batch dim), in chunks that respect a fixed dim 0.
std::vector<SampleOutputs> RunChunked(Runner& runner, const std::vector<const HostTensor*>& samples,
                                      std::size_t batch, const char* which, bool fed_as_stored) {
  const TensorInfo& in = runner.inputs()[0];
  const std::int64_t fixed = in.shape.empty() ? -1 : in.shape[0];
  const std::size_t chunk = fixed > 0 ? static_cast<std::size_t>(fixed) : std::max<std::size_t>(1, batch);
  std::vector<SampleOutputs> result;
  for (std::size_t start = 0; start < samples.size(); start += chunk) {
    const std::size_t real = std::min(chunk, samples.size() - start);
    const std::size_t run_n = fixed > 0 ? chunk : real;  // a fixed batch is padded
    const HostTensor& first = *samples[start];
    HostTensor feed;
    feed.dtype = first.dtype;
    feed.shape = first.shape;
    feed.shape.insert(feed.shape.begin(), static_cast<std::int64_t>(run_n));
    const std::size_t sample_bytes = first.bytes.size();
    feed.bytes.resize(sample_bytes * run_n);
    for (std::size_t j = 0; j < run_n; ++j) {
      const HostTensor& s = *samples[start + std::min(j, real - 1)];
      if (s.shape != first.shape || s.dtype != first.dtype) {
        if (fed_as_stored)  // the files themselves disagree: a bad input, not a flag
          throw Error(ErrorCode::kInvalidInput, std::string("samples of one batch differ in shape: ") +
                                                    DimsToString(first.shape) + " vs " + DimsToString(s.shape) +
                                                    "; every .npy sample must have the same shape (or use --batch 1)");
        throw Error(ErrorCode::kInvalidArgument, std::string("samples of one batch differ in shape: ") +
                                                     DimsToString(first.shape) + " vs " + DimsToString(s.shape) +
                                                     "; set --resize/--crop so every image has the same size, or --batch 1");
      }
      std::memcpy(feed.bytes.data() + j * sample_bytes, s.bytes.data(), sample_bytes);
    }
    std::vector<HostTensor> outs = runner.Run({feed});
    // Sequence and map outputs (e.g. ZipMap's) are not compared: only the tensor outputs, in order.
    std::vector<HostTensor> tensors;
    for (std::size_t o = 0; o < outs.size(); ++o)
      if (o >= runner.outputs().size() || runner.outputs()[o].is_tensor) tensors.push_back(std::move(outs[o]));
    outs = std::move(tensors);
    const std::vector<TensorInfo> infos = TensorOutputs(runner);
    for (std::size_t j = 0; j < real; ++j) result.emplace_back(outs.size());
    for (std::size_t o = 0; o < outs.size(); ++o) {
      const std::vector<float> values = outs[o].ToFloatVector();
      const bool batched = !outs[o].shape.empty() && outs[o].shape[0] == static_cast<std::int64_t>(run_n);
      if (!batched && run_n != 1) {
        throw Error(ErrorCode::kUnsupported, std::string(which) + " output '" + infos[o].name + "' has shape " +
                                                 DimsToString(outs[o].shape) + " for a batch of " + std::to_string(run_n) +
                                                 "; its dim 0 is not the batch: evaluate with --batch 1");
      }
      const std::size_t per = values.size() / run_n;
      for (std::size_t j = 0; j < real; ++j) {
        auto& dst = result[result.size() - real + j][o];
        dst.assign(values.begin() + j * per, values.begin() + (j + 1) * per);
      }
    }
  }
  return result;
}

}  // namespace

void CheckSampleFitsModel(const std::vector<TensorInfo>& model_inputs, const HostTensor& sample,
                          const std::string& sample_id, const std::string& which, bool fed_as_stored) {
  if (model_inputs.size() != 1) {
    std::string names;
    for (const auto& i : model_inputs) names += (names.empty() ? "" : ", ") + i.name;
    throw Error(ErrorCode::kUnsupported, which + " has " + std::to_string(model_inputs.size()) +
                                             " inputs (" + names + "); evaluation feeds one input per sample");
  }
  const TensorInfo& in = model_inputs[0];
  if (in.dtype != sample.dtype) {
    throw Error(ErrorCode::kUnsupported, std::string(which) + " input '" + in.name + "' is " + DTypeName(in.dtype) +
                                             " but the dataset gives " + DTypeName(sample.dtype) + " samples");
  }
  bool ok = !in.has_shape || in.shape.size() == sample.shape.size() + 1;
  for (std::size_t d = 1; ok && in.has_shape && d < in.shape.size(); ++d) {
    ok = in.shape[d] < 0 || in.shape[d] == sample.shape[d - 1];
  }
  if (!ok && fed_as_stored) {  // an .npy file in the wrong shape: a bad input file (exit 1)
    throw Error(ErrorCode::kInvalidInput,
                "npy sample '" + sample_id + "' has shape " + DimsToString(sample.shape) + " but " + which +
                    " input '" + in.name + "' expects " + DimsToString(in.shape) +
                    " (dim 0 = batch); .npy data is fed as stored, with no preprocessing: save the samples in "
                    "the model's input shape");
  }
  if (!ok) {  // images: the preprocessing flags decide the shape (exit 2)
    throw Error(ErrorCode::kInvalidArgument,
                "dataset sample '" + sample_id + "' has shape " + DimsToString(sample.shape) + " but " + which +
                    " input '" + in.name + "' expects " + DimsToString(in.shape) +
                    " (dim 0 = batch); choose the preprocessing that matches the model (--preset, --resize, --crop, "
                    "--layout NCHW|NHWC)");
  }
}

void CheckDatasetFitsModel(const Dataset& dataset, const std::vector<TensorInfo>& model_inputs,
                           const std::string& which) {
  Sample first;
  try {
    if (dataset.size() == 0) return;
    first = dataset.Get(0);
  } catch (const Error& e) {
    // An unreadable sample is skipped and counted by Evaluate, not fatal here.
    if (e.code() == ErrorCode::kInvalidInput || e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kIo) return;
    throw;
  }
  CheckSampleFitsModel(model_inputs, first.input, first.id, which, dataset.FedAsStored());
}

namespace {

// Output 0 holds class scores: float [N,C] with C >= 2, or [N,C,1,1].
bool LooksLikeClassScores(const std::vector<float>& first_output, const TensorInfo& info) {
  if (first_output.size() < 2) return false;
  if (!info.has_shape) return true;
  if (info.shape.size() == 2) return true;
  if (info.shape.size() == 4) return info.shape[2] == 1 && info.shape[3] == 1;
  return false;
}

}  // namespace

AccuracyResult Evaluate(Runner& model, const Dataset& dataset, const EvalOptions& options, Runner* reference) {
  AccuracyResult r;
  r.dataset = dataset.Describe();
  r.top_k = std::max(1, options.top_k);
  r.has_reference = reference != nullptr;
  const std::size_t n = options.limit > 0 ? std::min(options.limit, dataset.size()) : dataset.size();
  if (dataset.size() == 0) throw Error(ErrorCode::kInvalidInput, "the dataset is empty: " + r.dataset);
  if (model.inputs().empty()) throw Error(ErrorCode::kUnsupported, "the model has no inputs to feed");
  const std::vector<TensorInfo> model_outputs = TensorOutputs(model);
  if (model_outputs.empty())
    throw Error(ErrorCode::kUnsupported, "the model has no tensor outputs to evaluate (only sequences or maps)");
  const std::int64_t fixed = model.inputs()[0].shape.empty() ? -1 : model.inputs()[0].shape[0];
  r.batch_size = fixed > 0 ? static_cast<std::size_t>(fixed) : std::max<std::size_t>(1, options.batch_size);
  if (fixed > 0 && options.batch_size > 1 && static_cast<std::size_t>(fixed) != options.batch_size) {
    r.warnings.push_back({"fixed_batch", "the model fixes batch " + std::to_string(fixed) + "; ran batches of " +
                                             std::to_string(fixed) + " instead of " + std::to_string(options.batch_size) +
                                             " (make the batch dynamic with WithBatchSize / --batch on a model copy)"});
  }
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const int threads = options.decode_threads > 0 ? options.decode_threads : static_cast<int>(std::min(4u, hw));
  const std::size_t capacity = options.prefetch > 0 ? options.prefetch : 4 * r.batch_size + threads;

  FidelityAccumulator* out_fid = nullptr;
  std::vector<FidelityAccumulator> fidelity;
  double kl_sum = 0.0;
  bool checked = false;
  std::size_t label_out_of_range = 0;
  const auto t0 = std::chrono::steady_clock::now();
  Prefetcher prefetcher(dataset, n, threads, capacity);
  std::vector<Item> batch;
  std::size_t done = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    std::vector<const HostTensor*> inputs;
    for (const auto& it : batch) inputs.push_back(&it.sample.input);
    const std::vector<SampleOutputs> outs = RunChunked(model, inputs, r.batch_size, "the model", dataset.FedAsStored());
    std::vector<SampleOutputs> refs;
    if (reference)
      refs = RunChunked(*reference, inputs, r.batch_size, "the reference model", dataset.FedAsStored());
    if (!checked) {
      checked = true;
      r.classification = LooksLikeClassScores(outs[0][0], model_outputs[0]);
      r.num_classes = r.classification ? outs[0][0].size() : 0;
      if (reference) {
        if (refs[0].size() != outs[0].size()) {
          throw Error(ErrorCode::kInvalidArgument, "the reference model has " + std::to_string(refs[0].size()) +
                                                       " outputs, the model " + std::to_string(outs[0].size()));
        }
        fidelity.resize(outs[0].size());
        for (std::size_t o = 0; o < outs[0].size(); ++o) {
          r.outputs.push_back({model_outputs[o].name});
          if (refs[0][o].size() != outs[0][o].size()) {
            throw Error(ErrorCode::kInvalidArgument,
                        "output '" + model_outputs[o].name + "' has " + std::to_string(outs[0][o].size()) +
                            " values per sample but the reference's has " + std::to_string(refs[0][o].size()));
          }
        }
        out_fid = &fidelity[0];
      }
    }
    for (std::size_t j = 0; j < batch.size(); ++j) {
      const std::vector<float>& scores = outs[j][0];
      const int label = batch[j].sample.label;
      if (r.classification && label >= 0) {
        ++r.labelled;
        if (static_cast<std::size_t>(label) >= scores.size()) ++label_out_of_range;
        const auto top = TopK(scores.data(), scores.size(), r.top_k);
        if (!top.empty() && top[0] == label) ++r.top1_correct;
        if (std::find(top.begin(), top.end(), label) != top.end()) ++r.top5_correct;
        if (reference) {
          const auto rtop = TopK(refs[j][0].data(), refs[j][0].size(), r.top_k);
          const bool ref_ok = !rtop.empty() && rtop[0] == label, model_ok = !top.empty() && top[0] == label;
          if (ref_ok) ++r.reference_top1_correct;
          if (ref_ok && model_ok) ++r.both_top1_correct;
          if (model_ok && !ref_ok) ++r.model_only_top1_correct;
          if (ref_ok && !model_ok) ++r.reference_only_top1_correct;
          if (std::find(rtop.begin(), rtop.end(), label) != rtop.end()) ++r.reference_top5_correct;
        }
      }
      if (reference) {
        for (std::size_t o = 0; o < fidelity.size(); ++o) {
          fidelity[o].Add(refs[j][o].data(), outs[j][o].data(), outs[j][o].size());
        }
        if (r.classification) {
          if (ArgMax(scores.data(), scores.size()) == ArgMax(refs[j][0].data(), refs[j][0].size())) ++r.agreement_count;
          kl_sum += KlDivergence(refs[j][0].data(), scores.data(), scores.size());
        }
      }
    }
    r.count += batch.size();
    batch.clear();
  };
  Item item;
  while (prefetcher.Next(&item)) {
    ThrowIfCancelled("evaluating accuracy");
    ++done;
    if (!item.ok) {
      if (item.code != ErrorCode::kInvalidInput && item.code != ErrorCode::kNotFound && item.code != ErrorCode::kIo) {
        throw Error(item.code, item.error);
      }
      ++r.skipped;
      if (r.skipped_samples.size() < options.max_skipped_listed) r.skipped_samples.push_back({std::to_string(item.index), item.error});
      continue;
    }
    if (!checked && batch.empty()) {
      CheckSampleFitsModel(model.inputs(), item.sample.input, item.sample.id, "the model", dataset.FedAsStored());
      if (reference)
        CheckSampleFitsModel(reference->inputs(), item.sample.input, item.sample.id, "the reference model",
                             dataset.FedAsStored());
    }
    batch.push_back(std::move(item));
    if (batch.size() >= r.batch_size) {
      flush();
      if (options.progress) options.progress(done, n);
    }
  }
  const bool partial = !batch.empty();
  flush();
  if (options.progress && partial) options.progress(done, n);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.images_per_s = r.wall_s > 0 ? static_cast<double>(r.count) / r.wall_s : 0.0;
  if (r.count == 0) {
    throw Error(ErrorCode::kInvalidInput, "no sample of '" + r.dataset + "' could be decoded (" + std::to_string(r.skipped) +
                                              " skipped" + (r.skipped_samples.empty() ? "" : ", first: " + r.skipped_samples[0].reason) + ")");
  }
  if (r.skipped > 0) {
    r.warnings.push_back({"skipped_samples", std::to_string(r.skipped) + " of " + std::to_string(n) +
                                                 " samples could not be decoded and were skipped (first: " +
                                                 r.skipped_samples[0].reason + ")"});
  }
  r.labels_out_of_range = label_out_of_range;
  if (label_out_of_range > 0) {
    r.warnings.push_back({"label_out_of_range", std::to_string(label_out_of_range) + " labels are >= the model's " +
                                                    std::to_string(r.num_classes) +
                                                    " classes: the labels do not match this model (check the class map)"});
  }
  if (r.labelled > 0) {
    const double nl = static_cast<double>(r.labelled);
    r.top1 = r.top1_correct / nl;
    r.top5 = r.top5_correct / nl;
    r.top1_ci95 = WilsonInterval(r.top1_correct, r.labelled);
    r.top5_ci95 = WilsonInterval(r.top5_correct, r.labelled);
    if (reference) {
      r.reference_top1 = r.reference_top1_correct / nl;
      r.reference_top5 = r.reference_top5_correct / nl;
      const std::size_t neither = r.labelled - r.both_top1_correct - r.model_only_top1_correct - r.reference_only_top1_correct;
      r.top1_change = PairedProportionDifference(r.both_top1_correct, r.model_only_top1_correct, r.reference_only_top1_correct, neither);
      r.top1_change_mcnemar_p = McNemarExactPValue(r.model_only_top1_correct, r.reference_only_top1_correct);
    }
  }
  if (reference) {
    for (std::size_t o = 0; o < fidelity.size(); ++o) {
      r.outputs[o].sqnr_db = fidelity[o].sqnr_db();
      r.outputs[o].cosine = fidelity[o].mean_cosine();
    }
    if (out_fid) {
      r.sqnr_db = out_fid->sqnr_db();
      r.cosine = out_fid->mean_cosine();
    }
    if (r.classification) {
      r.top1_agreement = static_cast<double>(r.agreement_count) / r.count;
      r.top1_agreement_ci95 = WilsonInterval(r.agreement_count, r.count);
      r.mean_kl = kl_sum / r.count;
    }
  }
  return r;
}

}  // namespace qbench
