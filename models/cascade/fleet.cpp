#include "models/cascade/fleet.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <random>

#include "sim/core/clock.h"
#include "sim/core/errors.h"
#include "sim/core/kernel.h"

namespace npusim {

struct Fleet::Impl {
  struct Device {
    Tier tier = Tier::Low;
    size_t light = 0;
    uint64_t latency_ps = 0, period_ps = 0, phase_ps = 0;
    uint64_t start_ps = 0, emit_ps = 0;  // of the sample in flight on the device
    int64_t done = 0;                    // samples emitted
    uint64_t cursor = 0, stride = 1;     // walk over the test pool (distinct images)
    double threshold = 0;
    uint64_t correct = 0;
  };
  struct Forwarded {
    uint64_t arrival_ps = 0, start_ps = 0;
    uint32_t device = 0, image = 0;
    uint64_t record = 0;
  };
  struct Emit {
    uint64_t at_ps;
    uint32_t device;
    bool operator>(const Emit& o) const {
      return at_ps != o.at_ps ? at_ps > o.at_ps : device > o.device;
    }
  };

  Fleet& f;
  const FleetSetup& s;
  FleetOutcome& out;
  std::mt19937_64 rng;
  double sigma = 0;
  std::vector<Device> devices;
  std::vector<double> thresholds;
  std::priority_queue<Emit, std::vector<Emit>, std::greater<Emit>> pending;
  std::vector<Forwarded> queue;  // forwarded samples by arrival; [head, end) not yet served
  size_t head = 0;
  std::vector<std::pair<uint64_t, uint32_t>> batches;  // (end, size), for the controller
  size_t period_from = 0;
  uint64_t t0 = 0, pool = 0;
  bool emitted_all = false, served_all = false, control_ended = false;
  sc_core::sc_event queue_grew, finished, control_end;

  Impl(Fleet& fl) : f(fl), s(fl.s_), out(fl.out_), rng(fl.s_.seed) {
    sigma = std::sqrt(std::log1p(s.jitter_cv * s.jitter_cv));
  }

  uint64_t now() const { return time_to_ps(sc_core::sc_time_stamp()); }
  double uniform() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }  // [0, 1)
  // The device time of one sample: log-normal with mean `mean` and the fleet's CV (explicit
  // Box-Muller, so a seed gives the same fleet on every platform).
  uint64_t device_time(uint64_t mean) {
    if (sigma == 0) return mean;
    const double u1 = 1.0 - uniform(), u2 = uniform();
    const double n = std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
    return static_cast<uint64_t>(
        std::llround(static_cast<double>(mean) * std::exp(sigma * n - sigma * sigma / 2)));
  }

  void setup_devices() {
    pool = f.p_.images - f.p_.calibration;
    for (size_t t = 0; t < kTiers; ++t) {
      const TierSetup& ts = s.tiers[t];
      out.tiers[t].devices = static_cast<uint64_t>(ts.devices);
      for (int64_t i = 0; i < ts.devices; ++i) {
        Device d;
        d.tier = static_cast<Tier>(t);
        d.light = ts.light_model;
        d.latency_ps = ts.latency_ps;
        d.period_ps = ts.period_ps;
        d.threshold = ts.threshold;
        devices.push_back(d);
      }
    }
    out.device_accuracy.assign(devices.size(), 0);
    thresholds.resize(devices.size());
    // Per device, in order: its phase in [0, one sample's interval), its walk over the test
    // pool (a random start and a stride coprime with the pool: distinct images), then its
    // first sample's device time.
    for (size_t i = 0; i < devices.size(); ++i) {
      Device& d = devices[i];
      const uint64_t interval = d.period_ps > 0 ? d.period_ps : d.latency_ps;
      const double phase = uniform();  // (drawn in both cases: the same images either way)
      d.phase_ps =
          s.aligned_start ? 0 : static_cast<uint64_t>(phase * static_cast<double>(interval));
      d.cursor = static_cast<uint64_t>(uniform() * static_cast<double>(pool));
      d.stride = 1;
      if (pool > 2) {
        do {
          d.stride = 1 + static_cast<uint64_t>(uniform() * static_cast<double>(pool - 1));
        } while (std::gcd(d.stride, pool) != 1);
      }
      d.start_ps = t0 + d.phase_ps;
      d.emit_ps = d.start_ps + device_time(d.latency_ps);
      thresholds[i] = d.threshold;
      pending.push({d.emit_ps, static_cast<uint32_t>(i)});
    }
  }

  // Emits, in time order, every sample the devices finish before `horizon` (absolute).
  void emit_until(uint64_t horizon) {
    const PredictionTrace& p = f.p_;
    bool grew = false;
    while (!pending.empty() && pending.top().at_ps < horizon) {
      const uint32_t id = pending.top().device;
      pending.pop();
      Device& d = devices[id];
      TierOutcome& tier = out.tiers[static_cast<size_t>(d.tier)];
      const auto image = static_cast<uint32_t>(
          p.calibration + (d.cursor + static_cast<uint64_t>(d.done) * d.stride) % pool);
      const bool forward = p.bvsb[d.light][image] < d.threshold;
      ++tier.samples;
      tier.first_start_ps = std::min(tier.first_start_ps, d.start_ps - t0);
      tier.last_emit_ps = std::max(tier.last_emit_ps, d.emit_ps - t0);
      uint64_t record = 0;
      if (s.keep_samples) {
        record = out.samples.size();
        SampleRecord r;
        r.device = id;
        r.image = image;
        r.start_ps = d.start_ps - t0;
        r.emit_ps = d.emit_ps - t0;
        r.done_ps = r.emit_ps;
        r.correct = p.correct[d.light][image] != 0;
        out.samples.push_back(r);
      }
      if (forward) {
        ++tier.forwarded;
        queue.push_back({d.emit_ps + s.network_delay_ps, d.start_ps, id, image, record});
        grew = true;
      } else {
        if (d.emit_ps - d.start_ps <= s.slo_ps) ++tier.met;
        if (p.correct[d.light][image]) {
          ++tier.correct;
          ++d.correct;
        }
      }
      ++d.done;
      if (d.done < s.samples_per_device) {
        d.start_ps =
            d.period_ps > 0
                ? std::max(d.emit_ps, t0 + d.phase_ps + static_cast<uint64_t>(d.done) * d.period_ps)
                : d.emit_ps;
        d.emit_ps = d.start_ps + device_time(d.latency_ps);
        pending.push({d.emit_ps, id});
      }
    }
    if (pending.empty()) emitted_all = true;
    if (grew || emitted_all) queue_grew.notify(sc_core::SC_ZERO_TIME);
  }

  // Forwarded samples waiting at the server at `t` (arrived, not yet taken).
  size_t queue_length(uint64_t t) const {
    const auto it =
        std::upper_bound(queue.begin() + static_cast<std::ptrdiff_t>(head), queue.end(), t,
                         [](uint64_t v, const Forwarded& x) { return v < x.arrival_ps; });
    return static_cast<size_t>(it - queue.begin()) - head;
  }

  int64_t batch_for(size_t ql) const {
    const auto want = static_cast<int64_t>(std::min<size_t>(ql, INT64_MAX));
    if (s.batch_policy == BatchPolicy::Any) return std::min(want, s.latency.largest());
    int64_t b = s.latency.sizes.front();
    for (int64_t x : s.latency.sizes)
      if (x <= want) b = x;
    return b;
  }

  void server() {
    const PredictionTrace& p = f.p_;
    while (true) {
      const uint64_t t = now();
      const size_t ql = queue_length(t);
      if (ql == 0) {
        if (head < queue.size()) {
          sim_wait(ps_to_time(queue[head].arrival_ps - t));
        } else if (emitted_all) {
          break;
        } else {
          sim_wait(queue_grew);
        }
        continue;
      }
      const int64_t b = batch_for(ql);
      const uint64_t l = s.latency.of(b);
      sim_wait(ps_to_time(l));
      const uint64_t done = now() + s.network_delay_ps;
      for (size_t i = head; i < head + static_cast<size_t>(b); ++i) {
        const Forwarded& x = queue[i];
        Device& d = devices[x.device];
        TierOutcome& tier = out.tiers[static_cast<size_t>(d.tier)];
        const uint64_t latency = done - x.start_ps;
        if (latency <= s.slo_ps) ++tier.met;
        const bool ok = p.correct[s.heavy_model][x.image] != 0;
        if (ok) {
          ++tier.correct;
          ++d.correct;
        }
        out.forwarded_latency_ps.push_back(latency);
        if (s.keep_samples) {
          SampleRecord& r = out.samples[x.record];
          r.done_ps = done - t0;
          r.batch = static_cast<uint32_t>(b);
          r.correct = ok;
        }
      }
      head += static_cast<size_t>(b);
      ++out.batches;
      out.batched_samples += static_cast<uint64_t>(b);
      out.busy_ps += l;
      batches.emplace_back(now(), static_cast<uint32_t>(b));
      if (head > (size_t{1} << 20) && head * 2 > queue.size()) {  // drop the served prefix
        queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(head));
        head = 0;
      }
    }
    out.end_ps = now() + s.network_delay_ps - t0;
    served_all = true;
    finished.notify();
  }

  QueueState state(uint64_t period) {
    QueueState q;
    q.now_ps = now();
    q.queue_length = queue_length(q.now_ps);
    q.capacity = s.capacity;
    while (period_from < batches.size() && batches[period_from].first + period <= q.now_ps)
      ++period_from;
    uint64_t sum = 0;
    for (size_t i = period_from; i < batches.size(); ++i) sum += batches[i].second;
    const size_t n = batches.size() - period_from;
    q.mean_batch_period = n > 0 ? static_cast<double>(sum) / static_cast<double>(n) : 0.0;
    const size_t last = std::min<size_t>(5, batches.size());
    uint64_t lsum = 0;
    for (size_t i = batches.size() - last; i < batches.size(); ++i) lsum += batches[i].second;
    q.mean_batch_last = last > 0 ? static_cast<double>(lsum) / static_cast<double>(last) : 0.0;
    return q;
  }

  void log_step(const QueueState& q, const ControlStep& step, double used_batch) {
    ControlRecord r;
    r.at_ps = q.now_ps - t0;
    r.queue_length = q.queue_length;
    r.mean_batch = used_batch;
    r.step = step;
    std::array<uint64_t, kTiers> n{};
    for (size_t i = 0; i < devices.size(); ++i) {
      const auto t = static_cast<size_t>(devices[i].tier);
      r.mean_threshold[t] += devices[i].threshold;
      ++n[t];
    }
    for (size_t t = 0; t < kTiers; ++t)
      r.mean_threshold[t] = n[t] > 0 ? r.mean_threshold[t] / static_cast<double>(n[t]) : 0.0;
    out.log.push_back(r);
    if (step.panic && step.updated > 0) ++out.panics;
    if (step.change != 0) ++out.updates;
  }

  void controller() {
    const uint64_t period = f.ctl_.period_ps();
    for (uint64_t k = 1;; ++k) {
      const uint64_t at = t0 + k * period;
      if (at > now()) {
        sc_core::wait(ps_to_time(at - now()), finished);
        SimKernel::count_activation();
      }
      if (served_all) break;
      const QueueState q = state(period);
      const ControlStep step = f.ctl_.decide(q, thresholds);
      // The new thresholds reach the devices one network delay later: the samples the devices
      // finish until the next step's thresholds arrive are emitted with them now.
      for (size_t i = 0; i < devices.size(); ++i) devices[i].threshold = thresholds[i];
      log_step(q, step, q.mean_batch_period);
      if (!emitted_all) emit_until(at + period + s.network_delay_ps);
    }
    control_ended = true;
    control_end.notify();
  }
};

Fleet::Fleet(FleetSetup setup, const PredictionTrace& predictions, ICascadeController& controller)
    : s_(std::move(setup)), p_(predictions), ctl_(controller) {}

Fleet::~Fleet() = default;

void Fleet::run() {
  Impl i(*this);
  i.t0 = i.now();
  i.setup_devices();
  FleetView view;
  for (const auto& d : i.devices) view.tier.push_back(d.tier);
  for (size_t t = 0; t < kTiers; ++t) {
    view.light_accuracy[t] =
        s_.tiers[t].devices > 0 ? p_.accuracy(s_.tiers[t].light_model, 0, p_.calibration) : 0.0;
  }
  ctl_.start(view, i.thresholds);
  // Before the first step: the samples finished until its thresholds could reach the devices.
  i.emit_until(i.t0 + ctl_.period_ps() + s_.network_delay_ps);
  sc_core::sc_spawn([&i] { guarded([&i] { i.server(); }); }, "cascade_server");
  sc_core::sc_spawn([&i] { guarded([&i] { i.controller(); }); }, "cascade_controller");
  while (!i.served_all) sim_wait(i.finished);
  while (!i.control_ended) sim_wait(i.control_end);  // (its state lives here)
  for (size_t d = 0; d < i.devices.size(); ++d) {
    out_.device_accuracy[d] =
        static_cast<double>(i.devices[d].correct) / static_cast<double>(s_.samples_per_device);
  }
  for (size_t t = 0; t < kTiers; ++t) {
    double sum = 0;
    uint64_t n = 0;
    for (size_t d = 0; d < i.devices.size(); ++d) {
      if (static_cast<size_t>(i.devices[d].tier) != t) continue;
      sum += out_.device_accuracy[d];
      ++n;
    }
    out_.tiers[t].accuracy = n > 0 ? sum / static_cast<double>(n) : 0.0;
  }
}

}  // namespace npusim
