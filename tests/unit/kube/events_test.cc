// EventRecorder against the fake API server: the note as stored.
#include "pkg/kube/events.h"

#include <gtest/gtest.h>

#include "pkg/common/text.h"
#include "pkg/kube/fake_client.h"

namespace x3ui::kube {
namespace {

using namespace std::chrono_literals;

TEST(EventRecorderTest, ALongNoteIsCutOnACharacterBoundary) {
  FakeClock clock(TimePoint{} + 1000h);
  FakeKubeClient kube(&clock);
  EventRecorder events(&kube, "x3ui.io/operator", "test", &clock);
  Json node = {{"apiVersion", "x3ui.io/v1alpha1"},
               {"kind", "VpnNode"},
               {"metadata", {{"name", "fra-1"}, {"namespace", "vpn"}, {"uid", "u1"}}}};
  // Byte 1021 falls inside a euro sign: cut there, the note was not UTF-8 and dumping the Event
  // for the API server threw.
  std::string note = std::string(1020, 'a');
  for (int i = 0; i < 20; ++i) note += "\xE2\x82\xAC";
  ASSERT_TRUE(events.Record(node, "Warning", "PanelError", "Probe", note).ok());
  Result<ObjectList> listed = kube.List(kEvents, "vpn", {});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  std::string stored = listed->items[0].value("note", "");
  EXPECT_TRUE(IsValidUtf8(stored));
  EXPECT_LE(stored.size(), 1024u);
  EXPECT_EQ(stored.rfind(std::string(1020, 'a'), 0), 0u);
  EXPECT_NO_THROW((void)listed->items[0].dump());
}

TEST(EventRecorderTest, PanelTextInANoteLosesItsEscapes) {
  FakeClock clock(TimePoint{} + 1000h);
  FakeKubeClient kube(&clock);
  EventRecorder events(&kube, "x3ui.io/operator", "test", &clock);
  Json node = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "n"}, {"namespace", "vpn"}}}};
  ASSERT_TRUE(events.Record(node, "Warning", "PanelError", "Probe", "xray: \x1B[31mfailed\x1B[0m \xFF").ok());
  Result<ObjectList> listed = kube.List(kEvents, "vpn", {});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].value("note", ""), "xray: failed \xEF\xBF\xBD");
}

}  // namespace
}  // namespace x3ui::kube
