// The contract's fixtures (x3ui-api.md §9), read from tests/testdata/x3ui/.
#ifndef X3UI_TESTS_UNIT_X3UI_FIXTURES_H_
#define X3UI_TESTS_UNIT_X3UI_FIXTURES_H_

#include <fstream>
#include <sstream>
#include <string>

namespace x3ui::panel::testing {

inline std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(X3UI_SOURCE_DIR) + "/tests/testdata/x3ui/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// F1: login OK (note the leading space in msg).
inline const char* kF1 = R"({"success":true,"msg":" You have successfully logged into your account.","obj":null})";
// F2: login failed, also the reply while the 3.0 limiter blocks.
inline const char* kF2 = R"({"success":false,"msg":"Invalid username or password or two-factor code.","obj":null})";
// F5: addClient accepted.
inline const char* kF5 = R"json({"success":true,"msg":"Inbound client(s) have been added.","obj":null})json";
// F6: duplicate email, with the trailing newline fmt.Sprintln leaves.
inline const char* kF6 = R"json({"success":false,"msg":"Something went wrong (Duplicate email: Alice\n)","obj":null})json";
// F7: delete, and delete of the last client.
inline const char* kF7 = R"({"success":true,"msg":"Inbound client has been deleted.","obj":null})";
inline const char* kF7Last = R"json({"success":false,"msg":"Something went wrong (no client remained in Inbound\n)","obj":null})json";
// F8: onlines.
inline const char* kF8 = R"({"success":true,"msg":"","obj":["alice"]})";

}  // namespace x3ui::panel::testing

#endif  // X3UI_TESTS_UNIT_X3UI_FIXTURES_H_
