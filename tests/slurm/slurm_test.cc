// Issue 14 on a real Slurm (CTest label `slurm`): munged, slurmctld and slurmd started on localhost as a
// one-node cluster from a generated slurm.conf in a temporary folder (each daemon started here and
// stopped by its own process id; ports chosen free), a 4-shard study submitted through
// scripts/slurm_lab.sh, its merged results checked against the same study run locally. Skipped with a
// message where the daemons cannot start (not root, Slurm or munge not installed: scripts/setup.sh
// --tests installs them).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunCommand;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A TCP port nobody listens on now (bound to port 0, then released).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// One daemon in the foreground, its output in `log`; stopped (SIGTERM, then SIGKILL) by its pid.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& argv, const std::string& log, const std::map<std::string, std::string>& env) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      FILE* f = std::freopen(log.c_str(), "w", stdout);
      (void)f;
      ::dup2(STDOUT_FILENO, STDERR_FILENO);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Daemon() { Stop(); }
  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) != 0) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

std::string Which(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"}) {
    const std::string p = std::string(dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// Point ids of a results.json's points (the merged report's or a lab study's).
std::multiset<std::string> PointIds(const json& j) {
  std::multiset<std::string> out;
  for (const auto& p : j["points"]) out.insert(p["key"].get<std::string>());
  return out;
}

TEST(Slurm, FourShardStudyThroughSlurmLabMatchesTheLocalStudy) {
  if (::geteuid() != 0) GTEST_SKIP() << "the slurm test starts munged, slurmctld and slurmd as root; not root here: skipped";
  for (const char* tool : {"munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"})
    if (Which(tool).empty())
      GTEST_SKIP() << tool << " is not installed (scripts/setup.sh --tests installs slurmctld, slurmd, slurm-client and munge): skipped";
  const std::string dir = testing::TempDir() + "/slurm";
  fs::remove_all(dir);
  for (const char* sub : {"state", "spool"}) fs::create_directories(dir + "/" + sub);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  {
    std::string key(1024, '\0');
    std::ifstream rnd("/dev/urandom", std::ios::binary);
    rnd.read(&key[0], static_cast<std::streamsize>(key.size()));
    std::ofstream(dir + "/munge.key", std::ios::binary) << key;
    fs::permissions(dir + "/munge.key", fs::perms::owner_read);
  }
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::string node = host;
  node = node.substr(0, node.find('.'));
  const int ctld_port = FreePort();
  int slurmd_port = FreePort();
  for (int i = 0; i < 20 && slurmd_port == ctld_port; ++i) slurmd_port = FreePort();
  ASSERT_NE(slurmd_port, ctld_port);
  ASSERT_GT(ctld_port, 0);
  ASSERT_GT(slurmd_port, 0);
  const std::string conf = dir + "/slurm.conf";
  std::ofstream(conf) << "ClusterName=qbenchtest\nSlurmctldHost=" << node << "(127.0.0.1)\nSlurmctldPort=" << ctld_port
                      << "\nSlurmdPort=" << slurmd_port << "\nAuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << dir
                      << "/munge.socket\nStateSaveLocation=" << dir << "/state\nSlurmdSpoolDir=" << dir
                      << "/spool\nSlurmctldPidFile=" << dir << "/slurmctld.pid\nSlurmdPidFile=" << dir
                      << "/slurmd.pid\nSlurmctldLogFile=" << dir << "/slurmctld.log\nSlurmdLogFile=" << dir
                      << "/slurmd.log\nSlurmUser=root\nSlurmdUser=root\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
                         "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nSchedulerType=sched/backfill\n"
                         "ReturnToService=2\nMpiDefault=none\nJobAcctGatherType=jobacct_gather/none\n"
                         "AccountingStorageType=accounting_storage/none\nNodeName="
                      << node << " NodeAddr=127.0.0.1 CPUs=" << std::thread::hardware_concurrency()
                      << " State=UNKNOWN\nPartitionName=qbench Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n"
                         "PartitionName=second Nodes=ALL Default=NO MaxTime=INFINITE State=UP\n";
  const std::map<std::string, std::string> env = {{"SLURM_CONF", conf}};
  ::setenv("SLURM_CONF", conf.c_str(), 1);
  Daemon munged({Which("munged"), "-F", "-f", "--key-file=" + dir + "/munge.key", "--socket=" + dir + "/munge.socket",
                 "--pid-file=" + dir + "/munged.pid", "--log-file=" + dir + "/munged.log", "--seed-file=" + dir + "/munged.seed"},
                dir + "/munged.out", env);
  for (int i = 0; i < 50 && !fs::exists(dir + "/munge.socket"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!munged.Running() || !fs::exists(dir + "/munge.socket"))
    GTEST_SKIP() << "munged did not start (" << Slurp(dir + "/munged.out") << "): skipped";
  Daemon ctld({Which("slurmctld"), "-D", "-i", "-f", conf}, dir + "/slurmctld.out", env);
  Daemon slurmd({Which("slurmd"), "-D", "-f", conf}, dir + "/slurmd.out", env);
  bool idle = false;
  for (int i = 0; i < 60 && !idle; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto r = RunCommand("sinfo -h -o %t");
    idle = r.exit_code == 0 && r.out.find("idle") != std::string::npos;
  }
  if (!idle)
    GTEST_SKIP() << "the one-node Slurm cluster did not come up (slurmctld: " << Slurp(dir + "/slurmctld.out").substr(0, 400)
                 << "; slurmd: " << Slurp(dir + "/slurmd.out").substr(0, 400) << "): skipped";

  // The study: two zoo models, fp32 and static, batch 1 and 2, few repetitions, small images.
  const std::string flags =
      "--models zoo:squeezenet1_1,zoo:mobilenet_v3_small --variants fp32,static --batch 1,2 --input-size 64 --threads 1 "
      "--repetitions 3 --warmup-runs 1 --calibration-size 2 --no-roofline --no-plots";
  const std::string study = dir + "/study";
  const std::string script = std::string(QBENCH_SOURCE_DIR) + "/scripts/slurm_lab.sh";
  const auto submit = RunCommand("bash '" + script + "' --shards 4 --qbench '" + testing::CliPath() + "' -- " + flags + " -o '" + study + "'");
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  EXPECT_NE(submit.err.find("assumes a shared filesystem"), std::string::npos) << submit.err;
  const auto at = submit.out.find("merge: job ");
  ASSERT_NE(at, std::string::npos) << submit.out;
  const std::string merge_id = submit.out.substr(at + 11, submit.out.find('\n', at) - at - 11);
  EXPECT_NE(submit.out.find("report: " + fs::weakly_canonical(study).string() + "/report/report.md"), std::string::npos) << submit.out;
  // Wait for the merge job to leave the queue (the four shards run one after another: --exclusive).
  bool done = false;
  for (int i = 0; i < 600 && !done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto q = RunCommand("squeue -h -j " + merge_id + " -o %T");
    done = q.out.find_first_not_of(" \n") == std::string::npos;
  }
  ASSERT_TRUE(done) << "the merge job " << merge_id << " did not end in 5 minutes";
  ASSERT_TRUE(fs::exists(study + "/report/results.json")) << Slurp(study + "/slurm/merge-" + merge_id + ".out");
  const json merged = json::parse(Slurp(study + "/report/results.json"));
  const json plan = json::parse(Slurp(study + "/plan.json"));
  ASSERT_EQ(merged["devices"].size(), 1u);
  EXPECT_EQ(merged["devices"][0]["device"], "slurm");
  EXPECT_EQ(merged["devices"][0]["shards"], json({0, 1, 2, 3}));
  EXPECT_EQ(merged["devices"][0]["missing"].size(), 0u);
  std::multiset<std::string> planned;
  for (const auto& u : plan["units"])
    for (const auto& id : u["points"]) planned.insert(id.get<std::string>());
  EXPECT_EQ(planned.size(), 8u);
  EXPECT_EQ(PointIds(merged), planned);  // every planned point exactly once
  std::set<int> shards;
  for (const auto& p : merged["points"]) {
    shards.insert(p["shard"].get<int>());
    EXPECT_EQ(p["status"], "ok") << p.dump();
  }
  EXPECT_EQ(shards, (std::set<int>{0, 1, 2, 3}));

  // The same study run locally has the same point set.
  const auto local = RunCommand("'" + testing::CliPath() + "' lab " + flags + " -o '" + dir + "/local'");
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_EQ(PointIds(json::parse(Slurp(dir + "/local/results.json"))), PointIds(merged));

  // --resume with nothing missing submits no shard, only the merge.
  const auto again = RunCommand("bash '" + script + "' --shards 4 --resume --qbench '" + testing::CliPath() + "' -- " + flags + " -o '" + study + "'");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.find("shards: job"), std::string::npos) << again.out;
  EXPECT_NE(again.err.find("no shard misses points"), std::string::npos) << again.err;
  const auto at2 = again.out.find("merge: job ");
  if (at2 != std::string::npos) {  // let it end before the daemons stop
    const std::string id = again.out.substr(at2 + 11, again.out.find('\n', at2) - at2 - 11);
    for (int i = 0; i < 120; ++i) {
      if (RunCommand("squeue -h -j " + id + " -o %T").out.find_first_not_of(" \n") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  // One submission over two partitions with --device-from-partition: one array per partition, each
  // task labelled with its partition, merged into a two-device report.
  const std::string xdev = dir + "/xdev";
  std::string one_model = flags;
  one_model.replace(one_model.find("zoo:squeezenet1_1,zoo:mobilenet_v3_small"), 40, "zoo:squeezenet1_1");
  const auto two = RunCommand("bash '" + script + "' --partition qbench,second --device-from-partition --shards 2 --qbench '" +
                              testing::CliPath() + "' -- " + one_model + " -o '" + xdev + "'");
  ASSERT_EQ(two.exit_code, 0) << two.out << two.err;
  EXPECT_NE(two.out.find("device 'qbench', partition qbench"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("device 'second', partition second"), std::string::npos) << two.out;
  const auto at3 = two.out.find("merge: job ");
  ASSERT_NE(at3, std::string::npos) << two.out;
  const std::string merge2 = two.out.substr(at3 + 11, two.out.find('\n', at3) - at3 - 11);
  done = false;
  for (int i = 0; i < 600 && !done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    done = RunCommand("squeue -h -j " + merge2 + " -o %T").out.find_first_not_of(" \n") == std::string::npos;
  }
  ASSERT_TRUE(done) << "the merge job " << merge2 << " did not end in 5 minutes";
  const json x = json::parse(Slurp(xdev + "/report/results.json"));
  ASSERT_EQ(x["devices"].size(), 2u) << x["devices"].dump();
  EXPECT_EQ(x["devices"][0]["device"], "qbench");
  EXPECT_EQ(x["devices"][1]["device"], "second");
  for (const auto& d : x["devices"]) {
    EXPECT_EQ(d["shards"], json({0, 1}));
    EXPECT_EQ(d["planned_points"], 4);
    EXPECT_EQ(d["missing"].size(), 0u);
  }
  EXPECT_EQ(x["points"].size(), 8u);
  slurmd.Stop();
  ctld.Stop();
  munged.Stop();
}

}  // namespace
}  // namespace qbench
