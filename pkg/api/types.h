// File: pkg/api/types.h
//
// C++ types for the x3ui.io/v1alpha1 custom resources (SPEC.md §2): VpnNode, VpnAssignment and
// VpnMigration, with the Kubernetes metadata and metav1.Condition they carry.
//
// Every struct that mirrors a JSON object has an `unknown` member holding the fields this version
// does not know, so that an object read from the API server survives read-modify-write unchanged
// (json.h decodes into it and encodes it back). Field names in comments are the JSON names.
//
// Thread-safety: plain values.
#ifndef X3UI_PKG_API_TYPES_H_
#define X3UI_PKG_API_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace x3ui::api {

inline constexpr char kGroup[] = "x3ui.io";
inline constexpr char kVersion[] = "v1alpha1";
inline constexpr char kApiVersion[] = "x3ui.io/v1alpha1";
inline constexpr char kFinalizer[] = "x3ui.io/finalizer";

using Json = nlohmann::json;
using StringMap = std::map<std::string, std::string>;

// --- Kubernetes metadata -----------------------------------------------------------------------

struct OwnerReference {
  std::string api_version;  // apiVersion
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool block_owner_deletion = false;  // blockOwnerDeletion
  Json unknown = Json::object();
  bool operator==(const OwnerReference&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string generate_name;       // generateName
  std::string namespace_;          // namespace
  std::string uid;
  std::string resource_version;    // resourceVersion (opaque)
  int64_t generation = 0;
  std::string creation_timestamp;  // creationTimestamp (RFC 3339)
  std::string deletion_timestamp;  // deletionTimestamp; non-empty while deleting
  StringMap labels;
  StringMap annotations;
  std::vector<std::string> finalizers;
  std::vector<OwnerReference> owner_references;  // ownerReferences
  Json unknown = Json::object();                 // managedFields and the rest
  bool operator==(const ObjectMeta&) const = default;

  bool deleting() const { return !deletion_timestamp.empty(); }
};

// metav1.Condition. Use SetCondition (conditions.h) to change one: it keeps lastTransitionTime.
struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  int64_t observed_generation = 0;    // observedGeneration
  std::string last_transition_time;   // lastTransitionTime (RFC 3339)
  std::string reason;
  std::string message;
  Json unknown = Json::object();
  bool operator==(const Condition&) const = default;
};

inline constexpr char kConditionTrue[] = "True";
inline constexpr char kConditionFalse[] = "False";
inline constexpr char kConditionUnknown[] = "Unknown";

// Condition types.
inline constexpr char kReady[] = "Ready";
inline constexpr char kReachable[] = "Reachable";
inline constexpr char kSchedulable[] = "Schedulable";
inline constexpr char kInSync[] = "InSync";
inline constexpr char kPlaced[] = "Placed";
inline constexpr char kSynced[] = "Synced";
inline constexpr char kInsecureTransport[] = "InsecureTransport";  // VpnNode: True while http:// or TLS unverified

// A reference to a Secret in the object's own namespace.
struct SecretKeySelector {
  std::string name;
  std::string key;  // optional; each use documents its default key
  Json unknown = Json::object();
  bool operator==(const SecretKeySelector&) const = default;
};

// metav1.LabelSelector.
struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // operator: In | NotIn | Exists | DoesNotExist
  std::vector<std::string> values;
  Json unknown = Json::object();
  bool operator==(const LabelSelectorRequirement&) const = default;
};

struct LabelSelector {
  StringMap match_labels;                                // matchLabels
  std::vector<LabelSelectorRequirement> match_expressions;  // matchExpressions
  Json unknown = Json::object();
  bool operator==(const LabelSelector&) const = default;

  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  // True when `labels` satisfies every requirement (an empty selector matches everything).
  bool Matches(const StringMap& labels) const;
};

// --- VpnNode -------------------------------------------------------------------------------------

inline constexpr char kVpnNodeKind[] = "VpnNode";

struct PanelSpec {
  std::string url;                                   // incl. web base path
  SecretKeySelector credentials_secret_ref;          // credentialsSecretRef: keys username/password or token
  std::optional<SecretKeySelector> ca_secret_ref;    // caSecretRef: key defaults to ca.crt
  bool insecure_skip_tls_verify = false;             // insecureSkipTLSVerify
  Json unknown = Json::object();
  bool operator==(const PanelSpec&) const = default;
};

struct InboundRef {
  std::string name;            // how assignments refer to it
  std::optional<int64_t> id;   // the panel's inbound id, or
  std::string tag;             // its tag
  std::string protocol;        // vless | vmess | trojan | shadowsocks
  Json unknown = Json::object();
  bool operator==(const InboundRef&) const = default;
};

struct NodeCapacity {
  int64_t max_users = 0;  // maxUsers
  Json unknown = Json::object();
  bool operator==(const NodeCapacity&) const = default;
};

struct ProbeSpec {
  int64_t interval_seconds = 30;   // intervalSeconds
  int64_t timeout_seconds = 10;    // timeoutSeconds
  int64_t failure_threshold = 3;   // failureThreshold: failures to leave Ready
  int64_t success_threshold = 2;   // successThreshold: successes to return to Ready
  Json unknown = Json::object();
  bool operator==(const ProbeSpec&) const = default;
};

struct VpnNodeSpec {
  PanelSpec panel;
  std::string public_host;             // publicHost
  std::vector<InboundRef> inbounds;
  NodeCapacity capacity;
  int64_t priority = 0;                // higher tier is filled first
  int64_t weight = 1;                  // share within a tier
  std::string region;
  StringMap labels;
  bool unschedulable = false;          // cordon: no new users
  bool drain = false;                  // move every user away
  std::optional<ProbeSpec> probe;
  Json unknown = Json::object();
  bool operator==(const VpnNodeSpec&) const = default;
};

// VpnNode phases.
inline constexpr char kPhasePending[] = "Pending";
inline constexpr char kPhaseReady[] = "Ready";
inline constexpr char kPhaseDegraded[] = "Degraded";
inline constexpr char kPhaseUnreachable[] = "Unreachable";
inline constexpr char kPhaseDraining[] = "Draining";

struct DriftStatus {
  int64_t missing = 0;  // owned clients an assignment needs but the panel lacks
  int64_t stale = 0;    // owned clients whose limits or flags differ
  int64_t extra = 0;    // owned clients no assignment wants
  int64_t foreign = 0;  // clients the operator does not own (never touched)
  Json unknown = Json::object();
  bool operator==(const DriftStatus&) const = default;
};

// How a client connects to one of the node's inbounds, as the probe last read it from the panel:
// everything of a share link but the user's own keys and name. The subscription server builds
// each user's links from these and the keys in the user's credentials Secret, so a move changes
// no Secret. Nothing here is a credential (a REALITY public key and short IDs are in every user's
// link); a Shadowsocks-2022 inbound, whose links carry the server key, is not published.
struct InboundEndpoint {
  std::string name;      // the spec's name for the inbound
  std::string protocol;  // vless | vmess | trojan | shadowsocks
  std::string remark;    // the panel's remark; a link's name is "<remark>-<client email>"
  std::string address;   // the host a client dials: the listen IP, else spec.publicHost
  int64_t port = 0;
  std::string method;    // shadowsocks cipher
  // A link's query parameters as the panel writes them: type (network), security, and the
  // transport's and security's own (path, host, sni, alpn, fp, pbk, sid, spx, encryption, ...).
  StringMap params;
  Json unknown = Json::object();
  bool operator==(const InboundEndpoint&) const = default;
};

struct VpnNodeStatus {
  std::string phase;
  std::vector<Condition> conditions;
  int64_t users = 0;
  int64_t capacity = 0;
  int64_t latency_ms = 0;          // latencyMs
  std::string panel_version;       // panelVersion
  std::string api_flavor;          // apiFlavor
  std::string xray_version;        // xrayVersion
  DriftStatus drift;
  std::vector<InboundEndpoint> inbounds;  // the spec's inbounds that have links, in spec order
  std::string last_transition_time;  // lastTransitionTime of phase
  int64_t observed_generation = 0;   // observedGeneration
  Json unknown = Json::object();
  bool operator==(const VpnNodeStatus&) const = default;
};

struct VpnNode {
  ObjectMeta metadata;
  VpnNodeSpec spec;
  VpnNodeStatus status;
  Json unknown = Json::object();
  bool operator==(const VpnNode&) const = default;
};

// --- VpnAssignment -------------------------------------------------------------------------------

inline constexpr char kVpnAssignmentKind[] = "VpnAssignment";

struct UserRef {
  std::string id;
  std::string email;
  Json unknown = Json::object();
  bool operator==(const UserRef&) const = default;
};

struct NodeSelector {
  std::string region;
  StringMap labels;  // every label must be in the node's spec.labels
  Json unknown = Json::object();
  bool operator==(const NodeSelector&) const = default;

  bool empty() const { return region.empty() && labels.empty(); }
};

struct ClientLimits {
  int64_t total_bytes = 0;    // totalBytes; 0 = unlimited
  std::string expiry_time;    // expiryTime (RFC 3339); empty = never
  int64_t ip_limit = 0;       // ipLimit; 0 = unlimited
  Json unknown = Json::object();
  bool operator==(const ClientLimits&) const = default;
};

struct VpnAssignmentSpec {
  UserRef user;
  std::vector<std::string> inbounds;  // inbound names; empty = all of the node's
  std::string node_name;              // nodeName: optional pin
  NodeSelector node_selector;         // nodeSelector
  ClientLimits limits;
  bool enabled = true;
  Json unknown = Json::object();
  bool operator==(const VpnAssignmentSpec&) const = default;
};

// VpnAssignment phases.
inline constexpr char kPhasePlaced[] = "Placed";
inline constexpr char kPhaseMigrating[] = "Migrating";
inline constexpr char kPhaseFailed[] = "Failed";

struct VpnAssignmentStatus {
  std::string node_name;                 // nodeName
  std::string phase;
  std::vector<Condition> conditions;
  std::string credentials_secret_name;   // credentialsSecretName
  int64_t migrations = 0;
  std::string last_migration_time;       // lastMigrationTime
  int64_t observed_generation = 0;       // observedGeneration
  Json unknown = Json::object();
  bool operator==(const VpnAssignmentStatus&) const = default;
};

struct VpnAssignment {
  ObjectMeta metadata;
  VpnAssignmentSpec spec;
  VpnAssignmentStatus status;
  Json unknown = Json::object();
  bool operator==(const VpnAssignment&) const = default;
};

// --- VpnMigration --------------------------------------------------------------------------------

inline constexpr char kVpnMigrationKind[] = "VpnMigration";

struct VpnMigrationSpec {
  std::string from_node;               // fromNode
  std::string to_node;                 // toNode; empty = the balancer chooses
  std::optional<LabelSelector> selector;  // over the assignments' labels
  int64_t max_users = 0;               // maxUsers; 0 = all that match
  int64_t max_concurrent = 0;          // maxConcurrent; 0 = the operator's disruption budget
  bool dry_run = false;                // dryRun: plan only
  Json unknown = Json::object();
  bool operator==(const VpnMigrationSpec&) const = default;
};

// VpnMigration phases (Pending is shared).
inline constexpr char kPhasePlanned[] = "Planned";
inline constexpr char kPhaseRunning[] = "Running";
inline constexpr char kPhaseSucceeded[] = "Succeeded";

struct PlannedMove {
  std::string user;   // assignment name
  std::string from;
  std::string to;
  std::string reason;
  Json unknown = Json::object();
  bool operator==(const PlannedMove&) const = default;
};

struct VpnMigrationStatus {
  std::string phase;
  std::vector<PlannedMove> plan;
  int64_t migrated = 0;
  int64_t failed = 0;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;
  Json unknown = Json::object();
  bool operator==(const VpnMigrationStatus&) const = default;
};

struct VpnMigration {
  ObjectMeta metadata;
  VpnMigrationSpec spec;
  VpnMigrationStatus status;
  Json unknown = Json::object();
  bool operator==(const VpnMigration&) const = default;
};

}  // namespace x3ui::api

#endif  // X3UI_PKG_API_TYPES_H_
