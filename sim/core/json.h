// A small ordered JSON tree the reports build: objects keep insertion order and copies share
// their containers. Writing is nlohmann::ordered_json's (Debian's nlohmann-json3-dev): integers
// exactly, doubles in their shortest round-trip form, so the same run always writes
// byte-identical stats.json.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace npusim {

class Json {
 public:
  using Array = std::vector<Json>;
  struct Object {
    std::vector<std::pair<std::string, Json>> items;
    std::unordered_map<std::string, size_t> index;
  };

  Json() = default;  // null
  Json(bool v) : v_(v) {}
  Json(int v) : v_(static_cast<int64_t>(v)) {}
  Json(long v) : v_(static_cast<int64_t>(v)) {}
  Json(long long v) : v_(static_cast<int64_t>(v)) {}
  Json(unsigned v) : v_(static_cast<uint64_t>(v)) {}
  Json(unsigned long v) : v_(static_cast<uint64_t>(v)) {}
  Json(unsigned long long v) : v_(static_cast<uint64_t>(v)) {}
  Json(double v) : v_(v) {}
  Json(const char* v) : v_(std::string(v)) {}
  Json(std::string v) : v_(std::move(v)) {}

  static Json array() {
    Json j;
    j.v_ = std::make_shared<Array>();
    return j;
  }
  static Json object() {
    Json j;
    j.v_ = std::make_shared<Object>();
    return j;
  }

  bool is_null() const { return v_.index() == 0; }
  bool is_object() const { return std::holds_alternative<std::shared_ptr<Object>>(v_); }
  bool is_array() const { return std::holds_alternative<std::shared_ptr<Array>>(v_); }

  // Object access: inserts a null member when missing (turns a null value into an object).
  Json& operator[](const std::string& key);
  // Object lookup without insertion; nullptr when absent or not an object.
  const Json* find(const std::string& key) const;
  // Dotted-path lookup ("dram.bytes_read"), for tests and reports.
  const Json* at_path(const std::string& dotted) const;
  void push_back(Json v);  // turns a null value into an array
  size_t size() const;
  const Json& at(size_t i) const;
  Json& at(size_t i);
  const std::vector<std::pair<std::string, Json>>& items() const;

  double as_double() const;  // numbers only
  uint64_t as_uint() const;
  const std::string& as_string() const;

  // indent <= 0: on one line.
  std::string dump(int indent = 2) const;

 private:
  friend struct JsonWriter;
  Object& obj();
  Array& arr();
  // Containers are shared_ptr so Json copies are cheap; deep copies are never needed.
  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v_;
};

}  // namespace npusim
