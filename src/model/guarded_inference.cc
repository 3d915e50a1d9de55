#include "model/guarded_inference.h"

#include "model/contrib_shapes.h"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>
#include <onnx/shape_inference/implementation.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

namespace qbench::internal {
namespace {

using onnx::InferenceContext;

int InputRank(InferenceContext& ctx, size_t i) {
  if (!onnx::hasInputShape(ctx, i)) return -1;
  const auto* t = ctx.getInputType(i);
  if (!t->has_tensor_type()) return -1;
  return t->tensor_type().shape().dim_size();
}

// Values of an INTS attribute; false when absent. Fails inference when it has another type.
bool Ints(InferenceContext& ctx, const char* name, std::vector<std::int64_t>* out) {
  const auto* a = ctx.getAttribute(name);
  if (!a) return false;
  if (a->type() != onnx::AttributeProto::INTS) fail_shape_inference("attribute ", name, " is not a list of ints");
  out->assign(a->ints().begin(), a->ints().end());
  return true;
}

void CheckSpatialAttr(InferenceContext& ctx, const char* name, int spatial, size_t factor, std::int64_t min) {
  std::vector<std::int64_t> v;
  if (!Ints(ctx, name, &v)) return;
  if (spatial >= 0 && v.size() != factor * static_cast<size_t>(spatial))
    fail_shape_inference("attribute ", name, " has ", v.size(), " values for ", spatial, " spatial dims");
  for (auto x : v)
    if (x < min) fail_shape_inference("attribute ", name, " has value ", x, " < ", min);
}

// Conv, ConvTranspose, ConvInteger, QLinearConv (weight_index >= 0) and pooling (weight_index < 0).
void CheckConvPool(InferenceContext& ctx, int weight_index) {
  const int x_rank = InputRank(ctx, 0);
  if (x_rank >= 0 && x_rank < 3) fail_shape_inference("input 0 has rank ", x_rank, ", expected >= 3");
  if (weight_index >= 0) {
    const int w_rank = InputRank(ctx, static_cast<size_t>(weight_index));
    if (w_rank >= 0 && w_rank < 3) fail_shape_inference("weight has rank ", w_rank, ", expected >= 3");
    if (x_rank >= 0 && w_rank >= 0 && x_rank != w_rank)
      fail_shape_inference("weight rank ", w_rank, " differs from input rank ", x_rank);
  }
  const int spatial = x_rank >= 0 ? x_rank - 2 : -1;
  CheckSpatialAttr(ctx, "kernel_shape", spatial, 1, 1);
  CheckSpatialAttr(ctx, "strides", spatial, 1, 1);
  CheckSpatialAttr(ctx, "dilations", spatial, 1, 1);
  CheckSpatialAttr(ctx, "pads", spatial, 2, 0);
  CheckSpatialAttr(ctx, "output_padding", spatial, 1, 0);
  CheckSpatialAttr(ctx, "output_shape", spatial, 1, 0);
  const auto* g = ctx.getAttribute("group");
  if (g && (g->type() != onnx::AttributeProto::INT || g->i() <= 0 || g->i() > (1 << 20)))
    fail_shape_inference("attribute group must be an int in [1, 2^20]");
}

void CheckTranspose(InferenceContext& ctx) {
  std::vector<std::int64_t> perm;
  if (!Ints(ctx, "perm", &perm)) return;
  const int rank = InputRank(ctx, 0);
  std::set<std::int64_t> seen;
  for (auto p : perm)
    if (p < 0 || (rank >= 0 && p >= rank) || !seen.insert(p).second) fail_shape_inference("invalid perm value ", p);
  if (rank >= 0 && static_cast<int>(perm.size()) != rank) fail_shape_inference("perm size differs from input rank");
}

using Check = void (*)(InferenceContext&);
const std::map<std::string, Check>& Checks() {
  static const std::map<std::string, Check> kChecks = {
      {"Conv", [](InferenceContext& c) { CheckConvPool(c, 1); }},
      {"ConvTranspose", [](InferenceContext& c) { CheckConvPool(c, 1); }},
      {"ConvInteger", [](InferenceContext& c) { CheckConvPool(c, 1); }},
      {"QLinearConv", [](InferenceContext& c) { CheckConvPool(c, 3); }},
      {"MaxPool", [](InferenceContext& c) { CheckConvPool(c, -1); }},
      {"AveragePool", [](InferenceContext& c) { CheckConvPool(c, -1); }},
      {"LpPool", [](InferenceContext& c) { CheckConvPool(c, -1); }},
      {"MaxUnpool", [](InferenceContext& c) { CheckConvPool(c, -1); }},
      {"MaxRoiPool", [](InferenceContext& c) { CheckConvPool(c, -1); }},
      {"Transpose", CheckTranspose},
  };
  return kChecks;
}

// Hands out the stock schemas and ORT's com.microsoft quantized ops (contrib_shapes.h), except for the
// checked ops (a copy whose inference function runs the check first), the old versions of ops that
// carry shape values (a copy with ShapeValuePropagator) and Reshape (ReshapeFromShapeValues after its
// own inference). Copies are cached per (op, since_version, domain) for the life of the process.
class GuardedRegistry : public onnx::ISchemaRegistry {
 public:
  const onnx::OpSchema* GetSchema(const std::string& key, const int max_version,
                                  const std::string& domain) const override {
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Instance()->GetSchema(key, max_version, domain);
    if (!schema) return ContribSchema(key, max_version, domain);  // ORT's com.microsoft quantized ops
    if (!(domain.empty() || domain == "ai.onnx")) return schema;
    auto check = Checks().find(key);
    const bool checked = check != Checks().end() && schema->has_type_and_shape_inference_function();
    const bool reshape = key == "Reshape" && schema->has_type_and_shape_inference_function();
    onnx::DataPropagationFunction values;
    if (!schema->has_data_propagation_function()) values = ShapeValuePropagator(key);
    if (!checked && !reshape && !values) return schema;
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = cache_[{key, schema->SinceVersion(), domain}];
    if (!slot) {
      slot = std::make_unique<onnx::OpSchema>(*schema);
      if (checked) {
        auto inner = schema->GetTypeAndShapeInferenceFunction();
        const Check fn = check->second;
        slot->TypeAndShapeInferenceFunction([inner, fn](InferenceContext& ctx) {
          fn(ctx);
          inner(ctx);
        });
      }
      if (reshape) {
        auto inner = schema->GetTypeAndShapeInferenceFunction();
        slot->TypeAndShapeInferenceFunction([inner](InferenceContext& ctx) {
          inner(ctx);
          ReshapeFromShapeValues(ctx);
        });
      }
      if (values) slot->PartialDataPropagationFunction(values);
    }
    return slot.get();
  }

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::tuple<std::string, int, std::string>, std::unique_ptr<onnx::OpSchema>> cache_;
};

}  // namespace

void InferShapesGuarded(onnx::ModelProto& model) {
  static GuardedRegistry registry;
  // Opset versions beyond int range (a corrupt file) would be truncated by onnx; clamp them first.
  for (auto& o : *model.mutable_opset_import())
    if (o.version() < 1 || o.version() > 1000) o.set_version(o.version() < 1 ? 1 : 1000);
  onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/0, /*data_prop=*/true);
  onnx::shape_inference::InferShapes(model, &registry, options);
}

namespace {

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

[[noreturn]] void ChildMain(const std::function<std::string()>& work, int fd, int timeout_s) {
  // Die by the signal, silently: a crash here is an expected outcome the parent reports, not a
  // sanitizer finding (ASan/UBSan install their own handlers for these).
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, SIG_DFL);
  ::alarm(static_cast<unsigned>(timeout_s));
  std::string out;
  try {
    out = "O" + work();
  } catch (const std::exception& e) {
    out = std::string("E") + e.what();
  } catch (...) {
    out = "Eunknown exception";
  }
  WriteAll(fd, out);
  ::close(fd);
  ::_exit(0);
}

}  // namespace

bool RunIsolated(const std::function<std::string()>& work, std::string* result, std::string* failure, int timeout_s) {
  int fds[2];
  if (::pipe(fds) != 0) {
    *failure = std::string("pipe() failed: ") + std::strerror(errno);
    return false;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {  // no process to spare (e.g. strict overcommit): run in-process
    ::close(fds[0]);
    ::close(fds[1]);
    try {
      *result = work();
      return true;
    } catch (const std::exception& e) {
      *failure = e.what();
      return false;
    }
  }
  if (pid == 0) {
    ::close(fds[0]);
    ChildMain(work, fds[1], timeout_s);
  }
  ::close(fds[1]);
  std::string data;
  char buf[65536];
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s + 5);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    const ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out || (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)) {
    *failure = "timed out after " + std::to_string(timeout_s) + " s";
    return false;
  }
  if (WIFSIGNALED(status)) {
    *failure = "crashed with signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
    return false;
  }
  if (data.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *failure = "exited without a result (status " + std::to_string(status) + ")";
    return false;
  }
  if (data[0] == 'E') {
    *failure = data.substr(1);
    return false;
  }
  if (data[0] != 'O') {
    *failure = "could not read the result";
    return false;
  }
  *result = data.substr(1);
  return true;
}

bool InferShapesIsolated(onnx::ModelProto& model, std::string* failure, int timeout_s) {
  std::string bytes;
  const bool ok = RunIsolated(
      [&model] {
        onnx::ModelProto copy = model;  // in-process fallback: leave `model` unchanged on failure
        InferShapesGuarded(copy);
        onnx::GraphProto shapes;
        *shapes.mutable_value_info() = copy.graph().value_info();
        *shapes.mutable_output() = copy.graph().output();
        return shapes.SerializeAsString();
      },
      &bytes, failure, timeout_s);
  if (!ok) return false;
  onnx::GraphProto shapes;
  if (!shapes.ParseFromString(bytes)) {
    *failure = "could not read the result";
    return false;
  }
  *model.mutable_graph()->mutable_value_info() = shapes.value_info();
  *model.mutable_graph()->mutable_output() = shapes.output();
  return true;
}

}  // namespace qbench::internal
