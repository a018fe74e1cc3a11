#include "sim/core/json.h"

#include <cmath>

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
    std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    cur = cur->find(key);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

void Json::push_back(Json v) { arr().push_back(std::move(v)); }

size_t Json::size() const {
  if (is_array()) return std::get<std::shared_ptr<Array>>(v_)->size();
  if (is_object()) return std::get<std::shared_ptr<Object>>(v_)->items.size();
  return 0;
}

const Json& Json::at(size_t i) const {
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

std::string json_escape(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void Json::dump_to(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * d), ' ');
  };
  switch (v_.index()) {
    case 0: out += "null"; break;
    case 1: out += std::get<bool>(v_) ? "true" : "false"; break;
    case 2: out += std::to_string(std::get<int64_t>(v_)); break;
    case 3: out += std::to_string(std::get<uint64_t>(v_)); break;
    case 4: {
      double d = std::get<double>(v_);
      // JSON has no NaN or infinity; a non-finite stat is written as null.
      out += std::isfinite(d) ? format_double(d) : "null";
      break;
    }
    case 5: out += json_escape(std::get<std::string>(v_)); break;
    case 6: {
      const Array& a = *std::get<std::shared_ptr<Array>>(v_);
      if (a.empty()) { out += "[]"; break; }
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        newline(depth + 1);
        a[i].dump_to(out, indent, depth + 1);
      }
      newline(depth);
      out += ']';
      break;
    }
    case 7: {
      const Object& o = *std::get<std::shared_ptr<Object>>(v_);
      if (o.items.empty()) { out += "{}"; break; }
      out += '{';
      for (size_t i = 0; i < o.items.size(); ++i) {
        if (i) out += ',';
        newline(depth + 1);
        out += json_escape(o.items[i].first);
        out += indent > 0 ? ": " : ":";
        o.items[i].second.dump_to(out, indent, depth + 1);
      }
      newline(depth);
      out += '}';
      break;
    }
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

}  // namespace npusim
