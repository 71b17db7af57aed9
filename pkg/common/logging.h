// File: pkg/common/logging.h
//
// The process's logger (spdlog's default logger, the one allowed global besides the metrics
// registry): `text` for people, `json` for log pipelines (one object per line, the message
// escaped). Log lines never carry credentials: callers pass names and reasons, never Secret
// contents, cookies or connection strings (DescribeConnectionString in pkg/store prints one safely).
//
// Thread-safety: SetupLogging before starting threads; logging itself is thread-safe.
#ifndef X3UI_PKG_COMMON_LOGGING_H_
#define X3UI_PKG_COMMON_LOGGING_H_

#include <memory>
#include <string>

#include "pkg/common/status.h"

namespace spdlog {
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace x3ui {

// level: trace|debug|info|warn|error; format: text|json. `sink` overrides stderr (tests).
Status SetupLogging(const std::string& level, const std::string& format,
                    std::shared_ptr<spdlog::sinks::sink> sink = nullptr);

// `s` as the body of a JSON string (quotes, backslashes and control characters escaped).
std::string JsonEscape(const std::string& s);

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_LOGGING_H_
