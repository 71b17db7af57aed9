#include "pkg/subscription/format.h"

#include <algorithm>
#include <cctype>

namespace x3ui::subscription {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::optional<Format> ParseFormat(const std::string& name) {
  if (name == "base64") return Format::kBase64;
  if (name == "clash") return Format::kClash;
  if (name == "info") return Format::kInfo;
  return std::nullopt;
}

const char* FormatName(Format f) {
  switch (f) {
    case Format::kClash: return "clash";
    case Format::kInfo: return "info";
    case Format::kBase64: break;
  }
  return "base64";
}

Format FormatForUserAgent(const std::string& user_agent) {
  // Clash Verge, ClashX, Clash.Meta and FlClash all carry "clash"; Mihomo and Stash their own names.
  static const char* const kClashApps[] = {"clash", "mihomo", "stash"};
  const std::string ua = Lower(user_agent);
  for (const char* app : kClashApps) {
    if (ua.find(app) != std::string::npos) return Format::kClash;
  }
  return Format::kBase64;
}

std::optional<Format> ChooseFormat(const std::string& path_format, const std::string& query_format,
                                   const std::string& user_agent) {
  if (!query_format.empty()) return ParseFormat(query_format);
  if (!path_format.empty()) return ParseFormat(path_format);
  return FormatForUserAgent(user_agent);
}

}  // namespace x3ui::subscription
