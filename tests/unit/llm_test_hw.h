// The small LLM NPU the unit tests run (test_llm_npu, test_kernel_cost, test_energy), and a
// session run of YAML texts.
#pragma once

#include <string>

#include "sim/app/session.h"

namespace npusim::test {

// 1 GHz (1 cycle = 1 ns); one 32 GB/s channel (32 B per cycle); 64 KiB weight-buffer halves.
inline const char* const kSmallLlmHw = R"(
name: test-llm
type: llm_npu
clock: 1GHz
dram: {channels: 1, channel_bandwidth: 32GB/s, latency: 100ns, burst: 64B, interleave: 256B, capacity: 4GiB}
dma: {queues: 1, max_outstanding: 8, transaction_bytes: 64KiB, setup_cycles: 0}
weight_buffer: {capacity: 128KiB, banks: 16, bank_width: 16B, ports: 2, port_width: 128B}
act_buffer: {capacity: 256KiB, banks: 16, bank_width: 16B, ports: 2, port_width: 128B}
kv_buffer: {capacity: 128KiB, banks: 16, bank_width: 16B, ports: 2, port_width: 128B}
out_buffer: {capacity: 128KiB, banks: 16, bank_width: 16B, ports: 2, port_width: 128B}
mpe: {type: mpe, mv_k: 64, mv_n: 64, mm_m: 16, mm_k: 16, mm_n: 16, pipeline_depth: 8}
sfu: {lanes: 64}
dequant: {weights_per_cycle: 256, pipeline_depth: 4}
)";

inline SessionOutput run_texts(const std::string& hw, const std::string& wl, Overrides o = {}) {
  SessionInput in;
  in.hw = load_yaml_text(hw, "hw.yaml", ErrorKind::Config, "hw");
  in.workload = load_yaml_text(wl, "wl.yaml", ErrorKind::Workload, "workload");
  in.overrides = std::move(o);
  return run_session(std::move(in));
}

}  // namespace npusim::test
