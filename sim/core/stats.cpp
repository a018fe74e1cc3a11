#include "sim/core/stats.h"

#include <algorithm>
#include <functional>

#include "sim/core/errors.h"

namespace npusim {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  NPUSIM_ASSERT(std::is_sorted(bounds_.begin(), bounds_.end()), "histogram bounds must ascend");
  counts_.assign(bounds_.size() + 1, 0);
}

void Histogram::sample(double v) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  ++counts_[static_cast<size_t>(it - bounds_.begin())];
  avg_.sample(v);
}

void Histogram::snapshot(StatSnapshot& out) const {
  out.counts.insert(out.counts.end(), counts_.begin(), counts_.end());
  out.counts.push_back(avg_.count());
  out.sums.push_back(avg_.sum());
}

void Histogram::replay(const StatSnapshot& before, const StatSnapshot& after, size_t& ci,
                       size_t& si, uint64_t k) {
  for (uint64_t& c : counts_) c += k * (after.counts[ci] - before.counts[ci]), ++ci;
  avg_.replay(after.counts[ci] - before.counts[ci], after.sums[si] - before.sums[si], k);
  ++ci, ++si;
}

Json Histogram::to_json() const {
  Json j = Json::object();
  j["count"] = avg_.count();
  j["mean"] = avg_.mean();
  j["min"] = avg_.min();
  j["max"] = avg_.max();
  Json b = Json::array();
  for (double x : bounds_) b.push_back(x);
  j["upper_bounds"] = b;
  Json c = Json::array();
  for (uint64_t x : counts_) c.push_back(x);
  j["counts"] = c;
  return j;
}

Counter& StatGroup::counter(const std::string& name, const std::string& unit,
                            const std::string& desc) {
  entries_.push_back({Kind::Counter, {name, unit, desc}, counters_.size()});
  return counters_.emplace_back();
}

Average& StatGroup::average(const std::string& name, const std::string& unit,
                            const std::string& desc) {
  entries_.push_back({Kind::Average, {name, unit, desc}, averages_.size()});
  return averages_.emplace_back();
}

Histogram& StatGroup::histogram(const std::string& name, const std::string& unit,
                                const std::string& desc, std::vector<double> bounds) {
  entries_.push_back({Kind::Histogram, {name, unit, desc}, histograms_.size()});
  return histograms_.emplace_back(std::move(bounds));
}

void StatGroup::formula(const std::string& name, const std::string& unit, const std::string& desc,
                        std::function<double()> f) {
  entries_.push_back({Kind::Formula, {name, unit, desc}, formulas_.size()});
  formulas_.push_back(std::move(f));
}

StatGroup& StatGroup::group(const std::string& name) {
  for (const auto& e : entries_) {
    if (e.kind == Kind::Group && e.info.name == name) return *groups_[e.index];
  }
  entries_.push_back({Kind::Group, {name, "", ""}, groups_.size()});
  return *groups_.emplace_back(std::make_unique<StatGroup>(name));
}

Json StatGroup::to_json() const {
  Json j = Json::object();
  for (const auto& e : entries_) {
    switch (e.kind) {
      case Kind::Counter:
        j[e.info.name] = counters_[e.index].value();
        break;
      case Kind::Average: {
        const Average& a = averages_[e.index];
        Json o = Json::object();
        o["mean"] = a.mean();
        o["count"] = a.count();
        o["min"] = a.min();
        o["max"] = a.max();
        j[e.info.name] = o;
        break;
      }
      case Kind::Histogram:
        j[e.info.name] = histograms_[e.index].to_json();
        break;
      case Kind::Formula:
        j[e.info.name] = formulas_[e.index]();
        break;
      case Kind::Group:
        j[e.info.name] = groups_[e.index]->to_json();
        break;
    }
  }
  return j;
}

void StatGroup::describe(const std::string& prefix, std::vector<StatInfo>& out) const {
  for (const auto& e : entries_) {
    std::string path = prefix.empty() ? e.info.name : prefix + "." + e.info.name;
    if (e.kind == Kind::Group) {
      groups_[e.index]->describe(path, out);
    } else {
      out.push_back({path, e.info.unit, e.info.desc});
    }
  }
}

// Snapshots list each group's counters, then its averages, then its histograms, then its
// groups' (replay walks the same order): a straight pass over each container.
void StatGroup::snapshot(StatSnapshot& out) const {
  for (const Counter& c : counters_) out.counts.push_back(c.value());
  for (const Average& a : averages_) {
    out.counts.push_back(a.count());
    out.sums.push_back(a.sum());
  }
  for (const Histogram& h : histograms_) h.snapshot(out);
  for (const auto& g : groups_) g->snapshot(out);
}

void StatGroup::replay_from(const StatSnapshot& before, const StatSnapshot& after, size_t& ci,
                            size_t& si, uint64_t k) {
  for (Counter& c : counters_) {
    c += k * (after.counts[ci] - before.counts[ci]);
    ++ci;
  }
  for (Average& a : averages_) {
    a.replay(after.counts[ci] - before.counts[ci], after.sums[si] - before.sums[si], k);
    ++ci, ++si;
  }
  for (Histogram& h : histograms_) h.replay(before, after, ci, si, k);
  for (auto& g : groups_) g->replay_from(before, after, ci, si, k);
}

void StatGroup::replay(const StatSnapshot& before, const StatSnapshot& after, uint64_t k) {
  NPUSIM_ASSERT(
      before.counts.size() == after.counts.size() && before.sums.size() == after.sums.size(),
      "stats replay across snapshots of different trees");
  size_t ci = 0, si = 0;
  replay_from(before, after, ci, si, k);
  NPUSIM_ASSERT(ci == after.counts.size() && si == after.sums.size(),
                "stats replay out of step with its snapshots");
}

}  // namespace npusim
