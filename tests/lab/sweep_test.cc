#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "qbench/core/error.h"
#include "qbench/lab/config.h"
#include "qbench/lab/sweep.h"
#include "test_util.h"

namespace qbench {
namespace {

using V = std::vector<std::int64_t>;

TEST(SweepAxis, Lists) {
  EXPECT_EQ(ParseSweepAxis("batch", "1,2,4,8").values, (V{1, 2, 4, 8}));
  EXPECT_EQ(ParseSweepAxis("batch", "16").values, (V{16}));
  EXPECT_EQ(ParseSweepAxis("batch", " 3 , 1 ").values, (V{3, 1}));  // user order kept
  EXPECT_EQ(ParseSweepAxis("batch", "2,2,1").values, (V{2, 1}));      // duplicates dropped
}

TEST(SweepAxis, Ranges) {
  EXPECT_EQ(ParseSweepAxis("batch", "1-16*2").values, (V{1, 2, 4, 8, 16}));
  EXPECT_EQ(ParseSweepAxis("batch", "1-20*2").values, (V{1, 2, 4, 8, 16}));  // stops at or below the end
  EXPECT_EQ(ParseSweepAxis("batch", "3-30*3").values, (V{3, 9, 27}));
  EXPECT_EQ(ParseSweepAxis("batch", "1-8+1").values, (V{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(ParseSweepAxis("batch", "1-4").values, (V{1, 2, 3, 4}));
  EXPECT_EQ(ParseSweepAxis("batch", "2-11+3").values, (V{2, 5, 8, 11}));
  EXPECT_EQ(ParseSweepAxis("batch", "5-5").values, (V{5}));
  EXPECT_EQ(ParseSweepAxis("batch", "1,4-16*2,32").values, (V{1, 4, 8, 16, 32}));
  EXPECT_EQ(SweepAxisToString(ParseSweepAxis("batch", "1-16*2")), "1,2,4,8,16");
}

void ExpectInvalid(const std::string& text, const std::string& fragment) {
  try {
    ParseSweepAxis("batch", text);
    ADD_FAILURE() << "'" << text << "' was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'" + text + "'"), std::string::npos) << msg;  // quotes the value
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_NE(msg.find("1-16*2"), std::string::npos) << msg;          // names the expected form
  }
}

TEST(SweepAxis, Errors) {
  ExpectInvalid("", "empty item");
  ExpectInvalid("1,,2", "empty item");
  ExpectInvalid("a", "not a positive integer");
  ExpectInvalid("0", "must be >= 1");
  ExpectInvalid("-3", "not a positive integer");
  ExpectInvalid("8-1", "goes down");
  ExpectInvalid("1-16*1", "factor");
  ExpectInvalid("1-16+0", "must be >= 1");
  ExpectInvalid("1-16*x", "not a positive integer");
  ExpectInvalid("1-100000", "more than 4096");
  ExpectInvalid("99999999999", "too large");
  ExpectInvalid("2.5", "not a positive integer");
}

TEST(ExpandSweep, OrdersModelsOutermostAndVariantsInnermost) {
  auto groups = ExpandSweep({"a", "b"}, {"fp32", "static"}, ParseSweepAxis("threads", "1,2"),
                            ParseSweepAxis("input-size", "224"), ParseSweepAxis("batch", "1,8"));
  ASSERT_EQ(groups.size(), 8u);  // 2 models × 2 threads × 1 size × 2 batches
  auto points = FlattenSweep(groups);
  ASSERT_EQ(points.size(), 16u);
  EXPECT_EQ(points[0].Key(), "a|fp32|b1|s224|t1");
  EXPECT_EQ(points[1].Key(), "a|static|b1|s224|t1");
  EXPECT_EQ(points[2].Key(), "a|fp32|b8|s224|t1");
  EXPECT_EQ(points[4].Key(), "a|fp32|b1|s224|t2");  // a new thread count (session) only after all batches
  EXPECT_EQ(points[8].Key(), "b|fp32|b1|s224|t1");  // the second model only after the first is done
  EXPECT_EQ(points[1].GroupKey(), "a|b1|s224|t1");
  EXPECT_EQ(groups[0].GroupKey(), points[0].GroupKey());
}

// F37: warnings name a point in the report's words; a model measured at its own shape (input size
// 0, e.g. token ids) is not "s0". The key in results files keeps its format (--resume reads it).
TEST(SweepPoint, LabelSaysThePointInTheReportsWords) {
  const SweepPoint token{"bert_tiny", "fp32", 1, 0, 2};
  EXPECT_EQ(token.Label(), "fp32 at batch 1, its own shape, 2 threads");
  EXPECT_EQ(token.Key(), "bert_tiny|fp32|b1|s0|t2");
  const SweepPoint image{"resnet18", "static", 8, 224, 1};
  EXPECT_EQ(image.Label(), "static at batch 8, 224 px, 1 thread");
  EXPECT_EQ(image.Label("fp16 file"), "fp16 file at batch 8, 224 px, 1 thread");
  EXPECT_EQ(image.Key(), "resnet18|static|b8|s224|t1");
}

TEST(SweepPoint, FromKeyReadsAKeyBack) {
  const auto p = SweepPoint::FromKey("resnet18|static|b8|s224|t2");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->model, "resnet18");
  EXPECT_EQ(p->variant, "static");
  EXPECT_EQ(p->batch, 8);
  EXPECT_EQ(p->input_size, 224);
  EXPECT_EQ(p->threads, 2);
  const auto own = SweepPoint::FromKey("my|model|fp32|b1|s0|t16");  // a '|' in the model name: the last four fields are read
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->model, "my|model");
  EXPECT_EQ(own->Label(), "fp32 at batch 1, its own shape, 16 threads");
  EXPECT_EQ(own->Key(), "my|model|fp32|b1|s0|t16");
  for (const char* bad : {"", "resnet18", "resnet18|static|b8|s224", "|static|b8|s224|t2", "m||b8|s224|t2", "m|v|b0|s224|t1",
                          "m|v|b1|s224|t0", "m|v|b1|x224|t1", "m|v|b1|s|t1", "m|v|b1|s-1|t1", "m|v|b1|s224|t1x"})
    EXPECT_FALSE(SweepPoint::FromKey(bad).has_value()) << bad;
}

TEST(ExpandSweep, RejectsDuplicatesAndEmptyLists) {
  const auto one = ParseSweepAxis("batch", "1");
  EXPECT_THROW(ExpandSweep({"a", "a"}, {"fp32"}, one, one, one), Error);
  EXPECT_THROW(ExpandSweep({"a"}, {"fp32", "fp32"}, one, one, one), Error);
  EXPECT_THROW(ExpandSweep({}, {"fp32"}, one, one, one), Error);
  EXPECT_THROW(ExpandSweep({"a"}, {}, one, one, one), Error);
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(LabConfigFile, OverridesDefaults) {
  LabConfig c = DefaultLabConfig();
  const std::string file = WriteTemp("lab.toml", R"(
models = ["zoo:resnet18", "m.onnx"]
variants = ["fp32", "static"]
batch = "1-8*2"
input_size = [160, 224]
threads = 1
repetitions = 5
warmup_runs = 1
output = "out"
eval_data = "data/labels.csv"
eval_limit = 20
calibration_size = 8
roofline = false
)");
  ApplyLabConfigFile(file, &c);
  // Relative paths are read from the config file's folder (F36); zoo names stay as written.
  const std::string dir = std::filesystem::path(file).parent_path().lexically_normal().string();
  EXPECT_EQ(c.models, (std::vector<std::string>{"zoo:resnet18", dir + "/m.onnx"}));
  EXPECT_EQ(c.variants, (std::vector<std::string>{"fp32", "static"}));
  EXPECT_EQ(c.batches.values, (V{1, 2, 4, 8}));
  EXPECT_EQ(c.input_sizes.values, (V{160, 224}));
  EXPECT_EQ(c.threads.values, (V{1}));
  EXPECT_EQ(c.repetitions, 5);
  EXPECT_EQ(c.warmup_runs, 1);
  EXPECT_EQ(c.output_dir, dir + "/out");
  EXPECT_EQ(c.eval_data, dir + "/data/labels.csv");
  EXPECT_EQ(c.eval_limit, 20u);
  EXPECT_EQ(c.calibration_size, 8u);
  EXPECT_FALSE(c.roofline);
  EXPECT_NO_THROW(ValidateLabConfig(c));
}

// Issue 13's keys: provider, sysfs_root and compare_file (each "MODEL:LABEL=PATH", a zoo model too).
TEST(LabConfigFile, ProviderSysfsRootAndExternalVariants) {
  LabConfig c = DefaultLabConfig();
  const std::string file = WriteTemp("devices.toml", R"(
models = ["mnv2.onnx", "zoo:resnet18"]
variants = ["fp32", "static"]
provider = "cuda"
sysfs_root = "/tmp/fake-sys"
compare_file = ["mnv2.onnx:zoo-int8=int8/mnv2-12-int8.onnx", "zoo:resnet18:qat=r18-qat.onnx"]
)");
  ApplyLabConfigFile(file, &c);
  EXPECT_EQ(c.provider, "cuda");
  EXPECT_EQ(c.sysfs_root, "/tmp/fake-sys");
  ASSERT_EQ(c.external.size(), 2u);
  EXPECT_EQ(c.external[0].model, "mnv2.onnx");
  EXPECT_EQ(c.external[0].label, "zoo-int8");
  EXPECT_EQ(c.external[0].path, std::filesystem::path(file).parent_path().lexically_normal().string() + "/int8/mnv2-12-int8.onnx");
  EXPECT_EQ(c.external[1].model, "zoo:resnet18");  // split at the last ':' before the '='
  EXPECT_EQ(c.external[1].label, "qat");
  // The variants of each model: the table's, then its external files' labels.
  EXPECT_EQ(LabVariantsFor(c, "mnv2", "mnv2.onnx"), (std::vector<std::string>{"fp32", "static", "zoo-int8"}));
  EXPECT_EQ(LabVariantsFor(c, "resnet18", "zoo:resnet18"), (std::vector<std::string>{"fp32", "static", "qat"}));
  ASSERT_NE(FindExternalVariant(c, "resnet18", "zoo:resnet18", "qat"), nullptr);
  EXPECT_EQ(FindExternalVariant(c, "resnet18", "zoo:resnet18", "zoo-int8"), nullptr);
}

// --threads 0 is ONNX Runtime's default, for the lab the CPUs available (README "Flags", F28).
TEST(LabConfigFile, ThreadsZeroIsTheCpusAvailable) {
  const std::int64_t cpus = DefaultThreadCount();
  EXPECT_EQ(ParseThreadsAxis("--threads", "0").values, (V{cpus}));
  EXPECT_EQ(ParseThreadsAxis("--threads", "1,0").values, (cpus == 1 ? V{1} : V{1, cpus}));
  EXPECT_EQ(ParseThreadsAxis("--threads", "1-4*2").values, (V{1, 2, 4}));
  EXPECT_THROW(ParseThreadsAxis("--threads", "-1"), Error);
  LabConfig c = DefaultLabConfig();
  ApplyLabConfigFile(WriteTemp("threads0.toml", "threads = 0\n"), &c);
  EXPECT_EQ(c.threads.values, (V{cpus}));
}

TEST(LabConfigFile, Defaults) {
  LabConfig c = DefaultLabConfig();
  EXPECT_EQ(c.models.size(), 4u);
  EXPECT_EQ(c.variants, (std::vector<std::string>{"fp32", "dynamic", "static"}));
  EXPECT_EQ(c.batches.values, (V{1, 2, 4, 8, 16}));
  EXPECT_EQ(c.repetitions, 10);
  EXPECT_EQ(c.output_dir, "qbench-lab");
  EXPECT_EQ(c.threads.values.size(), 1u);
  EXPECT_GE(c.threads.values[0], 1);
}

TEST(LabConfigFile, ErrorsNameFileAndKey) {
  LabConfig c = DefaultLabConfig();
  try {
    ApplyLabConfigFile(WriteTemp("bad_key.toml", "batches = [1]\n"), &c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("unknown key 'batches'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("batch,"), std::string::npos) << e.what();  // lists known keys
  }
  try {
    ApplyLabConfigFile(WriteTemp("bad_syntax.toml", "models = [\n"), &c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("not valid TOML (line"), std::string::npos) << e.what();
  }
  try {
    ApplyLabConfigFile(WriteTemp("bad_variant.toml", "variants = [\"fp32\", \"int4\"]\n"), &c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown variant 'int4'"), std::string::npos) << e.what();
  }
  try {
    ApplyLabConfigFile(WriteTemp("bad_type.toml", "repetitions = \"ten\"\n"), &c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key 'repetitions': expected an integer"), std::string::npos) << e.what();
  }
  try {
    ApplyLabConfigFile(WriteTemp("bad_axis.toml", "batch = \"0-4\"\n"), &c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key 'batch'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ApplyLabConfigFile("/nonexistent/lab.toml", &c), Error);
}

TEST(LabConfig, Validation) {
  LabConfig c = DefaultLabConfig();
  c.repetitions = 0;
  EXPECT_THROW(ValidateLabConfig(c), Error);
  c = DefaultLabConfig();
  c.variants = {"fp32", "fp32"};
  EXPECT_THROW(ValidateLabConfig(c), Error);
  c = DefaultLabConfig();
  c.variants = {"int3"};
  EXPECT_THROW(ValidateLabConfig(c), Error);
}

}  // namespace
}  // namespace qbench
