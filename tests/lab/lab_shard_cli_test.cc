// `qbench lab --plan/--shard/--plan-file/--device` and `qbench report` end to end with ONNX Runtime
// (issues 13 and 14): a small zoo study planned, measured in two shards, merged; mismatches refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "qbench/report/analysis.h"
#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunCommand;

const std::string kFlags =
    " --models zoo:squeezenet1_1 --variants fp32,dynamic --batch 1,2 --input-size 32 --threads 1 --repetitions 2 "
    "--warmup-runs 0 --no-roofline --no-plots";

TEST(LabShardCli, PlanTwoShardsAndMerge) {
  const std::string dir = testing::TempDir() + "/shard_cli";
  fs::remove_all(dir);
  const std::string q = "'" + testing::CliPath() + "'";
  const auto plan = RunCommand(q + " lab --plan --shards 2" + kFlags + " -o '" + dir + "'");
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("4 point(s) in 2 unit(s) of 1 model(s)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("shard 1/2: 2 point(s) of squeezenet1_1"), std::string::npos) << plan.out;
  const std::string plan_bytes = ReadFileBytes(dir + "/plan.json");
  // Planning again with the same flags keeps the same bytes; other settings are refused.
  ASSERT_EQ(RunCommand(q + " lab --plan --shards 2" + kFlags + " -o '" + dir + "'").exit_code, 0);
  EXPECT_EQ(ReadFileBytes(dir + "/plan.json"), plan_bytes);
  const auto other = RunCommand(q + " lab --plan --shards 2" + kFlags + " --seed 7 -o '" + dir + "'");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("--seed 0 earlier, 7 now"), std::string::npos) << other.err;

  for (int i : {0, 1}) {
    const auto r = RunCommand(q + " lab --plan-file '" + dir + "/plan.json' --shard " + std::to_string(i) + "/2 --device 'lab box'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("results.lab_box." + std::to_string(i) + ".jsonl"), std::string::npos) << r.out;
  }
  // A shard whose flags disagree with the plan: one line, exit 2, nothing written.
  const auto bad = RunCommand(q + " lab --plan-file '" + dir + "/plan.json' --shard 0/2 --repetitions 5 --device other");  // flags along must agree
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--repetitions 2 earlier, 5 now"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir + "/results.other.0.jsonl"));
  EXPECT_EQ(RunCommand(q + " lab --plan-file '" + dir + "/plan.json' --shard 2/2").exit_code, 2);

  const auto rep = RunCommand(q + " report '" + dir + "'");
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_NE(rep.out.find("lab box: 4 point(s), shards 0,1"), std::string::npos) << rep.out;
  const json j = json::parse(ReadFileBytes(dir + "/report/results.json"));
  std::set<std::string> ids;
  for (const auto& p : j["points"]) {
    ids.insert(p["key"].get<std::string>());
    EXPECT_EQ(p["device"], "lab box");
    EXPECT_EQ(p["status"], "ok");
  }
  EXPECT_EQ(ids, (std::set<std::string>{"squeezenet1_1|fp32|b1|s32|t1", "squeezenet1_1|dynamic|b1|s32|t1",
                                        "squeezenet1_1|fp32|b2|s32|t1", "squeezenet1_1|dynamic|b2|s32|t1"}));
  EXPECT_EQ(j["devices"][0]["environment"]["device"], "lab box");
  EXPECT_TRUE(fs::exists(dir + "/models/lab_box.0"));
  EXPECT_TRUE(fs::exists(dir + "/models/lab_box.1"));
  // The merged report keeps what each shard learned about its models: the models table with the
  // dynamic file's real size, and the per-variant memory measured by the shard.
  const std::string md = ReadFileBytes(dir + "/report/report.md");
  EXPECT_NE(md.find("## Findings, models, size and memory per device"), std::string::npos) << md;
  std::string dynamic_file;
  for (const char* shard : {"/models/lab_box.0/", "/models/lab_box.1/"})
    if (fs::exists(dir + shard + "squeezenet1_1.dynamic.onnx")) dynamic_file = dir + shard + "squeezenet1_1.dynamic.onnx";
  ASSERT_FALSE(dynamic_file.empty());
  const std::string size = FormatBytes(static_cast<double>(fs::file_size(dynamic_file)));
  const size_t row = md.find("| squeezenet1_1 | dynamic | 32 |");
  ASSERT_NE(row, std::string::npos) << md;
  EXPECT_NE(md.substr(row, md.find('\n', row) - row).find("| " + size + " |"), std::string::npos) << size << "\n" << md;
  EXPECT_NE(md.find("#### Memory per variant"), std::string::npos) << md;
  EXPECT_NE(md.find("| squeezenet1_1 | dynamic | 1 |"), std::string::npos) << md;  // its memory row at batch 1
  // Nothing missing for this device; everything for another.
  EXPECT_EQ(RunCommand(q + " report '" + dir + "' --missing-shards --device 'lab box'").out, "");
  EXPECT_EQ(RunCommand(q + " report '" + dir + "' --missing-shards --device nobody").out, "0\n1\n");

  // A whole study with other repetitions under another device: the merge is refused in one line.
  const std::string other_dir = testing::TempDir() + "/shard_cli_other";
  fs::remove_all(other_dir);
  std::string flags3 = kFlags;
  flags3.replace(flags3.find("--repetitions 2"), 15, "--repetitions 3");
  const auto whole = RunCommand(q + " lab" + flags3 + " --device laptop -o '" + other_dir + "'");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto refused = RunCommand(q + " report '" + dir + "' '" + other_dir + "' -o '" + dir + "/xdev'");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("repetitions (2 in"), std::string::npos) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  const auto allowed = RunCommand(q + " report '" + dir + "' '" + other_dir + "' -o '" + dir + "/xdev' --allow-mismatch");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_NE(allowed.out.find("2 device(s), 8 point(s)"), std::string::npos) << allowed.out;
  EXPECT_NE(ReadFileBytes(dir + "/xdev/report.md").find("merged with --allow-mismatch"), std::string::npos);
  // Fields are quoted only where RFC 4180 needs it (core/table.h's WriteCsv).
  const std::string csv = ReadFileBytes(dir + "/xdev/results.csv");
  EXPECT_NE(csv.find("\nlaptop,,squeezenet1_1,fp32,1,32,1,ok,3,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace qbench
