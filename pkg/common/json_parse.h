// File: pkg/common/json_parse.h
//
// Parsing JSON that comes from outside (panel replies, settings strings) with a bound on its
// nesting. nlohmann's parser keeps its own stack, but copying, comparing, dumping and
// destroying a value recurse once per level: a reply of 200 KB that nests 100,000 arrays
// overflows the thread's stack in the first copy. The depth is checked on the bytes, before
// the parser builds anything.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_COMMON_JSON_PARSE_H_
#define X3UI_PKG_COMMON_JSON_PARSE_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pkg/common/status.h"

namespace x3ui {

using Json = nlohmann::json;

// The deepest nesting of arrays and objects accepted. A 3x-ui inbound list nests 5 levels
// (envelope, list, inbound, clientStats, row) and a settings string 4 or 5; Xray stream
// settings rarely pass 8.
inline constexpr int kMaxJsonDepth = 64;

// The deepest nesting of '[' and '{' in `text`, counted outside JSON strings, stopping as soon
// as it passes `limit` (then the result is limit + 1). `text` need not be valid JSON.
int JsonNestingDepth(std::string_view text, int limit);

// Parses `text` as one JSON document. InvalidArgument when it is not JSON or nests deeper than
// `max_depth`. Never throws.
Result<Json> ParseJson(std::string_view text, int max_depth = kMaxJsonDepth);

// `j` as compact JSON text. Never throws: a string holding invalid UTF-8 (which nlohmann's dump
// refuses with an exception) is written with U+FFFD in place of the bad bytes. For text that is
// ours to send; where exact bytes matter, check them with IsValidUtf8 first and refuse.
std::string DumpJson(const Json& j);

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_JSON_PARSE_H_
