#include "qbench/lab/roofline.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/environment.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

HostTensor Filled(DType dtype, std::vector<std::int64_t> shape, std::uint32_t seed) {
  HostTensor t = HostTensor::Zeros(dtype, std::move(shape));
  std::mt19937 gen(seed);
  const std::int64_t n = t.num_elements();
  if (dtype == DType::kFloat32) {
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    for (std::int64_t i = 0; i < n; ++i) t.data<float>()[i] = d(gen);
  } else if (dtype == DType::kUint8) {
    for (std::int64_t i = 0; i < n; ++i) t.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(gen() & 0xff);
  } else if (dtype == DType::kInt8) {
    for (std::int64_t i = 0; i < n; ++i) t.data<std::int8_t>()[i] = static_cast<std::int8_t>(static_cast<int>(gen() % 255) - 127);
  }
  return t;
}

// Fastest run time (ms) of `model` on `feeds` with the benchmark module: a peak is what the machine
// can do, so the least disturbed run is the estimate (the median is what a model sees).
// With `achieved`: the mean run time over at least kProbeWindowS of runs instead, without spinning,
// as the lab runs models: on a shared machine short runs fit between other processes' time slices,
// so only a window of runs long enough to span them shows the share of the CPU a study will get.
constexpr double kProbeWindowS = 0.4;
double TimeModel(const Model& model, std::vector<HostTensor> feeds, std::int64_t threads, int warmup, int reps,
                 bool achieved = false) {
  SessionConfig sc;
  sc.intra_op_threads = static_cast<int>(threads);
  sc.allow_spinning = !achieved;
  auto runner = OrtRunner::Create(model, sc);
  OrtBenchTarget target(*runner, std::move(feeds));
  BenchmarkConfig bc;
  bc.warmup_runs = warmup;
  bc.repetitions = reps;
  bc.max_repetitions = achieved ? 1000 : reps;
  bc.min_time_s = achieved ? kProbeWindowS : 0;
  bc.cv_threshold = 0;
  const auto stats = RunBenchmark(target, bc).statistics;
  return achieved ? stats.mean_ms : stats.min_ms;
}

Model MatMulModel(int n, bool int8) {
  GraphBuilder g(int8 ? "roofline_int8_matmul" : "roofline_fp32_matmul", 13);
  if (int8) {
    g.AddInput("A", DType::kUint8, {n, n});
    g.AddTensorInitializer("B", Filled(DType::kInt8, {n, n}, 2));
    g.AddNode("MatMulInteger", "mm", {"A", "B"}, {"Y"});
    g.AddOutput("Y", DType::kInt32, {n, n});
  } else {
    g.AddInput("A", DType::kFloat32, {n, n});
    g.AddTensorInitializer("B", Filled(DType::kFloat32, {n, n}, 2));
    g.AddNode("MatMul", "mm", {"A", "B"}, {"Y"});
    g.AddOutput("Y", DType::kFloat32, {n, n});
  }
  return g.Build();
}

// The CNN probe of QuickSpeedEstimate (roofline.h): float32 [4,32,56,56] through a 3x3 conv 32→32,
// a 1x1 expansion 32→96, a depthwise 3x3 on 96 channels and a 1x1 projection 96→32, each with a
// bias and (but the last) a Relu: the dense, pointwise and depthwise convolutions CNNs are made of.
Model CnnProbeModel() {
  constexpr int kC = 32, kE = 96, kS = 56;
  GraphBuilder g("estimate_cnn_probe", 13);
  g.AddInput("x", DType::kFloat32, {kCnnProbeBatch, kC, kS, kS});
  std::string cur = "x";
  struct Layer {
    const char* name;
    int cout, cin_per_group, k, group;
    bool relu;
  };
  const Layer layers[] = {{"conv3x3", kC, kC, 3, 1, true}, {"expand", kE, kC, 1, 1, true}, {"depthwise", kE, 1, 3, kE, true},
                          {"project", kC, kE, 1, 1, false}};
  std::uint32_t seed = 10;
  for (const auto& l : layers) {
    const std::string n = l.name;
    g.AddTensorInitializer(n + ".w", Filled(DType::kFloat32, {l.cout, l.cin_per_group, l.k, l.k}, seed++));
    g.AddTensorInitializer(n + ".b", Filled(DType::kFloat32, {l.cout}, seed++));
    const std::int64_t pad = (l.k - 1) / 2;
    g.AddNode("Conv", n, {cur, n + ".w", n + ".b"}, {n + ".y"},
              {AttrInt("group", l.group), AttrInts("kernel_shape", {l.k, l.k}), AttrInts("pads", {pad, pad, pad, pad})});
    cur = n + ".y";
    if (l.relu) {
      g.AddNode("Relu", n + ".relu", {cur}, {n + ".r"});
      cur = n + ".r";
    }
  }
  g.AddNode("Identity", "out", {cur}, {"y"});
  g.AddOutput("y", DType::kFloat32, {kCnnProbeBatch, kC, kS, kS});
  return g.Build();
}

std::string CpuModel() {
  return CaptureEnvironment("cpu", 0, 0, "all", true).cpu_model;
}

double NowUnixS() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The cache's ok peaks under the keys of `cpu_model` and `ort_version` (RooflineCacheKey) at thread
// counts other than `threads`, by key; each entry's threads are its key's.
std::map<std::string, RooflinePeaks> OtherThreadCounts(const nlohmann::json& cache, const std::string& cpu_model,
                                                       const std::string& ort_version, std::int64_t threads) {
  std::map<std::string, RooflinePeaks> out;
  if (!cache.is_object()) return out;
  std::string prefix = RooflineCacheKey(cpu_model, ort_version, 0);
  prefix.pop_back();  // "<cpu>|ort <version>|threads "
  for (const auto& [key, entry] : cache.items()) {
    if (key.rfind(prefix, 0) != 0) continue;
    try {
      const std::int64_t t = std::stoll(key.substr(prefix.size()));
      RooflinePeaks p = RooflinePeaksFromJson(entry);
      p.threads = t;
      if (p.ok && t != threads && t >= 1) out[key] = p;
    } catch (const std::exception&) {
    }
  }
  return out;
}

}  // namespace

const RooflinePeaks* ImplausibleRooflinePeaks(const RooflinePeaks& a, const RooflinePeaks& b, std::string* why) {
  if (a.threads == b.threads || a.threads < 1 || b.threads < 1) return nullptr;
  const RooflinePeaks& lo = a.threads < b.threads ? a : b;
  const RooflinePeaks& hi = a.threads < b.threads ? b : a;
  const double ratio = static_cast<double>(hi.threads) / static_cast<double>(lo.threads);
  struct Rate {
    const char* name;
    double RooflinePeaks::*field;
    double scale;
    const char* unit;
  };
  for (const Rate& r : {Rate{"fp32", &RooflinePeaks::fp32_macs_per_s, 1e9, "GMAC/s"}, Rate{"int8", &RooflinePeaks::int8_macs_per_s, 1e9, "GMAC/s"},
                        Rate{"bandwidth", &RooflinePeaks::bytes_per_s, 1e9, "GB/s"}}) {
    const double l = lo.*r.field, h = hi.*r.field;
    if (l <= 0 || h <= 0) continue;
    const RooflinePeaks* low = nullptr;
    std::string text;
    if (h < kRooflineMinThreadScaling * l) {
      low = &hi;
      text = fmt::format("{} with {} threads {:.1f} {} is below {:.1f} {} with {} (more threads slower)", r.name, hi.threads, h / r.scale,
                         r.unit, l / r.scale, r.unit, lo.threads);
    } else if (h > kRooflineMaxThreadScaling * ratio * l) {
      low = &lo;
      text = fmt::format("{} with {} threads {:.1f} {} is {:.1f}x the {:.1f} {} with {} ({:.3g}x the threads)", r.name, hi.threads,
                         h / r.scale, r.unit, h / l, l / r.scale, r.unit, lo.threads, ratio);
    }
    if (!low) continue;
    if (why) *why = text;
    return low;
  }
  return nullptr;
}

std::string DefaultRooflineCachePath() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/qbench/roofline.json";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/qbench/roofline.json";
  return "";
}

std::string RooflineCacheKey(const std::string& cpu_model, const std::string& ort_version, std::int64_t threads) {
  return cpu_model + "|ort " + ort_version + "|threads " + std::to_string(threads);
}

RooflinePeaks MeasureRooflinePeaks(std::int64_t threads, int n, std::int64_t vector_elements) {
  RooflinePeaks p;
  p.threads = threads;
  p.cpu_model = CpuModel();
  p.ort_version = OrtVersion();
  p.measured_at_unix_s = NowUnixS();
  p.load_average_1min = ReadLoadAverage1Min();
  p.logical_cores = static_cast<int>(std::thread::hardware_concurrency());
  try {
    const double macs = static_cast<double>(n) * n * n;
    const double fp32_ms = TimeModel(MatMulModel(n, false), {Filled(DType::kFloat32, {n, n}, 1)}, threads, 3, 20);
    const double int8_ms = TimeModel(MatMulModel(n, true), {Filled(DType::kUint8, {n, n}, 1)}, threads, 3, 20);
    GraphBuilder g("roofline_bandwidth_add", 13);
    g.AddInput("A", DType::kFloat32, {vector_elements});
    g.AddInput("B", DType::kFloat32, {vector_elements});
    g.AddNode("Add", "add", {"A", "B"}, {"Y"});
    g.AddOutput("Y", DType::kFloat32, {vector_elements});
    const double add_ms = TimeModel(g.Build(), {Filled(DType::kFloat32, {vector_elements}, 3), Filled(DType::kFloat32, {vector_elements}, 4)},
                                    threads, 3, 20);
    p.fp32_macs_per_s = macs / (fp32_ms / 1000.0);
    p.int8_macs_per_s = macs / (int8_ms / 1000.0);
    p.bytes_per_s = 3.0 * 4.0 * static_cast<double>(vector_elements) / (add_ms / 1000.0);
    p.method = fmt::format(
        "ONNX Runtime {}, {} thread(s), fastest of 20 runs after 3 warm-ups: fp32 = MatMul float32 [{n},{n}]x[{n},{n}] "
        "({:.2f} ms); int8 = MatMulInteger uint8 x int8 [{n},{n}]x[{n},{n}] ({:.2f} ms); bandwidth = Add of two float32 "
        "vectors of {} elements, 3 x {:.0f} MiB moved per run ({:.2f} ms)",
        p.ort_version, threads, fp32_ms, int8_ms, vector_elements, 4.0 * static_cast<double>(vector_elements) / (1 << 20),
        add_ms, fmt::arg("n", n));
    p.ok = true;
  } catch (const std::exception& e) {
    p.error = e.what();
  }
  return p;
}

void CheckRooflineCachePath(const std::string& path, const std::string& flag) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::kInvalidArgument, flag + " '" + path + "' is a folder; give the path of a JSON file (e.g. " +
                                                 path + "/roofline.json)");
  const std::string bytes = ReadFileBytes(path);
  bool cache = bytes.find_first_not_of(" \t\r\n") == std::string::npos;  // empty: nothing to lose
  if (!cache) {
    try {
      cache = nlohmann::json::parse(bytes).is_object();
    } catch (const std::exception&) {
    }
  }
  if (!cache)
    throw Error(ErrorCode::kInvalidArgument, flag + " '" + path + "' exists and is not a roofline cache (a JSON object of "
                                                 "peaks): writing the peaks would replace it; give another path "
                                                 "(qbench never overwrites other files)");
}

RooflinePeaks ReadCachedRoofline(const std::string& cache_path, std::int64_t threads, double max_age_s) {
  RooflinePeaks none;
  none.threads = threads;
  if (cache_path.empty()) return none;
  try {
    const auto j = nlohmann::json::parse(ReadFileBytes(cache_path));
    const std::string key = RooflineCacheKey(CpuModel(), OrtVersion(), threads);
    if (!j.is_object() || !j.contains(key)) return none;
    RooflinePeaks p = RooflinePeaksFromJson(j[key]);
    p.from_cache = true;
    const double age_s = NowUnixS() - p.measured_at_unix_s;
    if (p.ok && p.measured_at_unix_s > 0 && age_s > max_age_s) {
      none.error = fmt::format("the cached peaks are {:.0f} days old (older than {:.0f})", age_s / 86400, max_age_s / 86400);
      return none;
    }
    if (!p.ok) return none;
    p.threads = threads;
    for (const auto& [other_key, other] : OtherThreadCounts(j, CpuModel(), OrtVersion(), threads)) {
      std::string why;
      if (ImplausibleRooflinePeaks(p, other, &why) == &p) {
        none.error = "the cached peaks are implausibly low next to the cached " + std::to_string(other.threads) +
                     "-thread ones (" + why + "): measured while the machine was busy";
        return none;
      }
    }
    return p;
  } catch (const std::exception&) {
    return none;
  }
}

RooflinePeaks LoadOrMeasureRoofline(std::int64_t threads, const std::string& cache_path, WarningList* warnings, bool refresh,
                                    int matrix_size, std::int64_t vector_elements, const RooflineLoad& load) {
  if (!refresh) {
    RooflinePeaks cached = ReadCachedRoofline(cache_path, threads);
    if (cached.ok) return cached;
  }
  const double load_now = load.load_average_1min < -1 ? ReadLoadAverage1Min() : load.load_average_1min;
  const int cores = load.logical_cores > 0 ? load.logical_cores : static_cast<int>(std::thread::hardware_concurrency());
  RooflinePeaks p = MeasureRooflinePeaks(threads, matrix_size, vector_elements);
  p.load_average_1min = load_now;
  p.logical_cores = cores;
  if (!p.ok || cache_path.empty()) return p;
  auto warn = [&](const char* code, const std::string& m) {
    if (warnings) warnings->Add(code, m);
  };
  try {
    CheckRooflineCachePath(cache_path);  // never replace a file that is not a roofline cache
    if (const std::string busy = BusyMachine(load_now, cores); !busy.empty()) {
      p.not_cached = "measured on a busy machine (" + busy + ")";
      warn("roofline_busy", fmt::format("the roofline peaks ({} thread(s)) were measured on a busy machine ({}): the shares of "
                                        "peak and the memory/compute verdicts rest on peaks that are likely too low; they are "
                                        "not cached (measured again next time; on a quiet machine, --refresh-roofline)",
                                        threads, busy));
      return p;
    }
    nlohmann::json j = nlohmann::json::object();
    try {
      j = nlohmann::json::parse(ReadFileBytes(cache_path));
      if (!j.is_object()) j = nlohmann::json::object();
    } catch (const std::exception&) {
    }
    for (const auto& [other_key, other] : OtherThreadCounts(j, p.cpu_model, p.ort_version, threads)) {
      std::string why;
      const RooflinePeaks* low = ImplausibleRooflinePeaks(p, other, &why);
      if (low == &p) {
        p.not_cached = fmt::format("implausibly low next to the cached {}-thread peaks ({})", other.threads, why);
        warn("roofline_implausible", fmt::format("the roofline peaks measured now ({} thread(s)) are {}: the machine was "
                                                 "likely busy; they are not cached", threads, p.not_cached));
        return p;
      }
      if (low) {
        j.erase(other_key);
        warn("roofline_implausible", fmt::format("the cached {}-thread roofline peaks were implausibly low next to those "
                                                 "measured now ({}): removed from {}", other.threads, why, cache_path));
      }
    }
    j[RooflineCacheKey(p.cpu_model, p.ort_version, threads)] = ToJson(p);
    std::error_code ec;
    std::filesystem::create_directories(DirName(cache_path), ec);
    WriteFileAtomic(cache_path, j.dump(2) + "\n");
  } catch (const std::exception& e) {
    if (warnings) warnings->Add("roofline_cache", std::string("cannot write the roofline cache: ") + e.what() +
                                                      "; peaks are measured again next time (set --roofline-cache)");
  }
  return p;
}

bool CachedRooflineBelowNow(const RooflinePeaks& cached, std::int64_t threads, double* now_macs_per_s) {
  if (!cached.ok || cached.fp32_macs_per_s <= 0) return false;
  try {
    const int n = 1024;
    const double ms = TimeModel(MatMulModel(n, false), {Filled(DType::kFloat32, {n, n}, 1)}, threads, 1, 4);
    const double now = static_cast<double>(n) * n * n / (ms / 1000.0);
    if (now_macs_per_s) *now_macs_per_s = now;
    return now > kRooflineStaleFactor * cached.fp32_macs_per_s;
  } catch (const std::exception&) {
    return false;
  }
}

RooflinePeaks QuickSpeedEstimate(std::int64_t threads) {
  RooflinePeaks p;
  p.threads = threads;
  try {
    const double ms = TimeModel(CnnProbeModel(), {Filled(DType::kFloat32, {kCnnProbeBatch, 32, 56, 56}, 1)}, threads, 2, 5,
                                /*achieved=*/true);
    p.fp32_macs_per_s = static_cast<double>(kCnnProbeMacs) * kCnnProbeBatch / (ms / 1000.0);
    p.method = fmt::format("a CNN probe measured now: 4 fp32 convolutions (3x3, 1x1, depthwise, 1x1; {:.0f} M MACs per run) ran "
                           "at {:.1f} GMAC/s here (mean over {:.1f} s of runs, {} thread(s))",
                           kCnnProbeMacs * kCnnProbeBatch / 1e6, p.fp32_macs_per_s / 1e9, kProbeWindowS, threads);
    p.ok = true;
  } catch (const std::exception& e) {
    p.error = e.what();
  }
  return p;
}

}  // namespace qbench
