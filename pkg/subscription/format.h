// File: pkg/subscription/format.h
//
// Which body a subscription request gets: the format named in the path (/sub/<token>/<format>),
// overridden by ?format=, else the one the User-Agent's app reads (Clash, Mihomo and Stash read
// Clash YAML; every other app, and a request without a User-Agent, the base64 list of share
// links that is the apps' common default).
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_FORMAT_H_
#define X3UI_PKG_SUBSCRIPTION_FORMAT_H_

#include <optional>
#include <string>

namespace x3ui::subscription {

enum class Format { kBase64, kClash, kInfo };

// "base64", "clash", "info"; nullopt for any other name.
std::optional<Format> ParseFormat(const std::string& name);
const char* FormatName(Format f);
// The format an app with this User-Agent reads (case-insensitive substring match).
Format FormatForUserAgent(const std::string& user_agent);
// `query_format` wins over `path_format`, which wins over the User-Agent; an unknown name in
// either is nullopt (the server answers 404, as for an unknown path).
std::optional<Format> ChooseFormat(const std::string& path_format, const std::string& query_format,
                                   const std::string& user_agent);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_FORMAT_H_
