#include "models/mobile_soc/engines.h"

#include <algorithm>
#include <filesystem>

#include "sim/core/config.h"
#include "sim/core/errors.h"
#include "sim/core/params.h"

namespace npusim {

const char* engine_kind_name(EngineKind k) {
  switch (k) {
    case EngineKind::Cpu:
      return "cpu";
    case EngineKind::Gpu:
      return "gpu";
    case EngineKind::Npu:
      return "npu";
    case EngineKind::Dsp:
      return "dsp";
  }
  return "?";
}

double CpuCluster::rate(SocDtype d) const {
  const double per_cycle = d == SocDtype::Int8 ? int8_ops_per_cycle : fp32_flops_per_cycle;
  return static_cast<double>(clock.hz) * per_cycle;
}

double Engine::rate(SocDtype d, const CpuOptions& cpu) const {
  if (kind == EngineKind::Cpu) {
    // Fastest cores first; the slowest used core paces an evenly split operator.
    const auto used = placement(cpu.threads, d);
    const double slowest = used.empty() ? 0 : used.back().first->rate(d);
    return static_cast<double>(cpu.threads) * slowest *
           (cpu.xnnpack ? xnnpack_efficiency : reference_efficiency);
  }
  return static_cast<double>(clock.hz) * ops_per_cycle[static_cast<size_t>(run_dtype(d))] *
         efficiency;
}

std::vector<std::pair<const CpuCluster*, int64_t>> Engine::placement(int64_t threads,
                                                                     SocDtype d) const {
  std::vector<const CpuCluster*> order;
  for (const CpuCluster& c : clusters) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [d](const CpuCluster* a, const CpuCluster* b) {
    return a->rate(d) > b->rate(d);
  });
  std::vector<std::pair<const CpuCluster*, int64_t>> out;
  for (const CpuCluster* c : order) {
    if (threads <= 0) break;
    out.emplace_back(c, std::min(threads, c->cores));
    threads -= c->cores;
  }
  return out;
}

SocDtype Engine::run_dtype(SocDtype d) const {
  // The GPU delegate dequantises int8 (FX8) models and computes them in float.
  if (kind == EngineKind::Gpu && d == SocDtype::Int8) return float_dtype;
  return is_float(d) ? float_dtype : d;
}

double node_work(const SocNode& n) {
  return n.macs > 0 ? 2.0 * static_cast<double>(n.macs) : static_cast<double>(n.out.elements());
}

uint64_t node_bytes(const SocNode& n, const SocGraph& g, const Engine& e) {
  auto at = [&e](const SocTensor& t) {
    return t.elements() * soc_dtype_bytes(e.run_dtype(t.dtype));
  };
  uint64_t b = n.weight_bytes_read() + at(n.out);
  for (int in : n.inputs) b += at(g.tensor(in));
  return b;
}

double op_seconds(const SocNode& n, const SocGraph& g, const Engine& e, const CpuOptions& cpu) {
  // Integer tensors (ids, masks) are index work: they run at the int8 rate where it exists.
  SocDtype d = n.out.dtype == SocDtype::Int32 ? SocDtype::Int8 : n.out.dtype;
  double rate = e.rate(d, cpu);
  if (rate <= 0 && d == SocDtype::Int8) rate = e.rate(SocDtype::Fp32, cpu);
  if (rate <= 0) {
    throw ConfigError("engine `" + e.name + "` has no " + soc_dtype_name(e.run_dtype(d)) +
                      " arithmetic for node `" + n.name + "` (" + n.op + ")" + e.source);
  }
  const double compute = node_work(n) / rate;
  const double memory = static_cast<double>(node_bytes(n, g, e)) / e.bandwidth.bytes_per_s;
  return (e.dispatch.seconds() + std::max(compute, memory)) / e.throttle;
}

const Engine* MobileSoc::find(const std::string& name) const {
  for (const Engine& e : engines) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// ---- loading ----------------------------------------------------------------------------

namespace {

struct SocParams {
  int64_t schema_version;
  std::string name, soc;
  Bytes ram;
  Time cvt_per_element;
};

struct ClusterParams {
  std::string name;
  int64_t cores;
  Frequency clock;
  double fp32_flops_per_cycle, int8_ops_per_cycle;
};

struct EngineParams {
  std::string support, mobile_npu;
  Frequency clock;
  double fp32_flops_per_cycle = 0, fp16_flops_per_cycle = 0, int8_ops_per_cycle = 0;
  double fp16_rate = 0, efficiency = 1, throttle = 1;
  double xnnpack_efficiency = 1, reference_efficiency = 1;
  Bandwidth bandwidth, copy_bandwidth, conv_bandwidth;
  Time dispatch, launch, sync;
  SocDtype float_dtype = SocDtype::Fp32;
  Bytes memory;
  int64_t max_partitions = 1, min_nodes = 0;
};

const ParamTable& soc_table() {
  using P = SocParams;
  static const ParamTable t =
      ParamTable("mobile_soc", "A phone SoC: CPU clusters, GPU, NPU, DSP sharing one LPDDR")
          .param("schema_version", &P::schema_version, "version of the SoC file format")
          .def(1)
          .min(1)
          .max(1)
          .param("name", &P::name, "preset name")
          .param("soc", &P::soc, "the SoC it models")
          .param("ram", &P::ram, "the phone's RAM (the memory ledger's limit)")
          .param("cvt_per_element", &P::cvt_per_element,
                 "dtype conversion of a boundary tensor, per element")
          .def("1ns");
  return t;
}

const ParamTable& cluster_table() {
  using P = ClusterParams;
  static const ParamTable t =
      ParamTable("mobile_soc.cpu.clusters[]", "One CPU cluster (big, mid or little cores)")
          .param("name", &P::name, "big | mid | little")
          .param("cores", &P::cores, "cores in the cluster")
          .min(1)
          .param("clock", &P::clock, "core clock")
          .param("fp32_flops_per_cycle", &P::fp32_flops_per_cycle, "FP32 FLOP per cycle per core")
          .min(ParamValue(0.0))
          .param("int8_ops_per_cycle", &P::int8_ops_per_cycle, "INT8 ops per cycle per core")
          .min(ParamValue(0.0));
  return t;
}

void common(ParamTable& t) {
  using P = EngineParams;
  t.param("support", &P::support, "op-support table (a file relative to the SoC file)")
      .param("efficiency", &P::efficiency, "sustained fraction of the peak rate")
      .def(ParamValue(1.0))
      .min(ParamValue(0.001))
      .max(ParamValue(1.0))
      .param("bandwidth", &P::bandwidth, "the engine's sustained LPDDR bandwidth")
      .param("throttle", &P::throttle, "DVFS / thermal state: every time is divided by it")
      .def(ParamValue(1.0))
      .min(ParamValue(0.01))
      .max(ParamValue(1.0))
      .param("memory", &P::memory, "what the engine may allocate");
}

void delegate(ParamTable& t) {
  using P = EngineParams;
  t.param_enum("float_dtype", &P::float_dtype, {{"fp32", SocDtype::Fp32}, {"fp16", SocDtype::Fp16}},
               "the dtype floats run at inside the engine")
      .def("fp16")
      .param("launch", &P::launch, "per partition")
      .param("sync", &P::sync, "per partition entry and per exit")
      .param("copy_bandwidth", &P::copy_bandwidth, "CPU <-> engine copy of a boundary tensor")
      .param("max_partitions", &P::max_partitions, "the delegate's partition limit")
      .min(1)
      .param("min_nodes", &P::min_nodes, "smallest partition the delegate takes")
      .def(0)
      .min(0);
}

const ParamTable& cpu_table() {
  using P = EngineParams;
  static const ParamTable t = [] {
    ParamTable t("mobile_soc.cpu", "CPU clusters running TFLite kernels (XNNPACK or reference)");
    common(t);
    t.param("dispatch", &P::dispatch, "per operator")
        .param("xnnpack_efficiency", &P::xnnpack_efficiency, "fraction of peak with XNNPACK")
        .min(ParamValue(0.001))
        .max(ParamValue(1.0))
        .param("reference_efficiency", &P::reference_efficiency,
               "fraction of peak with the reference kernels")
        .min(ParamValue(0.001))
        .max(ParamValue(1.0));
    return t;
  }();
  return t;
}

const ParamTable& accel_table(EngineKind k) {
  using P = EngineParams;
  auto make = [](EngineKind kind) {
    ParamTable t(std::string("mobile_soc.") + engine_kind_name(kind),
                 kind == EngineKind::Gpu   ? "Mobile GPU: a roofline with dispatch overhead"
                 : kind == EngineKind::Dsp ? "DSP: an INT8 vector engine"
                                           : "The suite's mobile NPU as the SoC's NPU");
    common(t);
    delegate(t);
    if (kind == EngineKind::Npu) {
      t.param("mobile_npu", &P::mobile_npu,
              "the mobile NPU preset (hw_configs/mobile_npu) whose clock, tensor INT8 rate and "
              "layer launch this engine uses")
          .param("fp16_rate", &P::fp16_rate, "FP16 rate as a fraction of the INT8 rate (0: none)")
          .def(ParamValue(0.0))
          .min(ParamValue(0.0))
          .max(ParamValue(1.0));
    } else {
      t.param("clock", &P::clock, "engine clock")
          .param("dispatch", &P::dispatch, "per operator")
          .param("fp32_flops_per_cycle", &P::fp32_flops_per_cycle, "FP32 FLOP per cycle")
          .def(ParamValue(0.0))
          .min(ParamValue(0.0))
          .param("fp16_flops_per_cycle", &P::fp16_flops_per_cycle, "FP16 FLOP per cycle")
          .def(ParamValue(0.0))
          .min(ParamValue(0.0))
          .param("int8_ops_per_cycle", &P::int8_ops_per_cycle, "INT8 ops per cycle")
          .def(ParamValue(0.0))
          .min(ParamValue(0.0));
    }
    if (kind == EngineKind::Gpu) {
      t.param("conv_bandwidth", &P::conv_bandwidth, "PHWC4 <-> BHWC layout change rate");
    }
    return t;
  };
  static const ParamTable gpu = make(EngineKind::Gpu), npu = make(EngineKind::Npu),
                          dsp = make(EngineKind::Dsp);
  return k == EngineKind::Gpu ? gpu : k == EngineKind::Npu ? npu : dsp;
}

std::string resolve(const std::string& dir, const std::string& rel) {
  return std::filesystem::path(rel).is_absolute() ? rel
                                                  : (std::filesystem::path(dir) / rel).string();
}

// The mobile NPU preset's clock, tensor INT8 MACs per cycle and layer launch.
void read_mobile_npu(const std::string& path, const ConfigNode& at, Engine& e) {
  if (!std::filesystem::exists(path)) at.fail("mobile NPU preset `" + path + "` does not exist");
  const auto doc = load_yaml_file(path, ErrorKind::Config, "hw");
  const ConfigNode root(doc, doc->root, "hw");
  const YAML::Node& r = root.node();
  if (!r["type"].IsDefined() || r["type"].as<std::string>() != "mobile_npu")
    root.fail("the SoC's NPU must be a mobile_npu preset (docs/mobile_npu.md); `" + path +
              "` has type `" + (r["type"].IsDefined() ? r["type"].as<std::string>() : "") + "`");
  auto text = [&](const YAML::Node& n, const char* key) {
    if (!n.IsDefined() || !n.IsScalar())
      root.fail(std::string("mobile NPU preset needs `") + key + "`");
    return n.as<std::string>();
  };
  try {
    e.clock = parse_frequency(text(r["clock"], "clock"));
    e.dispatch = parse_time(text(r["layer_launch"], "layer_launch"));
  } catch (const std::invalid_argument& ex) {
    root.fail(ex.what());
  }
  int64_t macs = 0;
  const YAML::Node m = r["tensor"]["int8_macs_per_cycle"];
  if (!m.IsDefined() || !YAML::convert<int64_t>::decode(m, macs) || macs < 1)
    root.fail("mobile NPU preset needs `tensor.int8_macs_per_cycle` (a positive integer)");
  e.ops_per_cycle[static_cast<size_t>(SocDtype::Int8)] = 2.0 * static_cast<double>(macs);
  e.source += " (NPU: " + path + ")";
}

}  // namespace

MobileSoc load_mobile_soc(const std::string& path) {
  const auto doc = load_yaml_file(path, ErrorKind::Config, "hw");
  const ConfigNode root(doc, doc->root, "hw");
  SocParams sp;
  soc_table().load(root, &sp, {"engines"});
  MobileSoc soc;
  soc.name = sp.name;
  soc.soc = sp.soc;
  soc.file = path;
  soc.ram = sp.ram;
  soc.cvt_per_element_s = sp.cvt_per_element.seconds();
  const ConfigNode engines = root.child("engines");
  if (!engines.present() || !engines.node().IsMap() || !engines.node()["cpu"].IsDefined())
    root.fail("a mobile SoC needs `engines:` with at least `cpu` (and any of gpu, npu, dsp)");
  engines.check_keys({"cpu", "gpu", "npu", "dsp"});
  for (const char* slot : {"cpu", "gpu", "npu", "dsp"}) {
    const ConfigNode n = engines.child(slot);
    if (!n.present()) continue;
    Engine e;
    e.name = slot;
    e.source = n.where();
    const std::string s = slot;
    e.kind = s == "cpu"   ? EngineKind::Cpu
             : s == "gpu" ? EngineKind::Gpu
             : s == "npu" ? EngineKind::Npu
                          : EngineKind::Dsp;
    EngineParams p;
    if (e.kind == EngineKind::Cpu) {
      cpu_table().load(n, &p, {"clusters"});
      const ConfigNode cl = n.child("clusters");
      if (!cl.present() || !cl.node().IsSequence() || cl.node().size() == 0)
        n.fail("the CPU needs `clusters:`, a non-empty list of {name, cores, clock, ...}");
      for (size_t i = 0; i < cl.node().size(); ++i) {
        ClusterParams cp;
        cluster_table().load(cl.element(i), &cp);
        e.clusters.push_back(
            {cp.name, cp.cores, cp.clock, cp.fp32_flops_per_cycle, cp.int8_ops_per_cycle});
      }
      e.xnnpack_efficiency = p.xnnpack_efficiency;
      e.reference_efficiency = p.reference_efficiency;
      e.dispatch = p.dispatch;
    } else {
      accel_table(e.kind).load(n, &p);
      e.float_dtype = p.float_dtype;
      e.delegate = {p.launch,         p.sync,           p.copy_bandwidth,
                    p.conv_bandwidth, p.max_partitions, p.min_nodes};
      if (e.kind == EngineKind::Npu) {
        read_mobile_npu(resolve(doc->dir, p.mobile_npu), n, e);
        e.ops_per_cycle[static_cast<size_t>(SocDtype::Fp16)] =
            e.ops_per_cycle[static_cast<size_t>(SocDtype::Int8)] * p.fp16_rate;
      } else {
        e.clock = p.clock;
        e.dispatch = p.dispatch;
        e.ops_per_cycle[static_cast<size_t>(SocDtype::Fp32)] = p.fp32_flops_per_cycle;
        e.ops_per_cycle[static_cast<size_t>(SocDtype::Fp16)] = p.fp16_flops_per_cycle;
        e.ops_per_cycle[static_cast<size_t>(SocDtype::Int8)] = p.int8_ops_per_cycle;
      }
    }
    e.efficiency = p.efficiency;
    e.bandwidth = p.bandwidth;
    e.throttle = p.throttle;
    e.memory = p.memory;
    if (e.bandwidth.bytes_per_s <= 0) n.fail("`bandwidth` of engine `" + s + "` must be above 0");
    const std::string table = resolve(doc->dir, p.support);
    if (!std::filesystem::exists(table))
      n.fail_at(n.node()["support"], "support",
                "op-support table `" + p.support + "` does not exist (looked for " + table + ")");
    e.support = std::make_shared<const OpSupportTable>(load_op_support(table));
    soc.engines.push_back(std::move(e));
  }
  return soc;
}

}  // namespace npusim
