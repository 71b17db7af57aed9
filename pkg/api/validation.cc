#include "pkg/api/validation.h"

#include <regex>
#include <set>

#include "pkg/api/conditions.h"
#include "pkg/common/clock.h"

namespace x3ui::api {
namespace {

bool Matches(const std::string& s, const char* pattern) {
  // One compiled regex per pattern constant; the constants have static storage.
  thread_local std::map<const char*, std::regex> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern)).first;
  return std::regex_match(s, it->second);
}

// Collects errors under one object path.
class Checker {
 public:
  explicit Checker(FieldErrors* errs) : errs_(errs) {}

  void Add(const std::string& path, std::string msg) { errs_->push_back({path, std::move(msg)}); }

  void Required(const std::string& path, const std::string& v) {
    if (v.empty()) Add(path, "is required");
  }
  void Range(const std::string& path, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo) {
      Add(path, "must be at least " + std::to_string(lo));
    } else if (v > hi) {
      Add(path, "must be at most " + std::to_string(hi));
    }
  }
  void Min(const std::string& path, int64_t v, int64_t lo) {
    if (v < lo) Add(path, "must be at least " + std::to_string(lo));
  }
  // A non-empty `v` must match `pattern` and be at most `max_len` long.
  void Pattern(const std::string& path, const std::string& v, const char* pattern, size_t max_len, std::string msg) {
    if (!v.empty() && (v.size() > max_len || !Matches(v, pattern))) Add(path, std::move(msg));
  }
  void DnsSubdomain(const std::string& path, const std::string& v) {
    Pattern(path, v, kDnsSubdomainPattern, 253, "must be a lower-case DNS name (a-z, 0-9, '-' and '.'), at most 253 characters");
  }
  void DnsLabel(const std::string& path, const std::string& v) {
    Pattern(path, v, kDnsLabelPattern, 63, "must be a lower-case DNS label (a-z, 0-9 and '-'), at most 63 characters");
  }
  void Labels(const std::string& path, const StringMap& labels) {
    for (const auto& [k, v] : labels) {
      if (!IsValidLabelKey(k)) {
        Add(path, "key \"" + k + "\" must be a label key: [prefix/]name, name at most 63 of A-Z a-z 0-9 - _ .");
      }
      if (v.size() > 63 || !Matches(v, kLabelValuePattern)) {
        Add(path + "." + k, "must be a label value: at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends");
      }
    }
  }
  void Metadata(const ObjectMeta& m) {
    if (m.name.empty() && m.generate_name.empty()) Add("metadata.name", "is required");
    DnsSubdomain("metadata.name", m.name);
  }
  void Conditions(const std::string& path, const std::vector<Condition>& cs) {
    std::set<std::string> seen;
    for (size_t i = 0; i < cs.size(); ++i) {
      std::string p = path + "[" + std::to_string(i) + "]";
      for (auto& e : ValidateCondition(cs[i], p)) errs_->push_back(std::move(e));
      if (!seen.insert(cs[i].type).second) Add(p + ".type", "duplicate condition type " + cs[i].type);
    }
  }

 private:
  FieldErrors* errs_;
};

const std::set<std::string>& Protocols() {
  static const std::set<std::string> p{"vless", "vmess", "trojan", "shadowsocks"};
  return p;
}

void CheckPanel(Checker& c, const PanelSpec& p) {
  c.Required("spec.panel.url", p.url);
  c.Pattern("spec.panel.url", p.url, kPanelUrlPattern, kMaxUrlLength,
            "must be an http(s) URL without credentials, query or fragment");
  c.Required("spec.panel.credentialsSecretRef.name", p.credentials_secret_ref.name);
  c.DnsSubdomain("spec.panel.credentialsSecretRef.name", p.credentials_secret_ref.name);
  if (p.ca_secret_ref) {
    c.Required("spec.panel.caSecretRef.name", p.ca_secret_ref->name);
    c.DnsSubdomain("spec.panel.caSecretRef.name", p.ca_secret_ref->name);
  }
}

void CheckInbounds(Checker& c, const std::vector<InboundRef>& inbounds) {
  if (inbounds.empty()) c.Add("spec.inbounds", "must list at least one inbound");
  if (static_cast<int64_t>(inbounds.size()) > kMaxInbounds) {
    c.Add("spec.inbounds", "must list at most " + std::to_string(kMaxInbounds) + " inbounds");
  }
  std::set<std::string> names, refs;
  for (size_t i = 0; i < inbounds.size(); ++i) {
    const InboundRef& in = inbounds[i];
    std::string p = "spec.inbounds[" + std::to_string(i) + "]";
    c.Required(p + ".name", in.name);
    c.DnsLabel(p + ".name", in.name);
    if (!in.name.empty() && !names.insert(in.name).second) c.Add(p + ".name", "duplicate inbound name " + in.name);
    if (!in.id && in.tag.empty()) c.Add(p, "must set id or tag");
    if (in.id) {
      c.Range(p + ".id", *in.id, 1, 2147483647);
      if (!refs.insert("id:" + std::to_string(*in.id)).second) c.Add(p + ".id", "duplicate inbound id");
    }
    c.Pattern(p + ".tag", in.tag, kInboundTagPattern, 256, "must not contain '/' or whitespace, at most 256 characters");
    if (!in.tag.empty() && !refs.insert("tag:" + in.tag).second) c.Add(p + ".tag", "duplicate inbound tag");
    if (Protocols().count(in.protocol) == 0) c.Add(p + ".protocol", "must be one of vless, vmess, trojan, shadowsocks");
  }
}

void CheckProbe(Checker& c, const ProbeSpec& p) {
  c.Range("spec.probe.intervalSeconds", p.interval_seconds, 5, 3600);
  c.Range("spec.probe.timeoutSeconds", p.timeout_seconds, 1, 300);
  if (p.timeout_seconds >= p.interval_seconds) {
    c.Add("spec.probe.timeoutSeconds", "must be less than spec.probe.intervalSeconds");
  }
  c.Range("spec.probe.failureThreshold", p.failure_threshold, 1, 100);
  c.Range("spec.probe.successThreshold", p.success_threshold, 1, 100);
}

void CheckSelector(Checker& c, const std::string& path, const LabelSelector& s) {
  c.Labels(path + ".matchLabels", s.match_labels);
  for (size_t i = 0; i < s.match_expressions.size(); ++i) {
    const auto& q = s.match_expressions[i];
    std::string p = path + ".matchExpressions[" + std::to_string(i) + "]";
    if (!IsValidLabelKey(q.key)) c.Add(p + ".key", "must be a label key");
    if (q.op == "In" || q.op == "NotIn") {
      if (q.values.empty()) c.Add(p + ".values", "must be non-empty for operator " + q.op);
    } else if (q.op == "Exists" || q.op == "DoesNotExist") {
      if (!q.values.empty()) c.Add(p + ".values", "must be empty for operator " + q.op);
    } else {
      c.Add(p + ".operator", "must be one of In, NotIn, Exists, DoesNotExist");
    }
  }
}

}  // namespace

bool IsValidLabelKey(const std::string& key) {
  std::string name = key;
  auto slash = key.find('/');
  if (slash != std::string::npos) {
    std::string prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 253 || !Matches(prefix, kDnsSubdomainPattern)) return false;
  }
  return !name.empty() && name.size() <= 63 && Matches(name, kLabelValuePattern);
}

FieldErrors ValidateVpnNode(const VpnNode& n) {
  FieldErrors errs;
  Checker c(&errs);
  c.Metadata(n.metadata);
  const VpnNodeSpec& s = n.spec;
  CheckPanel(c, s.panel);
  c.Required("spec.publicHost", s.public_host);
  c.Pattern("spec.publicHost", s.public_host, kHostPattern, 253,
            "must be a host name or an IP address, without scheme or port");
  CheckInbounds(c, s.inbounds);
  c.Range("spec.capacity.maxUsers", s.capacity.max_users, 1, kMaxUsersLimit);
  c.Range("spec.priority", s.priority, 0, kMaxPriority);
  c.Range("spec.weight", s.weight, 1, kMaxWeight);
  c.DnsLabel("spec.region", s.region);
  c.Labels("spec.labels", s.labels);
  if (s.probe) CheckProbe(c, *s.probe);
  c.Conditions("status.conditions", n.status.conditions);
  return errs;
}

FieldErrors ValidateVpnAssignment(const VpnAssignment& a) {
  FieldErrors errs;
  Checker c(&errs);
  c.Metadata(a.metadata);
  const VpnAssignmentSpec& s = a.spec;
  c.Required("spec.user.id", s.user.id);
  c.Pattern("spec.user.id", s.user.id, kUserIdPattern, kMaxEmailLength,
            "may contain only letters, digits and . _ - : @ +, at most 128 characters");
  c.Required("spec.user.email", s.user.email);
  c.Pattern("spec.user.email", s.user.email, kEmailPattern, kMaxEmailLength,
            "may contain only letters, digits and . _ - @ +, at most 128 characters");
  std::set<std::string> seen;
  for (size_t i = 0; i < s.inbounds.size(); ++i) {
    std::string p = "spec.inbounds[" + std::to_string(i) + "]";
    c.DnsLabel(p, s.inbounds[i]);
    if (!seen.insert(s.inbounds[i]).second) c.Add(p, "duplicate inbound name " + s.inbounds[i]);
  }
  c.DnsSubdomain("spec.nodeName", s.node_name);
  c.DnsLabel("spec.nodeSelector.region", s.node_selector.region);
  c.Labels("spec.nodeSelector.labels", s.node_selector.labels);
  c.Min("spec.limits.totalBytes", s.limits.total_bytes, 0);
  c.Range("spec.limits.ipLimit", s.limits.ip_limit, 0, 1000);
  if (!s.limits.expiry_time.empty() && !ParseRfc3339(s.limits.expiry_time)) {
    c.Add("spec.limits.expiryTime", "must be an RFC 3339 time such as 2027-01-31T00:00:00Z");
  }
  c.Conditions("status.conditions", a.status.conditions);
  return errs;
}

FieldErrors ValidateVpnMigration(const VpnMigration& m) {
  FieldErrors errs;
  Checker c(&errs);
  c.Metadata(m.metadata);
  const VpnMigrationSpec& s = m.spec;
  c.DnsSubdomain("spec.fromNode", s.from_node);
  c.DnsSubdomain("spec.toNode", s.to_node);
  if (s.from_node.empty() && (!s.selector || s.selector->empty())) {
    c.Add("spec", "must set fromNode or a non-empty selector, so that not every user is moved by accident");
  }
  if (!s.from_node.empty() && s.from_node == s.to_node) c.Add("spec.toNode", "must differ from spec.fromNode");
  if (s.selector) CheckSelector(c, "spec.selector", *s.selector);
  c.Min("spec.maxUsers", s.max_users, 0);
  c.Range("spec.maxConcurrent", s.max_concurrent, 0, 10000);
  c.Conditions("status.conditions", m.status.conditions);
  return errs;
}

bool EndpointFitsStatus(const InboundEndpoint& e) {
  auto fits = [](const std::string& s) { return !s.empty() && s.size() <= kMaxEndpointTextLength; };
  if (!fits(e.protocol) || !fits(e.address) || e.remark.size() > kMaxEndpointTextLength ||
      e.method.size() > kMaxEndpointTextLength || e.port < 1 || e.port > 65535 || e.params.size() > kMaxEndpointParams) {
    return false;
  }
  for (const auto& [k, v] : e.params) {
    if (k.size() > kMaxEndpointTextLength || v.size() > kMaxEndpointParamLength) return false;
  }
  return true;
}

}  // namespace x3ui::api
