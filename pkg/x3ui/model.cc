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

Inbound WithoutClients(const Inbound& in) {
  Inbound out;
  out.id = in.id;
  out.up = in.up;
  out.down = in.down;
  out.total = in.total;
  out.remark = in.remark;
  out.enable = in.enable;
  out.expiry_time = in.expiry_time;
  out.listen = in.listen;
  out.port = in.port;
  out.protocol = in.protocol;
  out.tag = in.tag;
  out.settings = in.settings;
  out.stream_settings = in.stream_settings;
  out.sniffing = in.sniffing;
  return out;
}

}  // namespace x3ui::panel
