#include "pkg/kube/resource.h"

namespace x3ui::kube {

const Resource kVpnNodes{"x3ui.io", "v1alpha1", "vpnnodes", "VpnNode", true};
const Resource kVpnAssignments{"x3ui.io", "v1alpha1", "vpnassignments", "VpnAssignment", true};
const Resource kVpnMigrations{"x3ui.io", "v1alpha1", "vpnmigrations", "VpnMigration", true};
const Resource kSecrets{"", "v1", "secrets", "Secret", true};
const Resource kEvents{"events.k8s.io", "v1", "events", "Event", true};
const Resource kCoreEvents{"", "v1", "events", "Event", true};
const Resource kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true};
const Resource kNamespaces{"", "v1", "namespaces", "Namespace", false};

std::string Resource::CollectionPath(const std::string& ns) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
  return p + "/" + plural;
}

std::string Resource::ObjectPath(const std::string& ns, const std::string& name, const std::string& subresource) const {
  std::string p = CollectionPath(ns) + "/" + name;
  if (!subresource.empty()) p += "/" + subresource;
  return p;
}


}  // namespace x3ui::kube
