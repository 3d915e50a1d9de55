// The zoo's structure: parameter counts, MACs, op histograms, the graph against the real torchvision
// exports in ../shared/models/fmnist, the model interface, determinism and errors (issue #3).
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/inspect.h"
#include "test_util.h"
#include "zoo/forward.h"
#include "zoo/zoo_net.h"
#include "zoo_test_util.h"

namespace qbench {
namespace {

using testing::CachedZooModel;
using testing::ZooReferenceTable;

std::int64_t InitializerElements(const Model& m) {
  std::int64_t n = 0;
  for (const auto& t : m.proto.graph().initializer()) {
    std::int64_t e = 1;
    for (auto d : t.dims()) e *= d;
    n += e;
  }
  return n;
}

std::map<std::string, int> OpHistogram(const Model& m) {
  std::map<std::string, int> h;
  for (const auto& n : m.proto.graph().node()) h[n.op_type()]++;
  return h;
}

std::string Metadata(const Model& m, const std::string& key) {
  for (const auto& p : m.proto.metadata_props())
    if (p.key() == key) return p.value();
  return "";
}

TEST(ZooList, SevenModelsInListingOrder) {
  std::vector<std::string> names;
  for (const auto& m : ZooModels()) {
    names.push_back(m.name);
    EXPECT_FALSE(m.description.empty()) << m.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small",
                                             "mobilenet_v3_large", "squeezenet1_0", "squeezenet1_1"}));
}

// The architecture alone gives issue #3's numbers (MACs: the table's 4 significant digits).
TEST(ZooStats, ParametersAndMacsMatchTheTable) {
  for (const auto& ref : ZooReferenceTable()) {
    const ZooModelStats s = ZooArchitectureStats(ref.name);
    EXPECT_EQ(s.torchvision_params, ref.torchvision_params) << ref.name;
    EXPECT_NEAR(static_cast<double>(s.macs), ref.macs_224, 5e-4 * ref.macs_224) << ref.name;
  }
  // Conv MACs scale with the pixels of the input: resnet18 at 448 (every map exactly twice as wide)
  // is 4 × the convolutions at 224 plus the same fc (512 × 1000).
  ZooOptions o;
  o.input_size = 448;
  const std::int64_t fc = 512 * 1000;
  EXPECT_EQ(ZooArchitectureStats("resnet18", o).macs - fc, 4 * (ZooArchitectureStats("resnet18").macs - fc));
}

// With 10 classes the counts equal those the torch.onnx.export files in ../shared/models/fmnist
// report in their README: parameters in PyTorch, and initializer values after BatchNorm folding.
TEST(ZooStats, TenClassCountsMatchTheTorchExports) {
  struct Row {
    const char* name;
    std::int64_t torchvision_params, initializer_elements;
  };
  const Row rows[] = {{"mobilenet_v2", 2236682, 2219626},
                      {"mobilenet_v3_small", 1528106, 1522050},
                      {"resnet18", 11181642, 11176842},
                      {"squeezenet1_1", 727626, 727626}};
  ZooOptions o;
  o.num_classes = 10;
  for (const Row& r : rows) {
    const ZooModelStats s = ZooArchitectureStats(r.name, o);
    EXPECT_EQ(s.torchvision_params, r.torchvision_params) << r.name;
    EXPECT_EQ(s.initializer_elements, r.initializer_elements) << r.name;
    EXPECT_EQ(InitializerElements(CachedZooModel(r.name, 10)), r.initializer_elements) << r.name;
  }
}

// `qbench inspect`'s numbers (InspectModel at 1×3×224×224): MACs within 1 % of the table, the
// stored parameters = every initializer value, and the torchvision count from the metadata (which
// inspect shows next to the stored count).
TEST(ZooModels, InspectReportsTheTableNumbers) {
  for (const auto& ref : ZooReferenceTable()) {
    const Model& m = CachedZooModel(ref.name);
    ShapeOverrides o;
    o.input_shapes["input"] = {1, 3, 224, 224};
    const ModelSummary s = InspectModel(m, o);
    EXPECT_TRUE(s.macs_complete) << ref.name;
    EXPECT_NEAR(static_cast<double>(s.macs), ref.macs_224, 0.01 * ref.macs_224) << ref.name;
    EXPECT_EQ(s.params, InitializerElements(m)) << ref.name;
    EXPECT_EQ(s.params, ZooArchitectureStats(ref.name).initializer_elements) << ref.name;
    EXPECT_EQ(Metadata(m, kTorchvisionParamsKey), std::to_string(ref.torchvision_params)) << ref.name;
    ASSERT_TRUE(s.metadata.count(kTorchvisionParamsKey)) << ref.name;
    EXPECT_EQ(s.metadata.at(kTorchvisionParamsKey), std::to_string(ref.torchvision_params)) << ref.name;
  }
}

// Hand-derived from the architectures (resnet18, mobilenet_v2, mobilenet_v3_small, squeezenet1_1
// also equal the histograms in ../shared/models/fmnist/README.md).
TEST(ZooModels, OpHistograms) {
  using H = std::map<std::string, int>;
  const std::map<std::string, H> expected = {
      {"resnet18", {{"Conv", 20}, {"Relu", 17}, {"Add", 8}, {"MaxPool", 1}, {"GlobalAveragePool", 1},
                    {"Flatten", 1}, {"Gemm", 1}}},
      // 1 stem + 16 blocks × 3 + 4 downsample convs; ReLU after the stem and 3 per block.
      {"resnet50", {{"Conv", 53}, {"Relu", 49}, {"Add", 16}, {"MaxPool", 1}, {"GlobalAveragePool", 1},
                    {"Flatten", 1}, {"Gemm", 1}}},
      {"mobilenet_v2", {{"Conv", 52}, {"Constant", 70}, {"Clip", 35}, {"Add", 10}, {"GlobalAveragePool", 1},
                        {"Flatten", 1}, {"Gemm", 1}}},
      {"mobilenet_v3_small", {{"Conv", 52}, {"HardSigmoid", 28}, {"Mul", 28}, {"Relu", 14},
                              {"GlobalAveragePool", 10}, {"Add", 6}, {"Gemm", 2}, {"Flatten", 1}}},
      // Conv: stem 1, block 1 (no expand) 2, 14 blocks × 3, 8 SE × 2, last 1. HardSigmoid: hardswish
      // in stem, 9 HS blocks × 2, last conv, classifier (21) + 8 SE gates. ReLU: 11 + 8 in SE.
      {"mobilenet_v3_large", {{"Conv", 62}, {"HardSigmoid", 29}, {"Mul", 29}, {"Relu", 19},
                              {"GlobalAveragePool", 9}, {"Add", 10}, {"Gemm", 2}, {"Flatten", 1}}},
      {"squeezenet1_0", {{"Conv", 26}, {"Relu", 26}, {"Concat", 8}, {"MaxPool", 3}, {"GlobalAveragePool", 1},
                         {"Flatten", 1}}},
      {"squeezenet1_1", {{"Conv", 26}, {"Relu", 26}, {"Concat", 8}, {"MaxPool", 3}, {"GlobalAveragePool", 1},
                         {"Flatten", 1}}},
  };
  for (const auto& [name, hist] : expected) EXPECT_EQ(OpHistogram(CachedZooModel(name)), hist) << name;
}

// A canonical text of the graph: per node its op, attributes, and inputs as "node#i" (the producer's
// position), "input", or "w[dims]" for an initializer. Equal texts = the same DAG, node for node.
std::vector<std::string> CanonicalGraph(const Model& m) {
  const auto& g = m.proto.graph();
  std::map<std::string, std::string> source;
  for (const auto& in : g.input()) source[in.name()] = "input";
  for (const auto& t : g.initializer()) {
    std::string d = "w[";
    for (int i = 0; i < t.dims_size(); ++i) d += (i ? "," : "") + std::to_string(t.dims(i));
    source[t.name()] = d + "]";
  }
  std::vector<std::string> out;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    std::string s = n.op_type() + "(";
    for (const auto& in : n.input()) s += (source.count(in) ? source[in] : "?" + in) + " ";
    s += ")";
    for (const auto& a : n.attribute()) {
      s += " " + a.name() + "=";
      if (a.has_i()) s += std::to_string(a.i());
      if (a.has_f()) s += std::to_string(a.f());
      for (auto v : a.ints()) s += std::to_string(v) + ",";
      if (a.has_t()) s += std::to_string(a.t().data_type());
    }
    out.push_back(s);
    for (int k = 0; k < n.output_size(); ++k) source[n.output(k)] = "node#" + std::to_string(i) + "." + std::to_string(k);
  }
  return out;
}

// Built with 10 classes, each architecture is the very graph torch.onnx.export wrote for the trained
// torchvision model: same nodes in the same order, same wiring, attributes and weight shapes.
TEST(ZooModels, GraphEqualsTheTorchExport) {
  for (const char* name : {"resnet18", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1"}) {
    QBENCH_REQUIRE_SHARED(path, std::string("models/fmnist/") + name + ".onnx");
    const std::vector<std::string> ours = CanonicalGraph(CachedZooModel(name, 10));
    const std::vector<std::string> torch = CanonicalGraph(LoadModel(path));
    ASSERT_EQ(ours.size(), torch.size()) << name;
    for (size_t i = 0; i < ours.size(); ++i) ASSERT_EQ(ours[i], torch[i]) << name << " node " << i;
  }
}

TEST(ZooModels, InterfaceOpsetAndOnnxChecker) {
  for (const auto& info : ZooModels()) {
    const Model& m = CachedZooModel(info.name);
    EXPECT_EQ(m.path, "");
    EXPECT_EQ(m.proto.graph().name(), info.name);
    EXPECT_EQ(m.OpsetVersion(), 13);
    ASSERT_EQ(m.Inputs().size(), 1u);
    const TensorInfo in = m.Inputs()[0];
    EXPECT_EQ(in.name, "input");
    EXPECT_EQ(in.dtype, DType::kFloat32);
    EXPECT_EQ(in.shape, (std::vector<std::int64_t>{-1, 3, -1, -1}));
    EXPECT_EQ(in.dim_names, (std::vector<std::string>{"N", "", "H", "W"}));
    ASSERT_EQ(m.Outputs().size(), 1u);
    EXPECT_EQ(m.Outputs()[0].name, "logits");
    EXPECT_EQ(m.Outputs()[0].shape, (std::vector<std::int64_t>{-1, 1000}));
    auto hist = OpHistogram(m);
    EXPECT_EQ(hist.count("BatchNormalization") + hist.count("Dropout") + hist.count("Identity"), 0u) << info.name;
    EXPECT_EQ(Metadata(m, kZooNameKey), info.name);
    EXPECT_EQ(ZooDefaultDims(m), (std::map<std::string, std::int64_t>{{"H", 224}, {"W", 224}}));
    onnx::ModelProto copy = m.proto;
    EXPECT_NO_THROW(onnx::checker::check_model(copy)) << info.name;
    onnx::shape_inference::InferShapes(copy);
    const auto& dims = copy.graph().output(0).type().tensor_type().shape();
    ASSERT_EQ(dims.dim_size(), 2);
    EXPECT_EQ(dims.dim(0).dim_param(), "N");
    EXPECT_EQ(dims.dim(1).dim_value(), 1000);
    for (const auto& t : m.proto.graph().initializer()) {
      const HostTensor w = TensorFromProto(t);
      for (float v : w.ToFloatVector()) ASSERT_TRUE(std::isfinite(v)) << info.name << " " << t.name();
    }
  }
}

// Same seed → byte-identical files; all seven rebuilt (a generous bound on the time: the budget of
// 3 s is measured by bench/zoo_generate_bench, not asserted here).
TEST(ZooModels, SameSeedGivesIdenticalBytes) {
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& info : ZooModels()) {
    const std::string again = SerializeModel(BuildZooModel(info.name));
    EXPECT_TRUE(again == SerializeModel(CachedZooModel(info.name))) << info.name;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 30.0);
}

TEST(ZooModels, OtherSeedGivesOtherWeightsSameGraph) {
  const Model& a = CachedZooModel("squeezenet1_1", 1000, 0);
  const Model& b = CachedZooModel("squeezenet1_1", 1000, 7);
  EXPECT_EQ(CanonicalGraph(a), CanonicalGraph(b));
  EXPECT_EQ(Metadata(b, kZooSeedKey), "7");
  ASSERT_EQ(a.proto.graph().initializer_size(), b.proto.graph().initializer_size());
  for (int i = 0; i < a.proto.graph().initializer_size(); ++i) {
    const auto va = TensorFromProto(a.proto.graph().initializer(i)).ToFloatVector();
    const auto vb = TensorFromProto(b.proto.graph().initializer(i)).ToFloatVector();
    size_t same = 0;
    for (size_t k = 0; k < va.size(); ++k) same += va[k] == vb[k];
    EXPECT_LT(same, va.size() / 100 + 1) << a.proto.graph().initializer(i).name();
  }
}

TEST(ZooErrors, UnknownNameListsTheChoices) {
  // The library calls say "not found"; a "zoo:NAME" model argument is a usage error (exit 2).
  const std::pair<void (*)(), ErrorCode> cases[] = {
      {+[] { BuildZooModel("resnet19"); }, ErrorCode::kNotFound},
      {+[] { ZooArchitectureStats("resnet19"); }, ErrorCode::kNotFound},
      {+[] { LoadModelOrZoo("zoo:resnet19"); }, ErrorCode::kInvalidArgument},
      {+[] { LoadModelOrZoo("zoo:"); }, ErrorCode::kInvalidArgument}};
  for (const auto& [fn, code] : cases) {
    try {
      fn();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find("expected one of: resnet18, resnet50"), std::string::npos) << e.what();
    }
  }
}

TEST(ZooErrors, OptionsOutOfRange) {
  ZooOptions small;
  small.input_size = 16;
  ZooOptions no_classes;
  no_classes.num_classes = 0;
  for (const ZooOptions& o : {small, no_classes}) {
    try {
      ZooArchitectureStats("squeezenet1_1", o);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    }
  }
}

TEST(ZooResolve, SpecsAndDisplayNames) {
  ZooOptions o;
  o.num_classes = 10;
  o.input_size = 96;
  const Model m = LoadModelOrZoo("zoo:squeezenet1_1", o);
  EXPECT_EQ(m.proto.graph().name(), "squeezenet1_1");
  EXPECT_EQ(m.Outputs()[0].shape, (std::vector<std::int64_t>{-1, 10}));
  EXPECT_EQ(ZooDefaultDims(m), (std::map<std::string, std::int64_t>{{"H", 96}, {"W", 96}}));
  const std::string path = testing::TempDir() + "/sq.onnx";
  SaveModel(m, path);
  const Model loaded = LoadModelOrZoo(path);
  EXPECT_EQ(loaded.path, path);
  EXPECT_EQ(ZooDefaultDims(loaded).at("H"), 96);  // metadata survives the file
  EXPECT_TRUE(ZooDefaultDims(LoadModel(path)).size() == 2);
  // WithZooDefaultDims: H and W at the nominal size unless --dim or --shape say otherwise.
  EXPECT_EQ(ResolveInputShapes(m, WithZooDefaultDims(m, {}))[0].shape, (std::vector<std::int64_t>{1, 3, 96, 96}));
  ShapeOverrides dim_h;
  dim_h.dim_values["H"] = 64;
  EXPECT_EQ(ResolveInputShapes(m, WithZooDefaultDims(m, dim_h))[0].shape, (std::vector<std::int64_t>{1, 3, 64, 96}));
  ShapeOverrides shape;
  shape.input_shapes["input"] = {2, 3, 50, 60};
  EXPECT_TRUE(WithZooDefaultDims(m, shape).dim_values.empty());
  Model plain = m;
  plain.proto.clear_metadata_props();
  EXPECT_TRUE(WithZooDefaultDims(plain, {}).dim_values.empty());
  EXPECT_EQ(ModelDisplayName("zoo:resnet18"), "resnet18");
  EXPECT_EQ(ModelDisplayName("/a/b/model.int8.onnx"), "model.int8");
  EXPECT_TRUE(IsZooSpec("zoo:x"));
  EXPECT_FALSE(IsZooSpec("models/zoo:x.onnx"));
}

TEST(ZooInternal, SplitMix64ReferenceVector) {
  // Vigna's reference splitmix64.c seeded with 1234567.
  zoo_internal::Rng rng(1234567);
  EXPECT_EQ(rng.Next(), 6457827717110365317ULL);
  EXPECT_EQ(rng.Next(), 3203168211198807973ULL);
  EXPECT_EQ(rng.Next(), 9817491932198370423ULL);
}

TEST(ZooInternal, NormalHasUnitMoments) {
  zoo_internal::Rng rng(42);
  const int n = 200000;
  double s = 0, ss = 0, tail = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.Normal();
    s += x;
    ss += x * x;
    tail += std::fabs(x) > 1.96;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);     // 4.5 standard errors
  EXPECT_NEAR(ss / n, 1.0, 0.015);   // var of x² is 2: standard error 0.0032
  EXPECT_NEAR(tail / n, 0.05, 0.003);
}

TEST(ZooInternal, MakeDivisibleAndWindowSizes) {
  using zoo_internal::MakeDivisible;
  using zoo_internal::WindowOutputSize;
  EXPECT_EQ(MakeDivisible(16 / 4), 8);    // SE of a 16-channel block
  EXPECT_EQ(MakeDivisible(72 / 4), 24);   // 16 would be < 90 % of 18
  EXPECT_EQ(MakeDivisible(960 / 4), 240);
  EXPECT_EQ(MakeDivisible(120 / 4), 32);
  EXPECT_EQ(WindowOutputSize(224, 7, 2, 3), 112);
  EXPECT_EQ(WindowOutputSize(112, 3, 2, 1), 56);
  EXPECT_EQ(WindowOutputSize(224, 7, 2, 0), 109);           // squeezenet1_0 stem
  EXPECT_EQ(WindowOutputSize(109, 3, 2, 0, true), 54);      // ceil((109-3)/2)+1
  EXPECT_EQ(WindowOutputSize(54, 3, 2, 0, true), 27);       // ceil(25.5)+1
  EXPECT_EQ(WindowOutputSize(54, 3, 2, 0, false), 26);
  EXPECT_EQ(WindowOutputSize(5, 3, 3, 1, true), 2);         // PyTorch drops the window starting in the pad: 3 → 2
}

}  // namespace
}  // namespace qbench
