// libFuzzer target: the first things a panel's bytes meet — the Set-Cookie parser, the
// depth-bounded JSON parse and the cleaner for text quoted in messages — fed arbitrary bytes.
// Besides never crashing, each must keep its promise: cookies that a Cookie header can carry,
// no parsed document deeper than the bound, cleaned text that is valid UTF-8, free of escapes
// and controls and within its size. Run by hack/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pkg/common/json_parse.h"
#include "pkg/common/text.h"
#include "pkg/x3ui/cookies.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

void CheckCookies(std::string_view input) {
  auto cookies = x3ui::panel::ParseSetCookie(input);
  if (!cookies.ok()) return;
  for (const auto& c : *cookies) {
    Require(!c.name.empty());
    for (unsigned char ch : c.name + c.value) Require(ch > 0x20 && ch < 0x7F && ch != ';' && ch != ',');
  }
}

void CheckClean(std::string_view input, size_t max_bytes) {
  std::string out = x3ui::CleanForeignText(input, max_bytes);
  Require(out.size() <= max_bytes);
  Require(x3ui::IsValidUtf8(out));
  for (unsigned char ch : out) Require(ch >= 0x20 && ch != 0x7F);  // no C0 control, no ESC
  Require(out.find("\xC2\x9B") == std::string::npos);              // no C1 CSI
}

void CheckJson(std::string_view input) {
  auto parsed = x3ui::ParseJson(input);
  if (!parsed.ok()) return;
  std::string text = x3ui::DumpJson(*parsed);
  Require(x3ui::JsonNestingDepth(text, x3ui::kMaxJsonDepth) <= x3ui::kMaxJsonDepth);
  // A copy recurses per level: bounded, it must be harmless.
  x3ui::Json copy = *parsed;
  Require(copy == *parsed);
}

void CheckUtf8AgreesWithNlohmann(const std::string& input) {
  bool threw = false;
  try {
    (void)x3ui::Json(input).dump();
  } catch (const x3ui::Json::type_error&) {
    threw = true;
  }
  Require(threw == !x3ui::IsValidUtf8(input));
  Require(x3ui::IsValidUtf8(x3ui::DumpJson(x3ui::Json(input))));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  CheckCookies(input);
  CheckClean(input, x3ui::kMaxForeignTextBytes);
  CheckClean(input, 3 + size % 64);
  CheckJson(input);
  CheckUtf8AgreesWithNlohmann(input);
  return 0;
}
