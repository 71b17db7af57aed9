// File: pkg/kube/fenced_client.h
//
// FencedClient: a KubeClient whose writes (create, update, status, patch, delete) are refused
// while a Fence is shut, so that a replica whose leadership is in doubt changes nothing in the
// cluster while a successor may already be acting. Reads and watches go through: the caches
// stay warm for when the lease is back. The leader election itself uses an unfenced client (it
// must renew the Lease to open the fence again).
//
// Updates carry a resourceVersion, so a stale leader's update after a successor's is refused
// with 409 anyway; the fence also covers creates and deletes, and the window before any
// successor's first write.
//
// Ownership: borrows `inner` and `fence`; both must outlive it.
// Thread-safety: as safe as `inner` (the fence is atomic).
#ifndef X3UI_PKG_KUBE_FENCED_CLIENT_H_
#define X3UI_PKG_KUBE_FENCED_CLIENT_H_

#include "pkg/common/fence.h"
#include "pkg/kube/client.h"

namespace x3ui::kube {

class FencedClient final : public KubeClient {
 public:
  FencedClient(KubeClient* inner, const Fence* fence) : inner_(inner), fence_(fence) {}

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
  // FailedPrecondition "not the leader" when the fence is shut; OK otherwise.
  Status Check(const char* verb, const Resource& r) const;

  KubeClient* const inner_;
  const Fence* const fence_;
};

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_FENCED_CLIENT_H_
