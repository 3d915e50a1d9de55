// Model specs as the CLI takes them ("zoo:NAME" or a path): loading, display names, nominal dims.
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "qbench/core/text.h"
#include "qbench/core/error.h"
#include "qbench/zoo/zoo.h"

namespace qbench {
namespace {

// "/a/b/c.onnx" → {"/a/b", "c.onnx"}; "c.onnx" → {"", "c.onnx"}.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// The last component of folder `dir` when it names something ("" for "", ".", ".." and "/").
std::string LastComponent(std::string dir) {
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  const std::string last = SplitPath(dir).second;
  return last == "." || last == ".." ? std::string() : last;
}

// The folder that qualifies a file spec's display name: the parent of the file, or for
// "x/NAME/model.onnx" (whose display name already is NAME) the folder above, "x".
std::string Qualifier(const std::string& spec) {
  if (IsZooSpec(spec)) return "";
  auto [dir, base] = SplitPath(spec);
  if (base == "model.onnx" && !LastComponent(dir).empty()) dir = SplitPath(dir).first;
  return LastComponent(dir);
}

}  // namespace

std::string ModelDisplayName(const std::string& spec) {
  if (IsZooSpec(spec)) return spec.substr(4);
  const auto [dir, base] = SplitPath(spec);
  const auto dot = base.rfind(".onnx");
  const std::string stem = dot == std::string::npos ? base : base.substr(0, dot);
  // Exporters name files "model.onnx" and tell them apart by folder (cases/c11_fixed_batch/model.onnx).
  if (stem == "model") {
    const std::string folder = LastComponent(dir);
    if (!folder.empty()) return folder;
  }
  return stem;
}

std::vector<std::string> UniqueDisplayNames(const std::vector<std::string>& specs) {
  std::vector<std::string> names;
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < specs.size(); ++i) {
    names.push_back(ModelDisplayName(specs[i]));
    groups[names.back()].push_back(i);
  }
  for (const auto& [name, members] : groups) {
    if (members.size() < 2) continue;
    // Qualify by folder when that tells every member apart (zoo:x vs fmnist/x.onnx → x, fmnist/x).
    std::map<std::string, int> qualified_count;
    std::vector<std::string> qualified;
    for (size_t i : members) {
      const std::string q = Qualifier(specs[i]);
      qualified.push_back(q.empty() ? name : q + "/" + name);
      ++qualified_count[qualified.back()];
    }
    if (qualified_count.size() == members.size())
      for (size_t k = 0; k < members.size(); ++k) names[members[k]] = qualified[k];
  }
  // Whatever is still repeated (the same file twice): the first keeps its name, then _2, _3, ...
  // skipping a suffixed name that another model already has.
  std::set<std::string> taken(names.begin(), names.end());
  std::map<std::string, int> seen;
  for (auto& n : names) {
    const int occurrence = ++seen[n];
    if (occurrence == 1) continue;
    std::string candidate;
    for (int k = occurrence; taken.count(candidate = n + "_" + std::to_string(k)); ++k) {
    }
    taken.insert(candidate);
    n = candidate;
  }
  return names;
}

Model LoadModelOrZoo(const std::string& spec, const ZooOptions& options) {
  if (IsZooSpec(spec)) {
    const std::string name = spec.substr(4);
    std::vector<std::string> names;
    bool known = false;
    for (const auto& m : ZooModels()) {
      known |= m.name == name;
      names.push_back(m.name);
    }
    // A bad value for a model argument: a usage error, as in `qbench zoo export NAME`.
    if (!known)
      throw Error(ErrorCode::kInvalidArgument, UnknownChoice("zoo model", name, names) + " (see `qbench zoo list`; in '" + spec + "')");
    return BuildZooModel(name, options);
  }
  return LoadModel(spec);
}

std::map<std::string, std::int64_t> ZooDefaultDims(const Model& model) {
  bool is_zoo = false;
  std::int64_t size = 0;
  for (const auto& p : model.proto.metadata_props()) {
    if (p.key() == kZooNameKey) is_zoo = true;
    if (p.key() == kZooInputSizeKey) size = std::strtoll(p.value().c_str(), nullptr, 10);
  }
  if (!is_zoo || size <= 0) return {};
  return {{"H", size}, {"W", size}};
}

ShapeOverrides WithZooDefaultDims(const Model& model, ShapeOverrides overrides) {
  if (!overrides.input_shapes.empty()) return overrides;  // a --shape says it all
  for (const auto& [dim, value] : ZooDefaultDims(model)) overrides.dim_values.emplace(dim, value);  // keeps --dim
  return overrides;
}

}  // namespace qbench
