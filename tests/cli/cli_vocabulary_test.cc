// The CLI's one vocabulary (README "Flags"): shared flag names, deprecated spellings that still work
// with one warning, "did you mean" for typos, `--json -` on stdout, the exit-code rule, and the
// README's command table listing every subcommand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "qbench/calibration/calibrator.h"
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

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// y[N,3] = x[N,4] · W: 12 MACs per sample, dynamic batch "N".
std::string TinyModel() {
  static const std::string path = [] {
    GraphBuilder b("tiny");
    b.AddInput("x", DType::kFloat32, {"N", 4});
    const auto w = b.AddInitializer("w", {4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1});
    b.AddNode("MatMul", "mm", {"x", w}, {"y"});
    b.AddOutput("y", DType::kFloat32, {"N", 3});
    const std::string p = testing::TempDir() + "/tiny.onnx";
    SaveModel(b.Build(), p);
    return p;
  }();
  return path;
}

using ::qbench::testing::ExpectUsageLine;

TEST(CliVocabulary, UnknownFlagsAndCommandsGetDidYouMeanAndTheSubcommandsHelp) {
  const std::string q = CliPath();
  ExpectUsageLine(RunCommand(q + " lab --thread 2 --dry-run"),
                  "unknown option '--thread' for `qbench lab`; did you mean '--threads'? (see `qbench lab --help`)");
  ExpectUsageLine(RunCommand(q + " bench " + TinyModel() + " --repetition=3"),
                  "unknown option '--repetition' for `qbench bench`; did you mean '--repetitions'? (see `qbench "
                  "bench --help`)");
  ExpectUsageLine(RunCommand(q + " quantize " + TinyModel() + " -o /tmp/x.onnx --calibraton-size 4"),
                  "unknown option '--calibraton-size' for `qbench quantize`; did you mean '--calibration-size'? (see "
                  "`qbench quantize --help`)");
  // A typo of a deprecated spelling suggests the canonical name, never the hidden alias.
  ExpectUsageLine(RunCommand(q + " eval " + TinyModel() + " --eval-data x --limt 3"),
                  "unknown option '--limt' for `qbench eval`; did you mean '--eval-limit'? (see `qbench eval --help`)");
  ExpectUsageLine(RunCommand(q + " lba"), "unknown command 'lba' for `qbench`; did you mean 'lab'? (see `qbench --help`)");
  ExpectUsageLine(RunCommand(q + " zoo exprot resnet18"),
                  "unknown command 'exprot' for `qbench zoo`; did you mean 'export'? (see `qbench zoo --help`)");
  // Nothing close: no guess, still the help to read.
  ExpectUsageLine(RunCommand(q + " inspect " + TinyModel() + " --frobnicate"),
                  "unknown option '--frobnicate' for `qbench inspect` (see `qbench inspect --help`)");
  // The global flags are accepted after the subcommand too (not "did you mean '--verbose'").
  const auto verbose = RunCommand(q + " inspect " + TinyModel() + " --verbose");
  EXPECT_EQ(verbose.exit_code, 0) << verbose.err;
  EXPECT_THAT(verbose.out, HasSubstr("MatMul"));
  EXPECT_EQ(RunCommand(q + " inspect " + TinyModel() + " -q").exit_code, 0);
  // A mistyped value of a flag with a fixed set of values (the scheme table's names) gets the nearest one.
  ExpectUsageLine(RunCommand(q + " quantize " + TinyModel() + " -o /tmp/x.onnx --mode dynamc"),
                  "--mode: unknown value 'dynamc'; did you mean 'dynamic'? (one of: dynamic, static, fp16) (see "
                  "`qbench quantize --help`)");
  // A flag given twice: one line naming it, not CLI11's "At Most 1 required but received 2".
  ExpectUsageLine(RunCommand(q + " quantize " + TinyModel() + " -o /tmp/x.onnx --mode static --mode dynamic"),
                  "'--mode' was given 2 times; give it once (see `qbench quantize --help`)");
  // Other usage errors point to the subcommand's help too.
  const auto r = RunCommand(q + " bench " + TinyModel() + " --repetitions abc");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("'abc' is not a number"));
  EXPECT_THAT(r.err, HasSubstr("(see `qbench bench --help`)"));
}

TEST(CliVocabulary, DeprecatedSpellingsWarnOnceAndSetTheSameValue) {
  const std::string dir = testing::TempDir();
  // bench: --intra-op-threads → --threads (the environment block records the value).
  auto r = RunCommand(CliPath() + " bench " + TinyModel() +
                      " --warmup-runs 1 --repetitions 3 --cv-threshold 0 --intra-op-threads 1 --json " + dir + "/b.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(r.err, "--intra-op-threads is deprecated; use --threads"), 1) << r.err;
  EXPECT_EQ(nlohmann::json::parse(Slurp(dir + "/b.json"))["environment"]["intra_op_threads"], 1);
  r = RunCommand(CliPath() + " bench " + TinyModel() + " --warmup-runs 1 --repetitions 3 --cv-threshold 0 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("deprecated"), std::string::npos) << r.err;
  // The alias passes the canonical flag's checks, named by the canonical flag.
  r = RunCommand(CliPath() + " bench " + TinyModel() + " --intra-op-threads -2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--threads: -2 is negative"));
  // quantize: --report → --json, --intra-op-threads → --threads, both in one run, each warned once.
  r = RunCommand(CliPath() + " quantize " + TinyModel() + " -o " + dir + "/q.onnx --mode dynamic --report " + dir +
                 "/q.json --intra-op-threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(r.err, "--report is deprecated; use --json"), 1) << r.err;
  EXPECT_EQ(Count(r.err, "--intra-op-threads is deprecated; use --threads"), 1) << r.err;
  EXPECT_EQ(nlohmann::json::parse(Slurp(dir + "/q.json"))["model"], TinyModel());
  // lab: --preprocess → --preset (a bad value is refused under the canonical name, before any work).
  r = RunCommand(CliPath() + " lab --models " + TinyModel() + " --preprocess foo --dry-run -o " + dir + "/lab");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Count(r.err, "--preprocess is deprecated; use --preset"), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--preset: unknown preprocessing preset 'foo'"));
  // Hidden: the deprecated spellings are not in the help.
  r = RunCommand(CliPath() + " bench --help");
  EXPECT_THAT(r.out, HasSubstr("--threads"));
  EXPECT_EQ(r.out.find("--intra-op-threads"), std::string::npos) << r.out;
}

TEST(CliVocabulary, EvalLimitIsOneFlagWithLimitAsDeprecatedAlias) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist/test-1000.u8");
  for (const char* flag : {"--eval-limit", "--limit"}) {
    const auto r = RunCommand(CliPath() + " eval " + model + " --eval-data " + data + " " + flag + " 7 --json -");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);  // stdout is the JSON document alone
    EXPECT_EQ(j["count"], 7) << flag;
    EXPECT_EQ(Count(r.err, "--limit is deprecated; use --eval-limit"), std::string(flag) == "--limit" ? 1 : 0);
    EXPECT_THAT(r.err, HasSubstr("top-1"));  // the table went to stderr
  }
}

// R16: evaluation data is --eval-data in every subcommand; eval's and sensitivity's old --dataset still
// works (it satisfies the required flag) and warns once.
TEST(CliVocabulary, EvalDataIsOneFlagWithDatasetAsDeprecatedAlias) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist/test-1000.u8");
  for (const char* flag : {"--eval-data", "--dataset"}) {
    const auto r = RunCommand(CliPath() + " eval " + model + " " + flag + " " + data + " --eval-limit 5 --json -");
    ASSERT_EQ(r.exit_code, 0) << flag << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["count"], 5) << flag;
    EXPECT_EQ(Count(r.err, "--dataset is deprecated; use --eval-data"), std::string(flag) == "--dataset" ? 1 : 0) << r.err;
  }
  // Neither given: the required flag is named by its one spelling.
  const auto r = RunCommand(CliPath() + " sensitivity " + model);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--eval-data"));
  EXPECT_EQ(r.err.find("--dataset"), std::string::npos) << r.err;
}

// R17: a mistyped value from a fixed list gets the nearest choice, as a mistyped flag does.
TEST(CliVocabulary, MistypedValuesGetDidYouMean) {
  const std::string q = CliPath();
  auto r = RunCommand(q + " lab --variants fp32,dynamc --dry-run -o " + testing::TempDir() + "/vocab_lab");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown variant 'dynamc'; did you mean 'dynamic'? expected one of: fp32, dynamic,"));
  r = RunCommand(q + " inspect zoo:resnet19");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("unknown zoo model 'resnet19'; did you mean 'resnet18'?"));
  r = RunCommand(q + " quantize " + TinyModel() + " -o " + testing::TempDir() + "/vocab_q.onnx --mode static --calibration-method entropi");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("did you mean 'entropy'?"));
}

TEST(CliVocabulary, JsonDashWritesOneJsonDocumentToStdoutAndProgressToStderr) {
  // bench, with the lab's range syntax for --batch: 1-4*2 = batch 1, 2, 4.
  auto r = RunCommand(CliPath() + " bench " + TinyModel() +
                      " --batch 1-4*2 --warmup-runs 1 --repetitions 3 --cv-threshold 0 --threads 1 --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "qbench.bench/2");
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][0]["batch"], 1);
  EXPECT_EQ(j["results"][1]["batch"], 2);
  EXPECT_EQ(j["results"][2]["batch"], 4);
  EXPECT_THAT(r.err, HasSubstr("session created"));  // progress
  EXPECT_THAT(r.err, HasSubstr("median"));            // the table
  EXPECT_FALSE(std::ifstream("-").good()) << "no file named '-' is written";
  // inspect: 12 MACs per sample at batch 3 = 36.
  r = RunCommand(CliPath() + " inspect " + TinyModel() + " --batch 3 --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["macs"], 36) << j.dump();
  // quantize: the coverage report.
  const std::string dir = testing::TempDir();
  r = RunCommand(CliPath() + " quantize " + TinyModel() + " -o " + dir + "/q2.onnx --mode dynamic --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["files"]["output"], dir + "/q2.onnx");
  // Only --json may be "-".
  r = RunCommand(CliPath() + " bench " + TinyModel() + " --csv -");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("only --json - writes to stdout"));
}

TEST(CliVocabulary, ExitCodesFollowOneRule) {
  const std::string dir = testing::TempDir();
  struct Case {
    std::string args;
    int code;
  };
  const Case cases[] = {
      {"", 2},                                                           // no subcommand: usage
      {"inspect", 2},                                                    // missing required argument
      {"inspect " + TinyModel() + " --batch 0", 2},                      // bad flag value
      {"bench " + TinyModel() + " --batch 1-4*1", 2},                    // bad sweep syntax
      {"quantize " + TinyModel() + " -o " + TinyModel(), 2},             // output = input
      {"inspect " + dir + "/missing.onnx", 1},                           // input file missing
      {"lab --models " + dir + "/missing.onnx --dry-run -o " + dir + "/l", 1},  // input file missing
      {"inspect " + TinyModel() + " --json " + dir + "/i.json", 0},
  };
  for (const auto& c : cases) {
    const auto r = RunCommand(CliPath() + " " + c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.args << "\n" << r.err;
    if (c.code != 0) {
      EXPECT_EQ(Count(r.err, "qbench: error: "), 1) << c.args << "\n" << r.err;
    }
  }
}

TEST(CliVocabulary, ReadmeCommandTableListsEverySubcommand) {
  const std::string readme = Slurp(std::string(QBENCH_SOURCE_DIR) + "/README.md");
  ASSERT_FALSE(readme.empty());
  const auto r = RunCommand(CliPath() + " --help");
  ASSERT_EQ(r.exit_code, 0);
  // CLI11 lists the subcommands under "Subcommands:", one "  name  description" per line.
  const auto at = r.out.find("Subcommands:");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::istringstream lines(r.out.substr(at));
  std::string line;
  std::getline(lines, line);
  int listed = 0;
  while (std::getline(lines, line)) {
    if (line.size() < 3 || line[0] != ' ' || line[2] == ' ') continue;
    const std::string name = line.substr(2, line.find(' ', 2) - 2);
    ++listed;
    EXPECT_NE(readme.find("| `qbench " + name), std::string::npos) << "README's command table lacks " << name;
  }
  EXPECT_GE(listed, 7);  // inspect, bench, quantize, eval, sensitivity, lab, zoo
}

// The help line of `flag` in `qbench <command> --help` (from the flag to the end of its line), or "".
std::string HelpLine(const std::string& command, const std::string& flag) {
  const auto r = RunCommand(CliPath() + " " + command + " --help");
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find(flag + " ");
    if (at != std::string::npos && line.find_first_not_of(' ') == at) return line.substr(at);
  }
  return "";
}

// §6: one default for the calibration size, 100 (kDefaultCalibrationSize), shown in every
// subcommand's help the same way, and the one the lab plans with (it once used 16).
TEST(CliVocabulary, CalibrationSizeHasOneDefaultShownTheSameInLabAndQuantize) {
  ASSERT_EQ(kDefaultCalibrationSize, 100u);
  const std::string expected = "Calibration samples (default 100), a seeded random subset of the calibration data";
  const std::string lab = HelpLine("lab", "--calibration-size"), quantize = HelpLine("quantize", "--calibration-size");
  EXPECT_THAT(lab, HasSubstr(expected));
  EXPECT_THAT(quantize, HasSubstr(expected));
  EXPECT_EQ(lab, quantize);
  EXPECT_THAT(HelpLine("sensitivity", "--calibration-size"), HasSubstr(expected));
  const auto r = RunCommand(CliPath() + " lab --models " + TinyModel() + " --variants fp32,static --dry-run -o " +
                            testing::TempDir() + "/cal");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("calibration: random data (warned), 100 sample(s) drawn at random"));
  // quantize calibrates on that many by default too.
  const std::string dir = testing::TempDir();
  const auto q = RunCommand(CliPath() + " quantize " + TinyModel() + " --mode static -o " + dir + "/s.onnx --json " + dir + "/s.json");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(nlohmann::json::parse(Slurp(dir + "/s.json"))["calibration"].get<std::string>(), HasSubstr("up to 100 samples"));
}

// §3: every flag group is defined once (flags.h, dataset_flags.h), so each subcommand that has a
// group spells its flags the same, shows the same help and refuses a bad value with the same words.
TEST(CliVocabulary, EveryFlagGroupIsTheSameInEverySubcommandThatHasIt) {
  const std::string m = TinyModel(), dir = testing::TempDir();
  // The arguments each subcommand needs before a group's flag is parsed.
  const std::map<std::string, std::string> args = {
      {"bench", "bench " + m},
      {"inspect", "inspect " + m},
      {"eval", "eval " + m + " --eval-data x"},
      {"sensitivity", "sensitivity " + m + " --eval-data x"},
      {"quantize", "quantize " + m + " -o " + dir + "/group.onnx"},
      {"lab", "lab --models " + m + " --dry-run -o " + dir + "/group_lab"},
  };
  struct Group {
    std::vector<std::string> commands;
    std::vector<std::string> same_help;  // flags whose help line is identical in each command
    std::vector<std::pair<std::string, std::string>> help_has;  // flag, text its help holds in each command
    std::string bad_value;               // a bad value for one of its flags ...
    std::string error;                   // ... and the words every command refuses it with (exit 2)
    bool by_parser = true;               // refused while parsing, with a pointer to --help
  };
  const std::vector<Group> groups = {
      // threads and provider
      {{"bench", "eval", "sensitivity", "quantize"}, {}, {}, "--threads -1", "--threads: -1 is negative"},
      {{"bench", "eval", "sensitivity", "quantize"}, {}, {}, "--intra-op-threads -1", "--threads: -1 is negative"},
      {{"bench", "eval", "lab"}, {"--provider"}, {}, "", ""},
      {{"eval", "sensitivity"}, {"--decode-threads"}, {}, "--decode-threads -2", "--decode-threads: -2 is negative"},
      // model shapes
      {{"bench", "inspect", "quantize", "lab"}, {"--dim"}, {{"--shape", "Input shape NAME=D0xD1x... (repeatable)"}}, "", ""},
      // quantization scheme
      {{"quantize", "sensitivity"}, {"--mode", "--activation-type"}, {}, "--mode int3", "--mode: unknown value 'int3' (one of: "},
      // calibration
      {{"quantize", "sensitivity", "lab"},
       {"--calibration-size", "--calibration-method"},
       {},
       "--calibration-size -1",
       "--calibration-size: -1 is negative"},
      // preprocessing (the help names the images it applies to, then says the same)
      {{"eval", "sensitivity", "quantize", "lab"},
       {},
       {{"--channels", "3 (RGB; gray images replicated) or 1 (gray)"}, {"--layout", "NCHW or NHWC"}},
       "--channels 2",
       "--channels: 2 not in {1,3}"},
      {{"eval", "sensitivity", "quantize", "lab"}, {}, {}, "--crop -4", "--crop: -4 is negative"},
      // evaluation samples
      {{"eval", "sensitivity", "quantize", "lab"}, {}, {}, "--eval-limit -3", "--eval-limit: -3 is negative"},
      {{"quantize", "lab"}, {}, {{"--eval-data", ""}}, "", ""},
      // fp32 fallback (checked after parsing, before any work)
      {{"quantize", "sensitivity"}, {}, {}, "--fallback-top 0", "--fallback-top 0: expected a number of layers >= 1", false},
      {{"quantize", "sensitivity"}, {}, {}, "--max-drop 101", "--max-drop 101: expected percentage points", false},
      {{"quantize", "sensitivity"}, {}, {}, "--fallback-top 1 --max-drop 1", "--fallback-top and --max-drop exclude", false},
      // outputs
      {{"bench", "inspect", "eval", "sensitivity", "quantize"},
       {},
       {{"--json", "- writes the JSON to stdout"}},
       "--json",
       "--json: 1 required TEXT missing"},
  };
  for (const auto& g : groups) {
    for (const auto& flag : g.same_help) {
      const std::string first = HelpLine(g.commands[0], flag);
      ASSERT_FALSE(first.empty()) << g.commands[0] << " lacks " << flag;
      for (const auto& c : g.commands) EXPECT_EQ(HelpLine(c, flag), first) << c << " " << flag;
    }
    for (const auto& [flag, text] : g.help_has) {
      for (const auto& c : g.commands) {
        const std::string line = HelpLine(c, flag);
        EXPECT_FALSE(line.empty()) << c << " lacks " << flag;
        EXPECT_THAT(line, HasSubstr(text)) << c << " " << flag;
      }
    }
    if (g.bad_value.empty()) continue;
    for (const auto& c : g.commands) {
      const auto r = RunCommand(CliPath() + " " + args.at(c) + " " + g.bad_value);
      EXPECT_EQ(r.exit_code, 2) << c << " " << g.bad_value << "\n" << r.err;
      EXPECT_THAT(r.err, HasSubstr(g.error)) << c << " " << g.bad_value;
      if (g.by_parser) EXPECT_THAT(r.err, HasSubstr("(see `qbench " + c + " --help`)")) << c;
    }
  }
  // The lab's --threads is a sweep, under the same name and alias.
  const auto lab = RunCommand(CliPath() + " " + args.at("lab") + " --intra-op-threads x");
  EXPECT_EQ(lab.exit_code, 2) << lab.err;
  EXPECT_THAT(lab.err, HasSubstr("--intra-op-threads is deprecated; use --threads"));
  EXPECT_THAT(lab.err, HasSubstr("invalid --threads list 'x'"));
  // Hidden deprecated spellings stay out of every help.
  for (const char* c : {"bench", "eval", "sensitivity", "quantize", "lab"}) {
    EXPECT_EQ(HelpLine(c, "--intra-op-threads"), "") << c;
    EXPECT_NE(HelpLine(c, "--threads"), "") << c;
  }
  EXPECT_EQ(HelpLine("lab", "--preprocess"), "");
  EXPECT_NE(HelpLine("lab", "--preset"), "");
}

}  // namespace
}  // namespace qbench
