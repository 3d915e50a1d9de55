// `qbench lab --dim/--shape`: the lab takes the shape flags of `qbench bench` for models with dynamic
// dimensions other than the batch and the image size (a token model's sequence length).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

// ids int64 [N, seq] → Gather over a [50,16] table → MatMul [16,4] → y [N, seq, 4].
std::string TokenModel(const std::string& dir) {
  GraphBuilder g("tokens", 13);
  g.AddInput("ids", DType::kInt64, {"N", "seq"});
  std::vector<float> table(50 * 16), w(16 * 4);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<float>(static_cast<int>(i % 11) - 5) / 5.0f;
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i % 7) - 3) / 3.0f;
  g.AddInitializer("table", {50, 16}, table);
  g.AddInitializer("w", {16, 4}, w);
  g.AddNode("Gather", "embed", {"table", "ids"}, {"e"});
  g.AddNode("MatMul", "proj", {"e", "w"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", "seq", 4});
  const std::string path = dir + "/tokens.onnx";
  SaveModel(g.Build(), path);
  return path;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LabShapes, DimAndShapeFlagsReachTheModel) {
  const std::string dir = testing::TempDir();
  const std::string model = TokenModel(dir);
  const std::string base = testing::CliPath() + " lab --models " + model +
                           " --variants fp32,dynamic --batch 1,2 --threads 1 --repetitions 3 --warmup-runs 1 "
                           "--no-roofline --no-plots";
  auto r = testing::RunCommand(base + " --dim seq=7 -o " + dir + "/lab_dim");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(Slurp(dir + "/lab_dim/results.json"));
  EXPECT_EQ(j["measured_points"], 4);
  EXPECT_EQ(j["config"]["dim"], nlohmann::json::array({"seq=7"}));
  // The memory probe (a child process per variant) gets the same shapes as the timing.
  for (const auto& p : j["points"]) EXPECT_EQ(p["memory_method"], "isolated") << p.dump();
  EXPECT_EQ(r.err.find("memory_not_isolated"), std::string::npos) << r.err;

  // --shape: dim 0 follows the batch axis (1 and 2), the sequence is 5.
  r = testing::RunCommand(base + " --shape ids=1x5 -o " + dir + "/lab_shape");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(Slurp(dir + "/lab_shape/results.json"))["measured_points"], 4);

  // Without a sequence length no point could run: a usage error before anything is measured (as
  // `qbench bench` refuses it), in the plan too, naming the input, the dimension and both flags.
  const std::string why = "--models '" + model + "': input 'ids' dim 1 is symbolic dimension 'seq' (";
  for (const std::string extra : {" --dry-run", ""}) {
    r = testing::RunCommand(base + extra + " -o " + dir + "/lab_none");
    EXPECT_EQ(r.exit_code, 2) << extra << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("give it a value with --dim seq=VALUE or --shape ids=D0xD1x..."), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/lab_none/results.jsonl"));
  }

  // A name no model has, and a malformed flag: usage errors before anything runs.
  r = testing::RunCommand(base + " --dim sequence=7 -o " + dir + "/lab_typo");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no model has a symbolic dimension 'sequence'; the models' symbolic dimensions: N, seq"),
            std::string::npos)
      << r.err;
  r = testing::RunCommand(base + " --dim seq -o " + dir + "/lab_bad");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("invalid --dim 'seq'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace qbench
