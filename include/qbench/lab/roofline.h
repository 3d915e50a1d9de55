// qbench/lab/roofline.h — this machine's peak fp32 and int8 matrix-multiply rates and its memory
// bandwidth, measured with ONNX Runtime once per (CPU, ORT version, thread count) and cached.
//
// Method (written into RooflinePeaks::method):
//  - fp32 peak: MatMul of two float32 [N,N] matrices (N = 1024; B an initializer), 1 073 741 824 MACs
//    per run; rate = MACs / fastest run time.
//  - int8 peak: MatMulInteger of uint8 A [N,N] by int8 B [N,N] (B an initializer, zero points 0),
//    int32 output — the u8·s8 kernel ORT's QLinearConv/QGemm/MatMulInteger paths use (VNNI where the
//    CPU has it); same MAC count.
//  - bandwidth: Add of two float32 vectors of 16 Mi elements (64 MiB each, far beyond the caches);
//    bytes per run = 2 reads + 1 write = 192 MiB; rate = bytes / fastest run time. Write-allocate
//    traffic is not counted, so this is a lower bound of the hardware bandwidth, but it is the rate
//    an elementwise ONNX Runtime kernel actually gets, which is what a memory-bound op sees.
// Each is timed with the benchmark module (RunBenchmark: 3 warm-up runs, 20 timed runs; the fastest
// run, since a peak is what the machine can do when undisturbed),
// inputs bound once, intra-op threads as requested.
#pragma once

#include <cstdint>
#include <string>

#include "qbench/core/log.h"
#include "qbench/lab/results.h"

namespace qbench {

/// ~/.cache/qbench/roofline.json ($XDG_CACHE_HOME/qbench/roofline.json when set; "" when neither
/// HOME nor XDG_CACHE_HOME is set).
std::string DefaultRooflineCachePath();

/// Refuses a cache path that holds something other than a roofline cache, since writing the peaks would
/// replace it (a model, a report): throws Error(kInvalidArgument) naming `flag` and the path when the
/// file exists, is not empty and is not a JSON object, or is a folder. An absent or empty file passes.
void CheckRooflineCachePath(const std::string& path, const std::string& flag = "--roofline-cache");

/// The cache key: "<cpu model>|ort <version>|threads <n>".
std::string RooflineCacheKey(const std::string& cpu_model, const std::string& ort_version, std::int64_t threads);

/// Measures the three peaks now (a few seconds). `matrix_size` N and `vector_elements` default to
/// the values above (tests pass smaller ones). Never throws: a failure gives ok = false and error.
RooflinePeaks MeasureRooflinePeaks(std::int64_t threads, int matrix_size = 1024, std::int64_t vector_elements = 16 << 20);

/// Peaks of one CPU and ORT at two thread counts are plausible together when, for each of fp32,
/// int8 and bandwidth, the rate with more threads is at least kRooflineMinThreadScaling × the rate
/// with fewer (more threads are not slower) and at most kRooflineMaxThreadScaling × the thread ratio
/// × it (no more than linear scaling, with a margin for caches). A pair outside is one measured
/// under load: the 1-thread 13.4 and 2-thread 77.6 GMAC/s of one cache (5.8x for 2x the threads).
constexpr double kRooflineMinThreadScaling = 0.8;
constexpr double kRooflineMaxThreadScaling = 1.25;

/// Which of `a` and `b` (peaks of the same CPU and ORT at different thread counts, both ok) is too
/// low to be right next to the other: nullptr when the pair is plausible (above), else the one
/// whose rates are below what the other's allow (the one with more threads when it is slower, the
/// one with fewer when the other scales beyond linear). `why` (may be null) receives the reason, e.g.
/// "fp32 2 threads 12.8 GMAC/s < 0.8 x 1 thread 16.2 GMAC/s". Pure.
const RooflinePeaks* ImplausibleRooflinePeaks(const RooflinePeaks& a, const RooflinePeaks& b, std::string* why = nullptr);

/// What LoadOrMeasureRoofline judges measured peaks by before it caches them.
struct RooflineLoad {
  /// The 1-minute load average; < -1 (default): read /proc/loadavg just before measuring
  /// (ReadLoadAverage1Min). Tests give one.
  double load_average_1min = -2;
  int logical_cores = 0;  ///< 0: std::thread::hardware_concurrency()
};

/// Cached peaks older than this are measured again (30 days: a machine's speed changes with its
/// firmware, kernel, ORT build and neighbours; `qbench lab --refresh-roofline` measures them now).
constexpr double kRooflineCacheMaxAgeS = 30.0 * 24 * 3600;

/// The cached peaks for this machine (CPU model from /proc/cpuinfo, ORT version, `threads`) from
/// `cache_path`, or {ok = false} when absent, older than `max_age_s` (error then says how old), or
/// implausibly low next to the cache's peaks of another thread count (ImplausibleRooflinePeaks;
/// error says why). Never throws.
RooflinePeaks ReadCachedRoofline(const std::string& cache_path, std::int64_t threads, double max_age_s = kRooflineCacheMaxAgeS);

/// Cached peaks when present, younger than kRooflineCacheMaxAgeS and plausible (ReadCachedRoofline;
/// from_cache = true), else MeasureRooflinePeaks and store them in the cache file (created with its
/// folder; other keys kept; written atomically). A cache that cannot be written adds a warning
/// ("roofline_cache") and the measured peaks are still returned.
/// Peaks measured now are not cached (RooflinePeaks::not_cached says why, and a warning is added)
/// when the machine was busy (BusyMachine of `load`: warning "roofline_busy") or when they are
/// implausibly low next to the cache's peaks at another thread count (ImplausibleRooflinePeaks:
/// "roofline_implausible"); a cached entry that is implausibly low next to them is removed instead.
/// With `refresh`, the cache is not read: the peaks are measured and the cache entry replaced.
/// `matrix_size` and `vector_elements` are passed to MeasureRooflinePeaks (tests pass smaller ones).
RooflinePeaks LoadOrMeasureRoofline(std::int64_t threads, const std::string& cache_path, WarningList* warnings, bool refresh = false,
                                    int matrix_size = 1024, std::int64_t vector_elements = 16 << 20,
                                    const RooflineLoad& load = {});

/// Cached peaks are taken as stale when a quick fp32 MatMul now beats the cached fp32 peak by this factor.
constexpr double kRooflineStaleFactor = 1.3;

/// Whether `cached` peaks are below what this machine does now, i.e. were measured while it was
/// busier (a roofline drawn against them puts whole models at several times "the peak"): the fp32
/// peak's MatMul (N = 1024) timed now, fastest of 4 runs after 1 warm-up (< 1 s), runs faster than
/// kRooflineStaleFactor × cached.fp32_macs_per_s. `now_macs_per_s` (may be null) receives that rate.
/// False when `cached` is !ok or the quick measurement fails. Never throws.
bool CachedRooflineBelowNow(const RooflinePeaks& cached, std::int64_t threads, double* now_macs_per_s = nullptr);

/// MACs of one sample of QuickSpeedEstimate's CNN probe: 56² × (32·32·9 + 96·32 + 96·9 + 32·96).
constexpr std::int64_t kCnnProbeMacs = 56LL * 56 * (32 * 32 * 9 + 96 * 32 + 96 * 9 + 32 * 96);
constexpr std::int64_t kCnnProbeBatch = 4;  ///< samples per run of the probe

/// The achieved fp32 CNN throughput now, for `qbench lab --dry-run` (about half a second): a small
/// CNN built in code (float32 [4,32,56,56] through a 3x3 conv, a 1x1 expansion to 96 channels, a
/// depthwise 3x3 and a 1x1 projection, kCnnProbeMacs MACs per sample) run as the lab runs models
/// (no spinning, `threads` intra-op threads) for at least 0.4 s after 2 warm-ups; rate = MACs /
/// mean run time, so that on a shared machine it reflects the share of the CPU the study will get.
/// The real models' rate is a measured fraction of it (lab.h kLabModelShareOfProbe). Only
/// fp32_macs_per_s and method are set. Never throws: a failure gives ok = false and error.
RooflinePeaks QuickSpeedEstimate(std::int64_t threads);

}  // namespace qbench
