#include "controller/assignment/own_writes.h"

#include <charconv>

#include "pkg/kube/informer.h"

namespace x3ui::controller {
namespace {
std::string ResourceVersion(const kube::Json& obj) {
  return obj.value("metadata", kube::Json::object()).value("resourceVersion", "");
}
}  // namespace

bool CaughtUp(const std::string& cached, const std::string& written) {
  uint64_t c = 0, w = 0;
  const auto [c_end, c_err] = std::from_chars(cached.data(), cached.data() + cached.size(), c);
  const auto [w_end, w_err] = std::from_chars(written.data(), written.data() + written.size(), w);
  const bool numbers = c_err == std::errc() && w_err == std::errc() && c_end == cached.data() + cached.size() &&
                       w_end == written.data() + written.size();
  return numbers ? c >= w : cached == written;
}

void OwnWrites::Remember(const kube::Json& written) {
  MutexLock l(mu_);
  written_[kube::Informer::KeyOf(written)] = written;
}

Result<kube::Json> OwnWrites::Newest(const std::string& key, Result<kube::Json> read) {
  MutexLock l(mu_);
  auto w = written_.find(key);
  if (w == written_.end()) return read;
  if (!read.ok() || CaughtUp(ResourceVersion(*read), ResourceVersion(w->second))) {
    written_.erase(w);
    return read;
  }
  return w->second;
}

bool OwnWrites::Delivered(const std::string& key, const std::string& resource_version) {
  MutexLock l(mu_);
  auto w = written_.find(key);
  if (w == written_.end()) return true;
  if (!CaughtUp(resource_version, ResourceVersion(w->second))) return false;
  written_.erase(w);
  return true;
}

void OwnWrites::Forget(const std::string& key) {
  MutexLock l(mu_);
  written_.erase(key);
}

}  // namespace x3ui::controller
