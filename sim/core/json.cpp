#include "sim/core/json.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "sim/core/errors.h"
#include "sim/core/units.h"

namespace npusim {

Json::Object& Json::obj() {
  if (is_null()) v_ = std::make_shared<Object>();
  NPUSIM_ASSERT(is_object(), "JSON value is not an object");
  return *std::get<std::shared_ptr<Object>>(v_);
}

Json::Array& Json::arr() {
  if (is_null()) v_ = std::make_shared<Array>();
  NPUSIM_ASSERT(is_array(), "JSON value is not an array");
  return *std::get<std::shared_ptr<Array>>(v_);
}

Json& Json::operator[](const std::string& key) {
  Object& o = obj();
  auto it = o.index.find(key);
  if (it != o.index.end()) return o.items[it->second].second;
  o.index.emplace(key, o.items.size());
  o.items.emplace_back(key, Json());
  return o.items.back().second;
}

const Json* Json::find(const std::string& key) const {
  if (!is_object()) return nullptr;
  const Object& o = *std::get<std::shared_ptr<Object>>(v_);
  auto it = o.index.find(key);
  return it == o.index.end() ? nullptr : &o.items[it->second].second;
}

const Json* Json::at_path(const std::string& dotted) const {
  const Json* cur = this;
  size_t start = 0;
  while (cur && start <= dotted.size()) {
    size_t dot = dotted.find('.', start);
    std::string key =
        dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    cur = cur->find(key);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

void Json::push_back(Json v) {
  arr().push_back(std::move(v));
}

size_t Json::size() const {
  if (is_array()) return std::get<std::shared_ptr<Array>>(v_)->size();
  if (is_object()) return std::get<std::shared_ptr<Object>>(v_)->items.size();
  return 0;
}

const Json& Json::at(size_t i) const {
  NPUSIM_ASSERT(is_array(), "JSON value is not an array");
  return std::get<std::shared_ptr<Array>>(v_)->at(i);
}

Json& Json::at(size_t i) {
  NPUSIM_ASSERT(is_array(), "JSON value is not an array");
  return std::get<std::shared_ptr<Array>>(v_)->at(i);
}

const std::vector<std::pair<std::string, Json>>& Json::items() const {
  NPUSIM_ASSERT(is_object(), "JSON value is not an object");
  return std::get<std::shared_ptr<Object>>(v_)->items;
}

double Json::as_double() const {
  if (auto p = std::get_if<double>(&v_)) return *p;
  if (auto p = std::get_if<int64_t>(&v_)) return static_cast<double>(*p);
  if (auto p = std::get_if<uint64_t>(&v_)) return static_cast<double>(*p);
  NPUSIM_ASSERT(false, "JSON value is not a number");
}

uint64_t Json::as_uint() const {
  if (auto p = std::get_if<uint64_t>(&v_)) return *p;
  if (auto p = std::get_if<int64_t>(&v_)) return static_cast<uint64_t>(*p);
  NPUSIM_ASSERT(false, "JSON value is not an integer");
}

const std::string& Json::as_string() const {
  NPUSIM_ASSERT(std::holds_alternative<std::string>(v_), "JSON value is not a string");
  return std::get<std::string>(v_);
}

// The tree as nlohmann's ordered JSON, which writes it (escapes, indentation, numbers).
struct JsonWriter {
  static nlohmann::ordered_json convert(const Json& j) {
    switch (j.v_.index()) {
      case 1:
        return std::get<bool>(j.v_);
      case 2:
        return std::get<int64_t>(j.v_);
      case 3:
        return std::get<uint64_t>(j.v_);
      case 4: {
        // JSON has no NaN or infinity; a non-finite stat is written as null.
        const double d = std::get<double>(j.v_);
        return std::isfinite(d) ? nlohmann::ordered_json(d) : nlohmann::ordered_json();
      }
      case 5:
        return std::get<std::string>(j.v_);
      case 6: {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const Json& e : *std::get<std::shared_ptr<Json::Array>>(j.v_)) a.push_back(convert(e));
        return a;
      }
      case 7: {
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        for (const auto& [key, value] : std::get<std::shared_ptr<Json::Object>>(j.v_)->items)
          o[key] = convert(value);
        return o;
      }
      default:
        return nullptr;
    }
  }
};

std::string Json::dump(int indent) const {
  // Text from a trace (operator names) is not checked for UTF-8: invalid bytes become U+FFFD.
  return JsonWriter::convert(*this).dump(indent > 0 ? indent : -1, ' ', false,
                                         nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace npusim
