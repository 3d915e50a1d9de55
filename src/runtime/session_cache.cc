// SessionCache: sessions reused under caller-chosen keys.
#include "qbench/runtime/session_cache.h"

namespace qbench {

bool SameSessionConfig(const SessionConfig& a, const SessionConfig& b) {
  return a.intra_op_threads == b.intra_op_threads && a.inter_op_threads == b.inter_op_threads &&
         a.graph_optimization == b.graph_optimization && a.execution_provider == b.execution_provider &&
         a.allow_spinning == b.allow_spinning && a.global_thread_pool == b.global_thread_pool &&
         a.optimized_model_path == b.optimized_model_path && a.profile_prefix == b.profile_prefix;
}

OrtRunner& SessionCache::Get(const std::string& key, const Model& model, const SessionConfig& config) {
  auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    if (SameSessionConfig(it->second->config(), config)) return *it->second;
    sessions_.erase(it);  // before creating the new one: a global pool may need to be resized
  }
  auto runner = OrtRunner::Create(model, config);
  return *(sessions_[key] = std::move(runner));
}

OrtRunner* SessionCache::Find(const std::string& key) const {
  auto it = sessions_.find(key);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void SessionCache::ReleaseIf(const std::function<bool(const std::string& key)>& drop) {
  for (auto it = sessions_.begin(); it != sessions_.end();) it = drop(it->first) ? sessions_.erase(it) : std::next(it);
}

}  // namespace qbench
