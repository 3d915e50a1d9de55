// Mutation fuzzing of the model loader and InspectModel: seeded byte flips, truncations, insertions,
// deletions and duplications of small models. Every mutant must give a valid result or a
// qbench::Error — no crash, no other exception, no hang (a watchdog aborts a case past its bound).
// scripts/test.sh also runs this binary built with -DQBENCH_SANITIZE=ON (ASan + UBSan).
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/inspect.h"
#include "qbench/model/shapes.h"
#include "test_util.h"

namespace qbench {
namespace {

// QBENCH_FUZZ_MUTANTS overrides the count for a deeper run (e.g. 20000).
const int kMutantsPerModel = std::getenv("QBENCH_FUZZ_MUTANTS") ? std::atoi(std::getenv("QBENCH_FUZZ_MUTANTS")) : 300;
constexpr int kCaseBoundSeconds = 20;  // one mutant; real cases take well under 10 ms

// Aborts the process (a failed test, not a hang) when one case runs past the bound.
class Watchdog {
 public:
  Watchdog() : thread_([this] { Loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Start(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    what_ = what;
    deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(kCaseBoundSeconds);
    armed_ = true;
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (armed_ && std::chrono::steady_clock::now() > deadline_) {
        std::fprintf(stderr, "fuzz case hung for > %d s: %s\n", kCaseBoundSeconds, what_.c_str());
        std::abort();
      }
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false, armed_ = false;
  std::string what_;
  std::chrono::steady_clock::time_point deadline_;
  std::thread thread_;
};

// A small graph touching every MAC formula and the shape handling: Conv (grouped), Reshape with a
// constant shape, Gemm, MatMul, LSTM, Constant and Cast-held weights, a symbolic batch.
std::string BuiltModelBytes() {
  GraphBuilder b("fuzz_seed");
  b.AddInput("x", DType::kFloat32, {"N", 4, 6, 6});
  b.AddOutput("y", DType::kFloat32, {"N", 3});
  b.AddOutput("h", DType::kFloat32, {});
  std::vector<float> w(4 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i);
  b.AddInitializer("conv_w", {4, 2, 3, 3}, w);
  b.AddInitializer("conv_b", {4}, {0.1f, 0.2f, 0.3f, 0.4f});
  b.AddNode("Conv", "conv", {"x", "conv_w", "conv_b"}, {"c"}, {AttrInt("group", 2), AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", "relu", {"c"}, {"r"});
  b.AddNode("GlobalAveragePool", "gap", {"r"}, {"g"});
  b.AddInt64Initializer("flat_shape", {2}, {0, -1});
  b.AddNode("Reshape", "flatten", {"g", "flat_shape"}, {"f"});
  b.AddInitializer("fc_w", {3, 4}, std::vector<float>(12, 0.5f));
  b.AddInitializer("fc_b", {3}, {1, 2, 3});
  b.AddNode("Gemm", "fc", {"f", "fc_w", "fc_b"}, {"y"}, {AttrInt("transB", 1)});
  b.AddInitializer("mm_w", {4, 4}, std::vector<float>(16, 0.25f));
  b.AddNode("Cast", "cast", {"mm_w"}, {"mm_w32"}, {AttrInt("to", 1)});
  b.AddNode("MatMul", "mm", {"f", "mm_w32"}, {"m"});
  b.AddInt64Initializer("axes", {1}, {0});
  b.AddNode("Unsqueeze", "unsq", {"m", "axes"}, {"seq"});
  b.AddInitializer("lstm_w", {1, 8, 4}, std::vector<float>(32, 0.1f));
  b.AddInitializer("lstm_r", {1, 8, 2}, std::vector<float>(16, 0.1f));
  b.AddNode("LSTM", "lstm", {"seq", "lstm_w", "lstm_r"}, {"", "h"}, {AttrInt("hidden_size", 2)});
  return SerializeModel(b.Build());
}

std::string Mutate(const std::string& seed, std::mt19937_64& rng, std::string* how) {
  std::string s = seed;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % std::max<size_t>(n, 1)); };
  const int kind = static_cast<int>(rng() % 5);
  switch (kind) {
    case 0: {  // flip 1..8 random bytes
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < flips; ++i) s[pick(s.size())] ^= static_cast<char>(1 + rng() % 255);
      *how = "flip x" + std::to_string(flips);
      break;
    }
    case 1: {  // truncate
      const size_t at = pick(s.size());
      s.resize(at);
      *how = "truncate at " + std::to_string(at);
      break;
    }
    case 2: {  // insert 1..16 random bytes
      const size_t at = pick(s.size() + 1), n = 1 + rng() % 16;
      std::string ins(n, '\0');
      for (auto& c : ins) c = static_cast<char>(rng());
      s.insert(at, ins);
      *how = "insert " + std::to_string(n) + " at " + std::to_string(at);
      break;
    }
    case 3: {  // delete a chunk
      const size_t at = pick(s.size()), n = 1 + rng() % 32;
      s.erase(at, n);
      *how = "delete " + std::to_string(n) + " at " + std::to_string(at);
      break;
    }
    default: {  // duplicate a chunk (repeats protobuf fields)
      const size_t at = pick(s.size()), n = 1 + rng() % 64;
      s.insert(at, s.substr(at, n));
      *how = "duplicate " + std::to_string(n) + " at " + std::to_string(at);
      break;
    }
  }
  return s;
}

// Mutates the parsed graph instead of its bytes (most byte mutants fail to parse): dims, attributes,
// op types, edges, dtypes and deletions, 1..4 edits per mutant.
std::string MutateGraph(const std::string& seed, std::mt19937_64& rng, std::string* how) {
  Model m = ParseModel(seed, "seed");
  auto* g = m.proto.mutable_graph();
  const std::int64_t kValues[] = {-7, -1, 0, 1, 2, 3, 5, 64, std::int64_t{1} << 40, INT64_MAX};
  const char* kOps[] = {"Conv", "ConvTranspose", "Gemm", "MatMul", "LSTM", "GRU", "Reshape", "Concat", "Relu",
                        "Flatten", "Clip", "QLinearConv", "MatMulInteger", "Transpose", "NoSuchOp", ""};
  auto pick = [&](int n) { return n <= 0 ? 0 : static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  auto value = [&] { return kValues[pick(10)]; };
  const int edits = 1 + pick(4);
  for (int e = 0; e < edits; ++e) {
    const int kind = pick(9);
    *how += std::to_string(kind) + " ";
    switch (kind) {
      case 0: {  // a graph input/output dim
        auto* vis = pick(2) ? g->mutable_input() : g->mutable_output();
        if (vis->empty()) break;
        auto* shape = (*vis)[pick(vis->size())].mutable_type()->mutable_tensor_type()->mutable_shape();
        if (shape->dim_size() == 0) shape->add_dim();
        auto* d = shape->mutable_dim(pick(shape->dim_size()));
        if (pick(3) == 0) d->set_dim_param("sym"); else d->set_dim_value(value());
        break;
      }
      case 1: {  // an initializer dim or dtype
        if (g->initializer_size() == 0) break;
        auto* t = g->mutable_initializer(pick(g->initializer_size()));
        if (pick(2) && t->dims_size() > 0) t->set_dims(pick(t->dims_size()), value());
        else t->set_data_type(pick(17));
        break;
      }
      case 2: {  // a node attribute value
        if (g->node_size() == 0) break;
        auto* n = g->mutable_node(pick(g->node_size()));
        if (n->attribute_size() == 0) break;
        auto* a = n->mutable_attribute(pick(n->attribute_size()));
        if (a->ints_size() > 0) a->set_ints(pick(a->ints_size()), value());
        else a->set_i(value());
        if (pick(4) == 0) a->set_type(static_cast<onnx::AttributeProto::AttributeType>(pick(14)));
        break;
      }
      case 3: {  // an op type
        if (g->node_size() == 0) break;
        g->mutable_node(pick(g->node_size()))->set_op_type(kOps[pick(16)]);
        break;
      }
      case 4: {  // rewire an input to another tensor name
        if (g->node_size() < 2) break;
        auto* n = g->mutable_node(pick(g->node_size()));
        const auto& other = g->node(pick(g->node_size()));
        if (n->input_size() == 0 || other.output_size() == 0) break;
        n->set_input(pick(n->input_size()), other.output(0));
        break;
      }
      case 5: {  // delete a node
        if (g->node_size() == 0) break;
        g->mutable_node()->DeleteSubrange(pick(g->node_size()), 1);
        break;
      }
      case 6: {  // delete an initializer
        if (g->initializer_size() == 0) break;
        g->mutable_initializer()->DeleteSubrange(pick(g->initializer_size()), 1);
        break;
      }
      case 7: {  // drop or add node inputs
        if (g->node_size() == 0) break;
        auto* n = g->mutable_node(pick(g->node_size()));
        if (pick(2) && n->input_size() > 0) n->mutable_input()->RemoveLast();
        else n->add_input(pick(2) ? "" : g->input_size() ? g->input(0).name() : "x");
        break;
      }
      default: {  // the opset version
        if (m.proto.opset_import_size() == 0) break;
        m.proto.mutable_opset_import(0)->set_version(pick(3) ? 1 + pick(20) : value());
        break;
      }
    }
  }
  return SerializeModel(m);
}

struct Tally {
  int parsed = 0, inspected = 0, errors = 0;
  int inference_crashes = 0;  ///< libonnx shape inference died in its child process (contained)
};

// Runs the loader and everything that reads a graph on one mutant; each step on its own so that a
// rejection by one does not hide the others.
void Exercise(const std::string& bytes, Tally* tally) {
  Model m;
  try {
    m = ParseModel(bytes, "mutant");
    tally->parsed++;
  } catch (const Error&) {
    tally->errors++;
    return;
  }
  try {
    ModelSummary s = InspectModel(m, {});
    tally->inspected++;
    for (const auto& w : s.warnings)
      if (w.message.find("crashed with signal") != std::string::npos) tally->inference_crashes++;
  } catch (const Error&) {
    tally->errors++;
  }
  ShapeOverrides batch2;
  batch2.batch = 2;
  try {
    InspectModel(m, batch2);
  } catch (const Error&) {
  }
  try {
    ResolveInputShapes(m, {});
  } catch (const Error&) {
  }
  try {
    WithBatchSize(m, 4);
  } catch (const Error&) {
  }
}

void FuzzSeed(const std::string& name, const std::string& seed_bytes, std::uint64_t seed) {
  Tally clean;
  Exercise(seed_bytes, &clean);  // the unmutated model must inspect cleanly
  ASSERT_EQ(clean.inspected, 1) << name;
  std::mt19937_64 rng(seed);
  Watchdog watchdog;
  for (int stage = 0; stage < 2; ++stage) {
    const char* stage_name = stage == 0 ? "byte" : "graph";
    Tally tally;
    for (int i = 0; i < kMutantsPerModel; ++i) {
      std::string how;
      const std::string mutant = stage == 0 ? Mutate(seed_bytes, rng, &how) : MutateGraph(seed_bytes, rng, &how);
      const std::string what = name + " " + stage_name + " mutant " + std::to_string(i) + " (" + how + ")";
      if (const char* dump = std::getenv("QBENCH_FUZZ_DUMP")) {  // debugging a crash: the last mutant
        std::ofstream(dump, std::ios::binary) << mutant;
        std::fprintf(stderr, "%s\n", what.c_str());
      }
      watchdog.Start(what);
      try {
        Exercise(mutant, &tally);
      } catch (const std::exception& e) {
        ADD_FAILURE() << what << " threw a non-qbench exception: " << e.what();
      }
      watchdog.Stop();
    }
    // Both outcomes must occur: some mutants are rejected, some load and are inspected.
    // (Byte mutants mostly fail to parse: protobuf checks lengths; 2 % still get through.)
    EXPECT_GT(tally.errors, kMutantsPerModel / 20) << name << " " << stage_name;
    EXPECT_GT(tally.inspected, kMutantsPerModel / (stage == 0 ? 50 : 20)) << name << " " << stage_name;
    std::printf("%s, %s mutants: %d, parsed %d, inspected %d (onnx inference crashed, contained: %d), "
                "qbench::Error %d\n", name.c_str(), stage_name, kMutantsPerModel, tally.parsed, tally.inspected,
                tally.inference_crashes, tally.errors);
  }
}

// Found by this fuzzer: libonnx 1.12's Gemm-6 shape inference (opset 6) indexes dims of A and B without
// checking their rank, and a rank-4 A with a scalar B segfaults it. InspectModel runs inference in a
// child process, so the crash costs only the shapes: a warning, MACs unknown, no crash here.
TEST(ModelFuzz, OnnxInferenceCrashIsContained) {
  GraphBuilder b("gemm_opset6", 6);
  b.AddInput("a", DType::kFloat32, {1, 4, 2, 2});
  b.AddOutput("y", DType::kFloat32, {});
  b.AddInitializer("scalar_b", {}, {1.0f});
  b.AddInitializer("c", {1}, {1.0f});
  b.AddNode("Gemm", "gemm", {"a", "scalar_b", "c"}, {"y"});
  ModelSummary s = InspectModel(b.Build(), {});
  ASSERT_FALSE(s.warnings.empty());
  bool contained = false;
  for (const auto& w : s.warnings)
    contained = contained || (w.code == "shape_inference_failed" && w.message.find("crashed with signal") != std::string::npos);
  EXPECT_TRUE(contained) << "libonnx no longer crashes here? warnings: " << s.warnings[0].message;
  EXPECT_FALSE(s.macs_complete);
  EXPECT_EQ(s.nodes.at(0).macs, -1);
  EXPECT_EQ(s.params, 2);
}

TEST(ModelFuzz, BuiltModel) { FuzzSeed("built", BuiltModelBytes(), 20240601); }

TEST(ModelFuzz, CaseModels) {
  for (const char* rel : {"cases/c04_gemm_transb/model.onnx", "cases/c13_clip_min_max_inputs/model.onnx"}) {
    QBENCH_REQUIRE_SHARED(path, rel);
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    FuzzSeed(rel, ss.str(), 7);
  }
}

}  // namespace
}  // namespace qbench
