#include "pkg/metrics/metrics.h"

#include <regex>
#include <sstream>

#include <gtest/gtest.h>

namespace x3ui::metrics {
namespace {

bool Has(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

double Value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(series + " ", 0) == 0) return std::stod(l.substr(series.size() + 1));
  }
  return -1;
}

TEST(MetricsTest, ControllerRuntimeNamesAndLabelsPresetToZero) {
  Metrics m;
  m.RegisterController("vpnnode", 4);
  std::string t = m.Exposition();
  for (const char* result : {"success", "error", "requeue", "requeue_after"}) {
    EXPECT_TRUE(Has(t, std::string("controller_runtime_reconcile_total{controller=\"vpnnode\",result=\"") + result + "\"} 0"))
        << result;
  }
  EXPECT_TRUE(Has(t, "controller_runtime_reconcile_errors_total{controller=\"vpnnode\"} 0"));
  EXPECT_TRUE(Has(t, "controller_runtime_max_concurrent_reconciles{controller=\"vpnnode\"} 4"));
  EXPECT_TRUE(Has(t, "controller_runtime_active_workers{controller=\"vpnnode\"} 0"));
  EXPECT_TRUE(Has(t, "workqueue_depth{controller=\"vpnnode\",name=\"vpnnode\",priority=\"\"} 0"));
  EXPECT_TRUE(Has(t, "workqueue_adds_total{controller=\"vpnnode\",name=\"vpnnode\"} 0"));
}

TEST(MetricsTest, ReconcileCountsAndHistogramBuckets) {
  Metrics m;
  m.RegisterController("vpnassignment", 1);
  m.ObserveReconcile("vpnassignment", "success", 0.004);
  m.ObserveReconcile("vpnassignment", "requeue_after", 2.2);
  m.QueueLatency("vpnassignment", 0.5);
  std::string t = m.Exposition();
  EXPECT_EQ(Value(t, "controller_runtime_reconcile_total{controller=\"vpnassignment\",result=\"success\"}"), 1);
  EXPECT_EQ(Value(t, "controller_runtime_reconcile_time_seconds_bucket{controller=\"vpnassignment\",le=\"0.005\"}"), 1);
  EXPECT_EQ(Value(t, "controller_runtime_reconcile_time_seconds_bucket{controller=\"vpnassignment\",le=\"2.5\"}"), 2);
  EXPECT_EQ(Value(t, "controller_runtime_reconcile_time_seconds_count{controller=\"vpnassignment\"}"), 2);
  EXPECT_EQ(Value(t, "workqueue_queue_duration_seconds_bucket{controller=\"vpnassignment\",name=\"vpnassignment\",le=\"1\"}"), 1);
}

TEST(MetricsTest, DomainSeriesAndNodeRemoval) {
  Metrics m;
  m.NodeUp("vpn/fra-1", true);
  m.NodeUsers("vpn/fra-1", 120);
  m.NodeCapacity("vpn/fra-1", 500);
  m.NodeInfo("vpn/fra-1", 5, "eu");
  m.NodeInfo("vpn/fra-1", 10, "eu");  // its tier changed: the old series goes
  m.ProbeDuration("vpn/fra-1", 0.02);
  m.PanelRequest("vpn/fra-1", "addClient", "success");
  m.DriftClients("vpn/fra-1", "missing", 2);
  m.NodeUp("vpn/nyc-1", false);
  m.Assignments("Ready", 6);
  m.Migration("NodeUnreachable", "success");
  m.RestRequest("200", "GET", "127.0.0.1:6443");
  m.LeaderStatus("x3ui-operator-leader", true);
  m.LedgerWritesPending(37);
  std::string t = m.Exposition();
  EXPECT_TRUE(Has(t, "x3ui_ledger_writes_pending 37"));
  EXPECT_TRUE(Has(t, "x3ui_node_up{node=\"vpn/fra-1\"} 1"));
  EXPECT_TRUE(Has(t, "x3ui_node_users{node=\"vpn/fra-1\"} 120"));
  EXPECT_TRUE(Has(t, "x3ui_node_info{node=\"vpn/fra-1\",priority=\"10\",region=\"eu\"} 1"));
  EXPECT_FALSE(Has(t, "priority=\"5\""));
  EXPECT_TRUE(Has(t, "x3ui_panel_requests_total{node=\"vpn/fra-1\",op=\"addClient\",outcome=\"success\"} 1"));
  EXPECT_TRUE(Has(t, "x3ui_drift_clients{kind=\"missing\",node=\"vpn/fra-1\"} 2"));
  EXPECT_TRUE(Has(t, "x3ui_assignments{phase=\"Ready\"} 6"));
  EXPECT_TRUE(Has(t, "x3ui_migrations_total{reason=\"NodeUnreachable\",result=\"success\"} 1"));
  EXPECT_TRUE(Has(t, "x3ui_migrations_total{reason=\"NodeDraining\",result=\"failure\"} 0")) << "preset before any move";
  EXPECT_TRUE(Has(t, "rest_client_requests_total{code=\"200\",host=\"127.0.0.1:6443\",method=\"GET\"} 1"));
  EXPECT_TRUE(Has(t, "leader_election_master_status{name=\"x3ui-operator-leader\"} 1"));
  m.RemoveNode("vpn/fra-1");
  t = m.Exposition();
  EXPECT_EQ(t.find("node=\"vpn/fra-1\""), std::string::npos) << "a deleted node leaves no series behind";
  EXPECT_TRUE(Has(t, "x3ui_node_up{node=\"vpn/nyc-1\"} 0"));
}

TEST(MetricsTest, ProcessMetricsAndWellFormedExposition) {
  Metrics m;
  m.RegisterController("vpnnode", 1);
  std::string t = m.Exposition();
  EXPECT_GT(Value(t, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(Value(t, "process_start_time_seconds"), 1.7e9);
  EXPECT_GE(Value(t, "process_cpu_seconds_total"), 0);
  EXPECT_GT(Value(t, "process_open_fds"), 0);
  static const std::regex kSample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? ([-+0-9.eE]+|[-+]?Inf|NaN)$)");
  std::istringstream in(t);
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(l, kSample)) << l;
  }
}

}  // namespace
}  // namespace x3ui::metrics
