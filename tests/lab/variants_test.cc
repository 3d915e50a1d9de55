// The lab's variants, time estimate and traffic model come from the scheme table only.
#include <gtest/gtest.h>

#include "qbench/core/error.h"
#include "qbench/lab/config.h"
#include "qbench/lab/lab.h"
#include "qbench/quantization/scheme.h"

namespace qbench {
namespace {

TEST(LabVariants, OneVariantPerSchemeRowPlusItsGranularityAlternatives) {
  std::vector<std::string> names;
  for (const auto& v : LabVariants()) names.push_back(v.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fp32", "dynamic", "static", "static-per-tensor", "auto", "fp16"}));
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
    EXPECT_NE(std::string(e.what()).find("expected one of: fp32, dynamic, static, static-per-tensor, auto, fp16"), std::string::npos) << e.what();
  }
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
