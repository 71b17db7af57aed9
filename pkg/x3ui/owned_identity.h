// File: pkg/x3ui/owned_identity.h
//
// How a client the operator owns is named and keyed on a panel: its email and comment markers,
// and which of the user's keys each protocol uses. The operator writes clients by it; the
// subscription server builds a user's links by it, from the same keys, on any node.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_X3UI_OWNED_IDENTITY_H_
#define X3UI_PKG_X3UI_OWNED_IDENTITY_H_

#include <string>

#include "pkg/x3ui/model.h"

namespace x3ui::panel {

// The email of the client the operator owns for assignment `ns/name` on inbound `inbound`:
// "<inbound>.<name>@<ns>.x3ui". Inbound names and namespaces have no dots, so it is unambiguous,
// and it is lower case, so the panel's case-insensitive uniqueness cannot bite.
std::string OwnedClientEmail(const std::string& ns, const std::string& name, const std::string& inbound);
// The comment tag on every owned client: "x3ui-operator:<ns>/<name>".
std::string OwnedClientComment(const std::string& ns, const std::string& name);

// The user's keys, as the credentials Secret keeps them.
struct UserKeys {
  std::string uuid;
  std::string password;
  std::string sub_id;
};
// The owned client's email and the keys `protocol` uses: the UUID for vless/vmess (vmess with
// security "auto"), the password for trojan/shadowsocks. Limits, flags and markers are not set.
Client OwnedClientIdentity(const std::string& ns, const std::string& name, const std::string& inbound,
                           const std::string& protocol, const UserKeys& keys);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_OWNED_IDENTITY_H_
