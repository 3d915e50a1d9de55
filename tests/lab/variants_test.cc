// The lab's variants, time estimate and traffic model come from the scheme table only.
#include <gtest/gtest.h>

#include <filesystem>

#include "model_job.h"
#include "qbench/core/error.h"
#include "qbench/lab/config.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "qbench/quantization/scheme.h"

namespace qbench {
namespace {

TEST(LabVariants, OneVariantPerSchemeRowPlusItsGranularityAlternatives) {
  std::vector<std::string> names;
  for (const auto& v : LabVariants()) names.push_back(v.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fp32", "dynamic", "dynamic-per-channel", "static", "static-per-tensor", "auto",
                                             "fp16"}));
  // Every row of the table is a variant of its own name, at its default granularity.
  for (const auto& s : QuantizationSchemes()) {
    const LabVariantInfo& v = FindLabVariant(s.name);
    EXPECT_EQ(v.scheme, &s);
    EXPECT_EQ(v.weight_granularity, WeightGranularity::kDefault);
    EXPECT_EQ(v.granularity, s.granularity);
    EXPECT_DOUBLE_EQ(VariantSpeedFactor(s.name), s.speed_vs_fp32);
  }
  const LabVariantInfo& base = FindLabVariant("fp32");
  EXPECT_TRUE(base.IsBaseline());
  EXPECT_DOUBLE_EQ(VariantSpeedFactor("fp32"), 1.0);
  const LabVariantInfo& pt = FindLabVariant("static-per-tensor");
  EXPECT_EQ(pt.scheme, &FindQuantizationScheme("static"));
  EXPECT_EQ(pt.weight_granularity, WeightGranularity::kPerTensor);
  EXPECT_EQ(pt.granularity, Granularity::kPerTensor);
  EXPECT_TRUE(HasCalibratedVariant({"fp32", "static-per-tensor"}));
  EXPECT_DOUBLE_EQ(VariantSpeedFactor("static-per-tensor"), 1.1);
  // dynamic-per-channel: quantize --mode dynamic --per-channel, on ORT's slower s8 ConvInteger path.
  const LabVariantInfo& dpc = FindLabVariant("dynamic-per-channel");
  EXPECT_EQ(dpc.scheme, &FindQuantizationScheme("dynamic"));
  EXPECT_EQ(dpc.weight_granularity, WeightGranularity::kPerChannel);
  EXPECT_EQ(dpc.granularity, Granularity::kPerChannel);
  EXPECT_EQ(dpc.description, "dynamic with one scale per output channel (quantize --mode dynamic --per-channel)");
  EXPECT_DOUBLE_EQ(VariantSpeedFactor("dynamic-per-channel"), 0.2);
  EXPECT_FALSE(HasCalibratedVariant({"fp32", "dynamic-per-channel"}));
  // "auto": quantize --auto's choice among the static configurations (the row with lab_auto_search).
  const LabVariantInfo& au = FindLabVariant("auto");
  EXPECT_TRUE(au.auto_search);
  EXPECT_EQ(au.scheme, &FindQuantizationScheme("static"));
  EXPECT_TRUE(FindQuantizationScheme("static").lab_auto_search);
  EXPECT_FALSE(FindQuantizationScheme("dynamic").lab_auto_search);
  EXPECT_FALSE(pt.auto_search);
  EXPECT_TRUE(HasCalibratedVariant({"fp32", "auto"}));
  EXPECT_FALSE(HasCalibratedVariant({"fp32", "dynamic"}));
  try {
    FindLabVariant("int4");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("expected one of: fp32, dynamic, dynamic-per-channel, static, static-per-tensor, auto, fp16"), std::string::npos) << e.what();
  }
}

// The lab's dynamic-per-channel file: ConvInteger reads s8 weights (zero point 0) with one scale per
// output channel, shaped [C_out, 1, 1]: it multiplies the int32 output [N, C_out, H, W] (as floats),
// which broadcasting aligns from the right, so C_out meets C_out (a [C_out, 1, 1, 1] would meet N).
TEST(LabVariants, DynamicPerChannelStoresS8ConvWeightsPerOutputChannel) {
  const std::string dir = ::testing::TempDir() + "/dynamic_per_channel";
  std::filesystem::create_directories(dir + "/out/models");
  // x [N,3,8,8] → Conv 3→4 (3×3, pad 1): output channel o has weights (i % 7 − 3)·0.01·(o + 1), so
  // its largest |w| is 0.03·(o + 1) and its scale 0.03·(o + 1)/127.
  GraphBuilder g("conv", 13);
  g.AddInput("x", DType::kFloat32, {"N", 3, 8, 8});
  std::vector<float> w(108);
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] = 0.01f * static_cast<float>(static_cast<int>(i % 7) - 3) * static_cast<float>(i / 27 + 1);
  g.AddInitializer("w", {4, 3, 3, 3}, w);
  g.AddNode("Conv", "conv", {"x", "w"}, {"y"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddOutput("y", DType::kFloat32, {"N", 4, 8, 8});
  SaveModel(g.Build(), dir + "/conv.onnx");
  LabConfig c = DefaultLabConfig();
  c.models = {dir + "/conv.onnx"};
  c.variants = {"fp32", "dynamic-per-channel"};
  c.weight_range = WeightRange::kFull;  // s8 on every CPU (auto picks u8 on x86 without VNNI)
  c.calibration_size = 2;
  c.output_dir = dir + "/out";
  OrtLabBackend backend(c, nullptr);
  const auto records = backend.PrepareModel(testing::FirstModelJob(c, dir + "/out/models", 8));
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records[1].ok) << records[1].error;
  EXPECT_EQ(records[1].variant, "dynamic-per-channel");
  const Model m = LoadModel(records[1].file);
  const onnx::NodeProto* conv = nullptr;
  for (const auto& n : m.proto.graph().node())
    if (n.op_type() == "ConvInteger") conv = &n;
  ASSERT_NE(conv, nullptr);
  const onnx::TensorProto* weight = nullptr;
  const onnx::TensorProto* zero_point = nullptr;
  const onnx::TensorProto* scale = nullptr;
  for (const auto& t : m.proto.graph().initializer()) {
    if (t.name() == conv->input(1)) weight = &t;
    if (t.name() == conv->input(3)) zero_point = &t;
    if (t.name() == "w_scale") scale = &t;
  }
  ASSERT_TRUE(weight && zero_point && scale);
  EXPECT_EQ(weight->data_type(), onnx::TensorProto::INT8);
  EXPECT_EQ(std::vector<std::int64_t>(weight->dims().begin(), weight->dims().end()), (std::vector<std::int64_t>{4, 3, 3, 3}));
  EXPECT_EQ(zero_point->data_type(), onnx::TensorProto::INT8);
  EXPECT_EQ(scale->data_type(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(std::vector<std::int64_t>(scale->dims().begin(), scale->dims().end()), (std::vector<std::int64_t>{4, 1, 1}));
  const HostTensor sv = TensorFromProto(*scale);
  for (int o = 0; o < 4; ++o) EXPECT_NEAR(sv.data<float>()[o], 0.03f * static_cast<float>(o + 1) / 127.0f, 1e-7) << o;
}

// --compare-file's MODEL: the --models entry, its display name, or its file name (as the README writes it).
TEST(LabVariants, ExternalVariantsByEntryNameOrFileName) {
  LabConfig c = DefaultLabConfig();
  c.variants = {"fp32", "static"};
  c.external = {ParseCompareFile("mobilenetv2-7-hybrid.onnx:zoo-int8=/m/mobilenetv2-12-int8.onnx"),
                ParseCompareFile("squeezenet1.1:sq=/m/other.onnx"), ParseCompareFile("/m/resnet.onnx:r=/m/r8.onnx")};
  const std::string spec = "/work/shared/models/imagenet/mobilenetv2-7-hybrid.onnx";
  EXPECT_EQ(LabVariantsFor(c, "mobilenetv2-7-hybrid", spec), (std::vector<std::string>{"fp32", "static", "zoo-int8"}));
  EXPECT_EQ(LabVariantsFor(c, "squeezenet1.1", "/x/squeezenet1.1.onnx"), (std::vector<std::string>{"fp32", "static", "sq"}));
  EXPECT_EQ(LabVariantsFor(c, "resnet", "/m/resnet.onnx"), (std::vector<std::string>{"fp32", "static", "r"}));
  EXPECT_EQ(LabVariantsFor(c, "other", "/m/mobilenetv2-7-hybrid.onnx.bak"), (std::vector<std::string>{"fp32", "static"}));
  ASSERT_NE(FindExternalVariant(c, "mobilenetv2-7-hybrid", spec, "zoo-int8"), nullptr);
  EXPECT_EQ(FindExternalVariant(c, "mobilenetv2-7-hybrid", spec, "zoo-int8")->path, "/m/mobilenetv2-12-int8.onnx");
  EXPECT_FALSE(ExternalVariantOf(c.external[0], "mobilenetv2", "/m/hybrid/mobilenetv2-7.onnx"));
}

TEST(SchemeTable, TypedFieldsOfTheInt8Rows) {
  const SchemeInfo& d = FindQuantizationScheme("dynamic");
  EXPECT_EQ(d.weight_precision, Precision::kInt8);
  EXPECT_TRUE(d.ActivationsQuantizedAtRunTime());
  // Traffic of a MAC node: 1-byte weights and inputs, int32 (4-byte) outputs of ConvInteger/MatMulInteger.
  EXPECT_EQ(d.WeightBytes(), 1);
  EXPECT_EQ(d.InputBytes(), 1);
  EXPECT_EQ(d.OutputBytes(), 4);
  EXPECT_EQ(d.op_types, (std::vector<std::string>{"MatMul", "Gemm", "Conv", "LSTM"}));
  const SchemeInfo& s = FindQuantizationScheme("static");
  EXPECT_FALSE(s.ActivationsQuantizedAtRunTime());
  EXPECT_EQ(s.OutputBytes(), 1);
  EXPECT_EQ(s.granularity, Granularity::kPerChannel);
  // The static row's op types are the static planner's: Conv and Concat are in, HardSigmoid and
  // ConvTranspose (no int8 kernel in ORT's CPU provider) are not.
  auto has = [&](const char* op) { return std::find(s.op_types.begin(), s.op_types.end(), op) != s.op_types.end(); };
  EXPECT_TRUE(has("Conv"));
  EXPECT_TRUE(has("Concat"));
  EXPECT_FALSE(has("HardSigmoid"));
  EXPECT_FALSE(has("ConvTranspose"));
  EXPECT_EQ(s.op_types.size(), 17u);
  EXPECT_STREQ(PrecisionName(Precision::kFloat16), "fp16");
  EXPECT_EQ(PrecisionBytes(Precision::kFloat16), 2);
}

}  // namespace
}  // namespace qbench
