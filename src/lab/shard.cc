#include "qbench/lab/shard.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/preflight.h"

namespace qbench {
namespace fs = std::filesystem;
using nlohmann::json;

void ParseShardSpec(const std::string& text, int* index, int* count) {
  const std::string form = "give --shard I/N with 0 <= I < N <= 4096, e.g. --shard 0/4 for the first of four shards";
  const auto slash = text.find('/');
  auto number = [&](const std::string& s) -> long {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
      throw Error(ErrorCode::kInvalidArgument, "--shard '" + text + "' is not of the form I/N; " + form);
    return std::stol(s);
  };
  if (slash == std::string::npos) throw Error(ErrorCode::kInvalidArgument, "--shard '" + text + "' is not of the form I/N; " + form);
  const long i = number(text.substr(0, slash));
  const long n = number(text.substr(slash + 1));
  if (n < 1 || n > 4096 || i >= n) throw Error(ErrorCode::kInvalidArgument, "--shard '" + text + "' is out of range; " + form);
  *index = static_cast<int>(i);
  *count = static_cast<int>(n);
}

std::vector<int> AssignShards(std::size_t units, int count) {
  if (count < 1) throw Error(ErrorCode::kInvalidArgument, fmt::format("shard count {} must be at least 1", count));
  std::vector<int> out(units);
  for (std::size_t u = 0; u < units; ++u)
    out[u] = static_cast<int>((static_cast<unsigned long long>(u) * static_cast<unsigned long long>(count)) / units);
  return out;
}

std::string PlanJsonPath(const std::string& output_dir) { return output_dir + "/plan.json"; }

namespace {

// The unit holding the points whose model is profiled and evaluated: the smallest batch at the
// model's first input size and the first thread count (as RunLab's ProfileGroup).
std::string ExtrasGroupKey(const LabConfig& config, const LabPlan& plan, const std::string& model) {
  SweepGroup g;
  g.model = model;
  g.batch = *std::min_element(config.batches.values.begin(), config.batches.values.end());
  g.input_size = plan.input_sizes.at(model).front();
  g.threads = config.threads.values.front();
  return g.GroupKey();
}

}  // namespace

LabPlanFile MakeLabPlanFile(const LabConfig& config, const LabPlan& plan, int shards) {
  LabPlanFile f;
  f.qbench_plan_version = 1;
  f.has_config = f.has_settings = true;
  f.config = MakeLabConfigRecord(config);
  f.config.has_input_size_given = true;
  f.config.input_size_given = config.input_size_given;
  f.config.output.clear();  // the plan's folder is where it lies
  // The settings minus what differs between machines of one study (absolute paths and modification
  // times stay: a shared filesystem shows every shard the same files).
  f.settings = LabMeasurementSettings(config);
  f.shards = shards;
  const std::vector<SweepGroup>& groups = plan.study_groups.empty() ? plan.groups : plan.study_groups;
  const std::vector<int> shard_of = shards > 0 ? AssignShards(groups.size(), shards) : std::vector<int>{};
  std::set<std::string> extras;
  for (const auto& m : plan.models) extras.insert(ExtrasGroupKey(config, plan, m.name));
  for (std::size_t u = 0; u < groups.size(); ++u) {
    const SweepGroup& g = groups[u];
    PlanUnit unit;
    unit.unit = static_cast<std::int64_t>(u);
    unit.model = g.model;
    unit.batch = g.batch;
    unit.input_size = g.input_size;
    unit.threads = g.threads;
    unit.variants = g.variants;
    for (const auto& p : g.Points()) unit.points.push_back(p.Key());
    unit.extras = extras.count(g.GroupKey()) > 0;
    if (shards > 0) unit.shard = shard_of[u];
    f.points += static_cast<std::int64_t>(unit.points.size());
    f.units.push_back(std::move(unit));
  }
  for (const auto& m : plan.models) f.models.push_back(PlanModel{m.name, m.spec, plan.input_sizes.at(m.name)});
  return f;
}

LabConfig LabConfigFromPlan(const LabPlanFile& plan, const std::string& plan_path) {
  if (!plan.has_config)
    throw Error(ErrorCode::kInvalidInput, "plan file '" + plan_path + "' has no \"config\" object; make it with `qbench lab --plan -o DIR`");
  const LabConfigRecord& c = plan.config;
  LabConfig config = DefaultLabConfig();
  config.models = c.models;
  config.variants = c.variants;
  config.batches.values = c.batch;
  config.input_sizes.values = c.input_size;
  config.threads.values = c.threads;
  config.repetitions = c.repetitions;
  config.warmup_runs = c.warmup_runs;
  config.eval_data = c.eval_data;
  config.eval_limit = c.eval_limit;
  config.preprocess = c.preprocess;
  config.calibration_data = c.calibration_data;
  config.calibration_size = c.calibration_size;
  config.calibration_method = c.calibration_method;
  config.roofline = c.roofline;
  config.seed = c.seed;
  config.dims = c.dim;
  config.shapes = c.shape;
  config.split = c.split;
  config.auto_max_drop_points = c.auto_max_drop_points;
  config.auto_time_budget_s = c.auto_time_budget_s;
  config.verify = c.verify;
  config.strict = c.strict;
  if (c.has_input_size_given) config.input_size_given = c.input_size_given;
  config.provider = c.provider;
  config.external = c.external_variants;  // --compare-file
  config.output_dir = DirName(plan_path);
  return config;
}

LabPlanFile ReadPlanFile(const std::string& path) {
  const std::string text = ReadFileBytes(path);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("qbench_plan_version") || !j.contains("units"))
    throw Error(ErrorCode::kInvalidInput, "'" + path + "' is not a qbench plan file (no qbench_plan_version/units); make one "
                                          "with `qbench lab --plan -o DIR`");
  try {
    return j.get<LabPlanFile>();
  } catch (const Error& e) {
    throw Error(ErrorCode::kInvalidInput, "plan file '" + path + "': " + e.what());
  }
}

std::vector<std::string> DiffPlan(const LabPlanFile& plan_file, const LabPlanFile& now) {
  std::vector<std::string> out = DiffLabSettings(plan_file.settings, now.settings);
  std::vector<std::string> a, b;
  for (const auto& u : plan_file.units) a.insert(a.end(), u.points.begin(), u.points.end());
  for (const auto& u : now.units) b.insert(b.end(), u.points.begin(), u.points.end());
  if (a != b) {
    std::string first;
    const std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
    for (const auto& id : a)
      if (!sb.count(id)) { first = "point '" + id + "' is in the plan only"; break; }
    if (first.empty())
      for (const auto& id : b)
        if (!sa.count(id)) { first = "point '" + id + "' is in these flags' plan only"; break; }
    if (first.empty()) first = "the same points in another order";
    out.push_back(fmt::format("the plan has {} point(s), these flags {} ({})", a.size(), b.size(), first));
  }
  return out;
}

void RestrictPlanToShard(const LabConfig& config, LabPlan* plan) {
  if (config.shard_count <= 0) return;
  plan->study_groups = plan->groups;
  const std::vector<int> shard_of = AssignShards(plan->groups.size(), config.shard_count);
  std::map<std::string, int> unit_shard;
  for (std::size_t u = 0; u < plan->groups.size(); ++u) unit_shard[plan->groups[u].GroupKey()] = shard_of[u];
  for (const auto& m : plan->models) {
    auto it = unit_shard.find(ExtrasGroupKey(config, *plan, m.name));
    plan->model_extras[m.name] = it != unit_shard.end() && it->second == config.shard_index;
  }
  std::vector<SweepGroup> kept;
  for (std::size_t u = 0; u < plan->groups.size(); ++u)
    if (shard_of[u] == config.shard_index) kept.push_back(plan->groups[u]);
  plan->groups = std::move(kept);
}

void CheckShardPlan(const LabConfig& config, const LabPlan& full_plan) {
  const std::string path = config.plan_file.empty() ? PlanJsonPath(config.output_dir) : config.plan_file;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (!config.plan_file.empty()) throw Error(ErrorCode::kNotFound, "--plan-file '" + path + "' does not exist");
    return;
  }
  const LabPlanFile plan = ReadPlanFile(path);
  std::vector<std::string> diff = DiffPlan(plan, MakeLabPlanFile(config, full_plan, 0));
  const int shards = plan.shards;
  if (shards > 0 && config.shard_count > 0 && shards != config.shard_count)
    diff.push_back(fmt::format("the plan was made for {} shard(s), --shard asks for {}", shards, config.shard_count));
  if (diff.empty()) return;
  std::string list;
  for (const auto& d : diff) list += (list.empty() ? "" : "; ") + d;
  throw Error(ErrorCode::kInvalidArgument,
              "--shard: " + path + " was planned with other settings (" + list +
                  "); run the shard with the plan's flags (--plan-file " + path + "), or make a new plan in another --output");
}

}  // namespace qbench
