// File: pkg/subscription/format.h
//
// Which body a subscription request gets: the format named in the path (/sub/<token>/<format>),
// overridden by ?format=, else the one the client reads, told by its User-Agent and Accept
// headers (the table is FormatForClient's; README.md "Subscriptions" lists it for users).
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_FORMAT_H_
#define X3UI_PKG_SUBSCRIPTION_FORMAT_H_

#include <optional>
#include <string>

namespace x3ui::subscription {

enum class Format { kBase64, kClash, kSingbox, kXray, kInfo, kHtml };

// "base64", "clash", "singbox", "xray", "info", "html"; nullopt for any other name.
std::optional<Format> ParseFormat(const std::string& name);
const char* FormatName(Format f);
// The format a client reads, first match wins (User-Agent matched case-insensitively):
//   sing-box apps (UA has "sing-box" or "singbox", or starts SFA/, SFI/, SFM/, SFT/) → singbox,
//     so Hiddify, whose UA names sing-box as well as ClashMeta, gets its native format;
//   Clash apps (UA has "clash", "mihomo" or "stash") → clash;
//   any other UA naming a known app (v2rayN, v2rayNG, Shadowrocket, Streisand, Hiddify, NekoBox,
//     NekoRay, Happ, V2Box, FoXray) → base64 (v2rayN reads xray only when the URL asks for it);
//   a browser (Accept lists text/html, or the UA starts "Mozilla/") → html;
//   anything else, and no headers at all → base64.
Format FormatForClient(const std::string& user_agent, const std::string& accept);
// `query_format` wins over `path_format`, which wins over the client's headers; an unknown name
// in either is nullopt (the server answers 404, as for an unknown path).
std::optional<Format> ChooseFormat(const std::string& path_format, const std::string& query_format,
                                   const std::string& user_agent, const std::string& accept = "");

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_FORMAT_H_
