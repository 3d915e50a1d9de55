// Helpers shared by the subcommands (see command.h): strict list parsing, output-path checks,
// CLI11 validators.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"

namespace qbench::cli {

std::vector<std::string> SplitListStrict(const std::string& value, const std::string& flag, const std::string& example,
                                         char sep) {
  if (value.empty())
    throw Error(ErrorCode::kInvalidArgument, flag + " is empty; give at least one value, e.g. " + example);
  std::vector<std::string> items;
  std::string::size_type start = 0;
  while (true) {
    const auto end = value.find(sep, start);
    const std::string item = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (item.empty())
      throw Error(ErrorCode::kInvalidArgument, flag + " '" + value + "' has an empty item (item " +
                                                   std::to_string(items.size() + 1) + "); e.g. " + example);
    items.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return items;
}

void CheckOutputPath(const std::string& flag, const std::string& path) {
  if (path.empty() || (flag == "--json" && path == "-")) return;  // --json -: stdout (flags.h)
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw Error(ErrorCode::kInvalidArgument, flag + " '" + path + "' is a directory; give a file name");
  const std::string dir = DirName(path);
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error(ErrorCode::kInvalidArgument,
                flag + " '" + path + "': folder '" + dir + "' does not exist; create it or choose another path");
  // WriteFileAtomic writes a temporary file in the folder and renames it: the folder must be writable.
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw Error(ErrorCode::kInvalidArgument,
                flag + " '" + path + "': folder '" + dir + "' is not writable; choose another path");
  std::string why;
  if (!CanCreateFileIn(dir, &why))
    throw Error(ErrorCode::kInvalidArgument,
                flag + " '" + path + "': cannot create files in folder '" + dir + "' (" + why + "); choose another path");
  const std::string kind = ExistingFileOfAnotherKind(flag, path);
  if (!kind.empty())
    throw Error(ErrorCode::kInvalidArgument, flag + " '" + path + "' exists and is " + kind +
                                                 ": writing would replace it; give another path (qbench never "
                                                 "overwrites other files)");
}

std::string ExistingFileOfAnotherKind(const std::string& flag, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";  // unreadable: the write itself will say why
  std::string head(65536, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (flag == "--plot") return head.rfind("\x89PNG\r\n\x1a\n", 0) == 0 ? "" : "not a PNG image";
  const bool binary = head.find('\0') != std::string::npos;  // models, .npy, images; never JSON, CSV or Markdown
  if (flag == "--json") {
    if (binary) return "not a JSON file (it holds binary data)";
    try {
      return nlohmann::json::accept(ReadFileBytes(path)) ? "" : "not a JSON file";
    } catch (const std::exception&) {
      return "";
    }
  }
  if (flag == "--csv" || flag == "--md") return binary ? "not a text file (it holds binary data)" : "";
  return "";  // -o and --output write models: replacing an earlier model is what they are for
}

namespace {

bool SamePath(const std::string& a, const std::string& b) {
  if (SameFile(a, b)) return true;
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(a, ea), cb = std::filesystem::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

}  // namespace

void CheckOutputs(const std::vector<PathFlag>& outputs, const std::vector<PathFlag>& inputs) {
  auto skip = [](const std::string& p) { return p.empty() || p == "-"; };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const PathFlag& o = outputs[i];
    if (skip(o.path)) continue;
    for (const auto& in : inputs)
      if (!skip(in.path) && SamePath(o.path, in.path))
        throw Error(ErrorCode::kInvalidArgument, o.flag + " '" + o.path + "' is also " + in.flag +
                                                     ": choose another path (qbench never overwrites its inputs)");
    for (std::size_t j = 0; j < i; ++j)
      if (!skip(outputs[j].path) && SamePath(o.path, outputs[j].path))
        throw Error(ErrorCode::kInvalidArgument, o.flag + " '" + o.path + "' is also the path of " + outputs[j].flag +
                                                     ": give each output its own path");
  }
  for (const auto& o : outputs)  // after the checks that name an input or another output: they say more
    if (!skip(o.path)) CheckOutputPath(o.flag, o.path);
}

const CLI::Validator& NumericValue() {
  static const CLI::Validator v(
      [](std::string& value) {
        if (value.empty()) return std::string("the value is empty; expected a number");
        char* end = nullptr;
        std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') return "'" + value + "' is not a number";
        return std::string();
      },
      "", "NUMBER");
  return v;
}

const CLI::Validator& NonNegativeValue() {
  static const CLI::Validator v(
      [](std::string& value) {
        char* end = nullptr;
        const double x = std::strtod(value.c_str(), &end);
        if (end != value.c_str() && x < 0) return value + " is negative; expected 0 or more";
        return std::string();
      },
      "", "NONNEGATIVE");
  return v;
}

}  // namespace qbench::cli
