#include "models/mobile_soc/partitioner.h"

#include <algorithm>
#include <map>
#include <set>

#include "sim/core/errors.h"
#include "sim/core/text.h"

namespace npusim {

DelegationPlan partition_graph(const SocGraph& g, const MobileSoc& soc, const Engine* accelerator) {
  DelegationPlan plan;
  plan.accelerator = accelerator;
  const size_t n = g.nodes.size();
  std::vector<bool> accepted(n, false);
  for (size_t i = 0; i < n; ++i) {
    plan.total_work += node_work(g.nodes[i]);
    if (accelerator == nullptr) continue;
    std::string why;
    // The delegate sees the dtype it would compute at (a float model on an fp16 engine: fp16).
    OpQuery q = g.nodes[i].query();
    q.dtype = accelerator->run_dtype(q.dtype);
    accepted[i] = accelerator->support->accepts(q, &why);
    if (!accepted[i]) plan.rejected.push_back(g.nodes[i].name + ": " + why);
  }
  // Epochs of ready nodes of one kind (the contraction of each subset stays acyclic).
  std::vector<bool> done(n, false);
  std::vector<std::pair<bool, std::vector<size_t>>> subsets;  // (accepted kind, nodes)
  size_t left = n;
  auto ready = [&](size_t i) {
    for (int in : g.nodes[i].inputs) {
      if (in >= 0 && !done[static_cast<size_t>(in)]) return false;
    }
    return true;
  };
  while (left > 0) {
    bool kind = false;
    for (size_t i = 0; i < n; ++i) {
      if (!done[i] && ready(i)) {
        kind = accepted[i];
        break;
      }
    }
    std::vector<size_t> subset;
    for (size_t i = 0; i < n; ++i) {  // one pass suffices: inputs precede their consumers
      if (!done[i] && accepted[i] == kind && ready(i)) {
        done[i] = true;
        subset.push_back(i);
      }
    }
    NPUSIM_ASSERT(!subset.empty(), "partitioner made no progress");
    left -= subset.size();
    subsets.emplace_back(kind, std::move(subset));
  }
  // The delegate's cut: the largest accepted subsets, up to its partition limit.
  std::vector<size_t> candidates;
  for (size_t s = 0; s < subsets.size(); ++s) {
    if (subsets[s].first) candidates.push_back(s);
  }
  plan.candidate_partitions = candidates.size();
  std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
    if (subsets[a].second.size() != subsets[b].second.size())
      return subsets[a].second.size() > subsets[b].second.size();
    return subsets[a].second.front() < subsets[b].second.front();
  });
  std::set<size_t> kept;
  for (size_t s : candidates) {
    if (static_cast<int64_t>(kept.size()) >= accelerator->delegate.max_partitions) break;
    if (static_cast<int64_t>(subsets[s].second.size()) < accelerator->delegate.min_nodes) continue;
    kept.insert(s);
  }
  const Engine& cpu = soc.cpu();
  for (size_t s = 0; s < subsets.size(); ++s) {
    const bool on_accel = kept.count(s) > 0;
    const Engine* e = on_accel ? accelerator : &cpu;
    for (size_t i : subsets[s].second) {
      const SocNode& node = g.nodes[i];
      if (on_accel) {
        ++plan.delegated_nodes;
        plan.delegated_work += node_work(node);
        continue;
      }
      std::string why;
      if (!cpu.support->accepts(node.query(), &why)) {
        throw WorkloadError(
            "node `" + node.name + "` (" + node.op + ", " + soc_dtype_name(node.out.dtype) +
            ") runs on no engine of " + soc.name + ": " +
            (accelerator ? accelerator->name + " does not take it and " : std::string()) +
            "the CPU has no kernel for it (" + why + ")" + node.source);
      }
    }
    if (!on_accel && !plan.partitions.empty() && plan.partitions.back().engine == &cpu) {
      auto& nodes = plan.partitions.back().nodes;
      nodes.insert(nodes.end(), subsets[s].second.begin(), subsets[s].second.end());
    } else {
      plan.partitions.push_back({e, subsets[s].second});
    }
  }
  return plan;
}

DesignCost design_cost(const SocGraph& g, const MobileSoc& soc, const DelegationPlan& plan,
                       const CpuOptions& cpu_options) {
  DesignCost c;
  const Engine& cpu = soc.cpu();
  std::vector<size_t> part_of(g.nodes.size(), 0);
  for (size_t p = 0; p < plan.partitions.size(); ++p) {
    for (size_t i : plan.partitions[p].nodes) part_of[i] = p;
  }
  for (const SocPartition& p : plan.partitions) {
    double t = 0;
    for (size_t i : p.nodes) t += op_seconds(g.nodes[i], g, *p.engine, cpu_options);
    if (p.engine == &cpu) {
      c.cpu_s += t;
    } else {
      t += p.engine->delegate.launch.seconds() / p.engine->throttle;
      c.accelerator_s += t;
      c.sync_s += 2 * p.engine->delegate.sync.seconds() / p.engine->throttle;
    }
    c.partition_s.push_back(t);
  }
  // Crossings: (tensor, destination engine) pairs; graph inputs come from the CPU, outputs
  // go back to it.
  std::set<std::pair<int, const Engine*>> seen;
  std::vector<bool> consumed(g.nodes.size(), false);
  auto cross = [&](int ref, const Engine* from, const Engine* to, int consumer) {
    if (from == to || !seen.insert({ref, to}).second) return;
    const Engine* accel = to != &cpu ? to : from;
    const SocTensor& t = g.tensor(ref);
    const SocDtype from_dtype = from->run_dtype(t.dtype), to_dtype = to->run_dtype(t.dtype);
    BoundaryCrossing b;
    b.tensor = ref;
    b.consumer = consumer;
    b.from = from->name;
    b.to = to->name;
    b.bytes = t.elements() * soc_dtype_bytes(from_dtype);
    b.copy_s = static_cast<double>(b.bytes) / accel->delegate.copy_bandwidth.bytes_per_s;
    if (accel->kind == EngineKind::Gpu && accel->delegate.conv_bandwidth.bytes_per_s > 0) {
      const uint64_t c4 = (static_cast<uint64_t>(t.shape.back()) + 3) / 4 * 4;
      const uint64_t padded =
          t.elements() / static_cast<uint64_t>(t.shape.back()) * c4 * soc_dtype_bytes(from_dtype);
      b.layout_s = static_cast<double>(padded) / accel->delegate.conv_bandwidth.bytes_per_s;
    }
    if (from_dtype != to_dtype)
      b.convert_s = static_cast<double>(t.elements()) * soc.cvt_per_element_s;
    const double scale = 1.0 / accel->throttle;
    b.copy_s *= scale;
    b.layout_s *= scale;
    b.convert_s *= scale;
    c.boundary_s += b.copy_s + b.layout_s + b.convert_s;
    c.crossings.push_back(b);
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Engine* to = plan.partitions[part_of[i]].engine;
    for (int in : g.nodes[i].inputs) {
      if (in < 0) {
        cross(in, &cpu, to, static_cast<int>(i));
        continue;
      }
      consumed[static_cast<size_t>(in)] = true;
      if (part_of[static_cast<size_t>(in)] != part_of[i])
        cross(in, plan.partitions[part_of[static_cast<size_t>(in)]].engine, to,
              static_cast<int>(i));
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!consumed[i]) cross(static_cast<int>(i), plan.partitions[part_of[i]].engine, &cpu, -1);
  }
  c.boundary_s += c.sync_s;
  return c;
}

std::vector<EngineMemory> memory_ledger(const SocGraph& g, const DelegationPlan& plan,
                                        const DesignCost& cost) {
  std::map<std::string, EngineMemory> m;
  for (const SocPartition& p : plan.partitions) {
    EngineMemory& e = m[p.engine->name];
    e.engine = p.engine->name;
    for (size_t i : p.nodes) {
      const SocNode& n = g.nodes[i];
      e.weights += n.weight_bytes;
      e.arena = std::max(e.arena, node_bytes(n, g, *p.engine) - n.weight_bytes_read());
    }
  }
  for (const BoundaryCrossing& b : cost.crossings) {
    const std::string& accel = b.to != "cpu" ? b.to : b.from;
    m[accel].engine = accel;
    m[accel].delegate_buffers += b.bytes;
  }
  std::vector<EngineMemory> out;
  for (auto& kv : m) out.push_back(kv.second);
  return out;
}

std::string memory_fit(const MobileSoc& soc, const std::vector<EngineMemory>& ledger) {
  uint64_t sum = 0;
  for (const EngineMemory& e : ledger) {
    sum += e.total();
    const Engine* eng = soc.find(e.engine);
    if (eng != nullptr && e.total() > eng->memory.n) {
      return "the design needs " + format_bytes(Bytes{e.total()}) + " on " + e.engine + " of " +
             soc.name + ", whose memory is " + format_bytes(eng->memory) + eng->source;
    }
  }
  if (sum > soc.ram.n) {
    return "the design needs " + format_bytes(Bytes{sum}) + " in all, above the RAM of " +
           soc.name + " (" + format_bytes(soc.ram) + ")";
  }
  return "";
}

}  // namespace npusim
