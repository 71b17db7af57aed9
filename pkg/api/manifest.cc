#include "pkg/api/manifest.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include "pkg/api/json.h"
#include "pkg/api/validation.h"

namespace x3ui::api {
namespace {

// go-yaml v2's resolution of plain scalars (YAML 1.1 booleans, ints, floats, null).
Json ResolvePlainScalar(const std::string& s) {
  static const std::set<std::string> kNull{"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> kTrue{"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const std::set<std::string> kFalse{"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  static const std::regex kDec(R"(^[-+]?(0|[1-9][0-9_]*)$)");
  static const std::regex kHex(R"(^[-+]?0x[0-9a-fA-F_]+$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$)");
  if (kNull.count(s)) return nullptr;
  if (kTrue.count(s)) return true;
  if (kFalse.count(s)) return false;
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  try {
    if (std::regex_match(s, kDec)) return static_cast<int64_t>(std::stoll(digits, nullptr, 10));
    if (std::regex_match(s, kHex)) return static_cast<int64_t>(std::stoll(digits, nullptr, 16));
    if (std::regex_match(s, kFloat)) return std::stod(digits);
  } catch (const std::out_of_range&) {
    // Too large for int64: go-yaml falls back to float, then to string; a string is the honest answer.
  }
  if (s == ".inf" || s == "+.inf" || s == ".Inf" || s == "+.Inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf") return -std::numeric_limits<double>::infinity();
  return s;
}

Json ScalarToJson(const std::string& tag, const std::string& value) {
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return value;  // quoted or explicitly a string
  if (tag == "?" || tag.empty() || tag.rfind("tag:yaml.org,2002:", 0) == 0) return ResolvePlainScalar(value);
  return value;
}

// Builds one document's JSON from yaml-cpp's parse events, without recursion. Errors (complex
// or duplicate keys, unknown aliases) are recorded and the rest of the document is ignored.
class JsonBuilder final : public YAML::EventHandler {
 public:
  explicit JsonBuilder(std::string where) : where_(std::move(where)) {}

  const Status& error() const { return error_; }
  Json TakeRoot() { return std::move(root_); }
  bool null_document() const { return root_.is_null(); }
  const YAML::Mark& first_mark() const { return first_mark_; }

  void OnDocumentStart(const YAML::Mark& m) override { first_mark_ = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override { Add(nullptr, m, anchor); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return Fail(m, "unknown alias");
    Add(it->second, m, 0);
  }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    if (!stack_.empty() && stack_.back().is_map && !stack_.back().key) {
      Frame& f = stack_.back();
      if (f.value.contains(value)) return Fail(m, "mapping key \"" + value + "\" already defined");
      f.key = value;
      return;
    }
    Add(ScalarToJson(tag, value), m, anchor);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(m, false, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Open(m, true, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    Json value;
    bool is_map;
    YAML::anchor_t anchor;
    std::optional<std::string> key;
    YAML::Mark mark;
  };

  void Fail(const YAML::Mark& m, const std::string& msg) {
    if (error_.ok()) error_ = Status::InvalidArgument(where_ + ": line " + std::to_string(m.line + 1) + ": " + msg);
  }
  void Open(const YAML::Mark& m, bool is_map, YAML::anchor_t anchor) {
    if (!stack_.empty() && stack_.back().is_map && !stack_.back().key) Fail(m, "mapping keys must be scalars");
    stack_.push_back(Frame{is_map ? Json::object() : Json::array(), is_map, anchor, std::nullopt, m});
  }
  void Close() {
    if (stack_.empty()) return;
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Add(std::move(f.value), f.mark, f.anchor);
  }
  void Add(Json v, const YAML::Mark& m, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = v;
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& top = stack_.back();
    if (!top.is_map) {
      top.value.push_back(std::move(v));
    } else if (!top.key) {
      Fail(m, "mapping keys must be scalars");
    } else {
      top.value[*top.key] = std::move(v);
      top.key.reset();
    }
  }

  const std::string where_;
  std::vector<Frame> stack_;
  Json root_;
  std::map<YAML::anchor_t, Json> anchors_;
  YAML::Mark first_mark_;
  Status error_;
};

std::string Describe(const Json& doc) {
  std::string kind = doc.is_object() && doc.contains("kind") && doc["kind"].is_string() ? doc["kind"].get<std::string>() : "?";
  std::string name = "?";
  if (doc.is_object() && doc.contains("metadata") && doc["metadata"].is_object()) {
    const Json& m = doc["metadata"];
    if (m.contains("name") && m["name"].is_string()) name = m["name"].get<std::string>();
  }
  return kind + "/" + name;
}

// Decodes and validates one document of kind K into `out`; appends problems to `errs`.
template <typename T, typename Decode, typename Validate>
void LoadOne(const Json& doc, Decode decode, Validate validate, std::vector<T>* out, FieldErrors* errs) {
  Result<T> r = decode(doc);
  if (!r.ok()) {
    for (const auto& e : r.status().field_errors()) errs->push_back(e);
    return;
  }
  FieldErrors v = validate(*r);
  if (!v.empty()) {
    errs->insert(errs->end(), v.begin(), v.end());
    return;
  }
  out->push_back(std::move(r).value());
}

}  // namespace

Result<std::vector<Json>> YamlToJsonDocuments(const std::string& text, const std::string& source) {
  std::vector<Json> out;
  std::istringstream in(text);
  try {
    YAML::Parser parser(in);
    bool last_null = false;
    int last_pos = -1;
    while (true) {
      JsonBuilder b(source + ": document " + std::to_string(out.size() + 1));
      if (!parser.HandleNextDocument(b)) break;
      if (!b.error().ok()) return b.error();
      // yaml-cpp 0.7 loops forever on some invalid input (a stray ',' at the top level; its
      // issue 1040): it keeps reporting null documents without consuming anything. Two null
      // documents at the same position mean it is stuck.
      bool null_doc = b.null_document();
      if (null_doc && last_null && b.first_mark().pos == last_pos) {
        return Status::InvalidArgument(source + ": line " + std::to_string(b.first_mark().line + 1) +
                                       ": not valid YAML (the parser cannot continue here)");
      }
      last_null = null_doc;
      last_pos = b.first_mark().pos;
      out.push_back(b.TakeRoot());
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return out;
}

Result<Manifest> LoadManifest(const std::string& text, const std::string& source) {
  // YamlToJsonDocuments drops nothing, so document numbers match the file; null documents
  // (an empty `---` section) are skipped but still counted.
  Result<std::vector<Json>> docs = YamlToJsonDocuments(text, source);
  if (!docs.ok()) return docs.status();
  Manifest m;
  FieldErrors all;
  std::string message;
  for (size_t i = 0; i < docs->size(); ++i) {
    const Json& doc = (*docs)[i];
    if (doc.is_null()) continue;
    std::string where = source + ": document " + std::to_string(i + 1) + " (" + Describe(doc) + ")";
    FieldErrors errs;
    if (!doc.is_object()) {
      errs.push_back({"", "must be a mapping with apiVersion and kind"});
    } else if (doc.value("apiVersion", Json()).is_string() &&
               doc["apiVersion"].get<std::string>().rfind(std::string(kGroup) + "/", 0) == 0) {
      std::string kind = doc.value("kind", Json("")).is_string() ? doc.value("kind", std::string()) : "";
      if (kind == kVpnNodeKind) {
        LoadOne(doc, DecodeVpnNode, ValidateVpnNode, &m.nodes, &errs);
      } else if (kind == kVpnAssignmentKind) {
        LoadOne(doc, DecodeVpnAssignment, ValidateVpnAssignment, &m.assignments, &errs);
      } else if (kind == kVpnMigrationKind) {
        LoadOne(doc, DecodeVpnMigration, ValidateVpnMigration, &m.migrations, &errs);
      } else {
        errs.push_back({"kind", "must be VpnNode, VpnAssignment or VpnMigration"});
      }
    } else {
      m.others.push_back(doc);
    }
    for (auto& e : errs) {
      if (!message.empty()) message += "\n";
      message += where + ": " + e.ToString();
      all.push_back(std::move(e));
    }
  }
  // The located message is for humans; field_errors() keeps the bare paths for callers.
  if (!all.empty()) return Status::Invalid(std::move(all), std::move(message));
  return m;
}

Result<Manifest> LoadManifestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadManifest(ss.str(), path);
}

}  // namespace x3ui::api
