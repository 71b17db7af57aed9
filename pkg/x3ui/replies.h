// File: pkg/x3ui/replies.h
//
// Parsers for the panel's replies. They decide on `success` only (messages are localised and
// their prefixes mislead), accept both shapes of `settings` (a JSON string up to 3.0, an object
// from 3.1), and turn anything garbled or hostile — wrong types, truncated JSON, `obj: null`,
// huge bodies — into an error value with reason "MalformedReply". They never throw and never
// crash; a fuzzer holds them to that.
//
// Errors carry a Status code and reason a caller can branch on:
//   FailedPrecondition/DuplicateEmail   an email already exists on the panel (whole batch refused)
//   FailedPrecondition/LastClient       deleting an inbound's last client (classic panels)
//   NotFound/ClientNotFound             no such client
//   NotFound/RecordNotFound             no such inbound
//   FailedPrecondition/Rejected         any other success:false
//   Internal/MalformedReply             the body is not what the panel sends
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_X3UI_REPLIES_H_
#define X3UI_PKG_X3UI_REPLIES_H_

#include <string_view>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/x3ui/limits.h"
#include "pkg/x3ui/model.h"

namespace x3ui::panel {

struct Envelope {
  bool success = false;
  std::string msg;  // the panel's text, line breaks removed; CleanForeignText it before quoting
  Json obj;         // null when the panel sent null
};

// Parses {"success":bool,"msg":string,"obj":any}: bodies over kMaxReplyBytes and JSON nested
// deeper than kMaxJsonDepth are refused as malformed before they are parsed. A well-formed success:false is returned as an
// Envelope (not an error); use CheckSuccess to turn it into the classified error.
Result<Envelope> ParseEnvelope(std::string_view body);

// OK for success:true; otherwise the classified error for the panel's msg, quoted cleaned and cut
// to kMaxForeignTextBytes.
Status CheckSuccess(const Envelope& e, const std::string& what);

// `settings` as the panel sends it: a JSON string (2.x, 3.0) or an object (3.1+).
Result<Json> ParseSettingsValue(const Json& v, const std::string& field);
// The clients of a settings object (an inbound without "clients" has none).
Result<std::vector<Client>> ParseClients(const Json& settings);

Result<Inbound> ParseInbound(const Json& obj);
Result<std::vector<Inbound>> ParseInboundList(const Json& obj);
// obj is null for ~2 s after a panel starts: that is Unavailable/StatusNotReady, not malformed.
// xray.state and xray.errorMsg come back cleaned and bounded (CleanForeignText): callers put
// them in conditions.
Result<ServerStatus> ParseServerStatus(const Json& obj);
// obj null (before the first poll) means nobody.
Result<std::vector<std::string>> ParseOnlines(const Json& obj);
Result<ClientStat> ParseClientStat(const Json& obj);

// A client as addClient/updateClient expect it, for `protocol`.
Json EncodeClient(const std::string& protocol, const Client& c);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_REPLIES_H_
