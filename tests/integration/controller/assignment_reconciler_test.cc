// AssignmentReconciler against the in-memory API server and x3ui-sim, on the manager's path: a
// new user's clients (and a move's) go through the AddBatcher, whose flush wakes the user again,
// and time is a FakeClock. A new user is placed by the balancer, gets a Secret with credentials
// and links, and an owned client on every inbound; a second pass changes nothing; stale or
// deleted clients are repaired with the same credentials; foreign clients are never touched;
// what cannot be done is reported in status and retried when its requeue_after comes due.
#include "controller/assignment/reconciler.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "pkg/api/reasons.h"
#include "tests/integration/controller/assignment_fixture.h"

namespace x3ui::controller {
namespace {

class AssignmentReconcilerTest : public AssignmentFixture {
 protected:
  std::string Email(const char* inbound, const std::string& name) { return std::string(inbound) + "." + name + "@vpn.x3ui"; }
  // Replaces the owned reality client of `name` on `panel` with `edit` applied to it, as a
  // person editing it on the panel would.
  void EditByHand(const std::string& panel, const std::string& name, const std::function<void(Json&)>& edit) {
    Json c = PanelClient(panel, 1, Email("reality", name));
    ASSERT_FALSE(c.is_null());
    edit(c);
    ASSERT_TRUE(sim_->panel(panel)->DeleteClientByHand(Email("reality", name)));
    ASSERT_TRUE(sim_->panel(panel)->AddClientByHand(1, c));
  }
};

TEST_F(AssignmentReconcilerTest, NewUserGetsNodeSecretAndOwnedClients) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  auto r = Pass("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(batcher_->Pending("vpn/alice")) << "a new user's clients go in the panel's next batch";
  EXPECT_EQ(Read("alice").status.node_name, "") << "placed in status once its clients are on the panel";
  r = Converge("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->requeue_after, AssignmentReconcilerOptions{}.resync);
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(a.status.node_name, "fra-1") << "ties go by name";
  EXPECT_EQ(a.status.phase, "Ready");
  EXPECT_EQ(Cond(a, api::kPlaced).status, "True");  // its reason: ABatchedNewUsersPlacedReasonIsTheBalancers
  EXPECT_EQ(Cond(a, api::kSynced).status, "True") << Cond(a, api::kSynced).message;
  EXPECT_EQ(Cond(a, api::kReady).status, "True");
  EXPECT_EQ(Cond(a, api::kReady).last_transition_time, FormatRfc3339(clock_.Now())) << "the fake clock's time";
  EXPECT_EQ(a.status.credentials_secret_name, "alice-vpn");
  const auto flushes = Flushes();
  ASSERT_EQ(flushes.size(), 1u);
  EXPECT_EQ(flushes[0].added, 1u);
  EXPECT_EQ(flushes[0].failed, 0u);

  const std::string uuid = SecretKey("alice", "uuid"), password = SecretKey("alice", "password");
  ASSERT_FALSE(uuid.empty());
  ASSERT_EQ(password.size(), 24u);
  auto secret = *kube_.Get(kube::kSecrets, "vpn", "alice-vpn");
  EXPECT_EQ(secret["metadata"]["ownerReferences"][0]["uid"], a.metadata.uid);
  EXPECT_EQ(secret["metadata"]["ownerReferences"][0]["controller"], true);

  Json vless = PanelClient("fra-1", 1, "reality.alice@vpn.x3ui");
  ASSERT_FALSE(vless.is_null()) << sim_->panel("fra-1")->Describe().dump();
  EXPECT_EQ(vless["id"], uuid);
  EXPECT_EQ(vless["subId"], SecretKey("alice", "subId"));
  EXPECT_EQ(vless["comment"], "x3ui-operator:vpn/alice");
  Json trojan = PanelClient("fra-1", 2, "trojan.alice@vpn.x3ui");
  ASSERT_FALSE(trojan.is_null());
  EXPECT_EQ(trojan["password"], password);
  EXPECT_TRUE(PanelClient("fra-2", 1, "reality.alice@vpn.x3ui").is_null()) << "only on its own node";

  // Nothing in the Secret depends on the node: the subscription server builds the links.
  EXPECT_FALSE(secret["data"].contains("links"));
  EXPECT_FALSE(secret["data"].contains("subscription"));
  EXPECT_EQ(api::Encode(a)["status"].dump().find(password), std::string::npos) << "no credential in status";
  EXPECT_EQ(api::Encode(a)["status"].dump().find(uuid), std::string::npos) << "no credential in status";

  ASSERT_TRUE(ledger_->Drain(5s));
  auto row = store_.ActivePlacement("vpn", "alice");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->record.node, "fra-1");
  EXPECT_EQ((*row)->record.reason, "Balanced");
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 1);
}

TEST_F(AssignmentReconcilerTest, SecondPassChangesNothing) {
  Place("alice");
  int64_t writes = kube_.writes();
  Json before = sim_->panel("fra-1")->Describe();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Converge("alice").ok());
  EXPECT_EQ(kube_.writes(), writes) << "no status, Secret or Event writes";
  EXPECT_TRUE(EventReasons().empty()) << "a batched user's placement is one Event per batch, on the node (the manager's)";
  EXPECT_EQ(Flushes().size(), 1u) << "added once";
  EXPECT_EQ(sim_->panel("fra-1")->Describe()["mutations"], before["mutations"]) << "no panel writes";
}

// The path without a batcher, which the reconciler still supports: each user's pass adds its own
// clients and records its own Placed Event.
TEST_F(AssignmentReconcilerTest, WithoutABatcherAPassAddsTheClientsItself) {
  Restart(nullptr, /*batched=*/false);
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  auto r = Pass("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Read("alice").status.phase, "Ready") << "in one pass";
  EXPECT_EQ(Cond(Read("alice"), api::kPlaced).reason, "Balanced");
  EXPECT_FALSE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
  int64_t writes = kube_.writes();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Pass("alice").ok());
  EXPECT_EQ(kube_.writes(), writes);
  EXPECT_EQ(EventReasons(), std::vector<std::string>{"Placed"});
}

// The pass the batcher wakes chooses again with the kept choice as the user's node, which the
// policy calls Sticky; the Placed condition must still say what the ledger says: Balanced, as
// without a batcher (WithoutABatcherAPassAddsTheClientsItself).
TEST_F(AssignmentReconcilerTest, ABatchedNewUsersPlacedReasonIsTheBalancers) {
  Place("alice");
  EXPECT_EQ(Cond(Read("alice"), api::kPlaced).reason, "Balanced");
  EXPECT_EQ(Cond(Read("alice"), api::kPlaced).message, "placed on fra-1");
  ASSERT_TRUE(ledger_->Drain(5s));
  EXPECT_EQ((*store_.ActivePlacement("vpn", "alice"))->record.reason, "Balanced");
}

TEST_F(AssignmentReconcilerTest, UsersSpreadOverNodesCountingPlacementsInFlight) {
  for (const char* name : {"u1", "u2", "u3", "u4"}) Place(name);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 2);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-2"), 2);
  EXPECT_EQ(Read("u2").status.node_name, "fra-2");
}

// A new user's first passes, one case each: what its status says, when it asks to be run again,
// and what the panels and its Secret hold.
TEST_F(AssignmentReconcilerTest, FirstPassOutcomes) {
  struct Case {
    const char* name;               // also the user's name
    std::function<void()> setup;    // before the first pass (views_ are reset first: fra-2 takes no new users)
    Json spec;                      // merged into the spec
    const char* phase;
    const char* node;
    const char* cond;               // the condition that tells
    const char* status;
    const char* reason;
    const char* message_has;        // "" : any message
    std::chrono::milliseconds requeue_after;
    const char* secret;             // its Secret: "credentials" (a UUID), "none", or "theirs" (untouched)
    const char* reality_on;         // panels holding its client on inbound 1 (reality)
    bool trojan;                    // fra-1 holds its client on inbound 2 (trojan)
    int64_t users_on_fra1;          // counted there by the book
  };
  const std::vector<Case> cases = {
      {"placed", nullptr, Json::object(), "Ready", "fra-1", api::kReady, "True", "", "", 300s, "credentials", "fra-1", true, 1},
      {"named-inbounds", nullptr, {{"inbounds", {"trojan"}}}, "Ready", "fra-1", api::kSynced, "True", "", "", 300s, "credentials",
       "", true, 2},
      {"unknown-inbound", nullptr, {{"inbounds", {"reality", "wireguard"}}}, "Pending", "", api::kSynced, "False",
       "UnknownInbound", "wireguard", 30s, "none", "", false, 3},
      {"invalid-spec", nullptr, {{"user", {{"id", "u-x"}, {"email", "not an email"}}}}, "Failed", "", api::kReady, "False",
       "InvalidSpec", "spec.user.email", 0ms, "none", "", false, 3},
      {"no-usable-node", [&] { views_[0].phase = "Unreachable"; views_[1].schedulable = false; }, Json::object(), "Pending",
       "", api::kPlaced, "False", "Unschedulable", "", 30s, "none", "", false, 3},
      {"secret-conflict",
       [&] {
         Json theirs = {{"metadata", {{"name", "secret-conflict-vpn"}}}, {"data", {{"note", Base64Encode("someone else's")}}}};
         ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn", theirs).ok());
       },
       Json::object(), "", "", api::kReady, "False", "SecretConflict", "secret-conflict-vpn", 30s, "theirs", "", false, 4},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    views_ = {View("fra-1"), View("fra-2")};
    views_[1].schedulable = false;
    if (tc.setup) tc.setup();
    const std::string their_secret = kube_.Get(kube::kSecrets, "vpn", CredentialsSecretName(tc.name)).ok()
                                         ? kube_.Get(kube::kSecrets, "vpn", CredentialsSecretName(tc.name))->dump()
                                         : "";
    ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment(tc.name, tc.spec)).ok());
    auto r = Converge(tc.name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->requeue_after, tc.requeue_after);
    api::VpnAssignment a = Read(tc.name);
    EXPECT_EQ(a.status.phase, tc.phase);
    EXPECT_EQ(a.status.node_name, tc.node);
    EXPECT_EQ(Cond(a, tc.cond).status, tc.status) << Cond(a, tc.cond).message;
    if (*tc.reason) {
      EXPECT_EQ(Cond(a, tc.cond).reason, tc.reason);
    }
    EXPECT_FALSE(Cond(a, tc.cond).message.empty() && std::string_view(tc.status) == "False");
    EXPECT_NE(Cond(a, tc.cond).message.find(tc.message_has), std::string::npos) << Cond(a, tc.cond).message;
    const std::string_view secret = tc.secret;
    auto now = kube_.Get(kube::kSecrets, "vpn", CredentialsSecretName(tc.name));
    if (secret == "credentials") {
      EXPECT_FALSE(SecretKey(tc.name, "uuid").empty());
    }
    if (secret == "none") {
      EXPECT_FALSE(now.ok()) << "no Secret";
    }
    if (secret == "theirs") {
      ASSERT_TRUE(now.ok());
      EXPECT_EQ(now->dump(), their_secret) << "neither adopted nor changed";
    }
    EXPECT_EQ(PanelsHolding(tc.name), tc.reality_on);
    EXPECT_EQ(!PanelClient("fra-1", 2, Email("trojan", tc.name)).is_null(), tc.trojan);
    EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), tc.users_on_fra1);
  }
}

TEST_F(AssignmentReconcilerTest, ForeignClientsAreNeverTouched) {
  Json foreign = PanelClient("fra-1", 1, "owner-fra-1-vless");
  ASSERT_FALSE(foreign.is_null());
  Place("alice");
  EXPECT_EQ(PanelClient("fra-1", 1, "owner-fra-1-vless"), foreign);
}

// A placed user whose client no longer matches: the next pass (a spec change, the node's drift
// diff, or the resync) repairs it with the credentials of its Secret.
TEST_F(AssignmentReconcilerTest, RepairsKeepTheCredentials) {
  struct Case {
    const char* name;
    std::function<void(const std::string& user)> drift;
    int64_t limit_ip;
    bool enable;
    int64_t generation;
  };
  const std::vector<Case> cases = {
      {"spec-limits-and-disabled",
       [&](const std::string& user) {
         Json obj = *kube_.Get(kube::kVpnAssignments, "vpn", user);
         obj["spec"]["limits"] = {{"ipLimit", 2}, {"totalBytes", 1073741824}};
         obj["spec"]["enabled"] = false;
         ASSERT_TRUE(kube_.Update(kube::kVpnAssignments, "vpn", obj).ok());
       },
       2, false, 2},
      {"deleted-by-hand", [&](const std::string& user) { ASSERT_TRUE(sim_->panel("fra-1")->DeleteClientByHand(Email("reality", user))); },
       0, true, 1},
      {"disabled-by-hand", [&](const std::string& user) { EditByHand("fra-1", user, [](Json& c) { c["enable"] = false; }); }, 0,
       true, 1},
      {"uuid-changed-by-hand",
       [&](const std::string& user) { EditByHand("fra-1", user, [](Json& c) { c["id"] = "9e1b8a4e-0000-4000-8000-0000000bad01"; }); },
       0, true, 1},
  };
  views_[1].schedulable = false;
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    Place(tc.name);
    const std::string uuid = SecretKey(tc.name, "uuid");
    ASSERT_FALSE(uuid.empty());
    tc.drift(tc.name);
    ProbeListing("fra-1");
    auto r = Converge(tc.name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Json vless = PanelClient("fra-1", 1, Email("reality", tc.name));
    ASSERT_FALSE(vless.is_null());
    EXPECT_EQ(vless["id"], uuid) << "the same UUID";
    EXPECT_EQ(vless["limitIp"], tc.limit_ip);
    EXPECT_EQ(vless["enable"], tc.enable);
    EXPECT_EQ(SecretKey(tc.name, "uuid"), uuid);
    api::VpnAssignment a = Read(tc.name);
    EXPECT_EQ(a.status.observed_generation, tc.generation);
    EXPECT_EQ(Cond(a, api::kSynced).status, "True");
    EXPECT_EQ(EventReasonsOf(tc.name), std::vector<std::string>{"ClientRepaired"});
  }
}

// What a pass cannot finish it asks to retry after requeue_after; the work queue runs it then,
// and not before (the fake clock is moved on to just before and to the moment).
TEST_F(AssignmentReconcilerTest, RetriesComeDueOnTheFakeClock) {
  struct Case {
    const char* name;
    std::function<void(const std::string& user)> before;  // after the user is placed (or not)
    bool placed_first;
    std::chrono::milliseconds requeue_after;
    std::function<void(const std::string& user)> check_waiting;  // after the first pass
    std::function<void(const std::string& user)> fix;
    std::function<void(const std::string& user)> check_done;  // after the retry
  };
  sim::Faults down;
  down.outage = true;
  const std::vector<Case> cases = {
      {"unschedulable",
       [&](const std::string&) { views_[0].phase = "Unreachable"; views_[1].schedulable = false; }, false, 30s,
       [&](const std::string& u) { EXPECT_EQ(Cond(Read(u), api::kPlaced).reason, "Unschedulable"); },
       [&](const std::string&) { views_[0].phase = "Ready"; },
       [&](const std::string& u) {
         EXPECT_EQ(Read(u).status.phase, "Ready");
         EXPECT_EQ(Read(u).status.node_name, "fra-1");
       }},
      {"secret-conflict",
       [&](const std::string& u) {
         ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn", {{"metadata", {{"name", CredentialsSecretName(u)}}}}).ok());
       },
       false, 30s, [&](const std::string& u) { EXPECT_EQ(Cond(Read(u), api::kReady).reason, "SecretConflict"); },
       [&](const std::string& u) { ASSERT_TRUE(kube_.Delete(kube::kSecrets, "vpn", CredentialsSecretName(u)).ok()); },
       [&](const std::string& u) { EXPECT_EQ(Read(u).status.phase, "Ready"); }},
      {"move-failed",
       [&](const std::string&) {
         ASSERT_TRUE(sim_->SetFaults("fra-2", down).ok());  // the balancer does not know yet
         views_[1].schedulable = true;
         views_[0].evacuate_reason = "NodeDraining";
       },
       true, 30s,
       [&](const std::string& u) {
         api::VpnAssignment a = Read(u);
         EXPECT_EQ(a.status.node_name, "fra-1");
         EXPECT_EQ(a.status.migrations, 0);
         EXPECT_EQ(Cond(a, api::kPlaced).reason, "MoveFailed");
         EXPECT_FALSE(PanelClient("fra-1", 1, Email("reality", u)).is_null()) << "break only after make";
         EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 1);
         EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-2"), 0);
       },
       [&](const std::string&) { ASSERT_TRUE(sim_->SetFaults("fra-2", sim::Faults{}).ok()); },
       [&](const std::string& u) {
         api::VpnAssignment a = Read(u);
         EXPECT_EQ(a.status.node_name, "fra-2");
         EXPECT_EQ(a.status.migrations, 1);
         EXPECT_EQ(a.status.last_migration_time, FormatRfc3339(clock_.Now())) << "the move's time on the fake clock";
         EXPECT_EQ(PanelsHolding(u), "fra-2");
       }},
      {"resync-repairs",
       [&](const std::string& u) { ASSERT_TRUE(sim_->panel("fra-1")->DeleteClientByHand(Email("reality", u))); }, true, 300s,
       [&](const std::string& u) { EXPECT_EQ(PanelsHolding(u), "") << "nothing runs before the resync"; },
       // The node's probes over those 300 s have listed the panel.
       [&](const std::string&) { ProbeListing("fra-1"); },
       [&](const std::string& u) { EXPECT_EQ(PanelClient("fra-1", 1, Email("reality", u))["id"], SecretKey(u, "uuid")); }},
      {"cleanup-pending",
       [&](const std::string& u) {
         ASSERT_TRUE(sim_->SetFaults("fra-1", down).ok());
         ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", u).ok());
       },
       true, 30s,
       [&](const std::string& u) {
         api::VpnAssignment a = Read(u);
         EXPECT_EQ(Cond(a, api::kReady).reason, "CleanupPending");
         EXPECT_NE(Cond(a, api::kReady).message.find("fra-1"), std::string::npos);
         ASSERT_TRUE(Converge(u).ok());  // e.g. an unrelated update: the same Warning is not recorded again
         EXPECT_EQ(EventReasonsOf(u), std::vector<std::string>{"CleanupPending"}) << "one Warning, not one per retry";
       },
       [&](const std::string&) { ASSERT_TRUE(sim_->SetFaults("fra-1", sim::Faults{}).ok()); },
       [&](const std::string& u) {
         EXPECT_TRUE(PanelClient("fra-1", 1, Email("reality", u)).is_null());
         EXPECT_EQ(kube_.Get(kube::kVpnAssignments, "vpn", u).status().code(), Status::Code::kNotFound);
       }},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    ASSERT_TRUE(sim_->SetFaults("fra-1", sim::Faults{}).ok());
    ASSERT_TRUE(sim_->SetFaults("fra-2", sim::Faults{}).ok());
    views_ = {View("fra-1"), View("fra-2")};
    views_[1].schedulable = false;
    if (tc.placed_first) Place(tc.name);
    tc.before(tc.name);
    if (!tc.placed_first) {
      ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment(tc.name)).ok());
    }
    auto r = Converge(tc.name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->requeue_after, tc.requeue_after);
    tc.check_waiting(tc.name);
    if (tc.fix) tc.fix(tc.name);
    const std::string before = kube_.Get(kube::kVpnAssignments, "vpn", tc.name)->dump();
    AdvanceClock(tc.requeue_after - 1ms);
    EXPECT_EQ(kube_.Get(kube::kVpnAssignments, "vpn", tc.name)->dump(), before) << "not retried before it is due";
    AdvanceClock(1ms);
    tc.check_done(tc.name);
    // Clean up: other cases count users on the nodes.
    if (kube_.Get(kube::kVpnAssignments, "vpn", tc.name).ok()) {
      ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", tc.name).ok());
      ASSERT_TRUE(Converge(tc.name).ok());
    }
  }
}

TEST_F(AssignmentReconcilerTest, DeletingRevokesAccessThenReleasesTheFinalizer) {
  Place("alice");
  auto meta = Read("alice").metadata;
  ASSERT_EQ(meta.finalizers, std::vector<std::string>{kPanelClientsFinalizer});
  // The trojan inbound's own client goes, so alice's is its last one: a 2.8 panel keeps it.
  ASSERT_TRUE(sim_->panel("fra-1")->DeleteClientByHand("owner-fra-1-trojan"));
  ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", "alice").ok());
  ASSERT_TRUE(kube_.Get(kube::kVpnAssignments, "vpn", "alice").ok()) << "held by the finalizer";
  auto r = Converge("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
  Json last = PanelClient("fra-1", 2, "trojan.alice@vpn.x3ui");
  ASSERT_FALSE(last.is_null()) << "the panel refuses to delete an inbound's last client";
  EXPECT_EQ(last["enable"], false) << "so it is disabled";
  EXPECT_FALSE(PanelClient("fra-1", 1, "owner-fra-1-vless").is_null()) << "foreign clients stay";
  EXPECT_EQ(kube_.Get(kube::kVpnAssignments, "vpn", "alice").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 0);
}

TEST_F(AssignmentReconcilerTest, DeletionOfANeverPlacedUserTouchesNoPanel) {
  views_.clear();
  Place("alice");
  ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", "alice").ok());
  Json before = sim_->panel("fra-1")->Describe()["counters"];
  ASSERT_TRUE(Converge("alice").ok());
  EXPECT_EQ(kube_.Get(kube::kVpnAssignments, "vpn", "alice").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(sim_->panel("fra-1")->Describe()["counters"], before);
}

// Every way a user is moved off fra-1: the move goes through the batcher on fra-2, keeps the
// credentials, is counted once, and the source is cleaned when it answers (else remembered).
TEST_F(AssignmentReconcilerTest, MovesKeepTheCredentialsAndAreCountedOnce) {
  struct Case {
    const char* name;
    std::function<void(const std::string& user)> cause;
    const char* reason;          // status Placed reason after the move
    bool source_down;            // fra-1 does not answer: its clients stay, remembered in the ledger
    std::function<void(const std::string& user)> also = nullptr;
  };
  sim::Faults down;
  down.outage = true;
  const std::vector<Case> cases = {
      {"failover",
       [&](const std::string&) {
         ASSERT_TRUE(sim_->SetFaults("fra-1", down).ok());
         views_[0].phase = "Unreachable";
         views_[0].evacuate_reason = "NodeUnreachable";  // past the failover grace
       },
       "NodeUnreachable", true},
      {"drain", [&](const std::string&) { views_[0].evacuate_reason = "NodeDraining"; }, "NodeDraining", false},
      {"move-request", [&](const std::string& u) { reconciler_->book().RequestMove("vpn/" + u, "fra-2"); }, "VpnMigration",
       false,
       [&](const std::string& u) {
         EXPECT_EQ(reconciler_->book().MoveRequestOf("vpn/" + u)->state, MoveRequest::State::kDone);
       }},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    ASSERT_TRUE(sim_->SetFaults("fra-1", sim::Faults{}).ok());
    views_ = {View("fra-1"), View("fra-2")};
    views_[1].schedulable = false;
    Place(tc.name);
    ASSERT_EQ(Read(tc.name).status.node_name, "fra-1");
    const std::string uuid = SecretKey(tc.name, "uuid");
    // The drained user's Secret carries the links an older operator wrote: the move drops them
    // (they name the old node). The others' Secrets are not written by the move at all.
    const bool legacy = std::string(tc.name) == "drain";
    if (legacy) {
      Json secret = *kube_.Get(kube::kSecrets, "vpn", CredentialsSecretName(tc.name));
      secret["data"]["links"] = Base64Encode("vless://" + uuid + "@fra-1.example.com:443#old\n");
      secret["data"]["subscription"] = Base64Encode("old");
      ASSERT_TRUE(kube_.Update(kube::kSecrets, "vpn", secret).ok());
    }
    const std::string secret_version =
        (*kube_.Get(kube::kSecrets, "vpn", CredentialsSecretName(tc.name)))["metadata"]["resourceVersion"];
    views_[1].schedulable = true;
    tc.cause(tc.name);
    const size_t flushes = Flushes().size();
    auto r = Converge(tc.name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Flushes().size(), flushes + 1) << "the target's clients came in a batch";
    api::VpnAssignment a = Read(tc.name);
    EXPECT_EQ(a.status.node_name, "fra-2");
    EXPECT_EQ(a.status.phase, "Ready");
    EXPECT_EQ(a.status.migrations, 1);
    EXPECT_EQ(a.status.last_migration_time, FormatRfc3339(clock_.Now()));
    EXPECT_EQ(Cond(a, api::kPlaced).reason, tc.reason);
    EXPECT_EQ(PanelClient("fra-2", 1, Email("reality", tc.name))["id"], uuid) << "same UUID on the new node";
    EXPECT_EQ(SecretKey(tc.name, "uuid"), uuid);
    const Json secret = *kube_.Get(kube::kSecrets, "vpn", CredentialsSecretName(tc.name));
    EXPECT_FALSE(secret["data"].contains("links") || secret["data"].contains("subscription"));
    if (!legacy) {
      EXPECT_EQ(secret["metadata"]["resourceVersion"], secret_version) << "a move writes no Secret";
    }
    EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 0);
    EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-2"), 1);
    EXPECT_EQ(LedgerNode(tc.name), "fra-2");
    if (tc.source_down) {
      EXPECT_FALSE(PanelClient("fra-1", 1, Email("reality", tc.name)).is_null()) << "fra-1 cannot be cleaned yet";
      EXPECT_EQ(store_.PendingRemovals("vpn", "fra-1")->size(), 2u) << "the ledger remembers the clients left on fra-1";
      auto events = EventReasonsOf(tc.name);
      EXPECT_EQ(std::find(events.begin(), events.end(), "Migrated"), events.end())
          << "a dead node's users learn of their move from their status, not an Event each";
    } else {
      EXPECT_EQ(PanelsHolding(tc.name), "fra-2") << "removed from the source";
    }
    ASSERT_TRUE(Converge(tc.name).ok());
    EXPECT_EQ(Read(tc.name).status.node_name, "fra-2") << "sticky after the move";
    EXPECT_EQ(Read(tc.name).status.migrations, 1) << "one move, not one per pass";
    if (tc.also) tc.also(tc.name);
    // Leave the next case an empty fra-2.
    ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", tc.name).ok());
    ASSERT_TRUE(Converge(tc.name).ok());
  }
}

// fra-1 answers again after a failover: the clients left there go, and the ledger forgets them.
TEST_F(AssignmentReconcilerTest, ClientsLeftOnADeadNodeGoWhenItAnswers) {
  Place("alice");
  sim::Faults down;
  down.outage = true;
  ASSERT_TRUE(sim_->SetFaults("fra-1", down).ok());
  views_[0].phase = "Unreachable";
  views_[0].evacuate_reason = "NodeUnreachable";
  ASSERT_TRUE(Converge("alice").ok());
  ASSERT_EQ(Read("alice").status.node_name, "fra-2");
  ASSERT_TRUE(ledger_->Drain(5s));
  ASSERT_EQ(store_.PendingRemovals("vpn", "fra-1")->size(), 2u);
  ASSERT_FALSE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
  EXPECT_FALSE(reconciler_->RemovePending("vpn", "fra-1").ok()) << "still down";
  EXPECT_EQ(store_.PendingRemovals("vpn", "fra-1")->at(0).attempts, 1);
  ASSERT_TRUE(sim_->SetFaults("fra-1", sim::Faults{}).ok());
  Status s = reconciler_->RemovePending("vpn", "fra-1");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
  EXPECT_TRUE(PanelClient("fra-1", 2, "trojan.alice@vpn.x3ui").is_null());
  EXPECT_TRUE(store_.PendingRemovals("vpn", "fra-1")->empty());
  EXPECT_FALSE(PanelClient("fra-2", 1, "reality.alice@vpn.x3ui").is_null()) << "the new node keeps hers";
}

TEST_F(AssignmentReconcilerTest, AMoveRequestForAPinnedUserFails) {
  Place("bob", {{"nodeName", "fra-1"}});
  reconciler_->book().RequestMove("vpn/bob", "fra-2");
  ASSERT_TRUE(Converge("bob").ok());
  EXPECT_EQ(Read("bob").status.node_name, "fra-1");
  EXPECT_EQ(reconciler_->book().MoveRequestOf("vpn/bob")->state, MoveRequest::State::kFailed);
  EXPECT_EQ(reconciler_->book().MoveRequestOf("vpn/bob")->message, "pinned to fra-1 by spec.nodeName");
}

// The informer's copy of an assignment lags behind this process's own writes. A pass that
// decided from that copy would see the user still on the node it has just left and move it a
// second time (the batched add then commits with a fresh resourceVersion: migrations 2, and the
// ledger's switch from the old source refused). Decisions are made from the object as this
// process last wrote it until the cache has caught up.
TEST_F(AssignmentReconcilerTest, AMoveIsDecidedFromThisProcesssOwnCommitNotALaggingCache) {
  sim::PanelConfig third;
  third.name = "fra-3";
  third.port = testing::FreePort();
  third.username = "admin";
  third.password = "panel-password-secret";
  third.flavor = sim::Flavor::kV28;
  third.inbounds = sim::DefaultInbounds("fra-3");
  sim::SimServer fra3({third}, testing::FreePort());
  ASSERT_TRUE(fra3.Start().ok());
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node("fra-3", third.port)).ok());
  views_ = {View("fra-1"), View("fra-2"), View("fra-3")};

  std::optional<Json> lagging;  // what the informer's copy shows; nullopt: the API server's object
  Restart([&](AssignmentReconcilerDeps& d) {
    d.cached_assignment = [&](const std::string& key) -> std::optional<Json> {
      if (lagging) return lagging;
      auto got = kube_.Get(kube::kVpnAssignments, "vpn", key.substr(key.find('/') + 1));
      return got.ok() ? std::optional<Json>(*got) : std::nullopt;
    };
    d.cached_node = [&](const std::string& key) -> std::optional<Json> {
      auto got = kube_.Get(kube::kVpnNodes, "vpn", key.substr(key.find('/') + 1));
      return got.ok() ? std::optional<Json>(*got) : std::nullopt;
    };
  });
  // One pass, and the pass the batcher wakes after adding the user's clients, if it was handed
  // any: by the time the batch is done, the informer has caught up.
  auto pass = [&] {
    auto r = Converge("alice", [&] { lagging.reset(); });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };

  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  pass();
  ASSERT_EQ(Read("alice").status.node_name, "fra-1");
  ASSERT_EQ(Read("alice").status.phase, "Ready");
  const Json on_fra1 = *kube_.Get(kube::kVpnAssignments, "vpn", "alice");
  lagging = on_fra1;

  views_[0].evacuate_reason = "NodeDraining";
  pass();  // the move to fra-2 commits
  ASSERT_EQ(Read("alice").status.node_name, "fra-2");
  lagging = on_fra1;  // the informer has not delivered the commit yet
  const Json before = fra3.panel("fra-3")->Describe();

  pass();  // e.g. the next probe of the draining fra-1 hands its old users back to the queue
  pass();
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(a.status.node_name, "fra-2");
  EXPECT_EQ(a.status.migrations, 1) << "moved once";
  EXPECT_EQ(fra3.panel("fra-3")->Describe()["mutations"], before["mutations"]) << "fra-3 was never touched";
  EXPECT_EQ(LedgerNode("alice"), "fra-2");
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-2"), 1);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-3"), 0);
  Restart();  // before fra-3's panel goes: the batcher may hold a session to it
  fra3.Stop();
}

TEST(CaughtUpTest, ComparesResourceVersionsAsNumbersWhenTheyAre) {
  struct Case {
    const char* cached;
    const char* written;
    bool caught_up;
  };
  for (const Case& c : std::vector<Case>{{"100", "100", true}, {"101", "100", true}, {"99", "100", false},
                                         {"9", "10", false}, {"abc", "abc", true}, {"abc", "abd", false},
                                         {"", "100", false}, {"100", "", false}}) {
    EXPECT_EQ(CaughtUp(c.cached, c.written), c.caught_up) << c.cached << " vs " << c.written;
  }
}

namespace {

// What a test's move-step hook throws to stand for a SIGKILL: the process ends right after
// `step`, once the ledger holds it (as --crash-after-move-step does).
struct Crash {};
std::function<void(AssignmentReconcilerDeps&)> CrashAfter(std::string step) {
  return [step = std::move(step)](AssignmentReconcilerDeps& d) {
    d.on_move_step = [step, ledger = d.ledger](const std::string& at) {
      if (at != step) return;
      ASSERT_TRUE(ledger->Drain(std::chrono::seconds(5)));
      throw Crash{};
    };
  };
}

}  // namespace

// A crash (a SIGKILL) right after each step of a move, then a restart: the half-done move is
// finished or rolled back, and the user ends on one node with one set of clients, the ledger
// agreeing, the journal closed, the move counted once. The crashed process's batcher dies with
// it, whatever it held.
TEST_F(AssignmentReconcilerTest, ACrashAtEveryStepOfAMoveConverges) {
  int n = 0;
  for (const char* step : kMoveSteps) {
    SCOPED_TRACE(step);
    const std::string name = "user" + std::to_string(++n);
    Restart();
    views_ = {View("fra-1"), View("fra-2")};
    views_[1].schedulable = false;  // new users land on fra-1
    Place(name);
    ASSERT_EQ(Read(name).status.node_name, "fra-1");
    const std::string uuid = SecretKey(name, "uuid");
    views_ = {View("fra-1"), View("fra-2")};
    views_[0].evacuate_reason = "NodeDraining";

    Restart(CrashAfter(step));
    reconciler_->Observe("vpn", name, "fra-1", "");
    EXPECT_THROW((void)Converge(name), Crash);

    Restart();
    reconciler_->Observe("vpn", name, Read(name).status.node_name, "");
    Status recovered = reconciler_->RecoverMoves("vpn");
    ASSERT_TRUE(recovered.ok()) << recovered.ToString();
    ASSERT_TRUE(ledger_->Drain(5s));
    const std::vector<kube::Json> all = kube_.List(kube::kVpnAssignments, "vpn", {})->items;
    ASSERT_TRUE(reconciler_->ReconcileLedger(all, "vpn").ok());
    auto r = Converge(name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();

    api::VpnAssignment a = Read(name);
    EXPECT_EQ(a.status.node_name, "fra-2");
    EXPECT_EQ(a.status.phase, "Ready");
    EXPECT_EQ(a.status.migrations, 1) << "counted once";
    EXPECT_EQ(PanelsHolding(name), "fra-2") << "nothing doubled, nothing lost";
    EXPECT_EQ(PanelClient("fra-2", 1, "reality." + name + "@vpn.x3ui")["id"], uuid);
    EXPECT_EQ(LedgerNode(name), "fra-2");
    auto open = store_.OpenMoves();
    ASSERT_TRUE(open.ok());
    EXPECT_TRUE(open->empty()) << open->size() << " moves left open, the first from " << open->front().from_node;
  }
}

// The last step's crash when the source cannot be asked (it is Unreachable, so its clients are
// left to the pending removals): the step still happens, once the pending removal is in the
// ledger, and a restart finds the user on its target with the removal still recorded.
TEST_F(AssignmentReconcilerTest, ACrashAfterADeferredSourceRemovalConverges) {
  views_[1].schedulable = false;  // the user lands on fra-1
  Place("alice");
  ASSERT_EQ(Read("alice").status.node_name, "fra-1");
  views_ = {View("fra-1"), View("fra-2")};
  views_[0].phase = api::kPhaseUnreachable;
  views_[0].evacuate_reason = api::kReasonNodeUnreachable;
  Restart(CrashAfter(move_step::kRemovedFromSource));
  reconciler_->Observe("vpn", "alice", "fra-1", "");
  EXPECT_THROW((void)Converge("alice"), Crash) << "the step is reached though the source was not asked";

  Restart();
  reconciler_->Observe("vpn", "alice", Read("alice").status.node_name, "");
  ASSERT_TRUE(reconciler_->RecoverMoves("vpn").ok());
  ASSERT_TRUE(Converge("alice").ok());
  EXPECT_EQ(Read("alice").status.node_name, "fra-2");
  EXPECT_EQ(Read("alice").status.migrations, 1);
  EXPECT_EQ(LedgerNode("alice"), "fra-2");
  auto pending = store_.PendingRemovals("vpn", "fra-1");
  ASSERT_TRUE(pending.ok());
  ASSERT_FALSE(pending->empty()) << "fra-1's clients wait for the node to answer";
  for (const auto& r : *pending) EXPECT_EQ(r.assignment, "alice") << r.client_email;
  auto open = store_.OpenMoves();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
}

TEST_F(AssignmentReconcilerTest, TheDisruptionBudgetDefersMovesAndWakesTheNextUser) {
  MoveBudget budget(1);
  Restart([&](AssignmentReconcilerDeps& d) { d.budget = &budget; });
  for (const char* name : {"alice", "carol"}) {
    Place(name, {{"nodeName", "fra-1"}});
    Json unpinned = *kube_.Get(kube::kVpnAssignments, "vpn", name);
    unpinned["spec"].erase("nodeName");
    ASSERT_TRUE(kube_.Update(kube::kVpnAssignments, "vpn", unpinned).ok());
  }
  views_[0].evacuate_reason = "NodeDraining";
  ASSERT_TRUE(budget.TryAcquire("vpn/someone-else"));  // the budget is spent elsewhere
  int64_t writes = kube_.writes();
  for (const char* name : {"alice", "carol"}) {
    auto r = Converge(name);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->requeue_after, 30s);
    EXPECT_EQ(Read(name).status.node_name, "fra-1") << name << " waits";
  }
  EXPECT_EQ(kube_.writes(), writes) << "a waiting user is not touched";
  EXPECT_EQ(budget.waiting(), 2);
  EXPECT_EQ(budget.Release("vpn/someone-else"), "vpn/alice");
  ASSERT_TRUE(Converge("alice").ok());
  EXPECT_EQ(Read("alice").status.node_name, "fra-2");
  EXPECT_EQ(Woken(), std::vector<std::string>{"vpn/carol"}) << "alice's slot, once free, goes to carol";
  EXPECT_EQ(Read("carol").status.node_name, "fra-1") << "woken, not yet run";
  ASSERT_TRUE(Converge("carol").ok());
  EXPECT_EQ(Read("carol").status.node_name, "fra-2");
  EXPECT_EQ(budget.in_flight(), 0);
}

TEST_F(AssignmentReconcilerTest, TheLedgerIsMadeToAgreeWithTheAssignmentsStatus) {
  for (const char* name : {"alice", "bob"}) Place(name);
  ASSERT_TRUE(ledger_->Drain(5s));
  const std::string alice_at = Read("alice").status.node_name;
  const std::string elsewhere = alice_at == "fra-1" ? "fra-2" : "fra-1";
  // What a crash between a status write and the ledger's could leave behind.
  ASSERT_TRUE(store_.SwitchPlacement({"vpn", "alice", "u-alice", "alice@example.com", elsewhere, "x"}, alice_at, "").ok());
  ASSERT_TRUE(store_.ReleasePlacement("vpn", "bob", "x").ok());
  ASSERT_TRUE(store_.RecordPlacements({{"vpn", "ghost", "u-ghost", "ghost@example.com", "fra-1", "x"}}).ok());
  const std::vector<kube::Json> all = kube_.List(kube::kVpnAssignments, "vpn", {})->items;
  ASSERT_TRUE(reconciler_->ReconcileLedger(all, "vpn").ok());
  EXPECT_EQ(LedgerNode("alice"), alice_at);
  EXPECT_EQ(LedgerNode("bob"), Read("bob").status.node_name);
  EXPECT_EQ(LedgerNode("ghost"), "") << "no assignment, no active row";
  auto history = store_.PlacementHistory("vpn", "alice");
  size_t rows = history->size();
  ASSERT_TRUE(reconciler_->ReconcileLedger(all, "vpn").ok());
  ASSERT_TRUE(ledger_->Drain(5s));
  EXPECT_EQ(store_.PlacementHistory("vpn", "alice")->size(), rows) << "an agreeing ledger is not written";
}

}  // namespace
}  // namespace x3ui::controller
