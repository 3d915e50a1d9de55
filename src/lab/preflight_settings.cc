// The settings that define what a lab's numbers mean (LabMeasurementSettings, PathIdentity), the
// resume check against an earlier run's (DiffLabSettings, CheckResumeSettings) and the warnings a
// configuration deserves (LabConfigWarnings); see preflight.h.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include <thread>

#include <fmt/format.h>

#include "qbench/benchmark/statistics.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/config.h"
#include "qbench/lab/device.h"
#include "qbench/lab/preflight.h"
#include "qbench/zoo/zoo.h"

namespace qbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Modification time in nanoseconds since the Unix epoch, -1 when stat fails.
std::int64_t MtimeNs(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : p.string();
}

// A setting's value as shown in a difference: paths by their path, "" as "(none)".
std::string Show(const std::string& v) { return v.empty() ? "(none)" : "'" + v + "'"; }
std::string Show(const FileIdentity& v) { return "'" + v.path + "'"; }
std::string Show(const DataIdentity& v) { return v.given ? Show(v.identity) : "(none)"; }
template <typename T>
std::string Show(const T& v) {
  return json(v).dump();
}

template <typename T>
std::string DescribeChange(const T& before, const T& after) {
  return Show(before) + " earlier, " + Show(after) + " now";
}
std::string DescribeChange(const FileIdentity& before, const FileIdentity& after) {
  if (before.path == after.path) return Show(after) + " changed since the earlier run (size or modification time)";
  return Show(before) + " earlier, " + Show(after) + " now";
}
std::string DescribeChange(const DataIdentity& before, const DataIdentity& after) {
  if (before.given && after.given) return DescribeChange(before.identity, after.identity);
  return Show(before) + " earlier, " + Show(after) + " now";
}

}  // namespace

FileIdentity PathIdentity(const std::string& path) {
  FileIdentity id;
  id.path = Absolute(path);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    id.missing = true;
    return id;
  }
  if (!fs::is_directory(status)) {
    id.size_bytes = static_cast<std::int64_t>(fs::file_size(path, ec));
    id.mtime_ns = MtimeNs(path);
    return id;
  }
  std::int64_t files = 0, bytes = 0, newest = MtimeNs(path);
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator() && files < 100000; it.increment(ec)) {
    std::error_code e2;
    if (!it->is_regular_file(e2)) continue;
    ++files;
    bytes += static_cast<std::int64_t>(it->file_size(e2));
    newest = std::max(newest, MtimeNs(it->path().string()));
  }
  id.folder = true;
  id.files = files;
  id.size_bytes = bytes;
  id.mtime_ns = newest;
  return id;
}

LabSettings LabMeasurementSettings(const LabConfig& c) {
  LabSettings s;
  for (const auto& m : LabModels(c.models)) {
    LabModelSettings& e = s.models[m.name];
    e.spec = m.spec;
    if (!IsZooSpec(m.spec)) {
      e.has_file = true;
      e.file = PathIdentity(m.spec);
      try {
        e.checksum = FileChecksum(m.spec);  // compared by `qbench report` across machines
      } catch (const std::exception&) {
        e.checksum = "";
      }
    }
    for (const auto& x : c.external)
      if (ExternalVariantOf(x, m.name, m.spec)) e.external[x.label] = PathIdentity(x.path);
  }
  s.repetitions = c.repetitions;
  s.warmup_runs = c.warmup_runs;
  s.seed = c.seed;
  s.baseline_variant = c.variants.empty() ? "" : c.variants.front();
  s.preprocess = LabPreprocessPreset(c);
  s.calibration_data = c.calibration_data.empty() ? DataIdentity{} : DataIdentity{true, PathIdentity(c.calibration_data)};
  s.calibration_size = c.calibration_size;
  s.calibration_method = c.calibration_method;
  if (c.weight_range != WeightRange::kAuto) s.weight_range = WeightRangeName(c.weight_range);
  s.eval_data = c.eval_data.empty() ? DataIdentity{} : DataIdentity{true, PathIdentity(c.eval_data)};
  s.eval_limit = c.eval_limit;
  s.split = c.split;
  s.provider = c.provider;
  // Written only when not the default, so that studies made before these settings existed resume.
  if (c.preprocessing.AnyGiven()) s.preprocessing = DescribePreprocessOverrides(c.preprocessing);
  s.no_verify = !c.verify;
  return s;
}

std::string EffectiveCalibrationMethod(const std::string& setting) {
  return setting.empty() ? CalibrationMethodName(CalibrationOptions{}.method) : setting;
}

std::vector<std::string> DiffLabSettings(const LabSettings& a, const LabSettings& b) {
  std::vector<std::string> out;
  ForEachSetting(a, b, [&out](const char*, const char* flag, const auto& x, const auto& y) {
    if (x != y) out.push_back(std::string(flag) + " " + DescribeChange(x, y));
  });
  for (const auto& [name, y] : b.models) {
    auto it = a.models.find(name);
    if (it == a.models.end()) continue;
    const LabModelSettings& x = it->second;
    if (x.spec != y.spec)
      out.push_back("model '" + name + "': " + DescribeChange(x.spec, y.spec));
    else if (x.has_file && y.has_file && x.file != y.file)
      out.push_back("model '" + name + "': file " + DescribeChange(x.file, y.file));
    for (const auto& [label, f] : y.external) {
      auto e = x.external.find(label);
      if (e != x.external.end() && e->second != f)
        out.push_back("model '" + name + "': --compare-file " + label + " " + DescribeChange(e->second, f));
    }
  }
  return out;
}

void CheckResumeSettings(const LabConfig& config, const JsonlRecords& previous) {
  if (!previous.HasMeasurements()) return;
  const std::string where = ResultsJsonlPath(config.output_dir);
  const std::string fix = "give a new --output folder, or drop --resume and give --force to move the earlier study "
                          "to a dated folder and measure afresh";
  if (!previous.has_settings)
    throw Error(ErrorCode::kInvalidArgument, "--resume: " + where + " has no settings record (written by an older qbench), "
                                             "so whether its measurements were made with these settings cannot be "
                                             "checked; " + fix);
  auto diff = DiffLabSettings(previous.settings, LabMeasurementSettings(config));
  const std::string device = LabDeviceLabel(config);
  if (!previous.device.empty() && previous.device != device)
    diff.push_back("--device '" + previous.device + "' earlier, '" + device + "' now");
  if (diff.empty()) return;
  std::string list;
  for (const auto& d : diff) list += (list.empty() ? "" : "; ") + d;
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("--resume: the study in {} was measured with other settings ({}); its points cannot be mixed "
                          "with points measured now: run with the earlier settings, or {}",
                          where, list, fix));
}

bool SameDataset(const std::string& a, const std::string& b) {
  const fs::path ca(Absolute(a)), cb(Absolute(b));
  if (ca == cb) return true;
  std::error_code ec;
  if (fs::is_regular_file(ca, ec) && fs::is_directory(cb, ec) && ca.parent_path() == cb) return true;
  if (fs::is_regular_file(cb, ec) && fs::is_directory(ca, ec) && cb.parent_path() == ca) return true;
  return false;
}

std::vector<LabWarning> LabConfigWarnings(const LabConfig& c) {
  std::vector<LabWarning> out;
  if (c.repetitions >= 1 && c.repetitions < 6) {
    std::vector<double> ranks(static_cast<std::size_t>(c.repetitions));
    for (std::size_t i = 0; i < ranks.size(); ++i) ranks[i] = static_cast<double>(i);
    const double level = MedianConfidenceInterval(ranks, 0.95).level;
    out.push_back({"median_ci_below_95",
                   fmt::format("k = {} gives a {:.0f} % interval for the median: with fewer than 6 timed runs the "
                               "order-statistic interval is the [min, max] of the runs, which holds the true median "
                               "with probability 1 - 2 x 0.5^k; use --repetitions >= 6 for 95 %",
                               c.repetitions, 100 * level)});
  }
  const auto cores = static_cast<std::int64_t>(std::thread::hardware_concurrency());
  for (const std::int64_t t : c.threads.values)
    if (cores > 0 && t > cores) {
      out.push_back({"threads_oversubscribed",
                     fmt::format("--threads {} exceeds the {} logical core(s) of this machine: the intra-op threads "
                                 "share cores and time each other out; the points at {} thread(s) measure contention, "
                                 "not scaling",
                                 t, cores, t)});
      break;
    }
  const bool calibrated = HasCalibratedVariant(c.variants);
  if (!calibrated && (!c.calibration_data.empty() || !c.calibration_method.empty())) {
    std::string variants;
    for (const auto& v : c.variants) variants += (variants.empty() ? "" : ", ") + v;
    std::string calibrated_variants;  // the scheme table's calibrated rows, as lab variants
    for (const auto& info : LabVariants())
      if (info.scheme && info.scheme->needs_calibration) calibrated_variants += (calibrated_variants.empty() ? "" : ", ") + info.name;
    out.push_back({"calibration_ignored", "--calibration-data and --calibration-method apply only to the static variants "
                                          "(calibrated activations: " + calibrated_variants + "), and none is among the "
                                          "variants measured (" + variants + "): nothing is calibrated (the data only feeds the "
                                          "verification of the quantized variants)"});
  }
  if (c.eval_limit > 0 && c.eval_data.empty())
    out.push_back({"eval_limit_ignored",
                   fmt::format("--eval-limit {} has no effect without --eval-data: no accuracy is measured; give the "
                               "evaluation set with --eval-data, or leave out --eval-limit",
                               c.eval_limit)});
  if (calibrated && !c.split && c.calibration_data.empty() && !c.eval_data.empty())
    out.push_back({"random_calibration",
                   fmt::format("the static variants are calibrated on {} samples of random input although --eval-data "
                               "is given: random activation ranges are not the data's, and their accuracy can collapse; "
                               "add --split to calibrate on a disjoint random part of --eval-data ({}), or give "
                               "--calibration-data",
                               c.calibration_size, c.eval_data)});
  if (calibrated && !c.split && !c.calibration_data.empty() && !c.eval_data.empty() &&
      SameDataset(c.calibration_data, c.eval_data))
    out.push_back({"calibration_overlaps_eval",
                   fmt::format("--calibration-data and --eval-data are the same dataset ({}): the static variants are "
                               "calibrated on up to {} of the samples they are evaluated on, which flatters their "
                               "accuracy; give a calibration set disjoint from the evaluation set, or --split to "
                               "calibrate and evaluate on disjoint parts of it",
                               c.eval_data, c.calibration_size)});
  return out;
}

}  // namespace qbench
