#include "pkg/x3ui/model.h"

namespace x3ui::panel {

const char* ApiFlavorName(ApiFlavor f) {
  switch (f) {
    case ApiFlavor::kClassic: return "classic";
    case ApiFlavor::kClassicCsrf: return "classic-csrf";
    case ApiFlavor::kClientsApi: return "clients-api";
    case ApiFlavor::kUnknown: break;
  }
  return "unknown";
}

const std::string& ClientKey(const std::string& protocol, const Client& c) {
  if (protocol == "trojan") return c.password;
  if (protocol == "shadowsocks") return c.email;
  return c.id;
}

}  // namespace x3ui::panel
