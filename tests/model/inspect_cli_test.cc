// `qbench inspect` end to end: bad input gives one clear error line and the right exit code; the
// JSON export holds the library's numbers; the input model is never modified.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

namespace qbench {
namespace {

using ::qbench::testing::CliPath;
using ::qbench::testing::RunCommand;
using ::qbench::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Inspect(const std::string& args) { return CliPath() + " inspect " + args; }

// One error line on stderr, starting "qbench: error:" and containing `needle`; nothing on stdout.
void ExpectOneErrorLine(const ::qbench::testing::CommandResult& r, int exit_code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_THAT(r.err, StartsWith("qbench: error: "));
  EXPECT_THAT(r.err, HasSubstr(needle));
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(InspectCli, BadFilesFailWithOneLineAndExit1) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");
  const std::string dir = TempDir();
  ExpectOneErrorLine(RunCommand(Inspect(dir + "/missing.onnx")), 1, "missing.onnx");
  ExpectOneErrorLine(RunCommand(Inspect(dir)), 1, "is a directory");
  std::ofstream(dir + "/notes.txt") << "these are not the weights you are looking for\n";
  ExpectOneErrorLine(RunCommand(Inspect(dir + "/notes.txt")), 1, "notes.txt' is not a valid ONNX model");
  const std::string bytes = Slurp(model);
  std::ofstream(dir + "/half.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  ExpectOneErrorLine(RunCommand(Inspect(dir + "/half.onnx")), 1, "half.onnx' is not a valid ONNX model");
  std::ofstream(dir + "/empty.onnx", std::ios::binary).flush();
  ExpectOneErrorLine(RunCommand(Inspect(dir + "/empty.onnx")), 1, "empty.onnx' is empty");
}

TEST(InspectCli, UsageErrorsExit2) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --shape image=1x3x224x224")), 2,
                     "unknown input 'image' in --shape; the model's inputs are: data float32 [1,3,224,224]");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --batch 0")), 2, "invalid --batch '0'");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --batch -3")), 2, "invalid --batch '-3'");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --batch=-3")), 2, "invalid --batch '-3'");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --frobnicate")), 2, "--frobnicate");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --shape data=1x3x224")), 2, "rank 3");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --shape data=1x3x0x224")), 2, "dimension '0'");
  ExpectOneErrorLine(RunCommand(Inspect("")), 2, "model is required");
  ExpectOneErrorLine(RunCommand(Inspect(model + " --batch ''")), 2, "invalid --batch ''");
  ExpectOneErrorLine(RunCommand(Inspect("zoo:resnet19")), 2, "unknown zoo model 'resnet19'");
}

// The --json folder is checked before the model is even read: a missing model with a bad --json
// path reports the --json path (exit 2), not the model (exit 1).
TEST(InspectCli, JsonPathCheckedBeforeAnyWork) {
  const std::string dir = TempDir();
  ExpectOneErrorLine(RunCommand(Inspect(dir + "/missing.onnx --json /nonexistent_qbench/x.json")), 2,
                     "--json '/nonexistent_qbench/x.json': folder '/nonexistent_qbench' does not exist");
  ExpectOneErrorLine(RunCommand(Inspect(dir + "/missing.onnx --json " + dir)), 2, "is a directory");
}

TEST(InspectCli, FixedBatchReshapeRefusedAtBatch8) {
  QBENCH_REQUIRE_SHARED(dir, "cases/c11_fixed_batch");
  ExpectOneErrorLine(RunCommand(Inspect(dir + "/model.onnx --batch 8")), 1,
                     "node flatten_reshape (Reshape) hard-codes batch 1 in its shape [1,-1]");
  auto ok = RunCommand(Inspect(dir + "/model.onnx --batch 1"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(InspectCli, TableAndJsonAndInputUntouched) {
  QBENCH_REQUIRE_SHARED(shared_model, "models/imagenet/squeezenet1.1.onnx");
  const std::string dir = TempDir();
  const std::string model = dir + "/squeezenet.onnx";  // a private copy, to watch its mtime
  const std::string bytes = Slurp(shared_model);
  std::ofstream(model, std::ios::binary) << bytes;
  ::chmod(model.c_str(), 0644);
  struct stat before {};
  ASSERT_EQ(::stat(model.c_str(), &before), 0);

  const std::string json_path = dir + "/summary.json";
  auto r = RunCommand(Inspect(model + " --batch 2 --per-node --json " + json_path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("data float32 [1,3,224,224]  used: 2x3x224x224"));
  EXPECT_THAT(r.out, HasSubstr("698,303,872"));  // 2 x 349,151,936 (the library test derives it by hand)
  EXPECT_THAT(r.out, HasSubstr("1,235,496"));
  EXPECT_THAT(r.out, HasSubstr("2x1000"));

  const nlohmann::json j = nlohmann::json::parse(Slurp(json_path));
  EXPECT_EQ(j.at("macs").get<std::int64_t>(), 2 * 349151936LL);
  EXPECT_EQ(j.at("params").get<std::int64_t>(), 1235496);
  EXPECT_EQ(j.at("file_size_bytes").get<std::uint64_t>(), bytes.size());
  EXPECT_EQ(j.at("disk_usage_bytes").get<std::uint64_t>(), static_cast<std::uint64_t>(before.st_blocks) * 512);
  EXPECT_EQ(j.at("weight_bytes_by_dtype").at("float32").get<std::int64_t>(), 1235496 * 4);
  EXPECT_EQ(j.at("op_histogram").at("Conv").get<int>(), 26);
  EXPECT_EQ(j.at("inputs")[0].at("shape"), nlohmann::json({1, 3, 224, 224}));
  EXPECT_EQ(j.at("inputs")[0].at("resolved_shape"), nlohmann::json({2, 3, 224, 224}));
  EXPECT_EQ(j.at("nodes").size(), 65u);
  EXPECT_TRUE(j.at("macs_complete").get<bool>());
  EXPECT_TRUE(j.at("warnings").empty());

  struct stat after {};
  ASSERT_EQ(::stat(model.c_str(), &after), 0);
  EXPECT_EQ(Slurp(model), bytes);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_EQ(after.st_ino, before.st_ino);
}

TEST(InspectCli, SymbolicDimsByNameInJson) {
  QBENCH_REQUIRE_SHARED(model, "cases/c16_int64_token_ids/model.onnx");
  const std::string json_path = TempDir() + "/c16.json";
  auto r = RunCommand(Inspect(model + " --json " + json_path));
  ASSERT_EQ(r.exit_code, 0) << r.err;  // seq unknown: a warning, MACs incomplete, not an error
  // Warnings carry the one prefix of src/core/log.cc.
  EXPECT_THAT(r.err, HasSubstr("[qbench] warning: input 'input_ids' dim 1 is symbolic dimension 'seq'"));
  EXPECT_THAT(r.err, Not(HasSubstr("qbench: warning:")));
  EXPECT_THAT(r.err, HasSubstr("--dim seq=VALUE"));
  nlohmann::json j = nlohmann::json::parse(Slurp(json_path));
  EXPECT_EQ(j.at("inputs")[0].at("shape"), nlohmann::json({"batch", "seq"}));
  EXPECT_FALSE(j.at("macs_complete").get<bool>());

  r = RunCommand(Inspect(model + " --dim seq=7 --batch 2 --json " + json_path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(Slurp(json_path));
  EXPECT_EQ(j.at("macs").get<std::int64_t>(), 2 * 7 * 16 * 32 + 2 * 32 * 4);
  EXPECT_EQ(j.at("inputs")[0].at("resolved_shape"), nlohmann::json({2, 7}));
}

// zoo:NAME loads through the zoo; its dynamic H and W default to the nominal 224, so SqueezeNet 1.1
// gives the same 349,151,936 MACs derived by hand in inspect_test.cc (same layers, 224x224, batch 1).
TEST(InspectCli, ZooModelAtNominalSize) {
  auto r = RunCommand(Inspect("zoo:squeezenet1_1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("349,151,936"));
  EXPECT_THAT(r.out, HasSubstr("used: 1x3x224x224"));
  r = RunCommand(Inspect("zoo:squeezenet1_1 --dim H=112 --dim W=112"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("used: 1x3x112x112"));
  // An unknown zoo name is a bad argument value: exit 2, as in `zoo export` and every other command.
  ExpectOneErrorLine(RunCommand(Inspect("zoo:no_such_net")), 2, "no_such_net");
}

}  // namespace
}  // namespace qbench
