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

template <typename T>
T Field(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw Error(ErrorCode::kInvalidInput, where + ": key '" + key + "' is missing");
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(ErrorCode::kInvalidInput, where + ": key '" + key + "' has the wrong type");
  }
}

}  // namespace

json LabPlanJson(const LabConfig& config, const LabPlan& plan, int shards) {
  json cfg = LabConfigToJson(config);
  cfg["input_size_given"] = config.input_size_given;
  cfg.erase("output");  // the plan's folder is where it lies
  cfg.erase("device");
  const std::vector<SweepGroup>& groups = plan.study_groups.empty() ? plan.groups : plan.study_groups;
  const std::vector<int> shard_of = shards > 0 ? AssignShards(groups.size(), shards) : std::vector<int>{};
  std::set<std::string> extras;
  for (const auto& m : plan.models) extras.insert(ExtrasGroupKey(config, plan, m.name));
  json units = json::array();
  std::int64_t points = 0;
  for (std::size_t u = 0; u < groups.size(); ++u) {
    const SweepGroup& g = groups[u];
    json ids = json::array();
    for (const auto& p : g.Points()) ids.push_back(p.Key());
    points += static_cast<std::int64_t>(ids.size());
    json unit{{"unit", u},          {"model", g.model},       {"batch", g.batch}, {"input_size", g.input_size},
              {"threads", g.threads}, {"variants", g.variants}, {"points", ids},   {"extras", extras.count(g.GroupKey()) > 0}};
    if (shards > 0) unit["shard"] = shard_of[u];
    units.push_back(unit);
  }
  json models = json::array();
  for (const auto& m : plan.models) models.push_back(json{{"name", m.name}, {"spec", m.spec}, {"input_sizes", plan.input_sizes.at(m.name)}});
  // The settings minus what differs between machines of one study (absolute paths and modification
  // times stay: a shared filesystem shows every shard the same files).
  return json{{"qbench_plan_version", 1}, {"config", cfg},     {"settings", LabMeasurementSettings(config)},
              {"shards", shards},         {"points", points},  {"models", models},
              {"units", units}};
}

LabConfig LabConfigFromPlanJson(const json& plan, const std::string& plan_path) {
  const std::string where = "plan file '" + plan_path + "'";
  if (!plan.contains("config") || !plan["config"].is_object())
    throw Error(ErrorCode::kInvalidInput, where + " has no \"config\" object; make it with `qbench lab --plan -o DIR`");
  const json& c = plan["config"];
  LabConfig config = DefaultLabConfig();
  config.models = Field<std::vector<std::string>>(c, "models", where);
  config.variants = Field<std::vector<std::string>>(c, "variants", where);
  config.batches.values = Field<std::vector<std::int64_t>>(c, "batch", where);
  config.input_sizes.values = Field<std::vector<std::int64_t>>(c, "input_size", where);
  config.threads.values = Field<std::vector<std::int64_t>>(c, "threads", where);
  config.repetitions = Field<int>(c, "repetitions", where);
  config.warmup_runs = Field<int>(c, "warmup_runs", where);
  config.eval_data = Field<std::string>(c, "eval_data", where);
  config.eval_limit = Field<std::size_t>(c, "eval_limit", where);
  config.preprocess = Field<std::string>(c, "preprocess", where);
  config.calibration_data = Field<std::string>(c, "calibration_data", where);
  config.calibration_size = Field<std::size_t>(c, "calibration_size", where);
  config.calibration_method = Field<std::string>(c, "calibration_method", where);
  config.roofline = Field<bool>(c, "roofline", where);
  config.seed = Field<std::uint64_t>(c, "seed", where);
  config.dims = Field<std::vector<std::string>>(c, "dim", where);
  config.shapes = Field<std::vector<std::string>>(c, "shape", where);
  config.split = Field<bool>(c, "split", where);
  if (c.contains("input_size_given")) config.input_size_given = Field<bool>(c, "input_size_given", where);
  if (c.contains("provider")) config.provider = Field<std::string>(c, "provider", where);
  if (c.contains("external_variants") && c["external_variants"].is_array())  // --compare-file
    for (const auto& e : c["external_variants"])
      config.external.push_back(ExternalVariant{e.value("model", ""), e.value("label", ""), e.value("path", "")});
  config.output_dir = DirName(plan_path);
  return config;
}

json ReadPlanJson(const std::string& path) {
  const std::string text = ReadFileBytes(path);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("qbench_plan_version") || !j.contains("units"))
    throw Error(ErrorCode::kInvalidInput, "'" + path + "' is not a qbench plan file (no qbench_plan_version/units); make one "
                                          "with `qbench lab --plan -o DIR`");
  return j;
}

std::vector<std::string> DiffPlan(const json& plan_file, const json& now) {
  std::vector<std::string> out = DiffLabSettings(plan_file.value("settings", json::object()), now.value("settings", json::object()));
  std::vector<std::string> a, b;
  for (const auto& u : plan_file.value("units", json::array()))
    for (const auto& id : u.value("points", json::array())) a.push_back(id.get<std::string>());
  for (const auto& u : now.value("units", json::array()))
    for (const auto& id : u.value("points", json::array())) b.push_back(id.get<std::string>());
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
  const json plan = ReadPlanJson(path);
  std::vector<std::string> diff = DiffPlan(plan, LabPlanJson(config, full_plan, 0));
  const int shards = plan.value("shards", 0);
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
