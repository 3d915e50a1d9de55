#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace qbench::testing {

std::string SharedDir() {
  struct stat st {};
  if (::stat(QBENCH_SHARED_DIR, &st) != 0 || !S_ISDIR(st.st_mode)) return "";
  return QBENCH_SHARED_DIR;
}

std::string SharedPath(const std::string& rel) {
  std::string d = SharedDir();
  if (d.empty()) return "";
  std::string p = d + "/" + rel;
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "";
  return p;
}

namespace {
struct TempRoot {
  std::string path;
  TempRoot() {
    char tmpl[] = "/tmp/qbench_test_XXXXXX";
    char* p = ::mkdtemp(tmpl);
    path = p ? p : "/tmp";
  }
  ~TempRoot() {
    if (path.rfind("/tmp/qbench_test_", 0) == 0 && !std::getenv("QBENCH_KEEP_TEMP"))
      std::system(("rm -rf '" + path + "'").c_str());
  }
};
}  // namespace

std::string TempDir() {
  static TempRoot root;
  static int counter = 0;
  std::string d = root.path + "/" + std::to_string(counter++);
  ::mkdir(d.c_str(), 0755);
  return d;
}

std::string CliPath() { return QBENCH_CLI_PATH; }

CommandResult RunCommand(const std::string& command) {
  std::string dir = TempDir();
  std::string out = dir + "/stdout", err = dir + "/stderr";
  int status = std::system((command + " >'" + out + "' 2>'" + err + "' </dev/null").c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace qbench::testing
