// File: pkg/x3ui/reasons.h
//
// The panel adapter's Status reasons: what a caller can branch on when a panel call fails. A
// failed client operation's reason becomes the VpnAssignment condition's reason as it is, so
// these are CamelCase like every other condition reason (pkg/api/reasons.h holds those).
//
// Thread-safety: constants only.
#ifndef X3UI_PKG_X3UI_REASONS_H_
#define X3UI_PKG_X3UI_REASONS_H_

namespace x3ui::panel {

// Replies (replies.h says which call gives which).
inline constexpr char kReasonMalformedReply[] = "MalformedReply";     // the body is not what a panel sends
inline constexpr char kReasonDuplicateEmail[] = "DuplicateEmail";     // an email already exists on the panel
inline constexpr char kReasonLastClient[] = "LastClient";             // an inbound's last client (classic)
inline constexpr char kReasonClientNotFound[] = "ClientNotFound";
inline constexpr char kReasonRecordNotFound[] = "RecordNotFound";     // no such inbound
inline constexpr char kReasonRejected[] = "Rejected";                 // any other success:false
inline constexpr char kReasonStatusNotReady[] = "StatusNotReady";     // server status obj null just after start
// Transport and session.
inline constexpr char kReasonHttpStatus[] = "HttpStatus";             // an HTTP error status
inline constexpr char kReasonEndpointMissing[] = "EndpointMissing";   // a 404 on an API route
inline constexpr char kReasonSessionRejected[] = "SessionRejected";   // the session cookie was refused
inline constexpr char kReasonPanelBusy[] = "PanelBusy";               // the session's wait limit passed
inline constexpr char kReasonNotPersisted[] = "NotPersisted";
// Login.
inline constexpr char kReasonLoginFailed[] = "LoginFailed";
inline constexpr char kReasonLoginNotFound[] = "LoginNotFound";       // no login route at the URL
inline constexpr char kReasonLoginBackoff[] = "LoginBackoff";         // refused earlier; not yet retried
// Credential and CA Secrets.
inline constexpr char kReasonCredentialsInvalid[] = "CredentialsInvalid";
inline constexpr char kReasonCredentialsMissing[] = "CredentialsMissing";
inline constexpr char kReasonCaMissing[] = "CaMissing";               // the CA Secret lacks the key
inline constexpr char kReasonCaInvalid[] = "CaInvalid";               // not PEM certificates

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_REASONS_H_
