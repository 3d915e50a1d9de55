// No output flag may name an input or another output: refused (exit 2, one line naming both flags)
// before any work, with every input byte-for-byte unchanged — the project's "never overwrite an
// input" rule for every subcommand, not only quantize's -o.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

std::string Tiny(const std::string& dir) {
  GraphBuilder b("tiny");
  b.AddInput("x", DType::kFloat32, {"N", 4});
  const auto w = b.AddInitializer("w", {4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1});
  b.AddNode("MatMul", "mm", {"x", w}, {"y"});
  b.AddOutput("y", DType::kFloat32, {"N", 3});
  const std::string p = dir + "/tiny.onnx";
  SaveModel(b.Build(), p);
  return p;
}

void ExpectRefused(const std::string& args, const std::string& line) {
  const auto r = testing::RunCommand(testing::CliPath() + " " + args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_EQ(r.err, "qbench: error: " + line + "\n") << args;
}

TEST(InputsNeverOverwritten, OutputFlagsNamingAnInputOrEachOtherAreRefusedBeforeAnyWork) {
  const std::string dir = testing::TempDir() + "/never_overwritten";
  std::filesystem::create_directories(dir);
  const std::string model = Tiny(dir);
  const std::string before = ReadFileBytes(model);
  const std::string data = dir + "/calib.npy";
  { std::ofstream(data) << "not really npy"; }
  { std::ofstream(dir + "/notes.md") << "# notes\n"; }

  ExpectRefused("inspect " + model + " --json " + model,
                "--json '" + model + "' is also the model: choose another path (qbench never overwrites its inputs)");
  ExpectRefused("bench " + model + " --repetitions 3 --json " + dir + "/../never_overwritten/tiny.onnx",
                "--json '" + dir + "/../never_overwritten/tiny.onnx' is also the model '" + model +
                    "': choose another path (qbench never overwrites its inputs)");
  ExpectRefused("bench " + model + " --repetitions 3 --csv " + dir + "/same.out --md " + dir + "/same.out",
                "--md '" + dir + "/same.out' is also the path of --csv: give each output its own path");
  ExpectRefused("quantize " + model + " -o " + dir + "/q.onnx --mode dynamic --json " + dir + "/q.onnx",
                "--json '" + dir + "/q.onnx' is also the path of -o: give each output its own path");
  ExpectRefused("quantize " + model + " -o " + data + " --mode static --calibration-data " + data,
                "-o '" + data + "' is also --calibration-data: choose another path (qbench never overwrites its inputs)");
  ExpectRefused("eval " + model + " --eval-data " + data + " --json " + data,
                "--json '" + data + "' is also --eval-data: choose another path (qbench never overwrites its inputs)");
  // The lab's roofline cache is read and written: a file that is not one (here the model) is refused,
  // in the dry run too.
  for (const std::string dry : {" --dry-run", ""})
    ExpectRefused("lab --models " + model + " --variants fp32 --batch 1 --repetitions 3 --dim N=1 -o " + dir + "/lab" +
                      dry + " --roofline-cache " + model,
                  "--roofline-cache '" + model + "' exists and is not a roofline cache (a JSON object of peaks): writing "
                  "the peaks would replace it; give another path (qbench never overwrites other files)");

  // An output flag naming an existing file of another kind (an unrelated model, a Markdown file for
  // --json) is refused too; a file of the flag's own kind (an earlier --json) is replaced.
  const std::string other = dir + "/other.onnx";
  std::filesystem::copy_file(model, other, std::filesystem::copy_options::overwrite_existing);
  ExpectRefused("bench " + model + " --repetitions 3 --json " + other,
                "--json '" + other + "' exists and is not a JSON file (it holds binary data): writing would replace "
                "it; give another path (qbench never overwrites other files)");
  ExpectRefused("inspect " + model + " --json " + dir + "/notes.md",
                "--json '" + dir + "/notes.md' exists and is not a JSON file: writing would replace it; give another "
                "path (qbench never overwrites other files)");
  ExpectRefused("bench " + model + " --repetitions 3 --csv " + other,
                "--csv '" + other + "' exists and is not a text file (it holds binary data): writing would replace "
                "it; give another path (qbench never overwrites other files)");
  const auto earlier = testing::RunCommand(testing::CliPath() + " inspect " + model + " --json " + dir + "/earlier.json");
  ASSERT_EQ(earlier.exit_code, 0) << earlier.err;
  const auto again = testing::RunCommand(testing::CliPath() + " inspect " + model + " --json " + dir + "/earlier.json");
  EXPECT_EQ(again.exit_code, 0) << "an earlier --json file is replaced: " << again.err;
  EXPECT_EQ(ReadFileBytes(other), before);
  EXPECT_EQ(ReadFileBytes(dir + "/notes.md"), "# notes\n");

  EXPECT_EQ(ReadFileBytes(model), before);
  EXPECT_EQ(ReadFileBytes(data), "not really npy");
  EXPECT_FALSE(std::filesystem::exists(dir + "/q.onnx"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/same.out"));
}

}  // namespace
}  // namespace qbench
