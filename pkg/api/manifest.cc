#include "pkg/api/manifest.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

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

Json ScalarToJson(const YAML::Node& n) {
  const std::string& tag = n.Tag();
  const std::string& v = n.Scalar();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return v;  // quoted or explicitly a string
  if (tag == "?" || tag.empty() || tag.rfind("tag:yaml.org,2002:", 0) == 0) return ResolvePlainScalar(v);
  return v;
}

Status NodeToJson(const YAML::Node& n, const std::string& source, Json* out) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      *out = nullptr;
      return Status::Ok();
    case YAML::NodeType::Scalar:
      *out = ScalarToJson(n);
      return Status::Ok();
    case YAML::NodeType::Sequence: {
      *out = Json::array();
      for (const auto& item : n) {
        Json j;
        Status s = NodeToJson(item, source, &j);
        if (!s.ok()) return s;
        out->push_back(std::move(j));
      }
      return Status::Ok();
    }
    case YAML::NodeType::Map: {
      *out = Json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) {
          return Status::InvalidArgument(source + ": line " + std::to_string(kv.first.Mark().line + 1) +
                                         ": mapping keys must be scalars");
        }
        const std::string& key = kv.first.Scalar();
        if (out->contains(key)) {
          return Status::InvalidArgument(source + ": line " + std::to_string(kv.first.Mark().line + 1) +
                                         ": mapping key \"" + key + "\" already defined");
        }
        Json j;
        Status s = NodeToJson(kv.second, source, &j);
        if (!s.ok()) return s;
        (*out)[key] = std::move(j);
      }
      return Status::Ok();
    }
  }
  return Status::Internal("unknown YAML node type");
}

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
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  std::vector<Json> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    Json j;
    Status s = NodeToJson(docs[i], source + ": document " + std::to_string(i + 1), &j);
    if (!s.ok()) return s;
    out.push_back(std::move(j));
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
