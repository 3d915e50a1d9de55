// qbench/runtime/session_cache.h — ONNX Runtime sessions kept for reuse under caller-chosen keys
// (the lab keeps one per variant, thread count and fixed batch while a model is loaded).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "qbench/model/model.h"
#include "qbench/runtime/runner.h"

namespace qbench {

/// True when two SessionConfigs create the same session (every field equal).
bool SameSessionConfig(const SessionConfig& a, const SessionConfig& b);

/// Owns sessions by key. Not thread-safe. A session stays valid until its key is released, replaced
/// (Get with another config) or the cache is destroyed.
class SessionCache {
 public:
  /// The session cached under `key` when it was created with a config equal to `config`; otherwise
  /// the one under `key` (if any) is released and a new one is created from `model`
  /// (OrtRunner::Create) and kept. Throws what OrtRunner::Create throws (nothing is cached then).
  OrtRunner& Get(const std::string& key, const Model& model, const SessionConfig& config);
  /// The session under `key`, or nullptr.
  OrtRunner* Find(const std::string& key) const;
  /// Releases the sessions whose key satisfies `drop`.
  void ReleaseIf(const std::function<bool(const std::string& key)>& drop);
  /// Releases every session.
  void Clear() { sessions_.clear(); }
  std::size_t size() const { return sessions_.size(); }

 private:
  std::map<std::string, std::unique_ptr<OrtRunner>> sessions_;
};

}  // namespace qbench
