// libFuzzer target: every parser of panel replies, fed arbitrary bytes as a reply body, as a
// settings string, and (when it parses) through share-link building. The parsers must return
// errors, never crash, throw or hang. Run by hack/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pkg/x3ui/links.h"
#include "pkg/x3ui/replies.h"

namespace {

using namespace x3ui::panel;

void Exercise(const Json& obj) {
  (void)ParseServerStatus(obj);
  (void)ParseOnlines(obj);
  (void)ParseClientStat(obj);
  auto list = ParseInboundList(obj);
  if (list.ok()) {
    for (const auto& in : *list) {
      for (const auto& c : in.clients) {
        (void)ShareLink(in, c, "vpn.example.com");
        (void)EncodeClient(in.protocol, c);
      }
    }
  }
  if (obj.is_object()) (void)ParseInbound(obj);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto env = ParseEnvelope(body);
  if (env.ok()) {
    (void)CheckSuccess(*env, "fuzz");
    Exercise(env->obj);
  }
  auto settings = ParseSettingsValue(Json(body), "settings");
  if (settings.ok()) (void)ParseClients(*settings);
  return 0;
}
