// File: pkg/common/json_fields.h
//
// FieldReader / FieldWriter: decode and encode one JSON object field by field, with the field
// path in every error and unknown keys kept. They never throw: a value of the wrong type is
// recorded as a FieldError and leaves the output untouched. Used for custom resources and for
// panel replies alike, so a hostile document is an error value, never a crash.
//
// Thread-safety: a reader or writer belongs to one thread; the JSON it reads must outlive it.
#ifndef X3UI_PKG_COMMON_JSON_FIELDS_H_
#define X3UI_PKG_COMMON_JSON_FIELDS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pkg/common/status.h"

namespace x3ui {

using Json = nlohmann::json;

// "spec" + "weight" -> "spec.weight"; "" + "spec" -> "spec".
std::string JoinPath(const std::string& parent, const std::string& key);
// "spec.inbounds" + 2 -> "spec.inbounds[2]".
std::string IndexPath(const std::string& parent, size_t index);

// Reads the fields of one JSON object at `path`. If `j` is not an object (and not null) a
// "must be an object" error is recorded and every read is a no-op.
class FieldReader {
 public:
  // `errors` is borrowed and must outlive the reader.
  FieldReader(const Json& j, std::string path, FieldErrors* errors);

  void String(const char* key, std::string* out);
  void Int(const char* key, int64_t* out);
  void OptionalInt(const char* key, std::optional<int64_t>* out);
  void Double(const char* key, double* out);
  void Bool(const char* key, bool* out);
  void StringMap(const char* key, std::map<std::string, std::string>* out);
  void StringList(const char* key, std::vector<std::string>* out);

  // Decodes a nested object with `decode(FieldReader&, T*)`.
  template <typename T, typename Fn>
  void Object(const char* key, T* out, Fn decode) {
    const Json* v = Take(key);
    if (v == nullptr) return;
    FieldReader sub(*v, JoinPath(path_, key), errors_);
    if (sub.valid_) decode(sub, out);
  }
  template <typename T, typename Fn>
  void OptionalObject(const char* key, std::optional<T>* out, Fn decode) {
    const Json* v = Take(key);
    if (v == nullptr) return;
    FieldReader sub(*v, JoinPath(path_, key), errors_);
    if (!sub.valid_) return;
    T value{};
    decode(sub, &value);
    *out = std::move(value);
  }
  // Decodes an array of objects.
  template <typename T, typename Fn>
  void List(const char* key, std::vector<T>* out, Fn decode) {
    const Json* v = Take(key);
    if (v == nullptr) return;
    std::string p = JoinPath(path_, key);
    if (!v->is_array()) return Fail(p, "must be an array");
    out->clear();
    for (size_t i = 0; i < v->size(); ++i) {
      FieldReader sub((*v)[i], IndexPath(p, i), errors_);
      if (!sub.valid_) continue;
      T item{};
      decode(sub, &item);
      out->push_back(std::move(item));
    }
  }

  // The keys that no call above consumed, as an object.
  Json Unknown() const;
  const std::string& path() const { return path_; }
  bool valid() const { return valid_; }

 private:
  // Marks `key` consumed; returns its value, or nullptr when absent or null.
  const Json* Take(const char* key);
  void Fail(const std::string& path, const char* message);

  const Json* j_;
  std::string path_;
  FieldErrors* errors_;
  bool valid_ = false;
  std::set<std::string> consumed_;
};

// Builds one JSON object, starting from the unknown fields so that known fields win.
class FieldWriter {
 public:
  explicit FieldWriter(const Json& unknown);

  // Strings, maps and lists are omitted when empty (Go's omitempty); numbers and bools are always
  // written, so that a value equal to the default survives a round trip.
  FieldWriter& String(const char* key, const std::string& v);
  FieldWriter& Int(const char* key, int64_t v);
  FieldWriter& OptionalInt(const char* key, const std::optional<int64_t>& v);
  FieldWriter& Double(const char* key, double v);
  FieldWriter& Bool(const char* key, bool v);
  FieldWriter& StringMap(const char* key, const std::map<std::string, std::string>& v);
  FieldWriter& StringList(const char* key, const std::vector<std::string>& v);
  // Writes `v` unless it is an empty object or array.
  FieldWriter& Value(const char* key, Json v);

  Json Done() { return std::move(j_); }

 private:
  Json j_;
};

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_JSON_FIELDS_H_
