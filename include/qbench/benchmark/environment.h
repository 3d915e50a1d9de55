// qbench/benchmark/environment.h — what the numbers were measured on, and the warnings that say when
// they should not be trusted (debug build, noisy timings, frequency scaling, too few samples).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "qbench/benchmark/benchmark.h"
#include "qbench/core/log.h"

namespace qbench {

/// A snapshot of the machine, the engine and the build.
struct EnvironmentInfo {
  std::string cpu_model;                 ///< "model name" (x86) or "CPU part"/"Hardware" (arm) of /proc/cpuinfo
  std::string architecture;              ///< uname machine: "x86_64", "aarch64", ...
  /// ISA features that matter for int8 and fp32 kernels, each with whether the CPU has it:
  /// x86: avx2, fma, avx512f, avx512bw, avx512_vnni, avx512_bf16, avx_vnni, amx_tile, amx_int8, amx_bf16;
  /// arm: asimd (NEON), asimddp (dot product), i8mm, sve. From the flags/Features line of /proc/cpuinfo.
  std::vector<std::pair<std::string, bool>> isa_flags;
  int logical_cores = 0;                 ///< std::thread::hardware_concurrency()
  std::string cpufreq_governor;          ///< cpu0's scaling_governor; "" when /sys does not expose it
  double load_average_1min = -1;         ///< first field of /proc/loadavg when the run started; -1 unknown
  std::string ort_version;               ///< OrtVersion()
  std::string execution_provider;        ///< as given in SessionConfig ("cpu", ...)
  int intra_op_threads = 0;              ///< 0 = ORT's default
  int inter_op_threads = 0;
  std::string graph_optimization;        ///< disable, basic, extended, all
  bool allow_spinning = true;            ///< intra-op spin-wait on (off when models are interleaved per-session)
  /// "per-session" (each session its own intra-op pool) or "global" (ORT's global pool shared by the
  /// interleaved sessions: InterleavePolicy::kGlobalThreadPool, benchmark/compare.h)
  std::string thread_pool = "per-session";
  std::string qbench_version;            ///< QbenchVersion()
  std::string git_commit;                ///< QbenchGitCommit()
  std::string build_type;                ///< QbenchBuildType()
  std::string hostname;
  std::string os;                        ///< "Linux 6.1.0-18-amd64" (uname sysname + release)
  std::string date_utc;                  ///< ISO 8601, e.g. "2025-01-31T12:00:00Z"
  /// The accelerator behind a non-CPU execution provider ("" with the CPU provider): its name
  /// ("NVIDIA H100 80GB HBM3", "NVIDIA Jetson AGX Orin Developer Kit") and driver ("NVIDIA 550.54.15",
  /// "L4T R36.3.0"); "unknown" where the files that say are absent.
  std::string accelerator_name;
  std::string accelerator_driver;
};

/// Fills env->accelerator_name/driver for `execution_provider` from files under `root` ("/" normally;
/// a fake tree in tests): NVIDIA GPUs (cuda, tensorrt): proc/driver/nvidia/gpus/*/information
/// ("Model:") and proc/driver/nvidia/version (the kernel module's version); Jetson boards:
/// proc/device-tree/model and etc/nv_tegra_release ("# R36 (release), REVISION: 3.0" → "L4T
/// R36.3.0"). The CPU provider leaves both empty. Never throws.
void CaptureAccelerator(const std::string& execution_provider, const std::string& root, EnvironmentInfo* env);

/// Reads the environment now. The session fields (provider, threads, optimization, spinning) are
/// copied from the arguments. Never throws: unreadable items stay empty.
EnvironmentInfo CaptureEnvironment(const std::string& execution_provider, int intra_op_threads,
                                   int inter_op_threads, const std::string& graph_optimization,
                                   bool allow_spinning);

/// Reads only the CPU part now: architecture, os (uname) and cpu_model, isa_flags (/proc/cpuinfo).
/// Never throws. Used by CaptureEnvironment and by the quantizer's weight-range choice
/// (qbench/quantization/weight_range.h).
EnvironmentInfo CaptureCpu();

/// Fills env->cpu_model and env->isa_flags from the text of /proc/cpuinfo (x86 "model name" and "flags";
/// arm "Features", with "Hardware" or "CPU part" as the model when there is no "model name").
/// `architecture` (uname machine) picks the list of ISA features. Used by CaptureEnvironment.
void ParseCpuInfo(const std::string& cpuinfo_text, const std::string& architecture, EnvironmentInfo* env);

/// The environment block of every results file (`bench --json` "environment", the lab's "environment"
/// record): cpu_model, architecture, isa {flag: bool}, logical_cores, cpufreq_governor (null when
/// unknown), load_average_1min (null when unknown), ort_version, execution_provider, accelerator
/// {name, driver} (only with one), intra/inter_op_threads, graph_optimization, allow_spinning,
/// thread_pool, qbench_version, git_commit, build_type, hostname, os, date_utc.
/// One field list (environment.cc) writes it, in this order, and reads it back.
nlohmann::ordered_json EnvironmentToJson(const EnvironmentInfo& env);
/// nlohmann's hooks: the same block (keys sorted); the reader keeps defaults for missing keys and
/// null ones, and throws Error(kInvalidInput) naming a key of the wrong type.
void to_json(nlohmann::json& j, const EnvironmentInfo& env);
void from_json(const nlohmann::json& j, EnvironmentInfo& env);

/// The first field of /proc/loadavg (the 1-minute load average) now; -1 when unreadable. Never throws.
double ReadLoadAverage1Min();

/// The one busy-machine check (`bench`, the lab, the lab's roofline peaks): "" when the machine is
/// not busy, else what makes it busy, "1-minute load average 9.1 exceeds the 2 logical cores".
/// Busy: `load_average_1min` (from /proc/loadavg; < 0 unknown) above `logical_cores` (> 0; <= 0
/// unknown): more runnable threads than CPUs, so ORT's pool threads get descheduled.
std::string BusyMachine(double load_average_1min, int logical_cores);

/// Adds the "busy_machine" warning (BusyMachine, and what it does to timings) to `warnings` when the
/// machine is busy; `bench` (AddEnvironmentWarnings) and the lab (stderr and report.md) say the same.
void AddBusyMachineWarning(double load_average_1min, int logical_cores, WarningList* warnings);

/// Adds the warnings about the environment to `warnings`: "debug_build" when the build type is not an
/// optimized one (Release, RelWithDebInfo, MinSizeRel), "frequency_scaling" when the governor is known
/// and not "performance", "busy_machine" when the 1-minute load average exceeds the logical cores (other
/// programs compete for the CPUs; ORT's pool threads then get descheduled and timings swing several-fold).
void AddEnvironmentWarnings(const EnvironmentInfo& env, WarningList* warnings);

/// Adds the warnings about one measurement, `label` naming it (e.g. "squeezenet1.1 batch 8"):
/// "few_samples_p99" when n < 100 (p99 then lies between the two largest samples), "high_cv" when the
/// CV is still above `cv_threshold` at the end, "low_ci_level" when the median's confidence interval
/// is below 95 % (n < 6; it says the level and suggests --repetitions 6 or more), plus the
/// measurement's own warnings.
void AddMeasurementWarnings(const Measurement& m, const std::string& label, double cv_threshold,
                            WarningList* warnings);

}  // namespace qbench
