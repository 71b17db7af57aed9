// libFuzzer target: YAML manifests and custom-resource JSON, through the same decoding and
// validation the operator applies. Must return errors, never crash, throw or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pkg/api/json.h"
#include "pkg/api/manifest.h"
#include "pkg/api/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)x3ui::api::LoadManifest(text, "fuzz.yaml");
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    auto n = x3ui::api::DecodeVpnNode(j);
    if (n.ok()) (void)x3ui::api::ValidateVpnNode(*n), (void)x3ui::api::Encode(*n);
    auto a = x3ui::api::DecodeVpnAssignment(j);
    if (a.ok()) (void)x3ui::api::ValidateVpnAssignment(*a), (void)x3ui::api::Encode(*a);
    auto m = x3ui::api::DecodeVpnMigration(j);
    if (m.ok()) (void)x3ui::api::ValidateVpnMigration(*m), (void)x3ui::api::Encode(*m);
  }
  return 0;
}
