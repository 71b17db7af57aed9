#include "pkg/subscription/format.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace x3ui::subscription {
namespace {

constexpr std::pair<const char*, Format> kNames[] = {
    {"base64", Format::kBase64}, {"clash", Format::kClash}, {"singbox", Format::kSingbox},
    {"xray", Format::kXray},     {"info", Format::kInfo},   {"html", Format::kHtml},
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool HasAny(const std::string& lower_ua, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return lower_ua.find(w) != std::string::npos; });
}

bool StartsWithAny(const std::string& lower_ua, std::initializer_list<const char*> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const char* p) { return lower_ua.rfind(p, 0) == 0; });
}

// sing-box's own apps name themselves SFA (Android), SFI (iOS), SFM (macOS), SFT (tvOS).
bool IsSingboxApp(const std::string& ua) { return HasAny(ua, {"sing-box", "singbox"}) || StartsWithAny(ua, {"sfa/", "sfi/", "sfm/", "sft/"}); }

// Clash Verge, ClashX, Clash.Meta and FlClash all carry "clash"; Mihomo and Stash their own names.
bool IsClashApp(const std::string& ua) { return HasAny(ua, {"clash", "mihomo", "stash"}); }

// Apps that read the base64 list; named so that a Mozilla-style UA of theirs is not a browser.
bool IsBase64App(const std::string& ua) {
  return HasAny(ua, {"v2ray", "shadowrocket", "streisand", "hiddify", "nekobox", "nekoray", "happ", "v2box", "foxray"});
}

// A browser lists text/html in Accept (apps send */* or nothing) or says Mozilla without naming
// an app.
bool IsBrowser(const std::string& ua, const std::string& accept) {
  return Lower(accept).find("text/html") != std::string::npos || StartsWithAny(ua, {"mozilla/"});
}

}  // namespace

std::optional<Format> ParseFormat(const std::string& name) {
  for (const auto& [n, f] : kNames) {
    if (name == n) return f;
  }
  return std::nullopt;
}

const char* FormatName(Format f) {
  for (const auto& [n, known] : kNames) {
    if (known == f) return n;
  }
  return "base64";
}

Format FormatForClient(const std::string& user_agent, const std::string& accept) {
  const std::string ua = Lower(user_agent);
  if (IsSingboxApp(ua)) return Format::kSingbox;
  if (IsClashApp(ua)) return Format::kClash;
  if (IsBase64App(ua)) return Format::kBase64;
  if (IsBrowser(ua, accept)) return Format::kHtml;
  return Format::kBase64;
}

std::optional<Format> ChooseFormat(const std::string& path_format, const std::string& query_format,
                                   const std::string& user_agent, const std::string& accept) {
  if (!query_format.empty()) return ParseFormat(query_format);
  if (!path_format.empty()) return ParseFormat(path_format);
  return FormatForClient(user_agent, accept);
}

}  // namespace x3ui::subscription
