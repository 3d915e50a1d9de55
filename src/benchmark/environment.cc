// Environment snapshot (CPU, ISA, engine, build) and the warnings about it.
#include "qbench/benchmark/environment.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <type_traits>

#include "qbench/core/build_info.h"
#include "qbench/core/json_fields.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  return Trim(line);
}

std::string Percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", fraction * 100);
  return buf;
}

}  // namespace

void ParseCpuInfo(const std::string& cpuinfo_text, const std::string& architecture, EnvironmentInfo* env) {
  // The first processor block is enough: qbench assumes every core has the same ISA (true of big.LITTLE
  // arm parts too); the model name is the first core's.
  std::set<std::string> flags;
  std::istringstream in(cpuinfo_text);
  std::string line, arm_part, hardware, model;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (key == "model name" && model.empty()) model = value;
    if (key == "CPU part" && arm_part.empty()) arm_part = value;
    if (key == "Hardware" && hardware.empty()) hardware = value;
    if ((key == "flags" || key == "Features") && flags.empty()) {
      std::istringstream words(value);
      std::string w;
      while (words >> w) flags.insert(w);
    }
  }
  env->cpu_model = !model.empty() ? model : !hardware.empty() ? hardware : arm_part.empty() ? "" : "CPU part " + arm_part;
  const bool arm = architecture.rfind("aarch64", 0) == 0 || architecture.rfind("arm", 0) == 0;
  static const char* kX86[] = {"avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16",
                               "avx_vnni", "amx_tile", "amx_int8", "amx_bf16"};
  static const char* kArm[] = {"asimd", "asimddp", "i8mm", "sve"};
  env->isa_flags.clear();
  if (arm) {
    for (const char* f : kArm) env->isa_flags.emplace_back(f, flags.count(f) > 0);
  } else {
    for (const char* f : kX86) env->isa_flags.emplace_back(f, flags.count(f) > 0);
  }
}

EnvironmentInfo CaptureCpu() {
  EnvironmentInfo env;
  struct utsname uts {};
  if (::uname(&uts) == 0) {
    env.architecture = uts.machine;
    env.os = std::string(uts.sysname) + " " + uts.release;
  }
  std::ifstream in("/proc/cpuinfo");
  std::stringstream text;
  text << in.rdbuf();
  ParseCpuInfo(text.str(), env.architecture, &env);
  return env;
}

void CaptureAccelerator(const std::string& provider, const std::string& root, EnvironmentInfo* env) {
  env->accelerator_name.clear();
  env->accelerator_driver.clear();
  if (provider.empty() || provider == "cpu") return;
  auto read_all = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    s.erase(std::find(s.begin(), s.end(), '\0'), s.end());  // device-tree strings end in NUL
    return Trim(s);
  };
  const std::string r = root.empty() || root.back() == '/' ? root : root + "/";
  // NVIDIA discrete GPUs: the driver's proc files.
  std::error_code ec;
  const std::filesystem::path gpus(r + "proc/driver/nvidia/gpus");
  std::vector<std::string> names;
  for (std::filesystem::directory_iterator it(gpus, ec), end; !ec && it != end; it.increment(ec)) {
    std::istringstream info(read_all((it->path() / "information").string()));
    for (std::string line; std::getline(info, line);)
      if (line.rfind("Model:", 0) == 0) names.push_back(Trim(line.substr(6)));
  }
  std::sort(names.begin(), names.end());
  for (std::size_t i = 0; i < names.size(); ++i)
    if (i == 0 || names[i] != names[i - 1]) env->accelerator_name += (env->accelerator_name.empty() ? "" : ", ") + names[i];
  if (names.size() > 1) env->accelerator_name += " (" + std::to_string(names.size()) + " GPUs)";
  const std::string version = read_all(r + "proc/driver/nvidia/version");
  const auto k = version.find("Kernel Module");
  if (k != std::string::npos) {
    std::istringstream rest(version.substr(k + 13));
    std::string v;
    rest >> v;
    if (!v.empty()) env->accelerator_driver = "NVIDIA " + v;
  }
  // Jetson: the board's model and the L4T release.
  const std::string release = read_all(r + "etc/nv_tegra_release");
  if (env->accelerator_name.empty()) env->accelerator_name = read_all(r + "proc/device-tree/model");
  int major = 0;
  char revision[32] = {0};
  if (env->accelerator_driver.empty() && std::sscanf(release.c_str(), "# R%d (release), REVISION: %31[0-9.]", &major, revision) == 2)
    env->accelerator_driver = "L4T R" + std::to_string(major) + "." + revision;
  if (env->accelerator_name.empty()) env->accelerator_name = "unknown (" + provider + " provider)";
  if (env->accelerator_driver.empty()) env->accelerator_driver = "unknown";
}

EnvironmentInfo CaptureEnvironment(const std::string& execution_provider, int intra_op_threads,
                                   int inter_op_threads, const std::string& graph_optimization,
                                   bool allow_spinning) {
  EnvironmentInfo env = CaptureCpu();
  env.logical_cores = static_cast<int>(std::thread::hardware_concurrency());
  env.cpufreq_governor = ReadFirstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  env.load_average_1min = ReadLoadAverage1Min();
  env.ort_version = OrtVersion();
  env.execution_provider = execution_provider;
  CaptureAccelerator(execution_provider, "/", &env);
  env.intra_op_threads = intra_op_threads;
  env.inter_op_threads = inter_op_threads;
  env.graph_optimization = graph_optimization;
  env.allow_spinning = allow_spinning;
  env.qbench_version = QbenchVersion();
  env.git_commit = QbenchGitCommit();
  env.build_type = QbenchBuildType();
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) == 0) env.hostname = host;
  const std::time_t now = std::time(nullptr);
  std::tm tm {};
  if (::gmtime_r(&now, &tm)) {
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    env.date_utc = buf;
  }
  return env;
}

double ReadLoadAverage1Min() {
  const std::string load = ReadFirstLine("/proc/loadavg");
  double v = 0;
  return std::sscanf(load.c_str(), "%lf", &v) == 1 ? v : -1;
}

std::string BusyMachine(double load_average_1min, int logical_cores) {
  if (load_average_1min < 0 || logical_cores <= 0 || load_average_1min <= logical_cores) return "";
  char buf[160];
  // One decimal, or two where one would round down to the core count ("2.0 exceeds the 2" reads false).
  const int decimals = std::round(load_average_1min * 10) / 10 <= logical_cores ? 2 : 1;
  std::snprintf(buf, sizeof buf, "1-minute load average %.*f exceeds the %d logical cores", decimals, load_average_1min,
                logical_cores);
  return buf;
}

void AddBusyMachineWarning(double load_average_1min, int logical_cores, WarningList* warnings) {
  if (const std::string busy = BusyMachine(load_average_1min, logical_cores); !busy.empty())
    warnings->Add("busy_machine", busy + ": other programs compete for the CPUs and timings can swing "
                                         "several-fold, interleaved speedups included (docs/measurement.md, "
                                         "\"Run-to-run repeatability of speedups\"); stop them and rerun");
}

void AddEnvironmentWarnings(const EnvironmentInfo& env, WarningList* warnings) {
  if (env.build_type != "Release" && env.build_type != "RelWithDebInfo" && env.build_type != "MinSizeRel")
    warnings->Add("debug_build", "qbench was built as '" + env.build_type +
                                     "'; its own overhead may show in the timings. Rebuild with "
                                     "-DCMAKE_BUILD_TYPE=Release (ONNX Runtime itself is a release build)");
  if (!env.cpufreq_governor.empty() && env.cpufreq_governor != "performance")
    warnings->Add("frequency_scaling", "CPU frequency governor is '" + env.cpufreq_governor +
                                           "', so clock speed varies with load; for stable timings set it to "
                                           "'performance' (cpupower frequency-set -g performance)");
  AddBusyMachineWarning(env.load_average_1min, env.logical_cores, warnings);
}

void AddMeasurementWarnings(const Measurement& m, const std::string& label, double cv_threshold,
                            WarningList* warnings) {
  for (const auto& w : m.warnings) warnings->Add(w.code, label + ": " + w.message);
  // The loop's own high_cv only fires at the cap; a run that never extended (cv_threshold 0) can
  // still end noisy.
  const double cv = m.statistics.cv;
  bool has_high_cv = false;
  for (const auto& w : m.warnings) has_high_cv |= w.code == "high_cv";
  if (!has_high_cv && std::isfinite(cv) && cv > (cv_threshold > 0 ? cv_threshold : 0.05))
    warnings->Add("high_cv", label + ": CV " + Percent(cv) + " is high: close other programs, pin the process "
                                     "(taskset), or time longer (--repetitions, --min-time); compare medians");
  // Order statistics give a 95 % interval of the median only from n = 6 on (statistics.h);
  // below, the interval is [min, max] with a smaller level (n = 3: 75 %).
  const double level = m.statistics.median_ci_level;
  if (m.statistics.n >= 1 && level < 0.95 - 1e-9) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.3g %%", level * 100);
    warnings->Add("low_ci_level",
                  label + ": " +
                      (m.statistics.n == 1
                           ? std::string("one timed run gives the median no confidence interval")
                           : "with " + std::to_string(m.statistics.n) + " timed runs the median's interval [min, max] "
                                 "has a confidence level of only " + pct) +
                      " (95 % needs 6 runs or more); use --repetitions 6 or more");
  }
  if (m.statistics.n < 100)
    warnings->Add("few_samples_p99", label + ": only " + std::to_string(m.statistics.n) +
                                         " samples, so p99 is interpolated between the two slowest runs (it is "
                                         "not a tail estimate); use --repetitions 100 or more for p99");
}

namespace {

// The environment block's field list (core/json_fields.h), in the order bench --json writes it.
template <typename F, typename R>
void Fields(const F& f, R& r, const EnvironmentInfo*) {
  QBENCH_JSON_FIELDS(cpu_model, architecture)
  f.Flags("isa", r.isa_flags);
  f("logical_cores", r.logical_cores);
  f.Nullable("cpufreq_governor", r.cpufreq_governor, !r.cpufreq_governor.empty());  // null: unknown
  f.Nullable("load_average_1min", r.load_average_1min, r.load_average_1min >= 0);    // null: unknown
  QBENCH_JSON_FIELDS(ort_version, execution_provider)
  // "accelerator": {"name", "driver"}, only with one (a non-CPU provider).
  std::map<std::string, std::string> accelerator;
  if (!r.accelerator_name.empty()) accelerator = {{"name", r.accelerator_name}, {"driver", r.accelerator_driver}};
  f.Optional("accelerator", accelerator, !accelerator.empty());
  if constexpr (!std::is_const_v<R>) r.accelerator_name = accelerator["name"], r.accelerator_driver = accelerator["driver"];
  QBENCH_JSON_FIELDS(intra_op_threads, inter_op_threads, graph_optimization, allow_spinning, thread_pool, qbench_version,
                     git_commit, build_type, hostname, os, date_utc)
}

}  // namespace

nlohmann::ordered_json EnvironmentToJson(const EnvironmentInfo& e) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  Fields(json_fields::BasicJsonWriter<nlohmann::ordered_json>{j}, e, &e);
  return j;
}

void to_json(nlohmann::json& j, const EnvironmentInfo& e) {
  j = nlohmann::json::object();
  Fields(json_fields::JsonWriter{j}, e, &e);
}

void from_json(const nlohmann::json& j, EnvironmentInfo& e) {
  e = EnvironmentInfo();
  if (j.is_object()) Fields(json_fields::JsonReader{j}, e, &e);
}

}  // namespace qbench
