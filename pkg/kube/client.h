// File: pkg/kube/client.h
//
// KubeClient: the operator's access to the Kubernetes API, at the JSON level (pkg/api decodes
// the custom resources). Implemented over HTTP by RestClient (rest_client.h) and in memory by
// FakeKubeClient (fake_client.h), held to the same conformance table.
//
// Errors are Status values carrying the API's reason (Status::reason()):
//   NotFound (404), AlreadyExists (409 on create), Conflict (409: stale resourceVersion),
//   FailedPrecondition/Expired (410: the resourceVersion is too old; relist),
//   InvalidArgument/Invalid (422, field_errors() from details.causes), BadRequest (400),
//   ResourceExhausted/TooManyRequests (429), Unauthenticated (401), PermissionDenied (403, the
//   message names the verb and resource RBAC refused), Unavailable (5xx, transport),
//   DeadlineExceeded (timeout).
//
// Thread-safety: implementations are safe to call concurrently.
#ifndef X3UI_PKG_KUBE_CLIENT_H_
#define X3UI_PKG_KUBE_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pkg/common/status.h"
#include "pkg/kube/object_key.h"
#include "pkg/kube/resource.h"

namespace x3ui::kube {

using Json = nlohmann::json;

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // "" = consistent read; "0" = any (served from the cache)
  int64_t limit = 0;             // page size; 0 = no paging
  std::string continue_token;
};

struct ObjectList {
  std::vector<Json> items;
  std::string resource_version;
  std::string continue_token;  // non-empty when more pages remain
};

enum class PatchType { kMerge, kJson };

struct WatchOptions {
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  int timeout_seconds = 300;
};

struct WatchEvent {
  std::string type;  // ADDED | MODIFIED | DELETED | BOOKMARK | ERROR
  Json object;
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual Result<Json> Get(const Resource& r, const std::string& ns, const std::string& name) = 0;
  // One page (or everything when opts.limit is 0).
  virtual Result<ObjectList> List(const Resource& r, const std::string& ns, const ListOptions& opts) = 0;
  virtual Result<Json> Create(const Resource& r, const std::string& ns, const Json& obj) = 0;
  // PUT of the whole object; metadata.resourceVersion must be set (409 when stale).
  virtual Result<Json> Update(const Resource& r, const std::string& ns, const Json& obj) = 0;
  // PUT of the status subresource; only .status is taken from `obj`.
  virtual Result<Json> UpdateStatus(const Resource& r, const std::string& ns, const Json& obj) = 0;
  virtual Result<Json> Patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                             const Json& patch, bool status_subresource = false) = 0;
  // Deletes; with finalizers present the object only gets a deletionTimestamp.
  virtual Status Delete(const Resource& r, const std::string& ns, const std::string& name) = 0;
  // Streams events to `on_event` until the server closes the watch (OK), `on_event` returns
  // false (OK), `*stop` becomes true (OK), or an error. An ERROR event is delivered to
  // `on_event` like any other; a 410 inside it is the caller's cue to relist.
  virtual Status Watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
                       const std::function<bool(const WatchEvent&)>& on_event, const std::atomic<bool>* stop) = 0;
};

// Lists page by page (following continue tokens), handing each page to `on_page` as it arrives
// so that a large list is never held whole; returns the list's resourceVersion (the first
// page's) or the first error.
Result<std::string> ListPages(KubeClient& client, const Resource& r, const std::string& ns, ListOptions opts,
                              const std::function<void(ObjectList& page)>& on_page);
// Every page at once (ListPages collected).
Result<ObjectList> ListAll(KubeClient& client, const Resource& r, const std::string& ns, ListOptions opts);

// Maps a Kubernetes Status object (or a bare HTTP status) to a Status with code and reason.
Status StatusFromApi(int http_status, const Json& body, const std::string& what);

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_CLIENT_H_
