// The lab's preprocessing and verification settings (the flags `eval` and `quantize` have): TOML keys,
// what LabPreprocess makes of them at each input size, their checks, and the resume settings.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <filesystem>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/config.h"
#include "qbench/lab/preflight.h"
#include "test_util.h"

namespace qbench {
namespace {

std::string Toml(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name;
  WriteFileAtomic(path, text);
  return path;
}

std::string Message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(LabPreprocessing, ConfigKeysOverThePresetAtEveryInputSize) {
  LabConfig c = DefaultLabConfig();
  ApplyLabConfigFile(Toml("pre.toml", "crop = 200\nmean = [0.5, 0.25, 0.125]\nstd = \"0.5\"\nlayout = \"NHWC\"\n"
                                      "channel_order = \"BGR\"\nverify = false\n"),
                     &c);
  EXPECT_EQ(c.preprocessing.crop, 200);
  EXPECT_EQ(c.preprocessing.mean, "0.5,0.25,0.125");
  EXPECT_FALSE(c.verify);
  // At 160 px the imagenet preset's shorter side is rescaled (round(160 × 256 / 224) = 183); the
  // given crop stays 200, as given, and the other values replace the preset's.
  const PreprocessOptions p = LabPreprocess(c, 160);
  EXPECT_EQ(p.resize_shorter, 183);
  EXPECT_EQ(p.crop, 200);
  EXPECT_EQ(p.mean, (std::vector<float>{0.5f, 0.25f, 0.125f}));
  EXPECT_EQ(p.std, (std::vector<float>{0.5f}));
  EXPECT_EQ(p.layout, "NHWC");
  EXPECT_EQ(p.channel_order, "BGR");
  const std::string described = DescribeLabPreprocess(c, 160);
  EXPECT_NE(described.find("given: --crop 200, --mean 0.5,0.25,0.125, --std 0.5, --layout NHWC, --channel-order BGR"),
            std::string::npos)
      << described;
  EXPECT_EQ(described.find("ratio kept"), std::string::npos) << described;  // the crop is the user's
  // An exact resize and the fashion-mnist preset's pad replaced.
  LabConfig f = DefaultLabConfig();
  f.preprocess = "fashion-mnist";
  ApplyLabConfigFile(Toml("pre2.toml", "resize = \"30x30\"\npad = 1\nchannels = 1\n"), &f);
  const PreprocessOptions q = LabPreprocess(f, 0);
  EXPECT_EQ(q.resize_width, 30);
  EXPECT_EQ(q.resize_height, 30);
  EXPECT_EQ(q.pad, 1);
  EXPECT_EQ(q.channels, 1);
  // The results say what was given, and that verification was off.
  const nlohmann::json j = MakeLabConfigRecord(c);
  EXPECT_EQ(j["verify"], false);
  EXPECT_EQ(j["preprocessing_given"], "--crop 200, --mean 0.5,0.25,0.125, --std 0.5, --layout NHWC, --channel-order BGR");
}

TEST(LabPreprocessing, MalformedValuesNameTheFileAndTheFlag) {
  LabConfig c = DefaultLabConfig();
  std::string m = Message([&] { ApplyLabConfigFile(Toml("bad_mean.toml", "mean = \"0.5,x\"\n"), &c); });
  EXPECT_NE(m.find("bad_mean.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("--mean '0.5,x': 'x' is not a number"), std::string::npos) << m;
  c = DefaultLabConfig();
  m = Message([&] { ApplyLabConfigFile(Toml("bad_resize.toml", "resize = \"0x10\"\n"), &c); });
  EXPECT_NE(m.find("--resize '0x10'"), std::string::npos) << m;
  c = DefaultLabConfig();
  m = Message([&] { ApplyLabConfigFile(Toml("bad_crop.toml", "crop = -3\n"), &c); });
  EXPECT_NE(m.find("key 'crop': must be >= 0"), std::string::npos) << m;
  // A layout is checked with the preset, when the preprocessing is built.
  c = DefaultLabConfig();
  ApplyLabConfigFile(Toml("bad_layout.toml", "layout = \"CHW\"\n"), &c);
  m = Message([&] { LabPreprocess(c, 224); });
  EXPECT_NE(m.find("CHW"), std::string::npos) << m;
  // --strict without verification contradicts itself.
  c = DefaultLabConfig();
  c.verify = false;
  c.strict = true;
  m = Message([&] { ValidateLabConfig(c); });
  EXPECT_NE(m.find("--strict"), std::string::npos) << m;
  EXPECT_NE(m.find("--no-verify"), std::string::npos) << m;
}

TEST(LabPreprocessing, ResumeRefusesOtherPreprocessingOrVerificationButKeepsOlderStudiesResumable) {
  LabConfig c = DefaultLabConfig();
  const auto plain = LabMeasurementSettings(c);
  const nlohmann::json written = plain;
  EXPECT_FALSE(written.contains("preprocessing"));  // a study made before these settings existed matches
  EXPECT_FALSE(written.contains("no_verify"));
  LabConfig given = c;
  given.preprocessing.crop = 200;
  given.verify = false;
  const auto diff = DiffLabSettings(plain, LabMeasurementSettings(given));
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_NE(diff[0].find("the preprocessing flags"), std::string::npos) << diff[0];
  EXPECT_NE(diff[0].find("--crop 200"), std::string::npos) << diff[0];
  EXPECT_NE(diff[1].find("--no-verify"), std::string::npos) << diff[1];
  EXPECT_TRUE(DiffLabSettings(LabMeasurementSettings(given), LabMeasurementSettings(given)).empty());
}

// --weight-range is a measurement setting: --resume refuses a change (auto is what a study made
// before the flag existed used, so it still resumes), and the plan states the choice.
TEST(LabWeightRange, ResumeRefusesAnotherWeightRangeAndThePlanStatesIt) {
  LabConfig c = DefaultLabConfig();
  const auto plain = LabMeasurementSettings(c);
  EXPECT_FALSE(nlohmann::json(plain).contains("weight_range"));  // auto: not written
  LabConfig full = c;
  full.weight_range = WeightRange::kFull;
  const auto written = LabMeasurementSettings(full);
  EXPECT_EQ(nlohmann::json(written)["weight_range"], "full");
  const auto diff = DiffLabSettings(plain, written);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_NE(diff[0].find("--weight-range"), std::string::npos) << diff[0];
  EXPECT_NE(diff[0].find("auto"), std::string::npos) << diff[0];
  EXPECT_NE(diff[0].find("full"), std::string::npos) << diff[0];
  // Read back from results.jsonl's settings record: the same value, no difference.
  LabSettings back = nlohmann::json(written).get<LabSettings>();
  EXPECT_TRUE(DiffLabSettings(back, written).empty());
  // The plan's line: the choice and why; none without an int8 variant.
  EXPECT_EQ(LabWeightRangeLine(full), "full (s8 weights, 8 bits (--weight-range full))");
  LabConfig u8 = c;
  u8.weight_range = WeightRange::kUnsigned;
  EXPECT_EQ(LabWeightRangeLine(u8), "u8 (u8 weights, zero point 128 (--weight-range u8))");
  const std::string automatic = LabWeightRangeLine(c);
  EXPECT_NE(automatic.find("--weight-range full, reduced or u8 chooses another"), std::string::npos) << automatic;
  LabConfig fp16 = full;
  fp16.variants = {"fp32", "fp16"};
  EXPECT_EQ(LabWeightRangeLine(fp16), "");
  // The config file key.
  const std::string path = testing::TempDir() + "/weight_range.toml";
  WriteFileAtomic(path, "weight_range = \"reduced\"\n");
  LabConfig f = DefaultLabConfig();
  ApplyLabConfigFile(path, &f);
  EXPECT_EQ(f.weight_range, WeightRange::kReduced);
  WriteFileAtomic(path, "weight_range = \"s8\"\n");
  const std::string m = Message([&] { ApplyLabConfigFile(path, &f); });
  EXPECT_NE(m.find("weight_range"), std::string::npos) << m;
  EXPECT_NE(m.find("expected one of: auto, full, reduced, u8"), std::string::npos) << m;
}

}  // namespace
}  // namespace qbench
