// Dysta's schedulers and the sparse accelerators' latency rules on hand-computed cases
// (docs/sparse.md): the Eyeriss-V2-like and Sanger-like layer latencies, gamma and the score,
// PREMA's tokens, Planaria's and SDRM3's scores with the artifact's negative-score quirk, the
// hardware scheduler's decision cycles, and the spec's Fig. 5 example on the golden reference.
#include <catch2/catch.hpp>

#include "dysta_reference.h"
#include "models/sparse/eyeriss_v2_timing.h"
#include "models/sparse/sanger_timing.h"
#include "models/sparse/scheduler/dysta_score.h"
#include "sim/core/component.h"
#include "sim/core/kernel.h"

using namespace npusim;

namespace {

constexpr uint64_t kMs = 1000000000ull;  // ps

std::unique_ptr<IScheduler> make(const std::string& yaml) {
  static StatGroup stats("t");
  static BuildContext ctx;
  auto doc = load_yaml_text(yaml, "s.yaml", ErrorKind::Config, "s");
  auto c = Registry::build(
      "scheduler", ConfigNode(doc, doc->root, "s"), "s", nullptr,
      stats.group("s" + std::to_string(reinterpret_cast<uintptr_t>(doc.get()))), ctx);
  return std::unique_ptr<IScheduler>(dynamic_cast<IScheduler*>(c.release()));
}

RequestView req(uint64_t id, int64_t priority, double remaining_ms, double iso_ms,
                double deadline_ms, double last_exec_ms) {
  RequestView v;
  v.id = id;
  v.arrival_ps = id;
  v.priority = priority;
  v.remaining_ps = static_cast<uint64_t>(remaining_ms * kMs);
  v.isolated_ps = static_cast<uint64_t>(iso_ms * kMs);
  v.deadline_ps = static_cast<uint64_t>(deadline_ms * kMs);
  v.last_exec_ps = static_cast<uint64_t>(last_exec_ms * kMs);
  return v;
}

}  // namespace

TEST_CASE("Eyeriss-V2-like latency of a small conv layer by hand", "[dysta]") {
  // C = 16, M = 32, 3 x 3 kernel, 8 x 8 input, GLB bank 2,560 B (20,480 bits):
  //   C0 = min(16, pow2<=(16 div 3 = 5)) = 4; F0 = min(8, pow2<=(20480 / (8*3*4*8) = 26)) = 8;
  //   M0 = 32; C1 = min(8, 16/4) = 4, F1 = min(4, 8/8) = 1, S1 = 3, M1 = min(2, 32/32) = 1;
  //   C2 = F2 = S2 = M2 = 1.
  //   A = M1 F1 C1 S1 M2 F2 C2 S2 E F0 = 1*1*4*3*1*1*1*1*8*8 = 768
  //   E = MACs x 0.8 x 0.5 = (32*16*9*64 = 294,912) x 0.4 = 117,964.8
  //   Rnz = (16/4) x 64 x (1 - 0.5^(3*4)) = 256 x 4095/4096 = 255.9375; W = 2*3*Rnz = 1,535.625
  //   cycles = floor((4 x 117,964.8 + 768 + 1,535.625) / 192) = floor(2,469.598) = 2,469
  const ConvShape l{16, 32, 3, 3, 8, 8};
  const EyerissConfig cfg;
  const EyerissMapping m = eyeriss_mapping(l, cfg);
  CHECK(m.c0 == 4);
  CHECK(m.f0 == 8);
  CHECK(m.m0 == 32);
  CHECK(m.c1 == 4);
  CHECK(m.f1 == 1);
  CHECK(m.m1 == 1);
  const EyerissLayerWork w = eyeriss_work(l, cfg, 0.8, 0.5);
  CHECK(w.address_checks == 768.0);
  CHECK(w.effectual_macs == Approx(117964.8));
  CHECK(w.weight_reads == Approx(1535.625));
  CHECK(eyeriss_cycles(w, cfg) == 2469);
  // An input layer with C = 3 <= 3 keeps C0 = C = 3.
  CHECK(eyeriss_mapping({3, 64, 7, 7, 32, 32}, cfg).c0 == 3);
}

TEST_CASE("Sanger-like latency of an attention layer by hand", "[dysta]") {
  // n = 512, d = 0.25, u = 0.5: x = 0.5, nsub = 4 x 0.5 x 512 = 1,024
  //   dense QKV: 512 x 768^2 x 6 / 2.048e12 = 884.736 us
  //   projection: 512 x 768^2 x 2 x 0.5 / 2.048e12 = 147.456 us
  //   sparse part: (1024/64) x (768 + 64 + 1024 + 64) x (512/64) / 1e9 = 16 x 1920 x 8 ns
  //              = 245.76 us;  total 1,277.952 us (the spec's "x = 0.5 gives about 1.28 ms")
  const SangerConfig cfg;
  CHECK(sanger_layer_seconds(0.25, 0.5, cfg) == Approx(1277.952e-6).epsilon(1e-12));
  // x = 1.2: 884.736 + 353.8944 + 0.256 x 1.2 x (896 + 2457.6) = 1,030.22592
  //   = 2,268.85632 us (the spec's "about 2.27 ms")
  CHECK(sanger_layer_seconds(0.6, 0.5, cfg) == Approx(2268.85632e-6).epsilon(1e-12));
}

TEST_CASE("Dysta's gamma and score by hand", "[dysta]") {
  LayerProgress p;
  p.pattern_lut_s = {1e-3, 2e-3, 3e-3};
  p.model_lut_s = {1e-3, 3e-3, 3e-3};
  p.mean_density = {0.5, 0.5, 0.4};
  p.true_s = {1e-3, 2.5e-3, 2.5e-3};
  p.measured_density = {0.6};
  p.done = 1;
  CHECK(density_gamma(p, GammaPredictor::AvgAll) == Approx(1.2));  // 0.6 / 0.5
  RequestView v = req(0, 1, 0, 0, 20, 1);
  v.layers = &p;
  // R = 1.2 x (2 + 3) ms = 6 ms; U = max(0, 20 - 4 - 6) = 10 ms; T_iso = 6 ms (pattern LUT);
  // P = ((4 - 1) / 6) / 2 entries = 0.25; score = 0.006 + 0.01 x (0.010 + 0.25) = 0.0086
  const DystaScoring dysta;
  CHECK(dysta_score(v, 4 * kMs, 2, dysta) == Approx(0.0086));
  // Naive: the model LUT, gamma 1: R = 6 ms, T_iso = 7 ms, P = (3/7)/2;
  //   score = 0.006 + 0.01 x (0.010 + 0.2142857) = 0.0082428571
  DystaScoring naive;
  naive.variant = DystaVariant::Naive;
  CHECK(dysta_score(v, 4 * kMs, 2, naive) == Approx(0.0082428571));
  // Oracle: R = 5 ms (true), T_iso = 6 ms: 0.005 + 0.01 x (0.011 + 0.25) = 0.00761
  DystaScoring oracle;
  oracle.variant = DystaVariant::Oracle;
  CHECK(dysta_score(v, 4 * kMs, 2, oracle) == Approx(0.00761));
  // Slack modes: raw keeps a negative slack, rtl drops R: at now = 18 ms,
  //   raw: U = 20 - 18 - 6 = -4 ms; rtl: U = 2 ms.
  DystaScoring raw, rtl;
  raw.slack = DystaSlack::Raw;
  rtl.slack = DystaSlack::Rtl;
  const double p18 = (17.0 / 6.0) / 2.0;
  CHECK(dysta_score(v, 18 * kMs, 2, raw) == Approx(0.006 + 0.01 * (-0.004 + p18)));
  CHECK(dysta_score(v, 18 * kMs, 2, rtl) == Approx(0.006 + 0.01 * (0.002 + p18)));
  // Predictors after two layers read 0.6 and 0.2 (ratios 1.2 and 0.4): avg_all 0.8, last_one
  // 0.4, last_n (N = 3, divided by 3 although only 2 ran: the artifact's) 1.6 / 3.
  p.measured_density = {0.6, 0.2};
  p.done = 2;
  CHECK(density_gamma(p, GammaPredictor::AvgAll) == Approx(0.8));
  CHECK(density_gamma(p, GammaPredictor::LastOne) == Approx(0.4));
  CHECK(density_gamma(p, GammaPredictor::LastN) == Approx(1.6 / 3));
}

TEST_CASE("PREMA: tokens, threshold and the >= candidate rule by hand", "[dysta]") {
  SimKernel kernel;
  // A: priority 1, 5 ms left of 10; B: priority 9, 8 ms left of 8. Both arrive at 0.
  auto prema = make("{type: prema}");
  std::vector<RequestView> r = {req(0, 1, 5, 10, 0, 0), req(1, 9, 8, 8, 0, 0)};
  // First sight: tokens 1 and 9; no token updated yet, so threshold 1: both are candidates and
  // the shorter, A, runs.
  CHECK(prema->pick(r, 0) == 0);
  // At 2 ms A has run (last_exec 2 ms); B's token = 9 + 9 x 2/8 = 11.25 >= 9: threshold 9 and B
  // is the only candidate although it is longer.
  r[0] = req(0, 1, 4, 10, 0, 2);
  CHECK(prema->pick(r, 2 * kMs) == 1);
  // PREMA's original > rule: at first sight B's 9 > 1 but A's 1 is not, so B runs.
  auto gt = make("{type: prema, candidate_cmp: gt}");
  CHECK(gt->pick({req(0, 1, 5, 10, 0, 0), req(1, 9, 8, 8, 0, 0)}, 0) == 1);
}

TEST_CASE("sjf_sparse and prema_sparse: the monitored estimate and the artifact's gamma bug",
          "[dysta]") {
  SimKernel kernel;
  // A: pattern LUT 4 + 4 ms, one layer done, read density 0.25 of a mean 0.5: gamma 0.5, so the
  // monitored remaining is 0.5 x 4 = 2 ms (its static profile says 4 ms).
  // B: pattern LUT 3 + 3 ms, one layer done at its mean density: gamma 1, remaining 3 ms.
  LayerProgress pa, pb;
  pa.pattern_lut_s = {4e-3, 4e-3};
  pb.pattern_lut_s = {3e-3, 3e-3};
  pa.mean_density = pb.mean_density = {0.5, 0.5};
  pa.measured_density = {0.25};
  pb.measured_density = {0.5};
  pa.done = pb.done = 1;
  std::vector<RequestView> r = {req(0, 1, 4, 8, 0, 0), req(1, 1, 3, 6, 0, 0)};
  r[0].layers = &pa;
  r[1].layers = &pb;
  CHECK(monitored_remaining_s(pa) == Approx(2e-3));
  // SJF by the static profile: B (3 < 4 ms); by the monitored estimate: A (2 < 3 ms), deciding
  // at every boundary.
  auto sjf = make("{type: sjf, preemptive: true}");
  auto sjf_sparse = make("{type: sjf, estimate: sparse}");
  CHECK(sjf->pick(r, 0) == 1);
  CHECK(!sjf->reselects());
  CHECK(sjf_sparse->pick(r, 0) == 0);
  CHECK(sjf_sparse->reselects());
  // PREMA, both seen first (tokens 1 = threshold 1, both candidates), the shortest estimate
  // runs: profile B (3 < 4 ms); sparse with each request's own gamma A (2 < 3 ms); with the
  // artifact's bug every candidate takes the gamma of the last request scanned (B's, 1):
  // A = 1 x 4 = 4 ms, B = 3 ms, so B.
  CHECK(make("{type: prema}")->pick(r, 0) == 1);
  CHECK(make("{type: prema, estimate: sparse}")->pick(r, 0) == 0);
  CHECK(make("{type: prema, estimate: sparse, sparse_gamma: previous_last}")->pick(r, 0) == 1);
}

TEST_CASE("Planaria and SDRM3 scores and the negative-score quirk by hand", "[dysta]") {
  SimKernel kernel;
  auto planaria = make("{type: planaria}");
  auto fixed = make("{type: planaria, negative_score_quirk: false}");
  // At 2 ms: A (priority 1, deadline 1 ms: score 1 / -0.001 = -1000) and B (priority 3,
  // deadline 1.997 ms: 3 / -0.000003 = -1e6). The maximum is A; the quirk replaces the negative
  // best-so-far by whichever comes next: B.
  const std::vector<RequestView> late = {req(0, 1, 1, 1, 1, 0), req(1, 3, 1, 1, 1.997, 0)};
  CHECK(fixed->pick(late, 2 * kMs) == 0);
  CHECK(planaria->pick(late, 2 * kMs) == 1);
  // On time: A 1 / 0.010 = 100, B 3 / 0.030 = 100: a tie goes to the earlier, A.
  CHECK(planaria->pick({req(0, 1, 1, 1, 10, 0), req(1, 3, 1, 1, 30, 0)}, 0) == 0);

  auto sdrm3 = make("{type: sdrm3}");
  // At 2 ms: A: urgency min(1, 4/8) = 0.5, fairness 2 ms idle / 4 ms next = 0.5: score 1.0;
  // B: urgency min(1, 2/1) = 1, fairness 0.5 / 2 = 0.25: score 1.25: B runs.
  CHECK(sdrm3->pick({req(0, 1, 4, 4, 10, 0), req(1, 1, 2, 2, 3, 1.5)}, 2 * kMs) == 1);
  // With B idle 0 (it just ran): B scores 1 + 0 = 1.0, as A does: the tie goes to A.
  CHECK(sdrm3->pick({req(0, 1, 4, 4, 10, 0), req(1, 1, 2, 2, 3, 2)}, 2 * kMs) == 0);
}

TEST_CASE("the Dysta hardware scheduler's decision takes its configured cycles", "[dysta]") {
  SimKernel kernel;
  // 70 + 2 x 64 = 198 cycles at 200 MHz (5 ns) = 990 ns: the spec's "about 1 us at N = 64".
  auto hw = make("{type: dysta, fixed_cycles: 70, cycles_per_entry: 2, queue_depth: 64}");
  CHECK(hw->decision_ps(64) == 990000);
  CHECK(hw->decision_ps(1) == (70 + 2) * 5000);
  CHECK(hw->table_depth() == 64);
  CHECK(make("{type: dysta}")->decision_ps(64) == 0);  // the paper's results: free decisions
  CHECK(make("{type: dysta}")->table_depth() == SIZE_MAX);
}

TEST_CASE("Fig. 5: SJF keeps ResNet, Dysta's corrected estimate lets MobileNet through",
          "[dysta]") {
  SimKernel kernel;
  // ResNet arrives at 0 (deadline 10 ms): layers 1.2 ms and 4.5 ms. MobileNet arrives at
  // 1.19 ms (before ResNet's boundary at 1.2 ms; deadline 1.19 + 4 ms): one layer whose static
  // estimate is 4.7 ms but which takes 2.2 ms, as its pattern-aware LUT says.
  std::vector<test::dysta::RefRequest> reqs(2);
  reqs[0].arrival_ps = 0;
  reqs[0].deadline_ps = 10 * kMs;
  reqs[0].progress.true_s = reqs[0].progress.model_lut_s =
      reqs[0].progress.pattern_lut_s = {1.2e-3, 4.5e-3};
  reqs[0].progress.mean_density = {0.5, 0.5};
  reqs[0].monitor = {0.5, 0.5};
  reqs[1].model = 1;
  reqs[1].arrival_ps = 1190000000;
  reqs[1].deadline_ps = reqs[1].arrival_ps + 4 * kMs;
  reqs[1].progress.true_s = reqs[1].progress.pattern_lut_s = {2.2e-3};
  reqs[1].progress.model_lut_s = {4.7e-3};
  reqs[1].progress.mean_density = {0.5};
  reqs[1].monitor = {0.5};
  // SJF at 1.2 ms: ResNet 4.5 ms left < MobileNet 4.7 ms: ResNet ends at 5.7 ms, MobileNet at
  // 5.7 + 2.2 = 7.9 ms > 5.19 ms: a violation.
  auto sjf = make("{type: sjf}");
  const test::dysta::RefResult s = test::dysta::run_reference(reqs, *sjf, {});
  CHECK(s.records[0].finish_ps == 5700 * 1000000ull);
  CHECK(s.records[1].finish_ps == 7900 * 1000000ull);
  // Dysta at 1.2 ms: ResNet 4.5 + 0.01 x (10 - 1.2 - 4.5 = 4.3) = 4.543 ms; MobileNet
  // 2.2 + 0.01 x (5.19 - 1.2 - 2.2 = 1.79 ms + penalty 0.01/2.2/2) ~ 2.218 ms: MobileNet runs,
  // ends at 3.4 ms, ResNet at 7.9 ms; both meet their deadlines.
  auto dysta = make("{type: dysta}");
  const test::dysta::RefResult d = test::dysta::run_reference(reqs, *dysta, {});
  CHECK(d.records[1].finish_ps == 3400 * 1000000ull);
  CHECK(d.records[0].finish_ps == 7900 * 1000000ull);
  CHECK(d.records[0].preemptions == 1);
}

TEST_CASE("every Dysta scheduler and sparse accelerator is registered", "[dysta][registry]") {
  for (const char* s : {"prema", "planaria", "sdrm3", "dysta", "dysta_naive", "dysta_oracle"})
    CHECK(Registry::find("scheduler", s) != nullptr);
  for (const char* a : {"eyeriss_v2_like", "sanger_like"})
    CHECK(Registry::find("accelerator", a) != nullptr);
}

TEST_CASE("the golden reference's compat switches: clock rewind and strict admission", "[dysta]") {
  SimKernel kernel;
  auto fcfs = make("{type: fcfs}");
  // A at 0 (one 2 ms layer), B at 1 ms (one 1 ms layer): B arrives during A's layer, so when A
  // ends the table is empty and the artifact's loop sets the clock to B's arrival, 1 ms: B ends
  // at 2 ms, overlapping A. Without the rewind B starts when A ends and finishes at 3 ms.
  std::vector<test::dysta::RefRequest> reqs(2);
  for (auto& r : reqs) r.progress.mean_density = r.monitor = {1};
  reqs[0].progress.true_s = reqs[0].progress.model_lut_s = reqs[0].progress.pattern_lut_s = {2e-3};
  reqs[1].progress.true_s = reqs[1].progress.model_lut_s = reqs[1].progress.pattern_lut_s = {1e-3};
  reqs[1].arrival_ps = 1 * kMs;
  test::dysta::RefOptions rewind;
  rewind.idle_clock_rewind = true;
  CHECK(test::dysta::run_reference(reqs, *fcfs, rewind).records[1].finish_ps == 2 * kMs);
  CHECK(test::dysta::run_reference(reqs, *fcfs, {}).records[1].finish_ps == 3 * kMs);
  // A two-layer request C (1 ms each) at 0 and D (1 ms) at exactly 1 ms, C's boundary, under
  // SJF: admitted at <= (the runtime's rule), D (1 ms left) ties with C (1 ms left) and C, the
  // earlier, keeps running: 1, 2 (C), 3 (D) ms; the artifact's strict < admits D only after C's
  // second layer, with the same finish times here but one decision fewer that sees D.
  auto sjf = make("{type: sjf}");
  std::vector<test::dysta::RefRequest> cd(2);
  for (auto& r : cd) r.progress.mean_density = r.monitor = {1, 1};
  cd[0].progress.true_s = cd[0].progress.model_lut_s = cd[0].progress.pattern_lut_s = {1e-3, 1e-3};
  cd[1].progress.true_s = cd[1].progress.model_lut_s = cd[1].progress.pattern_lut_s = {1e-3};
  cd[1].progress.mean_density = cd[1].monitor = {1};
  cd[1].arrival_ps = 1 * kMs;
  test::dysta::RefOptions strict;
  strict.admit_strict_lt = true;
  const test::dysta::RefResult in = test::dysta::run_reference(cd, *sjf, {});
  const test::dysta::RefResult st = test::dysta::run_reference(cd, *sjf, strict);
  CHECK(in.decisions[1].candidates == std::vector<uint64_t>{0, 1});
  CHECK(st.decisions[1].candidates == std::vector<uint64_t>{0});
  CHECK(in.records[0].finish_ps == 2 * kMs);
  CHECK(in.records[1].finish_ps == 3 * kMs);
  CHECK(st.records[1].finish_ps == 3 * kMs);
}
