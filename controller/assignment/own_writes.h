// File: controller/assignment/own_writes.h
//
// OwnWrites: the VpnAssignments this process wrote (status or finalizer) whose new version the
// informer has not delivered yet, kept as written. A decision made from an informer copy older
// than this process's own commit would be made twice (a move read from a cache that does not
// show its commit yet would move the user again), so reads go through Newest, which returns the
// object as written until the cache catches up.
//
// Thread-safety: every method may be called from any thread (one internal mutex, never held
// across a call out of this class).
#ifndef X3UI_CONTROLLER_ASSIGNMENT_OWN_WRITES_H_
#define X3UI_CONTROLLER_ASSIGNMENT_OWN_WRITES_H_

#include <map>
#include <mutex>
#include <string>

#include "pkg/common/status.h"
#include "pkg/kube/client.h"
#include "pkg/common/mutex.h"

namespace x3ui::controller {

class OwnWrites {
 public:
  // Keeps `written`, an assignment as the API server returned it after this process wrote it.
  void Remember(const kube::Json& written);
  // `read` (the cache's copy or the API server's answer for `key`), or the object as this
  // process last wrote it while `read` is older than that write.
  Result<kube::Json> Newest(const std::string& key, Result<kube::Json> read);
  // The informer delivered `key` at `resource_version`: false when that copy is older than this
  // process's own last write (it must not undo a placement or move already committed).
  bool Delivered(const std::string& key, const std::string& resource_version);
  void Forget(const std::string& key);

 private:
  Mutex mu_;
  std::map<std::string, kube::Json> written_ GUARDED_BY(mu_);  // "ns/name" -> the object as written
};

// Whether an object at `cached` resourceVersion is at least as new as one at `written`. The
// kube-apiserver's resourceVersions are etcd revisions, compared as numbers here only to tell
// whether a cache has caught up with this process's own write; if either is not a number, only
// the same version counts.
bool CaughtUp(const std::string& cached, const std::string& written);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_OWN_WRITES_H_
