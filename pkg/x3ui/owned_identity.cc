#include "pkg/x3ui/owned_identity.h"

namespace x3ui::panel {

std::string OwnedClientEmail(const std::string& ns, const std::string& name, const std::string& inbound) {
  return inbound + "." + name + "@" + ns + ".x3ui";
}

std::string OwnedClientComment(const std::string& ns, const std::string& name) {
  return "x3ui-operator:" + ns + "/" + name;
}

Client OwnedClientIdentity(const std::string& ns, const std::string& name, const std::string& inbound,
                           const std::string& protocol, const UserKeys& keys) {
  Client c;
  c.email = OwnedClientEmail(ns, name, inbound);
  if (protocol == "vless" || protocol == "vmess") c.id = keys.uuid;
  if (protocol == "trojan" || protocol == "shadowsocks") c.password = keys.password;
  if (protocol == "vmess") c.security = "auto";
  return c;
}

}  // namespace x3ui::panel
