// `qbench zoo list` and `qbench zoo export` end to end, and zoo:NAME given to `qbench inspect` (issue #3).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "qbench/core/fs.h"
#include "qbench/zoo/zoo.h"
#include "test_util.h"
#include "zoo_test_util.h"

namespace qbench {
namespace {

using testing::CliPath;
using testing::RunCommand;
using testing::TempDir;

std::string Grouped(std::int64_t v) {
  const std::string d = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) out += ',';
    out += d[i];
  }
  return out;
}

// Display names: a "model.onnx" takes its folder's name; names shared by several specs are told
// apart by folder when that works, else by _2, _3 (issue: `bench zoo:x .../fmnist/x.onnx` showed
// two rows named "x").
TEST(ZooDisplayNames, ModelOnnxTakesItsFolderAndRepeatsAreToldApart) {
  EXPECT_EQ(ModelDisplayName("../shared/cases/c11_fixed_batch/model.onnx"), "c11_fixed_batch");
  EXPECT_EQ(ModelDisplayName("model.onnx"), "model");
  EXPECT_EQ(ModelDisplayName("./model.onnx"), "model");
  EXPECT_EQ(ModelDisplayName("/a/b/model.int8.onnx"), "model.int8");
  EXPECT_EQ(ModelDisplayName("zoo:squeezenet1_1"), "squeezenet1_1");
  using V = std::vector<std::string>;
  EXPECT_EQ(UniqueDisplayNames({"zoo:squeezenet1_1", "/w/models/fmnist/squeezenet1_1.onnx"}),
            (V{"squeezenet1_1", "fmnist/squeezenet1_1"}));
  EXPECT_EQ(UniqueDisplayNames({"a/x.onnx", "b/x.onnx", "y.onnx"}), (V{"a/x", "b/x", "y"}));
  // model.onnx in two case folders: distinct already; in same-named folders, the folder above.
  EXPECT_EQ(UniqueDisplayNames({"c/c11/model.onnx", "c/c13/model.onnx"}), (V{"c11", "c13"}));
  EXPECT_EQ(UniqueDisplayNames({"v1/c11/model.onnx", "v2/c11/model.onnx"}), (V{"v1/c11", "v2/c11"}));
  // The same file twice: folders cannot help; the first keeps its name. "m_2" already exists.
  EXPECT_EQ(UniqueDisplayNames({"d/m.onnx", "d/m.onnx", "m_2.onnx", "d/m.onnx"}), (V{"m", "m_3", "m_2", "m_4"}));
  EXPECT_EQ(UniqueDisplayNames({"zoo:resnet18", "zoo:resnet18"}), (V{"resnet18", "resnet18_2"}));
}

TEST(ZooCli, UnknownZooNameIsAUsageErrorEverywhere) {
  for (const std::string& cmd : std::vector<std::string>{"inspect zoo:resnet19", "bench zoo:resnet19",
                                                          "zoo export resnet19 -o " + TempDir() + "/x.onnx"}) {
    const auto r = RunCommand(CliPath() + " " + cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find("unknown zoo model 'resnet19'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("expected one of: resnet18, resnet50"), std::string::npos) << r.err;
  }
}

TEST(ZooCli, ListShowsEveryModelWithTheTableNumbers) {
  const auto r = RunCommand(CliPath() + " zoo list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("name", 0), 0u) << line;  // header
  int rows = 0;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string name, params, macs_g, unit;
    f >> name >> params >> macs_g >> unit;
    bool found = false;
    for (const auto& ref : testing::ZooReferenceTable()) {
      if (ref.name != name) continue;
      found = true;
      EXPECT_EQ(params, Grouped(ref.torchvision_params)) << line;
      EXPECT_NEAR(std::stod(macs_g) * 1e9, ref.macs_224, 0.001 * ref.macs_224) << line;
      EXPECT_EQ(unit, "G") << line;
    }
    EXPECT_TRUE(found) << "unexpected line: " << line;
    ++rows;
  }
  EXPECT_EQ(rows, 7);
}

// The exported file is the model BuildZooModel makes (byte for byte), and exporting again replaces it.
TEST(ZooCli, ExportWritesTheSeededModel) {
  const std::string path = TempDir() + "/sq.onnx";
  const std::string cmd = CliPath() + " zoo export squeezenet1_1 -o " + path + " --num-classes 10 --seed 3";
  for (int i = 0; i < 2; ++i) {
    const auto r = RunCommand(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(path), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("727,626 params"), std::string::npos) << r.out;  // torchvision, 10 classes
  }
  ZooOptions o;
  o.num_classes = 10;
  o.seed = 3;
  EXPECT_TRUE(ReadFileBytes(path) == SerializeModel(BuildZooModel("squeezenet1_1", o)));
  const Model m = LoadModel(path);
  EXPECT_EQ(m.Outputs()[0].shape, (std::vector<std::int64_t>{-1, 10}));
  // "zoo:NAME" is accepted as the name too.
  const auto r = RunCommand(CliPath() + " zoo export zoo:squeezenet1_1 -o " + path + " --num-classes 10 --seed 4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(ReadFileBytes(path) == SerializeModel(BuildZooModel("squeezenet1_1", o)));
}

TEST(ZooCli, BadArgumentsGiveOneClearError) {
  const std::string out = TempDir() + "/x.onnx";
  struct Case {
    std::string args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"zoo export resnet19 -o " + out, 2, "expected one of: resnet18, resnet50"},
      {"zoo export resnet18 -o " + out + " --input-size 8", 2, "input size 8"},
      {"zoo export resnet18 -o " + out + " --num-classes 0", 2, "classes 0"},
      {"zoo export resnet18 -o " + out + " --seed -1", 2, "--seed"},
      {"zoo export resnet18", 2, "--output is required"},
      // Checked before building: a usage error naming the flag, as for every output flag.
      {"zoo export squeezenet1_1 -o /nonexistent_dir_qbench/x.onnx", 2,
       "--output '/nonexistent_dir_qbench/x.onnx': folder '/nonexistent_dir_qbench' does not exist"},
      {"zoo export squeezenet1_1 -o " + TempDir(), 2, "is a directory"},
      {"zoo export resnet18 -o " + out + " --seed ''", 2, "--seed: the value is empty; expected a number"},
      {"zoo", 2, "subcommand"},
  };
  for (const auto& c : cases) {
    const auto r = RunCommand(CliPath() + " " + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
}

// `qbench inspect zoo:NAME` builds the model and reports the MACs at the nominal 224 and the
// torchvision parameter count next to the stored (BatchNorm-folded) one.
TEST(ZooCli, InspectReportsTheTableNumbers) {
  const auto r = RunCommand(CliPath() + " inspect zoo:mobilenet_v3_small");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ZooModelStats s = ZooArchitectureStats("mobilenet_v3_small");
  EXPECT_NE(r.out.find(Grouped(s.macs)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(Grouped(s.initializer_elements)), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.find("2,542,856") != std::string::npos || r.out.find("2542856") != std::string::npos) << r.out;
}

}  // namespace
}  // namespace qbench
