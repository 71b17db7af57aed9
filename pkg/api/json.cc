#include "pkg/api/json.h"

#include "pkg/common/json_fields.h"

namespace x3ui::api {
namespace {

// --- decoding: one function per struct, each reading its fields then keeping the rest ------------

void Read(FieldReader& r, OwnerReference* o) {
  r.String("apiVersion", &o->api_version);
  r.String("kind", &o->kind);
  r.String("name", &o->name);
  r.String("uid", &o->uid);
  r.Bool("controller", &o->controller);
  r.Bool("blockOwnerDeletion", &o->block_owner_deletion);
  o->unknown = r.Unknown();
}

void Read(FieldReader& r, ObjectMeta* m) {
  r.String("name", &m->name);
  r.String("generateName", &m->generate_name);
  r.String("namespace", &m->namespace_);
  r.String("uid", &m->uid);
  r.String("resourceVersion", &m->resource_version);
  r.Int("generation", &m->generation);
  r.String("creationTimestamp", &m->creation_timestamp);
  r.String("deletionTimestamp", &m->deletion_timestamp);
  r.StringMap("labels", &m->labels);
  r.StringMap("annotations", &m->annotations);
  r.StringList("finalizers", &m->finalizers);
  r.List("ownerReferences", &m->owner_references, [](FieldReader& s, OwnerReference* o) { Read(s, o); });
  m->unknown = r.Unknown();
}

void Read(FieldReader& r, Condition* c) {
  r.String("type", &c->type);
  r.String("status", &c->status);
  r.Int("observedGeneration", &c->observed_generation);
  r.String("lastTransitionTime", &c->last_transition_time);
  r.String("reason", &c->reason);
  r.String("message", &c->message);
  c->unknown = r.Unknown();
}

void ReadConditions(FieldReader& r, std::vector<Condition>* out) {
  r.List("conditions", out, [](FieldReader& s, Condition* c) { Read(s, c); });
}

void Read(FieldReader& r, SecretKeySelector* s) {
  r.String("name", &s->name);
  r.String("key", &s->key);
  s->unknown = r.Unknown();
}

void Read(FieldReader& r, LabelSelectorRequirement* q) {
  r.String("key", &q->key);
  r.String("operator", &q->op);
  r.StringList("values", &q->values);
  q->unknown = r.Unknown();
}

void Read(FieldReader& r, LabelSelector* s) {
  r.StringMap("matchLabels", &s->match_labels);
  r.List("matchExpressions", &s->match_expressions, [](FieldReader& x, LabelSelectorRequirement* q) { Read(x, q); });
  s->unknown = r.Unknown();
}

void Read(FieldReader& r, PanelSpec* p) {
  r.String("url", &p->url);
  r.Object("credentialsSecretRef", &p->credentials_secret_ref, [](FieldReader& s, SecretKeySelector* o) { Read(s, o); });
  r.OptionalObject("caSecretRef", &p->ca_secret_ref, [](FieldReader& s, SecretKeySelector* o) { Read(s, o); });
  r.Bool("insecureSkipTLSVerify", &p->insecure_skip_tls_verify);
  p->unknown = r.Unknown();
}

void Read(FieldReader& r, InboundRef* i) {
  r.String("name", &i->name);
  r.OptionalInt("id", &i->id);
  r.String("tag", &i->tag);
  r.String("protocol", &i->protocol);
  i->unknown = r.Unknown();
}

void Read(FieldReader& r, NodeCapacity* c) {
  r.Int("maxUsers", &c->max_users);
  c->unknown = r.Unknown();
}

void Read(FieldReader& r, ProbeSpec* p) {
  r.Int("intervalSeconds", &p->interval_seconds);
  r.Int("timeoutSeconds", &p->timeout_seconds);
  r.Int("failureThreshold", &p->failure_threshold);
  r.Int("successThreshold", &p->success_threshold);
  p->unknown = r.Unknown();
}

void Read(FieldReader& r, VpnNodeSpec* s) {
  r.Object("panel", &s->panel, [](FieldReader& x, PanelSpec* o) { Read(x, o); });
  r.String("publicHost", &s->public_host);
  r.List("inbounds", &s->inbounds, [](FieldReader& x, InboundRef* o) { Read(x, o); });
  r.Object("capacity", &s->capacity, [](FieldReader& x, NodeCapacity* o) { Read(x, o); });
  r.Int("priority", &s->priority);
  r.Int("weight", &s->weight);
  r.String("region", &s->region);
  r.StringMap("labels", &s->labels);
  r.Bool("unschedulable", &s->unschedulable);
  r.Bool("drain", &s->drain);
  r.OptionalObject("probe", &s->probe, [](FieldReader& x, ProbeSpec* o) { Read(x, o); });
  s->unknown = r.Unknown();
}

void Read(FieldReader& r, DriftStatus* d) {
  r.Int("missing", &d->missing);
  r.Int("stale", &d->stale);
  r.Int("extra", &d->extra);
  r.Int("foreign", &d->foreign);
  d->unknown = r.Unknown();
}

void Read(FieldReader& r, InboundEndpoint* e) {
  r.String("name", &e->name);
  r.String("protocol", &e->protocol);
  r.String("remark", &e->remark);
  r.String("address", &e->address);
  r.Int("port", &e->port);
  r.String("method", &e->method);
  r.StringMap("params", &e->params);
  e->unknown = r.Unknown();
}

void Read(FieldReader& r, VpnNodeStatus* s) {
  r.String("phase", &s->phase);
  ReadConditions(r, &s->conditions);
  r.Int("users", &s->users);
  r.Int("capacity", &s->capacity);
  r.Int("latencyMs", &s->latency_ms);
  r.String("panelVersion", &s->panel_version);
  r.String("apiFlavor", &s->api_flavor);
  r.String("xrayVersion", &s->xray_version);
  r.Object("drift", &s->drift, [](FieldReader& x, DriftStatus* o) { Read(x, o); });
  r.List("inbounds", &s->inbounds, [](FieldReader& x, InboundEndpoint* o) { Read(x, o); });
  r.String("lastTransitionTime", &s->last_transition_time);
  r.Int("observedGeneration", &s->observed_generation);
  s->unknown = r.Unknown();
}

void Read(FieldReader& r, UserRef* u) {
  r.String("id", &u->id);
  r.String("email", &u->email);
  u->unknown = r.Unknown();
}

void Read(FieldReader& r, NodeSelector* n) {
  r.String("region", &n->region);
  r.StringMap("labels", &n->labels);
  n->unknown = r.Unknown();
}

void Read(FieldReader& r, ClientLimits* l) {
  r.Int("totalBytes", &l->total_bytes);
  r.String("expiryTime", &l->expiry_time);
  r.Int("ipLimit", &l->ip_limit);
  l->unknown = r.Unknown();
}

void Read(FieldReader& r, VpnAssignmentSpec* s) {
  r.Object("user", &s->user, [](FieldReader& x, UserRef* o) { Read(x, o); });
  r.StringList("inbounds", &s->inbounds);
  r.String("nodeName", &s->node_name);
  r.Object("nodeSelector", &s->node_selector, [](FieldReader& x, NodeSelector* o) { Read(x, o); });
  r.Object("limits", &s->limits, [](FieldReader& x, ClientLimits* o) { Read(x, o); });
  r.Bool("enabled", &s->enabled);
  s->unknown = r.Unknown();
}

void Read(FieldReader& r, VpnAssignmentStatus* s) {
  r.String("nodeName", &s->node_name);
  r.String("phase", &s->phase);
  ReadConditions(r, &s->conditions);
  r.String("credentialsSecretName", &s->credentials_secret_name);
  r.Int("migrations", &s->migrations);
  r.String("lastMigrationTime", &s->last_migration_time);
  r.Int("observedGeneration", &s->observed_generation);
  s->unknown = r.Unknown();
}

void Read(FieldReader& r, VpnMigrationSpec* s) {
  r.String("fromNode", &s->from_node);
  r.String("toNode", &s->to_node);
  r.OptionalObject("selector", &s->selector, [](FieldReader& x, LabelSelector* o) { Read(x, o); });
  r.Int("maxUsers", &s->max_users);
  r.Int("maxConcurrent", &s->max_concurrent);
  r.Bool("dryRun", &s->dry_run);
  s->unknown = r.Unknown();
}

void Read(FieldReader& r, PlannedMove* m) {
  r.String("user", &m->user);
  r.String("from", &m->from);
  r.String("to", &m->to);
  r.String("reason", &m->reason);
  m->unknown = r.Unknown();
}

void Read(FieldReader& r, VpnMigrationStatus* s) {
  r.String("phase", &s->phase);
  r.List("plan", &s->plan, [](FieldReader& x, PlannedMove* o) { Read(x, o); });
  r.Int("migrated", &s->migrated);
  r.Int("failed", &s->failed);
  ReadConditions(r, &s->conditions);
  r.Int("observedGeneration", &s->observed_generation);
  s->unknown = r.Unknown();
}

// A whole resource: apiVersion and kind are checked, then metadata, spec, status.
template <typename T>
Result<T> DecodeResource(const Json& j, const char* kind) {
  FieldErrors errors;
  T out;
  FieldReader r(j, "", &errors);
  if (!r.valid()) return Status::Invalid({{"", "must be a JSON object"}});
  std::string api_version, got_kind;
  r.String("apiVersion", &api_version);
  r.String("kind", &got_kind);
  if (!api_version.empty() && api_version != kApiVersion) {
    errors.push_back({"apiVersion", "must be " + std::string(kApiVersion)});
  }
  if (!got_kind.empty() && got_kind != kind) errors.push_back({"kind", "must be " + std::string(kind)});
  r.Object("metadata", &out.metadata, [](FieldReader& x, ObjectMeta* o) { Read(x, o); });
  r.Object("spec", &out.spec, [](FieldReader& x, auto* o) { Read(x, o); });
  r.Object("status", &out.status, [](FieldReader& x, auto* o) { Read(x, o); });
  out.unknown = r.Unknown();
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  return out;
}

template <typename T>
Result<T> DecodeOne(const Json& j) {
  FieldErrors errors;
  T out;
  FieldReader r(j, "", &errors);
  if (r.valid()) Read(r, &out);
  if (!r.valid() && errors.empty()) errors.push_back({"", "must be a JSON object"});
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  return out;
}

// --- encoding ------------------------------------------------------------------------------------

Json Write(const OwnerReference& o) {
  return FieldWriter(o.unknown)
      .String("apiVersion", o.api_version)
      .String("kind", o.kind)
      .String("name", o.name)
      .String("uid", o.uid)
      .Bool("controller", o.controller)
      .Bool("blockOwnerDeletion", o.block_owner_deletion)
      .Done();
}

template <typename T, typename Fn>
Json WriteList(const std::vector<T>& items, Fn write) {
  Json a = Json::array();
  for (const auto& i : items) a.push_back(write(i));
  return a;
}

Json Write(const ObjectMeta& m) {
  return FieldWriter(m.unknown)
      .String("name", m.name)
      .String("generateName", m.generate_name)
      .String("namespace", m.namespace_)
      .String("uid", m.uid)
      .String("resourceVersion", m.resource_version)
      .Value("generation", m.generation == 0 ? Json() : Json(m.generation))
      .String("creationTimestamp", m.creation_timestamp)
      .String("deletionTimestamp", m.deletion_timestamp)
      .StringMap("labels", m.labels)
      .StringMap("annotations", m.annotations)
      .StringList("finalizers", m.finalizers)
      .Value("ownerReferences", WriteList(m.owner_references, [](const auto& o) { return Write(o); }))
      .Done();
}

Json Write(const Condition& c) {
  // metav1.Condition requires every field but observedGeneration, so empty strings are kept.
  Json j = c.unknown.is_object() ? c.unknown : Json::object();
  j["type"] = c.type;
  j["status"] = c.status;
  j["observedGeneration"] = c.observed_generation;
  j["lastTransitionTime"] = c.last_transition_time;
  j["reason"] = c.reason;
  j["message"] = c.message;
  return j;
}

Json WriteConditions(const std::vector<Condition>& cs) {
  return WriteList(cs, [](const Condition& c) { return Write(c); });
}

Json Write(const SecretKeySelector& s) {
  return FieldWriter(s.unknown).String("name", s.name).String("key", s.key).Done();
}

Json Write(const LabelSelector& s) {
  Json exprs = WriteList(s.match_expressions, [](const LabelSelectorRequirement& q) {
    return FieldWriter(q.unknown).String("key", q.key).String("operator", q.op).StringList("values", q.values).Done();
  });
  return FieldWriter(s.unknown).StringMap("matchLabels", s.match_labels).Value("matchExpressions", exprs).Done();
}

Json Write(const VpnNodeSpec& s) {
  FieldWriter panel(s.panel.unknown);
  panel.String("url", s.panel.url)
      .Value("credentialsSecretRef", Write(s.panel.credentials_secret_ref))
      .Bool("insecureSkipTLSVerify", s.panel.insecure_skip_tls_verify);
  if (s.panel.ca_secret_ref) panel.Value("caSecretRef", Write(*s.panel.ca_secret_ref));
  Json inbounds = WriteList(s.inbounds, [](const InboundRef& i) {
    return FieldWriter(i.unknown)
        .String("name", i.name)
        .OptionalInt("id", i.id)
        .String("tag", i.tag)
        .String("protocol", i.protocol)
        .Done();
  });
  FieldWriter w(s.unknown);
  w.Value("panel", panel.Done())
      .String("publicHost", s.public_host)
      .Value("inbounds", inbounds)
      .Value("capacity", FieldWriter(s.capacity.unknown).Int("maxUsers", s.capacity.max_users).Done())
      .Int("priority", s.priority)
      .Int("weight", s.weight)
      .String("region", s.region)
      .StringMap("labels", s.labels)
      .Bool("unschedulable", s.unschedulable)
      .Bool("drain", s.drain);
  if (s.probe) {
    w.Value("probe", FieldWriter(s.probe->unknown)
                         .Int("intervalSeconds", s.probe->interval_seconds)
                         .Int("timeoutSeconds", s.probe->timeout_seconds)
                         .Int("failureThreshold", s.probe->failure_threshold)
                         .Int("successThreshold", s.probe->success_threshold)
                         .Done());
  }
  return w.Done();
}

Json WriteStatus(const VpnNodeStatus& s) {
  return FieldWriter(s.unknown)
      .String("phase", s.phase)
      .Value("conditions", WriteConditions(s.conditions))
      .Int("users", s.users)
      .Int("capacity", s.capacity)
      .Int("latencyMs", s.latency_ms)
      .String("panelVersion", s.panel_version)
      .String("apiFlavor", s.api_flavor)
      .String("xrayVersion", s.xray_version)
      .Value("drift", FieldWriter(s.drift.unknown)
                          .Int("missing", s.drift.missing)
                          .Int("stale", s.drift.stale)
                          .Int("extra", s.drift.extra)
                          .Int("foreign", s.drift.foreign)
                          .Done())
      .Value("inbounds", WriteList(s.inbounds,
                                   [](const InboundEndpoint& e) {
                                     return FieldWriter(e.unknown)
                                         .String("name", e.name)
                                         .String("protocol", e.protocol)
                                         .String("remark", e.remark)
                                         .String("address", e.address)
                                         .Int("port", e.port)
                                         .String("method", e.method)
                                         .StringMap("params", e.params)
                                         .Done();
                                   }))
      .String("lastTransitionTime", s.last_transition_time)
      .Int("observedGeneration", s.observed_generation)
      .Done();
}

Json Write(const VpnAssignmentSpec& s) {
  return FieldWriter(s.unknown)
      .Value("user", FieldWriter(s.user.unknown).String("id", s.user.id).String("email", s.user.email).Done())
      .StringList("inbounds", s.inbounds)
      .String("nodeName", s.node_name)
      .Value("nodeSelector", FieldWriter(s.node_selector.unknown)
                                 .String("region", s.node_selector.region)
                                 .StringMap("labels", s.node_selector.labels)
                                 .Done())
      .Value("limits", FieldWriter(s.limits.unknown)
                           .Int("totalBytes", s.limits.total_bytes)
                           .String("expiryTime", s.limits.expiry_time)
                           .Int("ipLimit", s.limits.ip_limit)
                           .Done())
      .Bool("enabled", s.enabled)
      .Done();
}

Json WriteStatus(const VpnAssignmentStatus& s) {
  return FieldWriter(s.unknown)
      .String("nodeName", s.node_name)
      .String("phase", s.phase)
      .Value("conditions", WriteConditions(s.conditions))
      .String("credentialsSecretName", s.credentials_secret_name)
      .Int("migrations", s.migrations)
      .String("lastMigrationTime", s.last_migration_time)
      .Int("observedGeneration", s.observed_generation)
      .Done();
}

Json Write(const VpnMigrationSpec& s) {
  FieldWriter w(s.unknown);
  w.String("fromNode", s.from_node).String("toNode", s.to_node);
  if (s.selector) w.Value("selector", Write(*s.selector));
  return w.Int("maxUsers", s.max_users).Int("maxConcurrent", s.max_concurrent).Bool("dryRun", s.dry_run).Done();
}

Json WriteStatus(const VpnMigrationStatus& s) {
  Json plan = WriteList(s.plan, [](const PlannedMove& m) {
    return FieldWriter(m.unknown)
        .String("user", m.user)
        .String("from", m.from)
        .String("to", m.to)
        .String("reason", m.reason)
        .Done();
  });
  return FieldWriter(s.unknown)
      .String("phase", s.phase)
      .Value("plan", plan)
      .Int("migrated", s.migrated)
      .Int("failed", s.failed)
      .Value("conditions", WriteConditions(s.conditions))
      .Int("observedGeneration", s.observed_generation)
      .Done();
}

template <typename T>
Json EncodeResource(const T& o, const char* kind) {
  Json j = o.unknown.is_object() ? o.unknown : Json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = kind;
  j["metadata"] = Write(o.metadata);
  j["spec"] = Write(o.spec);
  j["status"] = WriteStatus(o.status);
  return j;
}

}  // namespace

Result<VpnNode> DecodeVpnNode(const Json& j) { return DecodeResource<VpnNode>(j, kVpnNodeKind); }
Result<VpnAssignment> DecodeVpnAssignment(const Json& j) {
  return DecodeResource<VpnAssignment>(j, kVpnAssignmentKind);
}
Result<VpnMigration> DecodeVpnMigration(const Json& j) {
  return DecodeResource<VpnMigration>(j, kVpnMigrationKind);
}
Result<ObjectMeta> DecodeObjectMeta(const Json& j) { return DecodeOne<ObjectMeta>(j); }
Result<Condition> DecodeCondition(const Json& j) { return DecodeOne<Condition>(j); }
Result<InboundEndpoint> DecodeInboundEndpoint(const Json& j) { return DecodeOne<InboundEndpoint>(j); }

Json Encode(const VpnNode& o) { return EncodeResource(o, kVpnNodeKind); }
Json Encode(const VpnAssignment& o) { return EncodeResource(o, kVpnAssignmentKind); }
Json Encode(const VpnMigration& o) { return EncodeResource(o, kVpnMigrationKind); }
Json Encode(const ObjectMeta& m) { return Write(m); }
Json Encode(const Condition& c) { return Write(c); }

Json EncodeStatus(const VpnNodeStatus& s) { return WriteStatus(s); }
Json EncodeStatus(const VpnAssignmentStatus& s) { return WriteStatus(s); }
Json EncodeStatus(const VpnMigrationStatus& s) { return WriteStatus(s); }

std::string AssignedNode(const Json& assignment) {
  if (!assignment.is_object() || !assignment.contains("status") || !assignment["status"].is_object()) return "";
  const Json& n = assignment["status"].value("nodeName", Json());
  return n.is_string() ? n.get<std::string>() : "";
}

}  // namespace x3ui::api
