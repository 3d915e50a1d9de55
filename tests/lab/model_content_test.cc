// What a model file holds (DescribeModelContent) on tiny graphs built in code, the zoo's int8
// MobileNetV2 and a given QDQ file in the lab; its typed facts (ModelContent::precision,
// fixed_activation_scales) and the scheme table's row it is like (SchemeLikeContent), on hand-made
// op histograms and weight dtypes.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <tuple>
#include <string>

#include "qbench/lab/lab.h"
#include "qbench/lab/model_content.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/inspect.h"
#include "model_job.h"
#include "test_util.h"

namespace qbench {
namespace {

HostTensor Int8Weights(std::vector<std::int64_t> shape) {
  HostTensor t = HostTensor::Zeros(DType::kInt8, std::move(shape));
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<std::int8_t>()[i] = static_cast<std::int8_t>(i % 7 - 3);
  return t;
}

// x [1,3,8,8] → Q → DQ → Conv(DQ(int8 W [4,3,3,3])) → y: the QDQ form `qbench quantize` writes.
Model TinyQdqModel() {
  GraphBuilder g("tiny_qdq", 13);
  g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  g.AddInitializer("x_scale", {}, {0.02f});
  g.AddTensorInitializer("x_zp", HostTensor::Zeros(DType::kUint8, {}));
  g.AddNode("QuantizeLinear", "q", {"x", "x_scale", "x_zp"}, {"xq"});
  g.AddNode("DequantizeLinear", "dq", {"xq", "x_scale", "x_zp"}, {"xd"});
  g.AddTensorInitializer("w_q", Int8Weights({4, 3, 3, 3}));
  g.AddInitializer("w_scale", {}, {0.01f});
  g.AddTensorInitializer("w_zp", HostTensor::Zeros(DType::kInt8, {}));
  g.AddNode("DequantizeLinear", "dq_w", {"w_q", "w_scale", "w_zp"}, {"w"});
  g.AddNode("Conv", "conv", {"xd", "w"}, {"y"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddOutput("y", DType::kFloat32, {1, 4, 8, 8});
  return g.Build();
}

ModelContent ContentOf(const Model& m) { return DescribeModelContent(InspectModel(m)); }

TEST(ModelContent, LabelsAModelByWhatItHolds) {
  const ModelContent qdq = ContentOf(TinyQdqModel());
  EXPECT_EQ(qdq.label, "int8 QDQ");
  EXPECT_TRUE(qdq.quantized);
  EXPECT_EQ(qdq.weight_bits, 8);
  EXPECT_EQ(qdq.weight_precision, "int8");
  // Read back from the file: s8 weights, zero point 0, |values| <= 3 (<= 64: the 7-bit range), and
  // the QuantizeLinear's u8 zero point.
  EXPECT_EQ(qdq.weight_storage, "s8 7-bit (reduced range)");
  EXPECT_EQ(qdq.activation_precision, "u8 (static, in the file)");
  // QOperator: a QuantizeLinear at the input and a DequantizeLinear at the output stay QOperator.
  {
    GraphBuilder g("tiny_qop", 13);
    g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
    g.AddInitializer("s", {}, {0.02f});
    g.AddTensorInitializer("zp", HostTensor::Zeros(DType::kUint8, {}));
    g.AddNode("QuantizeLinear", "q", {"x", "s", "zp"}, {"xq"});
    g.AddTensorInitializer("w_q", Int8Weights({4, 3, 3, 3}));
    g.AddInitializer("w_s", {}, {0.01f});
    g.AddTensorInitializer("w_zp", HostTensor::Zeros(DType::kInt8, {}));
    g.AddNode("QLinearConv", "qconv", {"xq", "s", "zp", "w_q", "w_s", "w_zp", "s", "zp"}, {"yq"}, {AttrInts("pads", {1, 1, 1, 1})});
    g.AddNode("DequantizeLinear", "dq", {"yq", "s", "zp"}, {"y"});
    g.AddOutput("y", DType::kFloat32, {1, 4, 8, 8});
    EXPECT_EQ(ContentOf(g.Build()).label, "int8 QOperator");
  }
  // Dynamic: DynamicQuantizeLinear + ConvInteger.
  {
    GraphBuilder g("tiny_dyn", 13);
    g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
    g.AddNode("DynamicQuantizeLinear", "dql", {"x"}, {"xq", "xs", "xzp"});
    g.AddTensorInitializer("w_q", HostTensor::Zeros(DType::kUint8, {4, 3, 3, 3}));
    g.AddNode("ConvInteger", "ci", {"xq", "w_q", "xzp"}, {"y32"});
    g.AddNode("Cast", "cast", {"y32"}, {"y"}, {AttrInt("to", 1)});
    g.AddOutput("y", DType::kFloat32, {1, 4, 6, 6});
    const ModelContent c = ContentOf(g.Build());
    EXPECT_EQ(c.label, "int8 dynamic");
    EXPECT_EQ(c.activation_precision, "u8 (dynamic)");
    EXPECT_EQ(c.weight_storage, "u8 asymmetric");  // all-zero u8 weights, no zero point given (0)
  }
  // fp16 weights behind a Cast (a common fp16 export) and a plain fp32 Conv.
  {
    GraphBuilder g("tiny_fp16", 13);
    g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
    g.AddTensorInitializer("w16", HostTensor::Zeros(DType::kFloat16, {4, 3, 3, 3}));
    g.AddNode("Cast", "cast", {"w16"}, {"w"}, {AttrInt("to", 1)});
    g.AddNode("Conv", "conv", {"x", "w"}, {"y"});
    g.AddOutput("y", DType::kFloat32, {1, 4, 6, 6});
    const ModelContent c = ContentOf(g.Build());
    EXPECT_EQ(c.label, "fp16");
    EXPECT_EQ(c.weight_bits, 16);
    EXPECT_FALSE(c.quantized);
  }
  {
    GraphBuilder g("tiny_fp32", 13);
    g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
    g.AddInitializer("w", {4, 3, 3, 3}, std::vector<float>(108, 0.5f));
    g.AddNode("Conv", "conv", {"x", "w"}, {"y"});
    g.AddOutput("y", DType::kFloat32, {1, 4, 6, 6});
    EXPECT_EQ(ContentOf(g.Build()).label, "fp32");
  }
}

TEST(ModelContent, TheZoosInt8MobileNetIsQOperator) {
  QBENCH_REQUIRE_SHARED(path, "models/imagenet/mobilenetv2-12-int8.onnx");
  const Model m = LoadModel(path);
  const ModelContent c = ContentOf(m);
  EXPECT_EQ(c.label, "int8 QOperator");
  EXPECT_EQ(c.weight_bits, 8);
  // F22: its QLinearConvs take u8 inputs (x_zero_point uint8) against s8 weights: the Models table
  // says u8 activations, as the u8s8 saturation warning does.
  EXPECT_EQ(c.activation_precision, "u8 (static, in the file)");
  EXPECT_EQ(c.weight_storage.substr(0, 2), "s8") << c.weight_storage;
  // com.microsoft.QLinearAdd & co. are sized as ORT sizes them (qbench/model/macs.h): the MACs are complete
  // and those of its fp32 twin (models/imagenet/README.md: 300.8 M).
  const ModelSummary s = InspectModel(m);
  EXPECT_TRUE(s.macs_complete);
  EXPECT_EQ(s.macs, 300774272);
}

// The lab labels a given int8 file by its content: the baseline record says int8 QDQ / 8 bits.
TEST(ModelContent, TheLabRecordsAGivenQdqModelAsSuch) {
  const std::string dir = testing::TempDir() + "/content";
  std::filesystem::create_directories(dir + "/models");
  SaveModel(TinyQdqModel(), dir + "/tiny_qdq.onnx");
  LabConfig c = DefaultLabConfig();
  c.models = {dir + "/tiny_qdq.onnx"};
  c.variants = {"fp32", "dynamic"};
  c.output_dir = dir;
  c.threads = ParseSweepAxis("threads", "1");
  OrtLabBackend backend(c, nullptr);
  const ModelJob job = testing::FirstModelJob(c, dir + "/models", 0);
  const auto recs = backend.PrepareModel(job);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_TRUE(recs[0].ok) << recs[0].error;
  EXPECT_EQ(recs[0].content, "int8 QDQ");
  EXPECT_EQ(recs[0].weight_precision, "int8");
  EXPECT_EQ(recs[0].original_bits, 8);
  EXPECT_EQ(recs[0].weight_storage, "s8 7-bit (reduced range)");
  EXPECT_EQ(recs[0].activation_precision, "u8 (static, in the file)");
  EXPECT_FALSE(recs[1].ok);  // an already quantized file is not quantized again
  backend.ReleaseModel(job.model.name);
}

// x [1,3,8,8] → Conv(W [4,3,3,3]) → Relu → y: fp32, for the lab's static variant.
Model TinyFp32Conv() {
  GraphBuilder g("tiny_conv", 13);
  g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  std::vector<float> w(108);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * static_cast<float>(static_cast<int>(i % 11) - 5);
  g.AddInitializer("W", {4, 3, 3, 3}, w);
  g.AddNode("Conv", "conv", {"x", "W"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddNode("Relu", "relu", {"c"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {1, 4, 8, 8});
  return g.Build();
}

// The dtype of the constant weight that a DequantizeLinear feeding the Conv reads, in `file`.
std::string WeightDtypeIn(const std::string& file) {
  const Model m = LoadModel(file);
  std::set<std::string> consts;
  for (const auto& t : m.proto.graph().initializer()) consts.insert(t.name());
  for (const auto& n : m.proto.graph().node())
    if (n.op_type() == "DequantizeLinear" && consts.count(n.input(0)))
      for (const auto& t : m.proto.graph().initializer())
        if (t.name() == n.input(0) && t.data_type() != onnx::TensorProto::INT32) return DTypeName(static_cast<DType>(t.data_type()));
  return "none";
}

// LabConfig::weight_range (lab --weight-range) reaches the quantizer: the static file holds u8
// weights with zero point 128 for u8, s8 for full, s8 within [-64, 64] for reduced, and the record
// says what the file holds.
TEST(ModelContent, TheLabsWeightRangeReachesTheStaticFile) {
  const std::string dir = testing::TempDir() + "/weight_range";
  std::filesystem::create_directories(dir);
  SaveModel(TinyFp32Conv(), dir + "/tiny_conv.onnx");
  const std::vector<std::tuple<WeightRange, std::string, std::string>> cases = {
      {WeightRange::kUnsigned, "uint8", "u8 (zero point 128)"},
      {WeightRange::kFull, "int8", "s8 symmetric"},
      {WeightRange::kReduced, "int8", "s8 7-bit (reduced range)"}};
  for (const auto& [range, dtype, label] : cases) {
    const std::string out = dir + "/" + WeightRangeName(range);
    std::filesystem::create_directories(out + "/models");
    LabConfig c = DefaultLabConfig();
    c.models = {dir + "/tiny_conv.onnx"};
    c.variants = {"fp32", "static"};
    c.output_dir = out;
    c.calibration_size = 4;
    c.threads = ParseSweepAxis("threads", "1");
    c.weight_range = range;
    OrtLabBackend backend(c, nullptr);
    const ModelJob job = testing::FirstModelJob(c, out + "/models", 0);
    const auto recs = backend.PrepareModel(job);
    ASSERT_EQ(recs.size(), 2u);
    ASSERT_TRUE(recs[1].ok) << recs[1].error;
    EXPECT_EQ(WeightDtypeIn(recs[1].file), dtype) << WeightRangeName(range);
    EXPECT_EQ(recs[1].weight_storage, label) << WeightRangeName(range);
    EXPECT_EQ(recs[1].coverage_report.weight_range, WeightRangeName(range));
    EXPECT_EQ(recs[1].coverage_report.weights.rfind(label, 0), 0u) << recs[1].coverage_report.weights;
    backend.ReleaseModel(job.model.name);
  }
}


ModelSummary Summary(std::map<std::string, std::int64_t> ops, std::map<std::string, std::int64_t> weights) {
  ModelSummary s;
  s.op_histogram = std::move(ops);
  s.weight_bytes_by_dtype = std::move(weights);
  return s;
}

// The row's name, "" for none.
std::string LikeName(const ModelSummary& s) {
  const SchemeInfo* scheme = SchemeLikeContent(DescribeModelContent(s));
  return scheme ? scheme->name : "";
}

TEST(ModelContentScheme, Int8FormsMapToTheStaticOrDynamicRow) {
  const std::map<std::string, std::int64_t> int8_weights{{"int8", 4096}, {"float32", 64}};
  const ModelSummary qdq = Summary({{"DequantizeLinear", 3}, {"QuantizeLinear", 2}, {"Conv", 1}}, int8_weights);
  const ModelContent c = DescribeModelContent(qdq);
  EXPECT_EQ(c.label, "int8 QDQ");
  ASSERT_TRUE(c.precision.has_value());
  EXPECT_EQ(*c.precision, Precision::kInt8);
  EXPECT_TRUE(c.fixed_activation_scales);
  EXPECT_EQ(LikeName(qdq), "static");
  EXPECT_EQ(LikeName(Summary({{"QuantizeLinear", 1}, {"com.microsoft.QLinearConv", 2}, {"DequantizeLinear", 1}},
                             int8_weights)),
            "static");
  const ModelSummary dyn = Summary({{"DynamicQuantizeLinear", 1}, {"ConvInteger", 1}, {"Cast", 1}}, int8_weights);
  EXPECT_EQ(DescribeModelContent(dyn).label, "int8 dynamic");
  EXPECT_FALSE(DescribeModelContent(dyn).fixed_activation_scales);
  EXPECT_EQ(LikeName(dyn), "dynamic");
  // Both forms: some activations have fixed scales, so the static row (as the lab always did).
  const ModelSummary both = Summary({{"QLinearConv", 1}, {"MatMulInteger", 1}, {"DynamicQuantizeLinear", 1}}, int8_weights);
  EXPECT_EQ(DescribeModelContent(both).label, "int8 QOperator + dynamic");
  EXPECT_EQ(LikeName(both), "static");
}

TEST(ModelContentScheme, FloatFilesMapToTheFp16RowOrNone) {
  const ModelSummary fp16 = Summary({{"Conv", 2}, {"Cast", 2}}, {{"float16", 2048}, {"float32", 16}});
  EXPECT_EQ(DescribeModelContent(fp16).label, "fp16");
  EXPECT_EQ(LikeName(fp16), "fp16");
  const SchemeInfo* row = SchemeLikeContent(DescribeModelContent(fp16));
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->WeightBytes(), 2);  // the traffic model the lab's operator profile then uses
  EXPECT_EQ(LikeName(Summary({{"Conv", 2}}, {{"float32", 4096}})), "");        // fp32: the baseline, no scheme
  const ModelSummary bf16 = Summary({{"Conv", 2}}, {{"bfloat16", 4096}});
  EXPECT_EQ(DescribeModelContent(bf16).label, "bf16");
  EXPECT_FALSE(DescribeModelContent(bf16).precision.has_value());
  EXPECT_EQ(LikeName(bf16), "");
  EXPECT_EQ(LikeName(Summary({{"Conv", 2}}, {{"float64", 4096}})), "");
}

}  // namespace
}  // namespace qbench
