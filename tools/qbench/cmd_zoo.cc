// qbench zoo list | export: the builtin architectures (torchvision layouts generated as ONNX in code).
#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/log.h"
#include "qbench/zoo/zoo.h"

namespace qbench::cli {
namespace {

struct ZooExportOptions {
  std::string name;
  std::string output_path;
  int input_size = 224;
  int num_classes = 1000;
  std::uint64_t seed = 0;
};

// 1234567 → "1,234,567".
std::string Grouped(std::int64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void RunList() {
  std::string out = fmt::format("{:<20}{:>14}{:>14}  {}\n", "name", "params", "MACs@224", "description");
  for (const auto& m : ZooModels()) {
    const ZooModelStats s = ZooArchitectureStats(m.name);
    out += fmt::format("{:<20}{:>14}{:>12.4f} G  {}\n", m.name, Grouped(s.torchvision_params),
                       static_cast<double>(s.macs) / 1e9, m.description);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  LogInfo("params: torchvision's count (BatchNorm weight and bias included; the ONNX file stores them folded into "
          "the Conv bias). MACs: Conv + Gemm, one 3x224x224 image. Use a model as zoo:NAME wherever a model path is "
          "accepted, or write it with `qbench zoo export NAME -o FILE.onnx`.");
}

void RunExport(const ZooExportOptions& o) {
  const std::string name = IsZooSpec(o.name) ? o.name.substr(4) : o.name;
  CheckOutputPath("--output", o.output_path);
  ZooOptions options;
  options.input_size = o.input_size;
  options.num_classes = o.num_classes;
  options.seed = o.seed;
  Model model;
  try {
    model = BuildZooModel(name, options);
  } catch (const Error& e) {  // an unknown NAME is a usage error, as zoo:NAME is everywhere (LoadModelOrZoo)
    if (e.code() == ErrorCode::kNotFound) throw Error(ErrorCode::kInvalidArgument, e.what());
    throw;
  }
  SaveModel(model, o.output_path);
  const ZooModelStats s = ZooArchitectureStats(name, options);
  std::printf("%s: %s (seed %llu, %d classes), %s params, %.4f GMACs at %dx%d, %s bytes\n", o.output_path.c_str(),
              name.c_str(), static_cast<unsigned long long>(o.seed), o.num_classes, Grouped(s.torchvision_params).c_str(),
              static_cast<double>(s.macs) / 1e9, o.input_size, o.input_size,
              Grouped(static_cast<std::int64_t>(FileSizeBytes(o.output_path))).c_str());
}

void RegisterZoo(CLI::App& app) {
  auto* cmd = app.add_subcommand("zoo", "The builtin architectures (torchvision layouts, seeded weights): "
                                        "list them, or export one as ONNX");
  cmd->require_subcommand(1);
  auto* list = cmd->add_subcommand("list", "Name, parameters, MACs at 224x224 and description of each zoo model");
  list->callback([] { RunList(); });

  auto opts = std::make_shared<ZooExportOptions>();
  auto* exp = cmd->add_subcommand("export", "Write a zoo model as an ONNX file (opset 13, input 'input' [N,3,H,W], "
                                            "output 'logits' [N,num_classes])");
  exp->add_option("name", opts->name, "Zoo model name (see `qbench zoo list`)")->required();
  exp->add_option("-o,--output", opts->output_path, "Output ONNX file (written atomically; replaced if it exists)")
      ->required();
  exp->add_option("--input-size", opts->input_size,
                  "Nominal input size H = W, recorded in the model's metadata (H and W stay dynamic); 32..4096")
      ->check(NumericValue())
      ->capture_default_str();
  exp->add_option("--num-classes", opts->num_classes, "Classifier outputs")->check(NumericValue())->capture_default_str();
  exp->add_option("--seed", opts->seed, "Seed of the weights (same seed, same bytes)")
      ->check(NumericValue())
      ->check(NonNegativeValue())
      ->capture_default_str();
  exp->callback([opts] { RunExport(*opts); });
}

}  // namespace

QBENCH_REGISTER_COMMAND(60, RegisterZoo);

}  // namespace qbench::cli
