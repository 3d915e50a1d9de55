// What a new user slips into, and the one line each slip gets (exit 2 before any work, or exit 1 for
// a file qbench will not convert): a flag of another subcommand's spelling (G11), a positional where a
// flag was meant (G16), --threads 0 in the lab (F28), a 0-sized input dim in bench (F33), an output
// folder where nothing can be created (F24), relative paths of a lab --config (F36), flags a --mode
// does not read (F12), and a float16 file given to --mode fp16 (G15).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "cli_test_util.h"
#include "test_util.h"

namespace qbench {
namespace {

using ::qbench::testing::CliPath;
using ::qbench::testing::CommandResult;
using ::qbench::testing::RunCommand;
using ::testing::HasSubstr;

// y[N,3] = relu(x[N,4] · W): 12 MACs per sample, dynamic batch "N".
std::string Tiny(const std::string& dir) {
  GraphBuilder b("tiny");
  b.AddInput("x", DType::kFloat32, {"N", 4});
  const auto w = b.AddInitializer("w", {4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1});
  b.AddNode("MatMul", "mm", {"x", w}, {"m"});
  b.AddNode("Relu", "relu", {"m"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {"N", 3});
  const std::string p = dir + "/tiny.onnx";
  SaveModel(b.Build(), p);
  return p;
}

using ::qbench::testing::ExpectUsageLine;

// G11: quantize and lab name the auto-search settings differently; the error says the other spelling,
// found from the two option tables.
TEST(CliSlips, AnotherSubcommandsSpellingIsNamed) {
  const std::string q = CliPath(), m = Tiny(testing::TempDir());
  ExpectUsageLine(RunCommand(q + " lab --models " + m + " --max-drop 1 --dry-run"),
                  "unknown option '--max-drop' for `qbench lab`; did you mean '--auto-max-drop'? (quantize's --max-drop "
                  "is lab's --auto-max-drop) (see `qbench lab --help`)");
  ExpectUsageLine(RunCommand(q + " lab --models " + m + " --time-budget 5 --dry-run"),
                  "unknown option '--time-budget' for `qbench lab`; did you mean '--auto-time-budget'? (quantize's "
                  "--time-budget is lab's --auto-time-budget) (see `qbench lab --help`)");
  ExpectUsageLine(RunCommand(q + " quantize " + m + " -o /tmp/x.onnx --auto-max-drop 1"),
                  "unknown option '--auto-max-drop' for `qbench quantize`; did you mean '--max-drop'? (lab's "
                  "--auto-max-drop is quantize's --max-drop) (see `qbench quantize --help`)");
  // A flag only another subcommand has, with no counterpart here: named as that subcommand's.
  ExpectUsageLine(RunCommand(q + " lab --models " + m + " --labels l.csv --dry-run"),
                  "unknown option '--labels' for `qbench lab`; '--labels' is an option of `qbench eval` and `qbench "
                  "sensitivity`, not of `qbench lab` (see `qbench lab --help`)");
  // Every subcommand that has it is named, not only the first (R20).
  ExpectUsageLine(RunCommand(q + " lab --models " + m + " --json - --dry-run"),
                  "unknown option '--json' for `qbench lab`; '--json' is an option of `qbench inspect`, `qbench bench`, "
                  "`qbench quantize`, `qbench eval` and `qbench sensitivity`, not of `qbench lab` (see `qbench lab "
                  "--help`)");
  // A plain typo still gets the nearest flag of this subcommand.
  ExpectUsageLine(RunCommand(q + " lab --models " + m + " --auto-max-drp 1 --dry-run"),
                  "unknown option '--auto-max-drp' for `qbench lab`; did you mean '--auto-max-drop'? (see `qbench lab "
                  "--help`)");
}

// G16: a positional where the subcommand wants a flag; the second positional is never swallowed.
TEST(CliSlips, APositionalWhereAFlagWasMeantIsNamed) {
  const std::string q = CliPath(), dir = testing::TempDir(), m = Tiny(dir);
  ExpectUsageLine(RunCommand(q + " lab " + m + " --dry-run"),
                  "unexpected argument '" + m + "' for `qbench lab`: give models with --models (e.g. --models "
                  "a.onnx,b.onnx) (see `qbench lab --help`)");
  ExpectUsageLine(RunCommand(q + " quantize " + m + " " + dir + "/out.onnx"),
                  "unexpected argument '" + dir + "/out.onnx' for `qbench quantize`: give the output with -o (e.g. -o "
                  "OUT.onnx) (see `qbench quantize --help`)");
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.onnx"));
  ExpectUsageLine(RunCommand(q + " eval " + m + " " + dir + "/data.u8"),
                  "unexpected argument '" + dir + "/data.u8' for `qbench eval`: give the data with --eval-data (see "
                  "`qbench eval --help`)");
  ExpectUsageLine(RunCommand(q + " sensitivity " + m + " " + dir + "/data.u8"),
                  "unexpected argument '" + dir + "/data.u8' for `qbench sensitivity`: give the data with --eval-data (see "
                  "`qbench sensitivity --help`)");
  // Still the plain "required" line when nothing is left over.
  const auto r = RunCommand(q + " quantize " + m);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--output is required"));
}

// F28: --threads 0 in the lab is ONNX Runtime's default as the README says (the CPUs available); more
// threads than logical cores are warned about.
TEST(CliSlips, LabThreadsZeroIsTheCpusAvailableAndOversubscriptionIsWarned) {
  const std::string q = CliPath(), dir = testing::TempDir(), m = Tiny(dir);
  auto r = RunCommand(q + " lab --models " + m + " --variants fp32 --batch 1 --threads 0 --no-roofline --dry-run -o " +
                      dir + "/lab0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_THAT(r.out, HasSubstr("threads [" + std::to_string(CPU_COUNT(&set)) + "]")) << r.out;
  const unsigned cores = std::thread::hardware_concurrency();
  r = RunCommand(q + " lab --models " + m + " --variants fp32 --batch 1 --threads " + std::to_string(cores + 1) +
                 " --no-roofline --dry-run -o " + dir + "/lab1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--threads " + std::to_string(cores + 1) + " exceeds the " + std::to_string(cores) +
                               " logical core(s) of this machine"));
  EXPECT_THAT(r.err, HasSubstr("[threads_oversubscribed]"));
  r = RunCommand(q + " lab --models " + m + " --variants fp32 --batch 1 --threads 1 --no-roofline --dry-run -o " + dir +
                 "/lab2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("threads_oversubscribed"), std::string::npos) << r.err;
}

// F33: an input with a 0-sized dim is named, not blamed on a --batch nobody gave.
TEST(CliSlips, BenchNamesAZeroSizedInputDim) {
  const std::string dir = testing::TempDir();
  GraphBuilder b("empty_rows");
  b.AddInput("x", DType::kFloat32, {std::int64_t{0}, 5});
  b.AddNode("Relu", "relu", {"x"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {std::int64_t{0}, 5});
  const std::string m = dir + "/empty.onnx";
  SaveModel(b.Build(), m);
  ExpectUsageLine(RunCommand(CliPath() + " bench " + m),
                  m + ": input 'x' has a 0-sized dim 0 (shape 0x5): a run would compute nothing; give it a size with "
                      "--shape x=D0xD1...");
}

// F24: an output folder where no file can be created is refused before any work (exit 2, naming the
// flag). /proc refuses new files even to root; a read-only folder does for other users.
TEST(CliSlips, AnOutputThatCannotBeCreatedIsRefusedUpFront) {
  const std::string q = CliPath(), dir = testing::TempDir(), m = Tiny(dir);
  std::string ro = "/proc";
  if (::geteuid() != 0) {
    ro = dir + "/ro";
    ::mkdir(ro.c_str(), 0555);
  }
  auto r = RunCommand(q + " bench " + m + " --repetitions 3 --json " + ro + "/x.json");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("qbench: error: --json '" + ro + "/x.json': "));
  EXPECT_EQ(r.err.find("[qbench] bench:"), std::string::npos) << "refused before timing: " << r.err;
  r = RunCommand(q + " quantize " + m + " -o " + ro + "/x.onnx --mode dynamic");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("qbench: error: -o '" + ro + "/x.onnx': "));
  EXPECT_EQ(r.err.find("verifying"), std::string::npos) << r.err;
  r = RunCommand(q + " lab --models " + m + " --variants fp32 --batch 1 --no-roofline --dry-run -o " + ro + "/nope");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("qbench: error: --output '" + ro + "/nope': cannot create files in folder '" + ro + "'"));
}

// F36: relative paths in a lab --config are read from the config file's folder, whatever the cwd.
TEST(CliSlips, LabConfigPathsAreRelativeToTheConfigFile) {
  const std::string dir = testing::TempDir(), cfg = dir + "/cfg";
  std::filesystem::create_directories(cfg);
  Tiny(cfg);  // cfg/tiny.onnx
  std::ofstream(cfg + "/lab.toml") << "models = [\"tiny.onnx\"]\nvariants = [\"fp32\"]\nbatch = [1]\noutput = \"out\"\n";
  const auto r = RunCommand("cd " + dir + " && " + CliPath() + " lab --config cfg/lab.toml --no-roofline --dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tiny")) << r.out;
  // The output folder is read from the file's folder too: a real run would write cfg/out.
  EXPECT_THAT(r.out + r.err, HasSubstr("cfg/out")) << r.out << r.err;
}

// F12: a flag the chosen --mode does not read is refused, from the one table of mode-only flags.
TEST(CliSlips, FlagsTheModeDoesNotReadAreRefused) {
  const std::string q = CliPath(), dir = testing::TempDir(), m = Tiny(dir);
  const std::string o = " -o " + dir + "/x.onnx";
  ExpectUsageLine(RunCommand(q + " quantize " + m + o + " --mode fp16 --weight-range full"),
                  "--weight-range applies to --mode dynamic, static, not --mode fp16; drop it");
  ExpectUsageLine(RunCommand(q + " quantize " + m + o + " --mode dynamic --hardsigmoid qdq"),
                  "--hardsigmoid applies to --mode static, not --mode dynamic; drop it");
  ExpectUsageLine(RunCommand(q + " quantize " + m + o + " --mode fp16 --quantize-outputs"),
                  "--quantize-outputs applies to --mode static, not --mode fp16; drop it");
  ExpectUsageLine(RunCommand(q + " quantize " + m + o + " --mode dynamic --time-budget 5"),
                  "--time-budget is used only with --auto; add --auto or drop it");
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.onnx"));
  // Where the flag applies it is taken.
  const auto ok = RunCommand(q + " quantize " + m + o + " --mode dynamic --weight-range full");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// G15: a float16 file is not converted to float16 again (as an int8 file is not quantized again).
TEST(CliSlips, AFloat16FileIsNotConvertedAgain) {
  const std::string q = CliPath(), dir = testing::TempDir(), m = Tiny(dir);
  auto r = RunCommand(q + " quantize " + m + " -o " + dir + "/h.onnx --mode fp16");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunCommand(q + " quantize " + dir + "/h.onnx -o " + dir + "/hh.onnx --mode fp16");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // The fp16 file holds the MatMul weight as float16 and no float32 constant.
  EXPECT_EQ(r.err, "qbench: error: model '" + dir + "/h.onnx' is already float16 (1 of 1 float constants are float16): "
                   "--mode fp16 has nothing to convert; convert the fp32 original instead, or bench/eval this file as "
                   "it is\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/hh.onnx"));
}

}  // namespace
}  // namespace qbench
