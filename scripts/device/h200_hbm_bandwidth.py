#!/usr/bin/env python3
"""Measured HBM bandwidth of an NVIDIA H200 for docs/dram.md ("Measured on an H200"): a
sequential read stream and random reads of one 32-byte sector (one HBM3 burst: 32-bit pseudo
channel x BL8), two sectors (64 B) and a 128-byte line at uniformly random addresses of a buffer
far larger than the 60 MB L2, so every access goes to DRAM. Needs CuPy and an NVIDIA GPU (run
through the `device` tool); writes JSON to argv[1] (default: standard output).

Random addresses come from a per-thread hash (no index array to read); each thread reads its
bytes with 16-byte loads and folds them into a sum that is stored, so nothing is optimised away.
Bandwidth counts the bytes the kernels ask for (for random sectors, what DRAM must deliver).
"""
import json
import sys
import time

import cupy as cp

SRC = r"""
extern "C" __global__ void seq(const uint4* __restrict__ a, unsigned long long n16,
                               unsigned long long* out) {
  unsigned long long s = 0;
  for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n16;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    uint4 v = a[i];
    s += v.x ^ v.y ^ v.z ^ v.w;
  }
  if (s == 0x12345678ull) out[0] = s;
}
extern "C" __global__ void rnd(const uint4* __restrict__ a, unsigned long long lines,
                               int per_line, unsigned long long reads, unsigned long long seed,
                               unsigned long long* out) {
  unsigned long long s = 0;
  for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < reads;
       i += (unsigned long long)gridDim.x * blockDim.x) {
    unsigned long long h = (i + seed) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31; h *= 0xBF58476D1CE4E5B9ull; h ^= h >> 27;
    const uint4* p = a + (h % lines) * per_line;
    for (int k = 0; k < per_line; ++k) { uint4 v = p[k]; s += v.x ^ v.w; }
  }
  if (s == 0x12345678ull) out[0] = s;
}
"""


def timed(fn, repeat=5):
    fn()
    cp.cuda.Device().synchronize()
    ts = []
    for _ in range(repeat):
        e0, e1 = cp.cuda.Event(), cp.cuda.Event()
        e0.record()
        fn()
        e1.record()
        e1.synchronize()
        ts.append(cp.cuda.get_elapsed_time(e0, e1) / 1e3)
    ts.sort()
    return ts[len(ts) // 2]


def main():
    mod = cp.RawModule(code=SRC)
    seq, rnd = mod.get_function("seq"), mod.get_function("rnd")
    dev = cp.cuda.runtime.getDeviceProperties(0)
    gib = 64
    nbytes = gib << 30
    buf = cp.zeros(nbytes // 4, dtype=cp.uint32)
    buf[::997] = 1
    out = cp.zeros(1, dtype=cp.uint64)
    sms = dev["multiProcessorCount"]
    res = {"device": dev["name"].decode(), "sms": sms, "buffer_gib": gib,
           "memory_clock_khz": dev["memoryClockRate"], "bus_width_bits": dev["memoryBusWidth"],
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cases": []}
    n16 = nbytes // 16
    grid, block = sms * 16, 512
    t = timed(lambda: seq((grid,), (block,), (buf, cp.uint64(n16), out)))
    res["cases"].append({"case": "sequential read", "bytes": nbytes, "seconds": t, "gb_per_s": nbytes / t / 1e9})
    reads = 1 << 30
    for size in (32, 64, 128):
        per = size // 16
        lines = nbytes // size
        t = timed(lambda: rnd((grid,), (block,), (buf, cp.uint64(lines), cp.int32(per), cp.uint64(reads),
                                                  cp.uint64(12345), out)))
        res["cases"].append({"case": f"random {size} B reads", "bytes": reads * size, "seconds": t,
                             "gb_per_s": reads * size / t / 1e9})
    text = json.dumps(res, indent=1)
    if len(sys.argv) > 1:
        open(sys.argv[1], "w").write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
