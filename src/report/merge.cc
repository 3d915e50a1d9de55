// Reading and merging lab results of several devices and shards (merge.h); the report's text and
// plots are in merge_report.cc and merge_plots.cc.
#include "qbench/report/merge.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/preflight.h"
#include "qbench/lab/shard.h"
#include "qbench/report/study_report.h"

namespace qbench {
namespace fs = std::filesystem;
using nlohmann::json;

const DeviceStudy* MergedStudy::Find(const std::string& device) const {
  for (const auto& d : devices)
    if (d.device == device) return &d;
  return nullptr;
}

namespace {

std::string Show(const json& v) {
  if (v.is_string()) return v.get<std::string>().empty() ? "none" : "'" + v.get<std::string>() + "'";
  if (v.is_null()) return "unset";
  return v.dump();
}

// What identifies a setting across machines: a data path by its content size and file count
// (PathIdentity without the path and the modification time; "" when none was given), any other by
// its value.
json DataContent(const DataIdentity& d) {
  if (!d.given) return "";
  json out = d.identity;
  out.erase("path");
  out.erase("mtime_ns");
  return out;
}
template <typename T>
json DataContent(const T& v) {
  return v;
}

// One results file read: its device, shard, settings and records.
struct Source {
  std::string path;
  std::string dir;
  JsonlRecords records;
  std::string device;
};

}  // namespace

std::vector<std::string> DiffMergeSettings(const LabSettings& a, const std::string& a_name, const LabSettings& b,
                                           const std::string& b_name) {
  std::vector<std::string> out;
  auto item = [&](const std::string& key, const json& x, const json& y) {
    out.push_back(fmt::format("{} ({} in '{}', {} in '{}')", key, Show(x), a_name, Show(y), b_name));
  };
  ForEachSetting(a, b, [&](const char* key, const char*, const auto& x, const auto& y) {
    if (std::string(key) == "provider") return;  // a study may compare providers across devices
    const json cx = DataContent(x), cy = DataContent(y);
    if (cx != cy) item(key, cx, cy);
  });
  for (const auto& [name, y] : b.models) {
    auto it = a.models.find(name);
    if (it == a.models.end()) continue;
    const LabModelSettings& x = it->second;
    if (!x.checksum.empty() || !y.checksum.empty()) {
      if (x.checksum != y.checksum) item("model '" + name + "' checksum", x.checksum, y.checksum);
    } else if (x.spec != y.spec) {
      item("model '" + name + "'", x.spec, y.spec);
    }
  }
  return out;
}

namespace {

std::vector<std::string> ResultFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (!e.is_regular_file(ec)) continue;
    if (n == "results.jsonl" || (n.rfind("results.", 0) == 0 && n.size() > 14 && n.compare(n.size() - 6, 6, ".jsonl") == 0))
      out.push_back(dir + "/" + n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A results.json (a study without its .jsonl) as records.
JsonlRecords FromStudyJson(const std::string& path) {
  json j = json::parse(ReadFileBytes(path), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error(ErrorCode::kInvalidInput, "'" + path + "' is not a qbench results.json");
  const LabStudy s = LabStudyFromJson(j);
  JsonlRecords r;
  static_cast<LabRecords&>(r) = s;
  r.device = s.config.device;
  return r;
}

std::string DeviceOf(const Source& s) {
  if (!s.records.device.empty()) return s.records.device;
  if (s.records.has_environment && !s.records.environment.device.empty()) return s.records.environment.device;
  for (const auto& p : s.records.points)
    if (!p.device.empty()) return p.device;
  std::string base = fs::path(s.dir).lexically_normal().filename().string();
  if (base.empty() || base == ".") base = fs::path(s.dir).lexically_normal().parent_path().filename().string();
  return base.empty() ? "unnamed device" : base;
}

// The config the report helpers read, synthesized from a device's points.
LabConfigRecord SynthesizedConfig(const LabStudy& s, const std::string& baseline) {
  std::vector<std::string> variants;
  if (!baseline.empty()) variants.push_back(baseline);
  std::set<std::int64_t> batches;
  std::vector<std::int64_t> threads;
  std::vector<std::string> models;
  std::map<std::string, std::vector<std::int64_t>> sizes;
  for (const auto& p : s.points) {
    if (std::find(variants.begin(), variants.end(), p.point.variant) == variants.end()) variants.push_back(p.point.variant);
    batches.insert(p.point.batch);
    if (std::find(threads.begin(), threads.end(), p.point.threads) == threads.end()) threads.push_back(p.point.threads);
    if (std::find(models.begin(), models.end(), p.point.model) == models.end()) models.push_back(p.point.model);
    auto& v = sizes[p.point.model];
    if (std::find(v.begin(), v.end(), p.point.input_size) == v.end()) v.push_back(p.point.input_size);
  }
  LabConfigRecord c;
  for (const auto& m : models)
    for (const auto& p : s.points)
      if (p.point.model == m) {
        c.models.push_back(p.model_spec);
        break;
      }
  c.variants = variants;
  c.batch.assign(batches.begin(), batches.end());
  c.threads = threads;
  c.model_input_sizes = sizes;
  return c;
}

// Peaks measured apart differ by noise; more than 5 % in any rate is another measurement to keep.
bool PeaksDiffer(const RooflinePeaks& a, const RooflinePeaks& b) {
  auto apart = [](double x, double y) { return std::abs(x - y) > 0.05 * std::max(std::abs(x), std::abs(y)); };
  return apart(a.fp32_macs_per_s, b.fp32_macs_per_s) || apart(a.int8_macs_per_s, b.int8_macs_per_s) ||
         apart(a.bytes_per_s, b.bytes_per_s);
}

// "fp32 44.9 / int8 163 GMAC/s, 37.3 GB/s"
std::string PeaksText(const RooflinePeaks& p) {
  return fmt::format("fp32 {:.3g} / int8 {:.3g} GMAC/s, {:.3g} GB/s", p.fp32_macs_per_s / 1e9, p.int8_macs_per_s / 1e9,
                     p.bytes_per_s / 1e9);
}

}  // namespace

MergedStudy MergeStudies(const std::vector<std::string>& dirs, bool allow_mismatch) {
  MergedStudy merged;
  merged.inputs = dirs;
  merged.allow_mismatch = allow_mismatch;
  if (dirs.empty()) throw Error(ErrorCode::kInvalidArgument, "qbench report: give at least one study folder");
  std::vector<Source> sources;
  std::map<std::string, LabPlanFile> plans;  // dir → plan.json
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error(ErrorCode::kNotFound, "qbench report: '" + dir + "' is not a folder");
    if (fs::exists(PlanJsonPath(dir), ec)) plans[dir] = ReadPlanFile(PlanJsonPath(dir));
    const auto files = ResultFiles(dir);
    for (const auto& f : files) sources.push_back(Source{f, dir, ReadResultsJsonl(f), ""});
    if (files.empty() && fs::exists(dir + "/results.json", ec))
      sources.push_back(Source{dir + "/results.json", dir, FromStudyJson(dir + "/results.json"), ""});
    if (files.empty() && !fs::exists(dir + "/results.json", ec) && !plans.count(dir))
      throw Error(ErrorCode::kNotFound, "qbench report: '" + dir + "' holds no lab results (no results.jsonl, results.<device>.<I>.jsonl, "
                                        "results.json or plan.json); give the --output folder of `qbench lab`");
  }
  for (auto& s : sources) s.device = DeviceOf(s);

  // Settings: every file (and plan) must agree with the first.
  std::string first_name;
  auto first = [&](bool has, const LabSettings& settings, const std::string& name) {
    if (merged.has_settings || !has) return;
    merged.has_settings = true;
    merged.settings = settings;
    first_name = name;
  };
  for (const auto& [dir, plan] : plans) first(plan.has_settings, plan.settings, PlanJsonPath(dir));
  for (const auto& s : sources) first(s.records.has_settings, s.records.settings, s.path);
  std::vector<std::string> diff;
  auto check = [&](bool has, const LabSettings& settings, const std::string& name) {
    if (!has || name == first_name) return;
    for (const auto& d : DiffMergeSettings(merged.settings, first_name, settings, name))
      if (std::find(diff.begin(), diff.end(), d) == diff.end()) diff.push_back(d);
  };
  for (const auto& [dir, plan] : plans) check(plan.has_settings, plan.settings, PlanJsonPath(dir));
  for (const auto& s : sources) check(s.records.has_settings, s.records.settings, s.path);
  if (!diff.empty() && !allow_mismatch) {
    std::string list;
    for (const auto& d : diff) list += (list.empty() ? "" : "; ") + d;
    throw Error(ErrorCode::kInvalidInput, "qbench report: the studies were measured with different settings: " + list +
                                              "; their numbers are not comparable: measure again with the same settings, or give "
                                              "--allow-mismatch to merge anyway (the report then says so)");
  }
  merged.mismatches = diff;

  // Group by device.
  std::set<std::string> device_names;
  for (const auto& s : sources) device_names.insert(s.device);
  for (const auto& name : device_names) {
    DeviceStudy d;
    d.device = name;
    std::map<std::string, PointResult> points;
    std::map<std::string, std::string> point_file;  // id → the file whose record is kept
    std::vector<std::string> order;
    std::set<std::string> dirs_of_device, models_seen, acc_seen, prof_seen;
    std::set<int> shards;
    std::set<std::string> planned_set;
    std::map<std::int64_t, std::string> peaks_from;  // thread count → the file whose peaks the device keeps
    auto plan_id = [&](const std::string& id) {
      if (planned_set.insert(id).second) d.planned.push_back(id);
    };
    for (const auto& s : sources)
      if (s.device == name) dirs_of_device.insert(s.dir);
    for (const auto& dir : dirs_of_device) {
      auto it = plans.find(dir);
      if (it == plans.end()) continue;
      const int plan_shards = it->second.shards;
      for (const auto& u : it->second.units)
        for (const auto& id : u.points) {
          plan_id(id);
          if (plan_shards > 0) d.missing_shard[id] = std::max(u.shard, 0);
        }
    }
    for (const auto& s : sources) {
      if (s.device != name) continue;
      d.sources.push_back(s.path);
      if (s.records.shard_index >= 0) shards.insert(s.records.shard_index);
      for (const auto& id : s.records.planned) plan_id(id);
      if (!d.study.has_environment && s.records.has_environment) {
        d.study.has_environment = true;
        d.study.environment = s.records.environment;
      }
      // One set of peaks per thread count for the device; a study whose own peaks differ from it keeps
      // them with its op profiles (OpProfileRecord::peaks), so its rows are graded as its own report
      // grades them, and the report says both sets.
      std::map<std::int64_t, RooflinePeaks> own_peaks;
      for (const auto& r : s.records.roofline) {
        const RooflinePeaks* have = nullptr;
        for (const auto& e : d.study.roofline)
          if (e.threads == r.threads) have = &e;
        if (!have) d.study.roofline.push_back(r), peaks_from[r.threads] = s.path;
        else if (r.ok && have->ok && PeaksDiffer(*have, r)) {
          own_peaks[r.threads] = r;
          d.study.warnings.push_back(fmt::format(
              "roofline_peaks: the merged studies of this device measured different roofline peaks at {} thread(s): {} in "
              "'{}', {} in '{}'; each study's roofline rows are graded by its own peaks",
              r.threads, PeaksText(*have), peaks_from[r.threads], PeaksText(r), s.path));
        }
      }
      for (auto p : s.records.points) {
        const std::string id = p.point.Key();
        if (p.device.empty()) p.device = name;
        if (p.shard < 0 && s.records.shard_index >= 0) p.shard = s.records.shard_index;
        auto it = points.find(id);
        if (it == points.end()) {
          points[id] = p;
          order.push_back(id);
          point_file[id] = s.path;
        } else {
          if (std::find(d.duplicates.begin(), d.duplicates.end(), id) == d.duplicates.end()) {
            d.duplicates.push_back(id);
            d.duplicate_files[id] = {point_file[id]};
          }
          d.duplicate_files[id].push_back(s.path);
          if (!it->second.ok && p.ok) {
            it->second = p;
            point_file[id] = s.path;
          }
          d.duplicate_kept[id] = point_file[id];
        }
      }
      for (const auto& m : s.records.models)
        if (models_seen.insert(m.model + "|" + m.variant).second) d.study.models.push_back(m);
      for (const auto& a : s.records.accuracy)
        if (acc_seen.insert(a.model + "|" + a.variant).second) d.study.accuracy.push_back(a);
      for (auto o : s.records.op_profiles)
        if (prof_seen.insert(o.model + "|" + o.variant + "|" + std::to_string(o.batch) + "|" + std::to_string(o.input_size) + "|" +
                             std::to_string(o.threads))
                .second) {
          if (auto own = own_peaks.find(o.threads); own != own_peaks.end() && !o.has_peaks) o.has_peaks = true, o.peaks = own->second;
          d.study.op_profiles.push_back(o);
        }
      for (const auto& w : s.records.warnings) d.study.warnings.push_back(w.code + ": " + w.message);
    }
    d.shards.assign(shards.begin(), shards.end());
    d.point_source = point_file;
    for (const auto& id : d.planned) {
      auto it = points.find(id);
      if (it == points.end()) {
        d.missing.push_back(id);
        continue;
      }
      d.study.points.push_back(it->second);
    }
    for (const auto& id : order)
      if (!planned_set.count(id)) d.study.points.push_back(points[id]);
    for (const auto& p : d.study.points)
      if (!p.ok && !p.not_applicable) d.failed.push_back(p.point.Key());
    d.study.has_settings = merged.has_settings;
    d.study.settings = merged.settings;
    d.study.planned_points = static_cast<std::int64_t>(std::max(d.planned.size(), d.study.points.size()));
    d.study.config = SynthesizedConfig(d.study, merged.has_settings ? merged.settings.baseline_variant : "");
    merged.devices.push_back(std::move(d));
  }
  // A plan folder whose shards have not run yet has no device: it says nothing to merge.
  if (merged.devices.empty())
    throw Error(ErrorCode::kNotFound, "qbench report: no results yet in the given folder(s): only a plan.json; run the shards "
                                      "(qbench lab --plan-file DIR/plan.json --shard I/N) first");
  return merged;
}

json MergedJson(const MergedStudy& merged, const std::string& generated_at_utc) {
  json devices = json::array(), points = json::array(), models = json::array(), accuracy = json::array(), profiles = json::array();
  for (const auto& d : merged.devices) {
    json roofline = json::array();
    for (const auto& r : d.study.roofline) roofline.push_back(ToJson(r));
    json missing = json::array();
    for (const auto& id : d.missing) {
      auto it = d.missing_shard.find(id);
      missing.push_back(it == d.missing_shard.end() ? json{{"id", id}} : json{{"id", id}, {"shard", it->second}});
    }
    devices.push_back(json{{"device", d.device},
                           {"environment", d.study.has_environment ? json(d.study.environment) : json::object()},
                           {"roofline", roofline},
                           {"shards", d.shards},
                           {"sources", d.sources},
                           {"planned_points", d.planned.size()},
                           {"measured_points", d.study.points.size() - d.failed.size()},
                           {"failed_points", d.failed.size()},
                           {"missing", missing},
                           {"failed", d.failed},
                           {"duplicates", d.duplicates}});
    for (const auto& p : d.study.points) points.push_back(ToJson(p));
    // Each record with its "device" (a point has it already).
    auto on_device = [&d](json j) {
      j["device"] = d.device;
      return j;
    };
    for (const auto& m : d.study.models) models.push_back(on_device(ToJson(m)));
    for (const auto& a : d.study.accuracy) accuracy.push_back(on_device(ToJson(a)));
    for (const auto& o : d.study.op_profiles) profiles.push_back(on_device(ToJson(o)));
  }
  return json{{"qbench_report_version", 1}, {"generated_at_utc", generated_at_utc},
              {"inputs", merged.inputs},    {"settings", merged.has_settings ? json(merged.settings) : json()},
              {"allow_mismatch", merged.allow_mismatch}, {"settings_mismatch", merged.mismatches},
              {"devices", devices},         {"points", points},
              {"models", models},           {"accuracy", accuracy},
              {"op_profiles", profiles}};
}

std::string MergedCsv(const MergedStudy& merged) {
  Table t;
  t.columns = {{"device", "", Align::kLeft}, {"shard", "", Align::kRight}};
  const LabStudy no_study;
  const auto study_columns = StudyTable(no_study).columns;
  t.columns.insert(t.columns.end(), study_columns.begin(), study_columns.end());
  for (const auto& d : merged.devices) {
    const Table one = StudyTable(d.study);  // file size and top-1 from the device's own records
    for (std::size_t i = 0; i < one.rows.size(); ++i) {
      const int shard = d.study.points[i].shard;
      std::vector<Cell> row = {Cell::Text(d.device), shard >= 0 ? Cell::Integer(shard) : Cell::Empty()};
      row.insert(row.end(), one.rows[i].begin(), one.rows[i].end());
      t.AddRow(std::move(row));
    }
  }
  return WriteCsv(t);
}

std::vector<int> MissingShards(const std::string& dir, const std::string& device, int shard_count) {
  std::error_code ec;
  if (!fs::exists(PlanJsonPath(dir), ec))
    throw Error(ErrorCode::kNotFound, "'" + dir + "' has no plan.json; make one with `qbench lab --plan -o " + dir + "`");
  const LabPlanFile plan = ReadPlanFile(PlanJsonPath(dir));
  const int n = plan.shards > 0 ? plan.shards : shard_count;
  if (n < 1) throw Error(ErrorCode::kInvalidArgument, "the plan in '" + dir + "' records no shard count; give --shards N");
  const auto& units = plan.units;
  const std::vector<int> shard_of = AssignShards(units.size(), n);
  std::set<std::string> done;
  for (const auto& f : ResultFiles(dir)) {
    Source s{f, dir, ReadResultsJsonl(f), ""};
    if (DeviceOf(s) != device) continue;
    for (const auto& p : s.records.points) done.insert(p.point.Key());  // failed points are recorded, not missing
  }
  std::set<int> out;
  for (std::size_t u = 0; u < units.size(); ++u)
    for (const auto& id : units[u].points)
      if (!done.count(id)) out.insert(shard_of[u]);
  return {out.begin(), out.end()};
}

}  // namespace qbench
