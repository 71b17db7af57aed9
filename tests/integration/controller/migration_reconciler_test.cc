// MigrationReconciler over the assignment reconciler's fixture: a dry run plans and moves
// nobody, then the real run moves every user of a node; a label selector picks the users; a
// full target fails and says why.
#include "controller/migration/reconciler.h"

#include <gtest/gtest.h>

#include "tests/integration/controller/assignment_fixture.h"

namespace x3ui::controller {
namespace {

class MigrationReconcilerTest : public AssignmentFixture {
 protected:
  // A VpnMigration reconciler over this fixture's reconciler and nodes; its wake-ups go to the
  // fixture's work queue (Woken() lists them).
  std::unique_ptr<MigrationReconciler> Migrations() {
    return std::make_unique<MigrationReconciler>(
        MigrationReconcilerDeps{.kube = &kube_, .clock = &clock_, .book = &reconciler_->book(),
                                .nodes = [this](const std::string&) { return views_; },
                                .placed = [this](const std::string& ns) { return kube_.List(kube::kVpnAssignments, ns, {})->items; },
                                .wake = [this](const std::string& key) { Wake(key); },
                                .events = &events_},
        MigrationReconcilerOptions{});
  }
  // One pass of VpnMigration `name`, 1 ms of fake time after the previous pass (Events are
  // named by the time).
  Result<runtime::ReconcileResult> MigrationPass(MigrationReconciler& m, const std::string& name) {
    clock_.Advance(1ms);
    return m.Reconcile("vpn", name);
  }
};

TEST_F(MigrationReconcilerTest, AVpnMigrationDryRunPlansOnlyThenTheRealRunMovesEveryone) {
  views_[1].schedulable = false;  // everyone starts on fra-1
  for (const char* name : {"alice", "bob", "carol"}) {
    Place(name);
  }
  views_[1].schedulable = true;
  auto migrations = Migrations();
  ASSERT_TRUE(kube_.Create(kube::kVpnMigrations, "vpn",
                           {{"metadata", {{"name", "evacuate"}}},
                            {"spec", {{"fromNode", "fra-1"}, {"toNode", "fra-2"}, {"maxConcurrent", 2}, {"dryRun", true}}}})
                  .ok());
  auto read = [&] { return *api::DecodeVpnMigration(*kube_.Get(kube::kVpnMigrations, "vpn", "evacuate")); };
  ASSERT_TRUE(MigrationPass(*migrations, "evacuate").ok());
  api::VpnMigration m = read();
  EXPECT_EQ(m.status.phase, "Planned");
  ASSERT_EQ(m.status.plan.size(), 3u);
  EXPECT_EQ(m.status.plan[0], (api::PlannedMove{"alice", "fra-1", "fra-2", "VpnMigration"}));
  int64_t writes = kube_.writes();
  auto again = MigrationPass(*migrations, "evacuate");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->requeue_after, MigrationReconcilerOptions{}.dry_run_refresh) << "a dry run is kept up to date";
  EXPECT_EQ(kube_.writes(), writes) << "an unchanged plan is not written again";
  EXPECT_TRUE(Woken().empty());
  for (const char* name : {"alice", "bob", "carol"}) {
    EXPECT_EQ(Read(name).status.node_name, "fra-1") << "a dry run moves nobody";
    EXPECT_FALSE(reconciler_->book().MoveRequestOf(std::string("vpn/") + name).has_value());
  }

  // The real run: at most two moves in flight, then the third, then Succeeded.
  Json real = *kube_.Get(kube::kVpnMigrations, "vpn", "evacuate");
  real["spec"]["dryRun"] = false;
  ASSERT_TRUE(kube_.Update(kube::kVpnMigrations, "vpn", real).ok());
  ASSERT_TRUE(MigrationPass(*migrations, "evacuate").ok());
  EXPECT_EQ(read().status.phase, "Running");
  ASSERT_TRUE(MigrationPass(*migrations, "evacuate").ok());
  EXPECT_EQ(Woken(), (std::vector<std::string>{"vpn/alice", "vpn/bob"})) << "maxConcurrent 2";
  EXPECT_FALSE(reconciler_->book().MoveRequestOf("vpn/carol").has_value());
  for (const char* name : {"alice", "bob"}) ASSERT_TRUE(Converge(name).ok());
  ASSERT_TRUE(MigrationPass(*migrations, "evacuate").ok());
  EXPECT_EQ(read().status.migrated, 2);
  EXPECT_EQ(Woken().back(), "vpn/carol");
  ASSERT_TRUE(Converge("carol").ok());
  auto done = MigrationPass(*migrations, "evacuate");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->requeue_after, 0ms);
  m = read();
  EXPECT_EQ(m.status.phase, "Succeeded");
  EXPECT_EQ(m.status.migrated, 3);
  EXPECT_EQ(m.status.failed, 0);
  for (const char* name : {"alice", "bob", "carol"}) {
    EXPECT_EQ(Read(name).status.node_name, "fra-2");
    EXPECT_EQ(Cond(Read(name), api::kPlaced).reason, "VpnMigration");
    EXPECT_EQ(PanelsHolding(name), "fra-2");
  }
  writes = kube_.writes();
  ASSERT_TRUE(MigrationPass(*migrations, "evacuate").ok());
  EXPECT_EQ(kube_.writes(), writes) << "a finished migration is not run again";
}

TEST_F(MigrationReconcilerTest, AVpnMigrationSelectsUsersByLabel) {
  for (const auto& [name, plan] : {std::pair{"alice", "free"}, std::pair{"bob", "gold"}, std::pair{"carol", "free"}}) {
    Json a = Assignment(name);
    a["metadata"]["labels"] = {{"plan", plan}, {"team", "x"}};
    ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", a).ok());
    ASSERT_TRUE(Converge(name).ok());
  }
  auto migrations = Migrations();
  ASSERT_TRUE(kube_.Create(kube::kVpnMigrations, "vpn",
                           {{"metadata", {{"name", "free"}}},
                            {"spec", {{"selector", {{"matchLabels", {{"plan", "free"}}}}}, {"dryRun", true}}}})
                  .ok());
  ASSERT_TRUE(MigrationPass(*migrations, "free").ok());
  api::VpnMigration m = *api::DecodeVpnMigration(*kube_.Get(kube::kVpnMigrations, "vpn", "free"));
  std::vector<std::string> users;
  for (const auto& mv : m.status.plan) {
    users.push_back(mv.user);
    EXPECT_EQ(mv.from, Read(mv.user).status.node_name);
    EXPECT_NE(mv.to, mv.from) << "the balancer picks another node";
  }
  EXPECT_EQ(users, (std::vector<std::string>{"alice", "carol"}));
}

TEST_F(MigrationReconcilerTest, AVpnMigrationToAFullNodeFailsAndSaysWhy) {
  views_[1].schedulable = false;
  Place("alice");
  views_[1].schedulable = true;
  views_[1].max_users = 0;
  auto migrations = Migrations();
  ASSERT_TRUE(kube_.Create(kube::kVpnMigrations, "vpn", {{"metadata", {{"name", "m"}}}, {"spec", {{"fromNode", "fra-1"}, {"toNode", "fra-2"}}}}).ok());
  ASSERT_TRUE(MigrationPass(*migrations, "m").ok());
  api::VpnMigration m = *api::DecodeVpnMigration(*kube_.Get(kube::kVpnMigrations, "vpn", "m"));
  EXPECT_EQ(m.status.phase, "Failed");
  EXPECT_EQ(m.status.failed, 1);
  const api::Condition* ready = api::FindCondition(m.status.conditions, api::kReady);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->reason, "Blocked");
  EXPECT_NE(ready->message.find("pinned node fra-2 is full"), std::string::npos) << ready->message;
  EXPECT_EQ(Read("alice").status.node_name, "fra-1");
}

}  // namespace
}  // namespace x3ui::controller
