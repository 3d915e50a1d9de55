// Sessions of the runtime module: ORT's global thread pool, profiling sessions and the session cache.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/ort_env.h"
#include "qbench/runtime/runner.h"
#include "qbench/runtime/session_cache.h"
#include "test_util.h"

namespace qbench {
namespace {

Model Relu() {
  GraphBuilder g("relu", 13);
  g.AddInput("x", DType::kFloat32, {1, 4});
  g.AddNode("Relu", "relu_node", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {1, 4});
  return g.Build();
}

HostTensor Input() {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {1, 4});
  const float v[4] = {-1.f, 2.f, -3.f, 4.f};
  std::memcpy(t.bytes.data(), v, sizeof v);
  return t;
}

TEST(GlobalThreadPool, SessionsShareItAndItIsResizedOnlyWithoutSessions) {
  ASSERT_TRUE(UseGlobalThreadPool(1));
  EXPECT_EQ(GlobalThreadPoolThreads(), 1);
  SessionConfig c;
  c.intra_op_threads = 1;
  c.global_thread_pool = true;
  auto a = OrtRunner::Create(Relu(), c);
  auto b = OrtRunner::Create(Relu(), c);
  EXPECT_EQ(LiveOrtSessions(), 2);
  const HostTensor y = a->Run({Input()})[0];
  const float* p = reinterpret_cast<const float*>(y.bytes.data());
  EXPECT_EQ(p[0], 0.f);
  EXPECT_EQ(p[1], 2.f);
  EXPECT_EQ(p[3], 4.f);
  EXPECT_TRUE(UseGlobalThreadPool(1));   // the same size: nothing to do
  EXPECT_FALSE(UseGlobalThreadPool(2));  // sessions live: not resized
  c.intra_op_threads = 2;
  try {
    OrtRunner::Create(Relu(), c);
    FAIL() << "a global pool of another size cannot be had while sessions live";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("global thread pool has 1 threads"), std::string::npos) << e.what();
  }
  a.reset();
  b.reset();
  EXPECT_EQ(LiveOrtSessions(), 0);
  auto d = OrtRunner::Create(Relu(), c);  // resized now
  EXPECT_EQ(GlobalThreadPoolThreads(), 2);
  EXPECT_EQ(reinterpret_cast<const float*>(d->Run({Input()})[0].bytes.data())[1], 2.f);
  // A session with its own pool runs in the same environment.
  auto own = OrtRunner::Create(Relu(), SessionConfig{});
  EXPECT_EQ(reinterpret_cast<const float*>(own->Run({Input()})[0].bytes.data())[3], 4.f);
}

TEST(ProfilingSession, EndProfilingReturnsTheNodeEvents) {
  SessionConfig c;
  c.intra_op_threads = 1;
  c.profile_prefix = ::qbench::testing::TempDir() + "/prof";
  auto r = OrtRunner::Create(Relu(), c);
  r->Run({Input()});
  r->Run({Input()});
  const std::string path = r->EndProfiling();
  EXPECT_EQ(path.rfind(c.profile_prefix, 0), 0u) << path;
  const std::string text = ReadFileBytes(path);
  std::remove(path.c_str());
  int events = 0;
  for (size_t pos = text.find("relu_node_kernel_time"); pos != std::string::npos;
       pos = text.find("relu_node_kernel_time", pos + 1))
    ++events;
  EXPECT_EQ(events, 2);  // one per run
  auto plain = OrtRunner::Create(Relu(), SessionConfig{});
  EXPECT_THROW(plain->EndProfiling(), Error);
}

TEST(SessionCache, SameKeyAndConfigReuseOtherConfigReplaces) {
  SessionCache cache;
  SessionConfig one;
  one.intra_op_threads = 1;
  OrtRunner& first = cache.Get("relu", Relu(), one);
  EXPECT_EQ(&cache.Get("relu", Relu(), one), &first);
  EXPECT_EQ(cache.Find("relu"), &first);
  EXPECT_EQ(cache.Find("other"), nullptr);
  SessionConfig two = one;
  two.allow_spinning = false;
  EXPECT_FALSE(SameSessionConfig(one, two));
  OrtRunner& second = cache.Get("relu", Relu(), two);
  EXPECT_FALSE(second.config().allow_spinning);
  EXPECT_EQ(cache.size(), 1u);
  cache.Get("relu|b2", Relu(), one);
  cache.Get("other", Relu(), one);
  cache.ReleaseIf([](const std::string& k) { return k.rfind("relu", 0) == 0; });
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_NE(cache.Find("other"), nullptr);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace qbench
