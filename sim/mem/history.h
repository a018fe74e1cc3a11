// A sorted history that grows at the back and is dropped from the front: a vector and the
// index of its first live element (compacted when half is dead), so scans and binary searches
// run on plain pointers, dropping from the front moves nothing, and nothing is allocated once it
// has reached its working size. (The DRAM channel's command records, the calendars' bookings.)
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace npusim {

template <class T>
class History {
 public:
  T* begin() { return buf_.data() + head_; }
  T* end() { return buf_.data() + buf_.size(); }
  const T* begin() const { return buf_.data() + head_; }
  const T* end() const { return buf_.data() + buf_.size(); }
  bool empty() const { return head_ == buf_.size(); }
  size_t size() const { return buf_.size() - head_; }
  T& front() { return buf_[head_]; }
  const T& front() const { return buf_[head_]; }
  T& back() { return buf_.back(); }
  const T& back() const { return buf_.back(); }
  void push_back(const T& v) { buf_.push_back(v); }
  T* emplace_back() { return &buf_.emplace_back(); }  // value-initialized, filled in place
  // n value-initialized elements appended, for the caller to fill in place (see emplace()).
  T* grow(size_t n) {
    const size_t i = buf_.size();
    buf_.resize(i + n);
    return buf_.data() + i;
  }
  void pop_front() { drop_front(1); }
  // Drops the live elements before `to`.
  void drop_until(const T* to) { drop_front(static_cast<size_t>(to - begin())); }
  T* insert(T* at, const T& v) {  // returns the inserted element
    const auto i = at - buf_.data();
    return &*buf_.insert(buf_.begin() + i, v);
  }
  // A value-initialized element inserted at `at`, for the caller to fill in place (a record
  // built on the stack field by field and then copied whole stalls on store forwarding).
  T* emplace(T* at) {
    const auto i = at - buf_.data();
    return &*buf_.emplace(buf_.begin() + i);
  }
  void erase(T* at) { buf_.erase(buf_.begin() + (at - buf_.data())); }
  // Replaces the live elements [from, to) with the n elements at `src` (outside this history).
  void replace(T* from, T* to, const T* src, size_t n) {
    const auto i = from - buf_.data(), j = to - buf_.data();
    const auto old = static_cast<size_t>(j - i);
    const size_t common = n < old ? n : old;
    std::copy(src, src + common, from);
    if (n > old) {
      buf_.insert(buf_.begin() + j, src + common, src + n);
    } else if (n < old) {
      buf_.erase(buf_.begin() + i + static_cast<std::ptrdiff_t>(n), buf_.begin() + j);
    }
  }

 private:
  void drop_front(size_t n) {
    head_ += n;
    if (head_ == buf_.size()) {
      buf_.clear();
      head_ = 0;
    } else if (head_ >= 64 && 2 * head_ >= buf_.size()) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  std::vector<T> buf_;
  size_t head_ = 0;
};

}  // namespace npusim
