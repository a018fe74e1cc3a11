// Declared statistics, collected in a tree that mirrors the component tree. Updating a stat
// on the hot path is one integer add; averages, rates and utilisations are formulas evaluated
// only when the tree is written as JSON.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/json.h"

namespace npusim {

struct StatInfo {
  std::string name, unit, desc;
};

// The accumulated values of a stats tree, for replaying a repeated stretch of simulation
// (StatGroup::replay): counts exactly, sums of averages as doubles.
struct StatSnapshot {
  std::vector<uint64_t> counts;
  std::vector<double> sums;
};

class Counter {
 public:
  void operator+=(uint64_t v) { value_ += v; }
  void operator++() { ++value_; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

// Running mean with min and max.
class Average {
 public:
  void sample(double v) {
    sum_ += v;
    ++count_;
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
  }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  // Adds `k` times the samples taken between two states of this average; min and max hold,
  // since those samples are already in them.
  void replay(uint64_t count_delta, double sum_delta, uint64_t k) {
    count_ += k * count_delta;
    sum_ += static_cast<double>(k) * sum_delta;
  }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }

 private:
  double sum_ = 0;
  uint64_t count_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

// Fixed bucket upper bounds; samples above the last bound land in an overflow bucket.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void sample(double v);
  Json to_json() const;
  void snapshot(StatSnapshot& out) const;
  void replay(const StatSnapshot& before, const StatSnapshot& after, size_t& ci, size_t& si,
              uint64_t k);

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  Average avg_;
};

class StatGroup {
 public:
  explicit StatGroup(std::string name) : name_(std::move(name)) {}
  StatGroup(const StatGroup&) = delete;
  StatGroup& operator=(const StatGroup&) = delete;

  Counter& counter(const std::string& name, const std::string& unit, const std::string& desc);
  Average& average(const std::string& name, const std::string& unit, const std::string& desc);
  Histogram& histogram(const std::string& name, const std::string& unit, const std::string& desc,
                       std::vector<double> bounds);
  void formula(const std::string& name, const std::string& unit, const std::string& desc,
               std::function<double()> f);
  StatGroup& group(const std::string& name);

  const std::string& name() const { return name_; }
  // Values in declaration order; nested groups as nested objects.
  Json to_json() const;
  // Name, unit and description of every stat (dotted paths), for docs.
  void describe(const std::string& prefix, std::vector<StatInfo>& out) const;
  // Appends every accumulated value of the tree (counters, averages, histograms).
  void snapshot(StatSnapshot& out) const;
  // Adds `k` times the change from `before` to `after` (snapshots of this tree, whose stats
  // have not been declared in between): the stats of k more repetitions of that stretch.
  void replay(const StatSnapshot& before, const StatSnapshot& after, uint64_t k);

 private:
  void replay_from(const StatSnapshot& before, const StatSnapshot& after, size_t& ci, size_t& si,
                   uint64_t k);
  enum class Kind { Counter, Average, Histogram, Formula, Group };
  struct Entry {
    Kind kind;
    StatInfo info;
    size_t index;
  };
  std::string name_;
  std::vector<Entry> entries_;
  std::deque<Counter> counters_;  // deque: stable addresses for the references handed out
  std::deque<Average> averages_;
  std::deque<Histogram> histograms_;
  std::vector<std::function<double()>> formulas_;
  std::deque<std::unique_ptr<StatGroup>> groups_;
};

}  // namespace npusim
