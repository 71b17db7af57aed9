// File: pkg/api/reasons.h
//
// Every reason the operator writes: conditions' `reason`, Events' `reason`, and why a user is
// moved (status, the ledger, metrics). Each is CamelCase, as Kubernetes reasons are; one
// constant per word, so that a writer and a reader cannot drift apart.
#ifndef X3UI_PKG_API_REASONS_H_
#define X3UI_PKG_API_REASONS_H_

namespace x3ui::api {

// VpnNode conditions.
inline constexpr char kReasonProbeSucceeded[] = "ProbeSucceeded";   // Reachable=True
inline constexpr char kReasonProbeFailed[] = "ProbeFailed";         // Reachable=False
inline constexpr char kReasonNotProbed[] = "NotProbed";             // Reachable=Unknown
inline constexpr char kReasonSchedulable[] = "Schedulable";
inline constexpr char kReasonDraining[] = "Draining";               // Schedulable=False: spec.drain
inline constexpr char kReasonCordoned[] = "Cordoned";               // Schedulable=False: spec.unschedulable
inline constexpr char kReasonPanelReady[] = "PanelReady";           // Ready=True
inline constexpr char kReasonNotYetReachable[] = "NotYetReachable";
inline constexpr char kReasonInboundMissing[] = "InboundMissing";
inline constexpr char kReasonDeleting[] = "Deleting";
inline constexpr char kReasonInSync[] = "InSync";                   // InSync=True
inline constexpr char kReasonDrift[] = "Drift";                     // InSync=False
// Why a node's panel cannot be reached with credentials (VpnNode Ready=False).
inline constexpr char kReasonPanelHostRefused[] = "PanelHostRefused";
inline constexpr char kReasonCredentialsMissing[] = "CredentialsMissing";
inline constexpr char kReasonCredentialsForbidden[] = "CredentialsForbidden";
inline constexpr char kReasonCredentialsNotOptedIn[] = "CredentialsNotOptedIn";
inline constexpr char kReasonCredentialsInvalid[] = "CredentialsInvalid";
inline constexpr char kReasonCaBundleMissing[] = "CaBundleMissing";
inline constexpr char kReasonCaInvalid[] = "CaInvalid";
inline constexpr char kReasonInsecureTransportRefused[] = "InsecureTransportRefused";  // --refuse-insecure-panels
// The InsecureTransport condition (api::kInsecureTransport).
inline constexpr char kReasonPlainHttp[] = "PlainHttp";
inline constexpr char kReasonTlsVerifyDisabled[] = "TlsVerifyDisabled";
inline constexpr char kReasonTlsVerified[] = "TlsVerified";
inline constexpr char kReasonLoginFailed[] = "LoginFailed";       // Ready=False: the panel refused the login

// Any object whose spec fails validation (Ready=False).
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";

// VpnAssignment conditions and Events.
inline constexpr char kReasonSynced[] = "Synced";
inline constexpr char kReasonAdding[] = "Adding";
inline constexpr char kReasonUnknownInbound[] = "UnknownInbound";
inline constexpr char kReasonPanelRefused[] = "PanelRefused";
inline constexpr char kReasonPanelUnavailable[] = "PanelUnavailable";
inline constexpr char kReasonNodeUnavailable[] = "NodeUnavailable";
inline constexpr char kReasonSecretConflict[] = "SecretConflict";
inline constexpr char kReasonUnschedulable[] = "Unschedulable";
inline constexpr char kReasonNoTarget[] = "NoTarget";
inline constexpr char kReasonMoveFailed[] = "MoveFailed";
inline constexpr char kReasonCleanupPending[] = "CleanupPending";
inline constexpr char kReasonPlaced[] = "Placed";                   // Event
inline constexpr char kReasonClientRepaired[] = "ClientRepaired";   // Event
inline constexpr char kReasonMigrated[] = "Migrated";               // Event

// Why a user is on a node, or leaves one (status, the ledger's reason, metrics).
inline constexpr char kReasonNodeDeleted[] = "NodeDeleted";
inline constexpr char kReasonNodeDraining[] = "NodeDraining";
inline constexpr char kReasonNodeUnreachable[] = "NodeUnreachable";
inline constexpr char kReasonVpnMigration[] = "VpnMigration";
inline constexpr char kReasonSelectorChanged[] = "SelectorChanged";
inline constexpr char kReasonPinned[] = "Pinned";
// Every reason a move is made for (the metrics' x3ui_migrations_total is preset for each).
inline constexpr const char* kMoveReasons[] = {kReasonNodeDeleted, kReasonNodeDraining, kReasonNodeUnreachable,
                                               kReasonVpnMigration, kReasonSelectorChanged, kReasonPinned};
inline constexpr char kReasonRecovered[] = "Recovered";
inline constexpr char kReasonRolledBack[] = "RolledBack";
// Why the ledger released a placement.
inline constexpr char kReasonNotPlaced[] = "NotPlaced";
inline constexpr char kReasonDeleted[] = "Deleted";

// VpnMigration conditions.
inline constexpr char kReasonDryRun[] = "DryRun";
// VpnMigration Events.
inline constexpr char kReasonPlanned[] = "Planned";
inline constexpr char kReasonSucceeded[] = "Succeeded";
inline constexpr char kReasonSomeMovesFailed[] = "SomeMovesFailed";
inline constexpr char kReasonNothingToMove[] = "NothingToMove";
inline constexpr char kReasonBlocked[] = "Blocked";
inline constexpr char kReasonRunning[] = "Running";

}  // namespace x3ui::api

#endif  // X3UI_PKG_API_REASONS_H_
