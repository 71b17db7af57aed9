// File: controller/owned_clients.h
//
// The clients the operator owns on a panel (SPEC.md §3 "Ownership"): how they are named and
// marked, how they are told apart from foreign ones without the ledger, how they are removed, and
// the drift diff between what a panel holds and what the assignments placed on it need (SPEC.md §1
// "Drift repair"). Shared by the assignment reconciler (which writes clients) and the node
// reconciler (which diffs them on every probe).
//
// Thread-safety: the free functions are pure, except DeleteOwnedClients, which mutates the panel
// through the session (whose mutations are serialised per panel).
#ifndef X3UI_CONTROLLER_OWNED_CLIENTS_H_
#define X3UI_CONTROLLER_OWNED_CLIENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "controller/expected_keys.h"
#include "pkg/api/types.h"
#include "pkg/common/status.h"
#include "pkg/x3ui/model.h"
#include "pkg/x3ui/owned_identity.h"
#include "pkg/x3ui/session_pool.h"

namespace x3ui::controller {

// The owned clients' names and keys (pkg/x3ui/owned_identity.h), which the subscription
// server shares.
using panel::OwnedClientComment;
using panel::OwnedClientEmail;
using panel::UserKeys;

// The assignment that owns `c` in namespace `ns`: both markers (email and comment) must say so.
// nullopt for a foreign client, including one that imitates only one of the markers.
std::optional<std::string> OwnerOf(const std::string& ns, const panel::Client& c);

// Sets the fields an assignment's spec manages (limits and the enabled flag) on `c`.
void ApplySpec(const api::VpnAssignmentSpec& spec, panel::Client* c);

// The client assignment `ns/name` must hold on an inbound named `inbound_name` speaking
// `protocol`: its email and comment markers, the spec's limits, and the keys the protocol uses
// (a UUID for vless/vmess, the password for trojan/shadowsocks, the subId for every one).
panel::Client DesiredClient(const std::string& ns, const std::string& name, const api::VpnAssignmentSpec& spec,
                            const std::string& inbound_name, const std::string& protocol, const UserKeys& keys);
// A 64-bit digest of the client's keys (id, password, subId), for ExpectedKeys.
uint64_t KeyFingerprint(const panel::Client& c);

// The one staleness rule of an owned client, for the assignment's own pass and the node's drift
// diff alike: `have` (as listed) is stale when a field the operator manages differs from `want`
// — the limits, the enabled flag, the comment marker — or, when `keys` is known, when its
// KeyFingerprint differs from `keys`. The rest of a client (flow, tgId, reset...) is not ours.
bool Stale(const panel::Client& have, const panel::Client& want, std::optional<uint64_t> keys);
// `have` with every field the operator manages taken from `want` (what an update writes).
panel::Client Merge(panel::Client have, const panel::Client& want);

// Removes the owned clients whose (lower-case) emails are in `emails` from `inbounds` (as just
// listed) through `session`. An inbound's last client, which 2.x/3.0 panels refuse to delete, is
// disabled instead; one already disabled is left as it is (it grants nothing, and rewriting it
// on every pass would be a mutation with no effect).
Status DeleteOwnedClients(panel::PanelSession& session, const std::vector<panel::Inbound>& inbounds,
                          const std::vector<std::string>& emails);

// An assignment placed on a node, as the drift diff needs it.
struct PlacedUser {
  std::string name;
  api::VpnAssignmentSpec spec;
};

// The drift of one node's panel: the counts for status.drift, the assignments whose clients are
// missing or stale (for their reconciler to repair: it holds the credentials), and the emails of
// owned clients no placed assignment wants (for the caller to remove).
struct DriftReport {
  api::DriftStatus counts;
  std::vector<std::string> repair;  // assignment names
  std::vector<std::string> extra;   // lower-case emails
};

// Diffs `on_panel` (the node's inbounds as listed, with their clients) against `placed`, the
// assignments of namespace `ns` placed on the node `spec` describes, by the rule of Stale, with
// the keys `keys` expects where it knows them (`keys` may be null). Only inbounds that spec
// names are looked at; clients elsewhere on the panel are not the operator's business.
DriftReport DiffOwnedClients(const std::string& ns, const api::VpnNodeSpec& spec,
                             const std::vector<panel::Inbound>& on_panel, const std::vector<PlacedUser>& placed,
                             const ExpectedKeys* keys);

// The inbound refs of `node` that an assignment asking for `names` (empty: all) uses.
std::vector<const api::InboundRef*> WantedInbounds(const api::VpnNodeSpec& node, const std::vector<std::string>& names);
// The client of `inbound` whose email is `email` (lower case), compared case-insensitively.
const panel::Client* FindClient(const panel::Inbound& inbound, const std::string& email);
// The panel inbound `ref` points at, by id or tag; nullptr when the panel lacks it.
const panel::Inbound* FindInbound(const std::vector<panel::Inbound>& on_panel, const api::InboundRef& ref);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_OWNED_CLIENTS_H_
