// File: pkg/kube/resource.h
//
// Resource: where a kind lives in the Kubernetes REST API, and the URL paths for it.
//
// Thread-safety: plain values.
#ifndef X3UI_PKG_KUBE_RESOURCE_H_
#define X3UI_PKG_KUBE_RESOURCE_H_

#include <string>

#include "pkg/common/url.h"

namespace x3ui::kube {

struct Resource {
  std::string group;    // "" for the core API
  std::string version;
  std::string plural;
  std::string kind;
  bool namespaced = true;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // The collection path, e.g. /apis/x3ui.io/v1alpha1/namespaces/vpn/vpnnodes; all namespaces
  // when `ns` is empty.
  std::string CollectionPath(const std::string& ns) const;
  // One object's path, with "/status" (or another subresource) appended when given.
  std::string ObjectPath(const std::string& ns, const std::string& name, const std::string& subresource = "") const;
};

extern const Resource kVpnNodes;
extern const Resource kVpnAssignments;
extern const Resource kVpnMigrations;
extern const Resource kSecrets;
extern const Resource kEvents;      // events.k8s.io/v1
extern const Resource kCoreEvents;  // v1, the fallback
extern const Resource kLeases;
extern const Resource kNamespaces;

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_RESOURCE_H_
