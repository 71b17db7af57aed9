#include "controller/owned_clients.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "pkg/common/clock.h"
#include "pkg/common/strings.h"
#include "pkg/kube/object_key.h"
#include "pkg/x3ui/reasons.h"

namespace x3ui::controller {
namespace {

int64_t ExpiryMillis(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  return t ? std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count() : 0;
}

}  // namespace

std::optional<std::string> OwnerOf(const std::string& ns, const panel::Client& c) {
  const std::string email = AsciiLower(c.email);
  const std::string suffix = "@" + ns + ".x3ui";
  if (email.size() <= suffix.size() || email.compare(email.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const std::string local = email.substr(0, email.size() - suffix.size());
  const auto dot = local.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == local.size()) return std::nullopt;
  std::string name = local.substr(dot + 1);
  if (c.comment != OwnedClientComment(ns, name)) return std::nullopt;
  return name;
}

void ApplySpec(const api::VpnAssignmentSpec& spec, panel::Client* c) {
  c->limit_ip = spec.limits.ip_limit;
  c->total_bytes = spec.limits.total_bytes;
  c->expiry_time = ExpiryMillis(spec.limits.expiry_time);
  c->enable = spec.enabled;
}

panel::Client DesiredClient(const std::string& ns, const std::string& name, const api::VpnAssignmentSpec& spec,
                            const std::string& inbound_name, const std::string& protocol, const UserKeys& keys) {
  panel::Client c = panel::OwnedClientIdentity(ns, name, inbound_name, protocol, keys);
  ApplySpec(spec, &c);
  c.sub_id = keys.sub_id;
  c.comment = OwnedClientComment(ns, name);
  return c;
}

uint64_t KeyFingerprint(const panel::Client& c) {
  std::string keys = c.id;
  keys += '\0';
  keys += c.password;
  keys += '\0';
  keys += c.sub_id;
  return std::hash<std::string>{}(keys);
}

bool Stale(const panel::Client& have, const panel::Client& want, std::optional<uint64_t> keys) {
  return have.limit_ip != want.limit_ip || have.total_bytes != want.total_bytes ||
         have.expiry_time != want.expiry_time || have.enable != want.enable || have.comment != want.comment ||
         (keys && KeyFingerprint(have) != *keys);
}

panel::Client Merge(panel::Client have, const panel::Client& want) {
  have.id = want.id;
  have.password = want.password;
  have.limit_ip = want.limit_ip;
  have.total_bytes = want.total_bytes;
  have.expiry_time = want.expiry_time;
  have.enable = want.enable;
  have.sub_id = want.sub_id;
  have.comment = want.comment;
  return have;
}

Status DeleteOwnedClients(panel::PanelSession& session, const std::vector<panel::Inbound>& inbounds,
                          const std::vector<std::string>& emails) {
  // A set, not a scan of `emails` per client: a revived panel's clean-up passes thousands.
  const std::unordered_set<std::string> wanted_gone(emails.begin(), emails.end());
  for (const auto& inbound : inbounds) {
    for (const auto& c : inbound.clients) {
      const std::string email = AsciiLower(c.email);
      if (!wanted_gone.count(email)) continue;
      if (inbound.clients.size() == 1 && !c.enable) continue;  // a disabled last client: nothing to do
      Status s = session.Mutate([&](panel::PanelClient& pc) { return pc.DeleteClient(inbound, c); });
      if (s.reason() == panel::kReasonLastClient) {
        // The panel keeps an inbound's last client; a disabled one grants nothing.
        panel::Client off = c;
        off.enable = false;
        const std::string key = panel::ClientKey(inbound.protocol, c);
        s = session.Mutate([&](panel::PanelClient& pc) { return pc.UpdateClient(inbound, key, off); });
      }
      // Gone already (a person, or a pass working from a newer listing, removed it): done.
      if (s.reason() == panel::kReasonClientNotFound) {
        spdlog::info("owned client already gone node={} client={}", session.key(), email);
        continue;
      }
      if (!s.ok()) return s.WithContext("removing " + email);
    }
  }
  return Status::Ok();
}

std::vector<const api::InboundRef*> WantedInbounds(const api::VpnNodeSpec& node, const std::vector<std::string>& names) {
  std::vector<const api::InboundRef*> wanted;
  for (const auto& ref : node.inbounds) {
    if (names.empty() || std::find(names.begin(), names.end(), ref.name) != names.end()) wanted.push_back(&ref);
  }
  return wanted;
}

const panel::Client* FindClient(const panel::Inbound& inbound, const std::string& email) {
  for (const auto& c : inbound.clients) {
    if (AsciiEqualFold(c.email, email)) return &c;
  }
  return nullptr;
}

const panel::Inbound* FindInbound(const std::vector<panel::Inbound>& on_panel, const api::InboundRef& ref) {
  for (const auto& in : on_panel) {
    if ((ref.id && in.id == *ref.id) || (!ref.id && !ref.tag.empty() && in.tag == ref.tag)) return &in;
  }
  return nullptr;
}

DriftReport DiffOwnedClients(const std::string& ns, const api::VpnNodeSpec& spec,
                             const std::vector<panel::Inbound>& on_panel, const std::vector<PlacedUser>& placed,
                             const ExpectedKeys* keys) {
  DriftReport report;
  std::set<std::string> wanted_emails, repair;
  // Each inbound's clients by lower-case email, built once: a full panel has thousands.
  std::map<const panel::Inbound*, std::unordered_map<std::string, const panel::Client*>> by_email;
  auto find = [&](const panel::Inbound* inbound, const std::string& email) -> const panel::Client* {
    auto [it, fresh] = by_email.try_emplace(inbound);
    if (fresh) {
      for (const auto& c : inbound->clients) it->second.emplace(AsciiLower(c.email), &c);
    }
    auto c = it->second.find(email);
    return c == it->second.end() ? nullptr : c->second;
  };
  for (const PlacedUser& u : placed) {
    // What the spec manages; the keys come from ExpectedKeys, which the user's own pass filled.
    panel::Client managed;
    ApplySpec(u.spec, &managed);
    managed.comment = OwnedClientComment(ns, u.name);
    const std::string user_key = kube::ObjectKey{ns, u.name}.String();
    for (const api::InboundRef* ref : WantedInbounds(spec, u.spec.inbounds)) {
      const panel::Inbound* inbound = FindInbound(on_panel, *ref);
      if (!inbound) continue;  // the node's InboundMissing condition reports it
      const std::string email = OwnedClientEmail(ns, u.name, ref->name);
      wanted_emails.insert(email);
      const panel::Client* have = find(inbound, email);
      if (!have) {
        ++report.counts.missing;
        repair.insert(u.name);
      } else if (Stale(*have, managed, keys ? keys->Get(user_key, ref->name) : std::nullopt)) {
        ++report.counts.stale;
        repair.insert(u.name);
      }
    }
  }
  for (const auto& ref : spec.inbounds) {
    const panel::Inbound* inbound = FindInbound(on_panel, ref);
    if (!inbound) continue;
    for (const auto& c : inbound->clients) {
      if (!OwnerOf(ns, c)) {
        ++report.counts.foreign;
      } else if (!wanted_emails.count(AsciiLower(c.email)) && !(inbound->clients.size() == 1 && !c.enable)) {
        ++report.counts.extra;
        report.extra.push_back(AsciiLower(c.email));
      }
    }
  }
  report.repair.assign(repair.begin(), repair.end());
  return report;
}

}  // namespace x3ui::controller
