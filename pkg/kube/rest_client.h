// File: pkg/kube/rest_client.h
//
// RestClient: KubeClient over HTTPS with cpprestsdk. Bearer-token or client-certificate
// authentication, TLS verified against the configured CA, a client-side token bucket
// (qps/burst), and an observer per request for rest_client_requests_total{code,method,host}.
// Watches use their own HTTP client whose idle timeout exceeds the watch's timeoutSeconds (the
// cpprestsdk timeout restarts with every chunk, so a quiet watch would otherwise die).
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_PKG_KUBE_REST_CLIENT_H_
#define X3UI_PKG_KUBE_REST_CLIENT_H_

#include <functional>
#include <memory>

#include "pkg/common/clock.h"
#include "pkg/common/token_bucket.h"
#include "pkg/kube/client.h"
#include "pkg/kube/config.h"

namespace x3ui::kube {

// code is the HTTP status as a string, or "<error>" when no reply came.
using RestObserver = std::function<void(const std::string& code, const std::string& method, const std::string& host)>;

class RestClient final : public KubeClient {
 public:
  // `clock` is borrowed (for the rate limiter). Fails for a malformed server URL.
  static Result<std::unique_ptr<RestClient>> New(const RestConfig& config, const Clock* clock,
                                                 RestObserver observer = nullptr);
  ~RestClient() override;

  Result<Json> Get(const Resource& r, const std::string& ns, const std::string& name) override;
  Result<ObjectList> List(const Resource& r, const std::string& ns, const ListOptions& opts) override;
  Result<Json> Create(const Resource& r, const std::string& ns, const Json& obj) override;
  Result<Json> Update(const Resource& r, const std::string& ns, const Json& obj) override;
  Result<Json> UpdateStatus(const Resource& r, const std::string& ns, const Json& obj) override;
  Result<Json> Patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                     const Json& patch, bool status_subresource) override;
  Status Delete(const Resource& r, const std::string& ns, const std::string& name) override;
  Status Watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
               const std::function<bool(const WatchEvent&)>& on_event, const std::atomic<bool>* stop) override;

 private:
  struct Impl;
  explicit RestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_REST_CLIENT_H_
