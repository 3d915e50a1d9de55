// Memory of one model in isolation: the child's measurement and the parent's fork + exec (see
// memory_probe.h and docs/measurement.md, "Memory").
#include "qbench/benchmark/memory_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "qbench/benchmark/memory.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"

namespace qbench {

using nlohmann::json;

json ToJson(const MemoryProbeRequest& r) {
  return json{{"model", r.model},
              {"input_shapes", r.shapes.input_shapes},
              {"dim_values", r.shapes.dim_values},
              {"shape_batch", r.shapes.batch},
              {"batch", r.batch},
              {"intra_op_threads", r.intra_op_threads},
              {"inter_op_threads", r.inter_op_threads},
              {"graph_optimization", r.graph_optimization},
              {"warmup_runs", r.warmup_runs},
              {"runs", r.runs},
              {"seed", r.seed},
              {"zoo_seed", r.zoo_seed},
              {"zoo_input_size", r.zoo_input_size}};
}

MemoryProbeRequest MemoryProbeRequestFromJson(const json& j) {
  try {
    MemoryProbeRequest r;
    r.model = j.at("model").get<std::string>();
    r.shapes.input_shapes = j.at("input_shapes").get<std::map<std::string, std::vector<std::int64_t>>>();
    r.shapes.dim_values = j.at("dim_values").get<std::map<std::string, std::int64_t>>();
    r.shapes.batch = j.at("shape_batch").get<std::int64_t>();
    r.batch = j.at("batch").get<std::int64_t>();
    r.intra_op_threads = j.at("intra_op_threads").get<int>();
    r.inter_op_threads = j.at("inter_op_threads").get<int>();
    r.graph_optimization = j.at("graph_optimization").get<std::string>();
    r.warmup_runs = j.at("warmup_runs").get<int>();
    r.runs = j.at("runs").get<int>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.zoo_seed = j.at("zoo_seed").get<std::uint64_t>();
    r.zoo_input_size = j.at("zoo_input_size").get<int>();
    return r;
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kInvalidArgument, std::string("memory probe request: ") + e.what());
  }
}

json ToJson(const MemoryProbeResult& r) {
  return json{{"ok", r.ok},
              {"error", r.error},
              {"baseline_rss_bytes", r.baseline_rss_bytes},
              {"weights_bytes", r.weights_bytes},
              {"session_bytes", r.session_bytes},
              {"arena_peak_bytes", r.arena_peak_bytes},
              {"peak_rss_bytes", r.peak_rss_bytes},
              {"wall_ms", r.wall_ms}};
}

MemoryProbeResult MemoryProbeResultFromJson(const json& j) {
  MemoryProbeResult r;
  r.ok = j.value("ok", false);
  r.error = j.value("error", "");
  r.baseline_rss_bytes = j.value("baseline_rss_bytes", std::int64_t{-1});
  r.weights_bytes = j.value("weights_bytes", std::int64_t{-1});
  r.session_bytes = j.value("session_bytes", std::int64_t{-1});
  r.arena_peak_bytes = j.value("arena_peak_bytes", std::int64_t{-1});
  r.peak_rss_bytes = j.value("peak_rss_bytes", std::int64_t{-1});
  r.wall_ms = j.value("wall_ms", 0.0);
  return r;
}

MemoryProbeResult MeasureMemoryInProcess(Model m, const MemoryProbeRequest& request) {
  MemoryProbeResult r;
  try {
    bool rewrite = false;
    if (request.batch > 0)
      for (const auto& in : m.Inputs())
        rewrite = rewrite || (in.has_shape && !in.shape.empty() && in.shape[0] > 0 && in.shape[0] != request.batch);
    if (rewrite) m = WithBatchSize(m, request.batch);
    r.weights_bytes = 0;
    for (const auto& t : m.proto.graph().initializer()) {
      std::int64_t n = 1;
      for (auto d : t.dims()) n *= d;
      r.weights_bytes += n * static_cast<std::int64_t>(DTypeSize(static_cast<DType>(t.data_type())));
    }
    InputOptions io;
    io.seed = request.seed;
    const auto generated = GenerateInputs(m, ResolveInputShapes(m, request.shapes), io);
    SessionConfig sc;
    sc.intra_op_threads = request.intra_op_threads;
    sc.inter_op_threads = request.inter_op_threads;
    sc.graph_optimization = request.graph_optimization;
    {  // Initialize the runtime (environment, thread pool, allocators) on a one-node model first.
      GraphBuilder g("warm_up", 13);
      g.AddInput("x", DType::kFloat32, {1, 4});
      g.AddNode("Relu", "relu", {"x"}, {"y"});
      g.AddOutput("y", DType::kFloat32, {1, 4});
      auto warm = OrtRunner::Create(g.Build(), sc);
      warm->Run({HostTensor::Zeros(DType::kFloat32, {1, 4})});
    }
    r.baseline_rss_bytes = ReadRssBytes();
    auto runner = OrtRunner::Create(m, sc);
    const std::int64_t after_session = ReadRssBytes();
    if (r.baseline_rss_bytes >= 0 && after_session >= 0) r.session_bytes = after_session - r.baseline_rss_bytes;
    const auto feeds = FeedsInOrder(generated, runner->inputs());
    runner->Bind(feeds);
    for (int i = 0; i < request.warmup_runs + request.runs; ++i) runner->RunBound();
    const auto stats = runner->AllocatorStats();
    auto it = stats.find("MaxInUse");
    if (it != stats.end()) r.arena_peak_bytes = it->second;
    r.peak_rss_bytes = ReadPeakRssBytes();
    r.ok = true;
  } catch (const std::exception& e) {
    r.ok = false;
    r.error = e.what();
  }
  return r;
}

namespace {

std::string SelfExe() {
  if (const char* env = std::getenv("QBENCH_EXE"); env && *env) return env;
  return "/proc/self/exe";
}

}  // namespace

MemoryProbeResult ProbeMemoryIsolated(const MemoryProbeRequest& request, const std::string& exe_arg) {
  MemoryProbeResult fail;
  const std::string exe = exe_arg.empty() ? SelfExe() : exe_arg;
  const std::string req = ToJson(request).dump();
  // Everything the child needs is built before fork: between fork and exec only async-signal-safe calls.
  std::vector<char*> argv = {const_cast<char*>(exe.c_str()), const_cast<char*>(kMemoryProbeCommand),
                             const_cast<char*>(req.c_str()), nullptr};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    fail.error = std::string("cannot create a pipe for the memory probe: ") + std::strerror(errno);
    return fail;
  }
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    fail.error = std::string("cannot start the memory probe: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    if (devnull >= 0) ::close(devnull);
    return fail;
  }
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    if (devnull >= 0) ::dup2(devnull, STDERR_FILENO);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (devnull >= 0) ::close(devnull);
  std::string out;
  char buf[4096];
  bool cancelled = false;
  for (;;) {
    if (CancelRequested()) {
      cancelled = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (cancelled || CancelRequested()) throw Cancelled("measuring memory");
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const json j = json::parse(out, nullptr, false);
  if (j.is_object() && j.contains("ok")) {
    MemoryProbeResult r = MemoryProbeResultFromJson(j);
    r.wall_ms = wall_ms;
    return r;
  }
  if (WIFSIGNALED(status))
    fail.error = "the memory probe (" + exe + " " + kMemoryProbeCommand + ") died of signal " + std::to_string(WTERMSIG(status));
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    fail.error = "the memory probe could not run '" + exe + "'";
  else
    fail.error = "the memory probe (" + exe + " " + kMemoryProbeCommand + ") printed no result (exit " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
  fail.wall_ms = wall_ms;
  return fail;
}

}  // namespace qbench
