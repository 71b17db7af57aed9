#include "pkg/common/json_fields.h"

#include <cmath>

namespace x3ui {

std::string JoinPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string IndexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

FieldReader::FieldReader(const Json& j, std::string path, FieldErrors* errors)
    : j_(&j), path_(std::move(path)), errors_(errors) {
  if (j.is_object()) {
    valid_ = true;
  } else if (!j.is_null()) {
    Fail(path_, "must be an object");
  }
}

void FieldReader::Fail(const std::string& path, const char* message) {
  errors_->push_back({path, message});
}

const Json* FieldReader::Take(const char* key) {
  if (!valid_) return nullptr;
  consumed_.insert(key);
  auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) return nullptr;
  return &*it;
}

void FieldReader::String(const char* key, std::string* out) {
  const Json* v = Take(key);
  if (v == nullptr) return;
  if (!v->is_string()) return Fail(JoinPath(path_, key), "must be a string");
  *out = v->get<std::string>();
}

namespace {

// JSON numbers that are whole and fit in int64 (3 and 3.0 both qualify, 3.5 does not).
std::optional<int64_t> AsInt(const Json& v) {
  // is_number_integer() is also true for unsigned values, so test unsigned first.
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

}  // namespace

void FieldReader::Int(const char* key, int64_t* out) {
  const Json* v = Take(key);
  if (v == nullptr) return;
  auto i = AsInt(*v);
  if (!i) return Fail(JoinPath(path_, key), "must be an integer");
  *out = *i;
}

void FieldReader::OptionalInt(const char* key, std::optional<int64_t>* out) {
  const Json* v = Take(key);
  if (v == nullptr) return;
  auto i = AsInt(*v);
  if (!i) return Fail(JoinPath(path_, key), "must be an integer");
  *out = *i;
}

void FieldReader::Double(const char* key, double* out) {
  const Json* v = Take(key);
  if (v == nullptr) return;
  if (!v->is_number()) return Fail(JoinPath(path_, key), "must be a number");
  *out = v->get<double>();
}

void FieldReader::Bool(const char* key, bool* out) {
  const Json* v = Take(key);
  if (v == nullptr) return;
  if (!v->is_boolean()) return Fail(JoinPath(path_, key), "must be a boolean");
  *out = v->get<bool>();
}

void FieldReader::StringMap(const char* key, std::map<std::string, std::string>* out) {
  const Json* v = Take(key);
  if (v == nullptr) return;
  std::string p = JoinPath(path_, key);
  if (!v->is_object()) return Fail(p, "must be an object of strings");
  out->clear();
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      Fail(JoinPath(p, it.key()), "must be a string");
      continue;
    }
    (*out)[it.key()] = it.value().get<std::string>();
  }
}

void FieldReader::StringList(const char* key, std::vector<std::string>* out) {
  const Json* v = Take(key);
  if (v == nullptr) return;
  std::string p = JoinPath(path_, key);
  if (!v->is_array()) return Fail(p, "must be an array of strings");
  out->clear();
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      Fail(IndexPath(p, i), "must be a string");
      continue;
    }
    out->push_back((*v)[i].get<std::string>());
  }
}

Json FieldReader::Unknown() const {
  Json rest = Json::object();
  if (!valid_) return rest;
  for (auto it = j_->begin(); it != j_->end(); ++it) {
    if (consumed_.count(it.key()) == 0) rest[it.key()] = it.value();
  }
  return rest;
}

FieldWriter::FieldWriter(const Json& unknown) : j_(unknown.is_object() ? unknown : Json::object()) {}

FieldWriter& FieldWriter::String(const char* key, const std::string& v) {
  if (!v.empty()) j_[key] = v;
  return *this;
}

FieldWriter& FieldWriter::Int(const char* key, int64_t v) {
  j_[key] = v;
  return *this;
}

FieldWriter& FieldWriter::OptionalInt(const char* key, const std::optional<int64_t>& v) {
  if (v) j_[key] = *v;
  return *this;
}

FieldWriter& FieldWriter::Double(const char* key, double v) {
  j_[key] = v;
  return *this;
}

FieldWriter& FieldWriter::Bool(const char* key, bool v) {
  j_[key] = v;
  return *this;
}

FieldWriter& FieldWriter::StringMap(const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty()) j_[key] = v;
  return *this;
}

FieldWriter& FieldWriter::StringList(const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j_[key] = v;
  return *this;
}

FieldWriter& FieldWriter::Value(const char* key, Json v) {
  if ((v.is_object() || v.is_array()) && v.empty()) return *this;
  if (v.is_null()) return *this;
  j_[key] = std::move(v);
  return *this;
}

}  // namespace x3ui
