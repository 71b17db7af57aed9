// AssignmentReconciler against the in-memory API server and x3ui-sim: a new user is placed by the
// balancer, gets a Secret with credentials and links, and an owned client on every inbound; a
// second pass changes nothing; stale or deleted clients are repaired with the same credentials;
// foreign clients are never touched; what cannot be done is reported in status.
#include "controller/assignment/reconciler.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "tests/integration/controller/assignment_fixture.h"

namespace x3ui::controller {
namespace {

class AssignmentReconcilerTest : public AssignmentFixture {};

TEST_F(AssignmentReconcilerTest, NewUserGetsNodeSecretAndOwnedClients) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  auto r = Reconcile("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(a.status.node_name, "fra-1") << "ties go by name";
  EXPECT_EQ(a.status.phase, "Ready");
  EXPECT_EQ(Cond(a, api::kPlaced).reason, "Balanced");
  EXPECT_EQ(Cond(a, api::kSynced).status, "True") << Cond(a, api::kSynced).message;
  EXPECT_EQ(Cond(a, api::kReady).status, "True");
  EXPECT_EQ(a.status.credentials_secret_name, "alice-vpn");

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

  const std::string links = SecretKey("alice", "links");
  EXPECT_NE(links.find("vless://" + uuid + "@fra-1.example.com:443"), std::string::npos) << links;
  EXPECT_NE(links.find("trojan://" + password + "@fra-1.example.com:8443"), std::string::npos) << links;
  EXPECT_EQ(api::Encode(a)["status"].dump().find(password), std::string::npos) << "no credential in status";
  EXPECT_EQ(api::Encode(a)["status"].dump().find(uuid), std::string::npos) << "no credential in status";

  ASSERT_TRUE(testing::Eventually([&] {
    auto row = store_.ActivePlacement("vpn", "alice");
    return row.ok() && row->has_value() && (*row)->record.node == "fra-1" && (*row)->record.reason == "Balanced";
  }));
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 1);
}

TEST_F(AssignmentReconcilerTest, SecondPassChangesNothing) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  int64_t writes = kube_.writes();
  Json before = sim_->panel("fra-1")->Describe();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(kube_.writes(), writes) << "no status, Secret or Event writes";
  EXPECT_EQ(EventReasons(), std::vector<std::string>{"Placed"});
  EXPECT_EQ(sim_->panel("fra-1")->Describe()["mutations"], before["mutations"]) << "no panel writes";
}

TEST_F(AssignmentReconcilerTest, UsersSpreadOverNodesCountingPlacementsInFlight) {
  for (const char* name : {"u1", "u2", "u3", "u4"}) {
    ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment(name)).ok());
    ASSERT_TRUE(Reconcile(name).ok());
  }
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 2);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-2"), 2);
  EXPECT_EQ(Read("u2").status.node_name, "fra-2");
}

TEST_F(AssignmentReconcilerTest, StaleAndDeletedClientsAreRepairedWithTheSameCredentials) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  const std::string uuid = SecretKey("alice", "uuid");
  // The spec changes: limits and a disabled user.
  Json obj = *kube_.Get(kube::kVpnAssignments, "vpn", "alice");
  obj["spec"]["limits"] = {{"ipLimit", 2}, {"totalBytes", 1073741824}};
  obj["spec"]["enabled"] = false;
  ASSERT_TRUE(kube_.Update(kube::kVpnAssignments, "vpn", obj).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  Json vless = PanelClient("fra-1", 1, "reality.alice@vpn.x3ui");
  EXPECT_EQ(vless["limitIp"], 2);
  EXPECT_EQ(vless["enable"], false);
  EXPECT_EQ(vless["id"], uuid);
  EXPECT_EQ(Read("alice").status.observed_generation, 2);
  // Someone deletes the client on the panel: it comes back with the same UUID.
  ASSERT_TRUE(sim_->panel("fra-1")->DeleteClientByHand("reality.alice@vpn.x3ui"));
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui")["id"], uuid);
  EXPECT_EQ(SecretKey("alice", "uuid"), uuid);
  EXPECT_EQ(EventReasons(), (std::vector<std::string>{"ClientRepaired", "ClientRepaired", "Placed"}));
}

TEST_F(AssignmentReconcilerTest, ForeignClientsAreNeverTouched) {
  Json foreign = PanelClient("fra-1", 1, "owner-fra-1-vless");
  ASSERT_FALSE(foreign.is_null());
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(PanelClient("fra-1", 1, "owner-fra-1-vless"), foreign);
}

TEST_F(AssignmentReconcilerTest, NoUsableNodeLeavesThePendingUserToRetry) {
  views_[0].phase = "Unreachable";
  views_[1].schedulable = false;
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  auto r = Reconcile("alice");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requeue_after, 30s);
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(a.status.phase, "Pending");
  EXPECT_EQ(a.status.node_name, "");
  EXPECT_EQ(Cond(a, api::kPlaced).reason, "Unschedulable");
  EXPECT_FALSE(Cond(a, api::kPlaced).message.empty());
  EXPECT_FALSE(kube_.Get(kube::kSecrets, "vpn", "alice-vpn").ok()) << "no credentials before a node";
}

TEST_F(AssignmentReconcilerTest, ASecretItDoesNotOwnIsNeitherAdoptedNorChanged) {
  Json mine = {{"metadata", {{"name", "alice-vpn"}}}, {"data", {{"note", Base64Encode("someone else's")}}}};
  ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn", mine).ok());
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(Cond(a, api::kReady).reason, "SecretConflict");
  EXPECT_NE(Cond(a, api::kReady).message.find("alice-vpn"), std::string::npos);
  auto secret = *kube_.Get(kube::kSecrets, "vpn", "alice-vpn");
  EXPECT_FALSE(secret["data"].contains("uuid"));
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
}

TEST_F(AssignmentReconcilerTest, UnknownInboundIsReported) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice", {{"inbounds", {"reality", "wireguard"}}})).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(Cond(a, api::kSynced).reason, "UnknownInbound");
  EXPECT_NE(Cond(a, api::kSynced).message.find("wireguard"), std::string::npos);
  EXPECT_EQ(a.status.phase, "Pending");
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null()) << "all or nothing: the spec is wrong";
}

TEST_F(AssignmentReconcilerTest, OnlyTheNamedInboundsGetAClient) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice", {{"inbounds", {"trojan"}}})).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_FALSE(PanelClient("fra-1", 2, "trojan.alice@vpn.x3ui").is_null());
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
}

TEST_F(AssignmentReconcilerTest, DeletingRevokesAccessThenReleasesTheFinalizer) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  auto meta = Read("alice").metadata;
  ASSERT_EQ(meta.finalizers, std::vector<std::string>{kPanelClientsFinalizer});
  // The trojan inbound's own client goes, so alice's is its last one: a 2.8 panel keeps it.
  ASSERT_TRUE(sim_->panel("fra-1")->DeleteClientByHand("owner-fra-1-trojan"));
  ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", "alice").ok());
  ASSERT_TRUE(kube_.Get(kube::kVpnAssignments, "vpn", "alice").ok()) << "held by the finalizer";
  auto r = Reconcile("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
  Json last = PanelClient("fra-1", 2, "trojan.alice@vpn.x3ui");
  ASSERT_FALSE(last.is_null()) << "the panel refuses to delete an inbound's last client";
  EXPECT_EQ(last["enable"], false) << "so it is disabled";
  EXPECT_FALSE(PanelClient("fra-1", 1, "owner-fra-1-vless").is_null()) << "foreign clients stay";
  EXPECT_EQ(kube_.Get(kube::kVpnAssignments, "vpn", "alice").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 0);
}

TEST_F(AssignmentReconcilerTest, DeletionWaitsForAnUnreachablePanel) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  sim::Faults down;
  down.outage = true;
  ASSERT_TRUE(sim_->SetFaults("fra-1", down).ok());
  ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", "alice").ok());
  auto r = Reconcile("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->requeue_after, 30s) << "retried later, not in a hot loop";
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(Cond(a, api::kReady).reason, "CleanupPending");
  EXPECT_NE(Cond(a, api::kReady).message.find("fra-1"), std::string::npos);
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(EventReasons(), (std::vector<std::string>{"CleanupPending", "Placed"})) << "one Warning, not one per retry";
  ASSERT_TRUE(sim_->SetFaults("fra-1", sim::Faults{}).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null());
  EXPECT_EQ(kube_.Get(kube::kVpnAssignments, "vpn", "alice").status().code(), Status::Code::kNotFound);
}

TEST_F(AssignmentReconcilerTest, DeletionOfANeverPlacedUserTouchesNoPanel) {
  views_.clear();
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  ASSERT_TRUE(kube_.Delete(kube::kVpnAssignments, "vpn", "alice").ok());
  Json before = sim_->panel("fra-1")->Describe()["counters"];
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(kube_.Get(kube::kVpnAssignments, "vpn", "alice").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(sim_->panel("fra-1")->Describe()["counters"], before);
}

TEST_F(AssignmentReconcilerTest, FailoverMovesTheUserWithTheSameCredentials) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  ASSERT_EQ(Read("alice").status.node_name, "fra-1");
  const std::string uuid = SecretKey("alice", "uuid");
  sim::Faults down;
  down.outage = true;
  ASSERT_TRUE(sim_->SetFaults("fra-1", down).ok());
  views_[0].phase = "Unreachable";
  views_[0].evacuate_reason = "NodeUnreachable";  // past the failover grace
  auto r = Reconcile("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(a.status.node_name, "fra-2");
  EXPECT_EQ(a.status.phase, "Ready");
  EXPECT_EQ(a.status.migrations, 1);
  EXPECT_FALSE(a.status.last_migration_time.empty());
  EXPECT_EQ(Cond(a, api::kPlaced).reason, "NodeUnreachable");
  EXPECT_EQ(PanelClient("fra-2", 1, "reality.alice@vpn.x3ui")["id"], uuid) << "same UUID on the new node";
  EXPECT_EQ(SecretKey("alice", "uuid"), uuid);
  EXPECT_NE(SecretKey("alice", "links").find("@fra-2.example.com:443"), std::string::npos);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 0);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-2"), 1);
  ASSERT_TRUE(testing::Eventually([&] {
    auto row = store_.ActivePlacement("vpn", "alice");
    auto pending = store_.PendingRemovals("vpn", "fra-1");
    return row.ok() && row->has_value() && (*row)->record.node == "fra-2" && pending.ok() && pending->size() == 2;
  })) << "the ledger switched and remembers the clients left on fra-1";
  auto events = EventReasons();
  EXPECT_EQ(std::find(events.begin(), events.end(), "Migrated"), events.end())
      << "a dead node's users learn of their move from their status, not an Event each";

  // fra-1 answers again: the clients left there go, and the ledger forgets them.
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

TEST_F(AssignmentReconcilerTest, DrainMovesTheUserAndCleansTheSource) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  views_[0].evacuate_reason = "NodeDraining";
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(Read("alice").status.node_name, "fra-2");
  EXPECT_TRUE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null()) << "removed from the source";
  EXPECT_FALSE(PanelClient("fra-2", 1, "reality.alice@vpn.x3ui").is_null());
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(Read("alice").status.migrations, 1) << "one move, not one per pass";
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
  std::vector<std::string> woken;
  std::mutex woken_mu;
  panel::AddBatcher batcher({.linger = 10ms, .max_wait = 200ms}, [&](const std::string& key) {
    std::lock_guard<std::mutex> l(woken_mu);
    woken.push_back(key);
  });
  auto reconciler = std::make_unique<AssignmentReconciler>(
      AssignmentReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_,
                               .nodes = [this](const std::string&) { return views_; },
                               .ledger = ledger_.get(),
                               .store = &store_,
                               .batcher = &batcher,
                               .cached_assignment = [&](const std::string& key) -> std::optional<Json> {
                                 if (lagging) return lagging;
                                 auto got = kube_.Get(kube::kVpnAssignments, "vpn", key.substr(key.find('/') + 1));
                                 return got.ok() ? std::optional<Json>(*got) : std::nullopt;
                               },
                               .cached_node = [&](const std::string& key) -> std::optional<Json> {
                                 auto got = kube_.Get(kube::kVpnNodes, "vpn", key.substr(key.find('/') + 1));
                                 return got.ok() ? std::optional<Json>(*got) : std::nullopt;
                               }},
      AssignmentReconcilerOptions{.panel_timeout = 2s});
  // One pass, and the pass the batcher wakes after adding the user's clients, if it was handed any.
  auto pass = [&] {
    { std::lock_guard<std::mutex> l(woken_mu); woken.clear(); }
    auto r = reconciler->Reconcile("vpn", "alice");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (!batcher.Pending("vpn/alice")) return;
    ASSERT_TRUE(testing::Eventually([&] { std::lock_guard<std::mutex> l(woken_mu); return !woken.empty(); }));
    lagging.reset();  // by the time the batch is done, the informer has caught up
    r = reconciler->Reconcile("vpn", "alice");
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
  EXPECT_EQ(reconciler->book().UsersOn("vpn/fra-2"), 1);
  EXPECT_EQ(reconciler->book().UsersOn("vpn/fra-3"), 0);
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

TEST_F(AssignmentReconcilerTest, AFailedMoveLeavesTheUserWhereItWas) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  sim::Faults down;
  down.outage = true;
  ASSERT_TRUE(sim_->SetFaults("fra-2", down).ok());  // the balancer does not know yet
  views_[0].evacuate_reason = "NodeDraining";
  auto r = Reconcile("alice");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requeue_after, 30s);
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(a.status.node_name, "fra-1");
  EXPECT_EQ(a.status.migrations, 0);
  EXPECT_EQ(Cond(a, api::kPlaced).reason, "MoveFailed");
  EXPECT_FALSE(PanelClient("fra-1", 1, "reality.alice@vpn.x3ui").is_null()) << "break only after make";
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 1);
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-2"), 0);
}

TEST_F(AssignmentReconcilerTest, AnInvalidSpecIsReportedAndNothingIsTouched) {
  // What the schema would refuse, written past it (an older CRD, or a fake without patterns).
  Json bad = Assignment("alice");
  bad["spec"]["user"]["email"] = "not an email";
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", bad).ok());
  auto r = Reconcile("alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->requeue_after, 0ms) << "no retry loop: the next edit brings it back";
  api::VpnAssignment a = Read("alice");
  EXPECT_EQ(a.status.phase, "Failed");
  EXPECT_EQ(Cond(a, api::kReady).reason, "InvalidSpec");
  EXPECT_NE(Cond(a, api::kReady).message.find("spec.user.email"), std::string::npos) << Cond(a, api::kReady).message;
  EXPECT_FALSE(kube_.Get(kube::kSecrets, "vpn", "alice-vpn").ok());
  EXPECT_EQ(reconciler_->book().UsersOn("vpn/fra-1"), 0);
}

// A crash (a SIGKILL) right after each step of a move, then a restart: the half-done move is
// finished or rolled back, and the user ends on one node with one set of clients, the ledger
// agreeing, the journal closed, the move counted once.
TEST_F(AssignmentReconcilerTest, ACrashAtEveryStepOfAMoveConverges) {
  struct Crash {};
  int n = 0;
  for (const char* step : kMoveSteps) {
    SCOPED_TRACE(step);
    const std::string name = "user" + std::to_string(++n);
    views_ = {View("fra-1"), View("fra-2")};
    views_[1].schedulable = false;  // new users land on fra-1
    ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment(name)).ok());
    ASSERT_TRUE(Reconcile(name).ok());
    ASSERT_EQ(Read(name).status.node_name, "fra-1");
    const std::string uuid = SecretKey(name, "uuid");
    views_ = {View("fra-1"), View("fra-2")};
    views_[0].evacuate_reason = "NodeDraining";

    auto crashing = Fresh(nullptr, [&, step = std::string(step)](const std::string& at) {
      if (at != step) return;
      ASSERT_TRUE(ledger_->Drain(5s));
      throw Crash{};
    });
    crashing->Observe("vpn", name, "fra-1", "");
    EXPECT_THROW((void)crashing->Reconcile("vpn", name), Crash);
    crashing.reset();

    auto restarted = Fresh();
    restarted->Observe("vpn", name, Read(name).status.node_name, "");
    Status recovered = restarted->RecoverMoves("vpn");
    ASSERT_TRUE(recovered.ok()) << recovered.ToString();
    ASSERT_TRUE(ledger_->Drain(5s));
    const std::vector<kube::Json> all = kube_.List(kube::kVpnAssignments, "vpn", {})->items;
    ASSERT_TRUE(restarted->ReconcileLedger(all, "vpn").ok());
    auto r = restarted->Reconcile("vpn", name);
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

TEST_F(AssignmentReconcilerTest, TheDisruptionBudgetDefersMovesAndWakesTheNextUser) {
  MoveBudget budget(1);
  reconciler_ = Fresh(&budget);
  for (const char* name : {"alice", "carol"}) {
    ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment(name, {{"nodeName", "fra-1"}})).ok());
    ASSERT_TRUE(Reconcile(name).ok());
    Json unpinned = *kube_.Get(kube::kVpnAssignments, "vpn", name);
    unpinned["spec"].erase("nodeName");
    ASSERT_TRUE(kube_.Update(kube::kVpnAssignments, "vpn", unpinned).ok());
  }
  views_[0].evacuate_reason = "NodeDraining";
  ASSERT_TRUE(budget.TryAcquire("vpn/someone-else"));  // the budget is spent elsewhere
  int64_t writes = kube_.writes();
  for (const char* name : {"alice", "carol"}) {
    auto r = Reconcile(name);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(Read(name).status.node_name, "fra-1") << name << " waits";
  }
  EXPECT_EQ(kube_.writes(), writes) << "a waiting user is not touched";
  EXPECT_EQ(budget.waiting(), 2);
  EXPECT_EQ(budget.Release("vpn/someone-else"), "vpn/alice");
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(Read("alice").status.node_name, "fra-2");
  EXPECT_EQ(woken_, std::vector<std::string>{"vpn/carol"}) << "alice's slot, once free, goes to carol";
  ASSERT_TRUE(Reconcile("carol").ok());
  EXPECT_EQ(Read("carol").status.node_name, "fra-2");
  EXPECT_EQ(budget.in_flight(), 0);
}

TEST_F(AssignmentReconcilerTest, AMoveRequestMovesTheUserUnlessItIsPinned) {
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("alice")).ok());
  ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment("bob", {{"nodeName", "fra-1"}})).ok());
  ASSERT_TRUE(Reconcile("alice").ok());
  ASSERT_TRUE(Reconcile("bob").ok());
  ASSERT_EQ(Read("alice").status.node_name, "fra-1");
  reconciler_->book().RequestMove("vpn/alice", "fra-2");
  reconciler_->book().RequestMove("vpn/bob", "fra-2");
  ASSERT_TRUE(Reconcile("alice").ok());
  ASSERT_TRUE(Reconcile("bob").ok());
  EXPECT_EQ(Read("alice").status.node_name, "fra-2");
  EXPECT_EQ(Cond(Read("alice"), api::kPlaced).reason, "VpnMigration");
  EXPECT_EQ(reconciler_->book().MoveRequestOf("vpn/alice")->state, MoveRequest::State::kDone);
  EXPECT_EQ(Read("bob").status.node_name, "fra-1");
  EXPECT_EQ(reconciler_->book().MoveRequestOf("vpn/bob")->state, MoveRequest::State::kFailed);
  EXPECT_EQ(reconciler_->book().MoveRequestOf("vpn/bob")->message, "pinned to fra-1 by spec.nodeName");
  ASSERT_TRUE(Reconcile("alice").ok());
  EXPECT_EQ(Read("alice").status.node_name, "fra-2") << "sticky after the move";
  EXPECT_EQ(Read("alice").status.migrations, 1);
}

TEST_F(AssignmentReconcilerTest, TheLedgerIsMadeToAgreeWithTheAssignmentsStatus) {
  for (const char* name : {"alice", "bob"}) {
    ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment(name)).ok());
    ASSERT_TRUE(Reconcile(name).ok());
  }
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
