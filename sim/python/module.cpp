// The Python module `npusim` (built by CMake into build/python; run scripts with
// PYTHONPATH=build/python /usr/bin/python3).
//
//   npusim.run(hw, workload, overrides={}, timeline=None, policy=None, timeline_limit=500000)
//       -> dict: the stats.json content; `policy` is a callable f(step, context) -> bits that
//       drives a `schedule: {type: python}` workload, called before every decode step
//   npusim.validate(hw, workload=None, overrides={})                raises on a problem
//   npusim.resolve(hw, overrides={}) -> str                         the resolved hw YAML
//   npusim.describe(type) -> dict                                    a component's parameters
//   npusim.list_types() -> list of {kind, type, doc}
//   npusim.Error (ConfigError, WorkloadError subclass it; MappingError subclasses ConfigError:
//   a valid config that cannot run the workload; InternalError, a simulator bug, subclasses
//   it too, so `except npusim.Error` catches every failure)          the CLI's message
//
// hw and workload are file paths or dicts shaped like the YAML. Simulations in one process
// run one at a time (SystemC has global state); the GIL is released while they run. A call
// made while a simulation runs in the same thread (from a policy) raises npusim.Error instead
// of waiting for itself. Ctrl-C stops a run: the simulation checks for signals every 20 ms of
// progress, unwinds, and the call raises KeyboardInterrupt.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <new>

#include "sim/app/reference_docs.h"
#include "sim/app/session.h"
#include "sim/core/component.h"
#include "sim/core/errors.h"
#include "sim/core/host_callback.h"
#include "sim/core/text.h"
#include "sim/core/version.h"
#include "sim/memory_ledger/device.h"
#include "sim/memory_ledger/device_energy.h"
#include "sim/memory_ledger/training.h"
#include "sim/workload/op_math.h"
#include "sim/workload/trace.h"

namespace py = pybind11;
using namespace npusim;

namespace {

std::mutex g_sim_mutex;
// Set while this thread runs a simulation (SystemC's processes run on the caller's thread) or
// a callback from one: a nested call would wait for the mutex its own thread holds.
thread_local bool t_simulating = false;

// A Python exception raised inside a simulation (KeyboardInterrupt from a signal handler): kept
// here while the simulation unwinds, raised again when the call returns.
struct PendingPythonError {
  PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
};
PendingPythonError g_pending;

// Thrown inside a simulation to stop it for g_pending (the kernel records it like any error).
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// With the GIL: moves the current Python error to g_pending and stops the simulation.
[[noreturn]] void interrupt_with_python_error() {
  if (g_pending.type == nullptr) PyErr_Fetch(&g_pending.type, &g_pending.value, &g_pending.trace);
  PyErr_Clear();
  throw Interrupted();
}

// Runs `body` (a simulation) without the GIL, holding the simulation mutex; raises the
// Python error a signal handler or policy left pending.
void refuse_nested() {
  if (t_simulating) {
    throw UserError(
        "npusim cannot run a simulation from inside another one (a policy or callback called "
        "npusim while a run was in progress); simulations in one process run one at a time");
  }
}

template <class F>
auto simulating(F&& body) -> decltype(body()) {
  refuse_nested();
  struct Flag {
    Flag() { t_simulating = true; }
    ~Flag() { t_simulating = false; }
  };
  auto reraise = [] {
    if (g_pending.type == nullptr) return;
    PyErr_Restore(g_pending.type, g_pending.value, g_pending.trace);
    g_pending = {};
    throw py::error_already_set();
  };
  try {
    Flag flag;
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(g_sim_mutex);
    return body();
  } catch (const Interrupted&) {
    reraise();
    throw InternalError("a simulation was interrupted without a Python error");
  } catch (...) {
    reraise();  // (the simulation's own error came second: the interrupt is what the user did)
    throw;
  }
}

// Checks for signals (Ctrl-C) from inside a running simulation, at most every 20 ms.
RunOptions interruptible(RunOptions o) {
  auto next =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  auto inner = o.progress;
  o.progress = [next, inner](double fraction, const std::string& what) {
    if (inner) inner(fraction, what);
    const auto now = std::chrono::steady_clock::now();
    if (now < *next) return;
    *next = now + std::chrono::milliseconds(20);
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) interrupt_with_python_error();
  };
  return o;
}

// Python value -> YAML text fragment. JSON is valid YAML, and Python's json module renders
// floats exactly (repr), so the document reads back to the same numbers.
std::string to_yaml_text(const py::object& obj, ErrorKind kind, const std::string& what) {
  py::module_ json = py::module_::import("json");
  try {
    return json.attr("dumps")(obj).cast<std::string>();
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_Exception)) throw;  // KeyboardInterrupt, SystemExit: not the value's fault
    std::string msg = e.what();
    throw_user_error(kind,
                     what + " cannot be written as YAML: " + msg.substr(0, msg.find("\n\nAt:")));
  }
}

std::shared_ptr<YamlDoc> load_doc(const py::object& obj, ErrorKind kind, const std::string& root,
                                  const char* what) {
  if (py::isinstance<py::str>(obj)) return load_yaml_file(obj.cast<std::string>(), kind, root);
  if (py::hasattr(obj, "__fspath__")) {
    return load_yaml_file(py::str(obj.attr("__fspath__")()).cast<std::string>(), kind, root);
  }
  if (py::isinstance<py::dict>(obj)) {
    return load_yaml_text(to_yaml_text(obj, kind, std::string("the ") + what + " dict"),
                          std::string("<") + what + " dict>", kind, root);
  }
  throw_user_error(kind, std::string(what) + " must be a file path or a dict");
}

std::string path_text(const py::object& obj, const char* what) {
  if (py::isinstance<py::str>(obj)) return obj.cast<std::string>();
  if (py::hasattr(obj, "__fspath__")) return py::str(obj.attr("__fspath__")()).cast<std::string>();
  throw ConfigError(std::string(what) + " must be a file path, not " +
                    py::repr(obj).cast<std::string>());
}

SessionInput make_input(const py::object& hw, const py::object& workload,
                        const py::object& overrides) {
  SessionInput in;
  in.hw = load_doc(hw, ErrorKind::Config, "hw", "hw");
  if (!workload.is_none())
    in.workload = load_doc(workload, ErrorKind::Workload, "workload", "workload");
  if (overrides.is_none()) return in;
  if (!py::isinstance<py::dict>(overrides)) {
    throw ConfigError("overrides must be a dict {\"path.key\": value}, not " +
                      py::repr(overrides).cast<std::string>());
  }
  for (const auto& kv : py::reinterpret_borrow<py::dict>(overrides)) {
    if (!py::isinstance<py::str>(kv.first)) {
      throw ConfigError("override keys must be strings (\"dram.channels\"), not " +
                        py::repr(kv.first).cast<std::string>());
    }
    std::string key = kv.first.cast<std::string>();
    py::object v = py::reinterpret_borrow<py::object>(kv.second);
    std::string value = py::isinstance<py::str>(v)
                            ? v.cast<std::string>()
                            : to_yaml_text(v, ErrorKind::Config, "override `" + key + "`");
    in.overrides.emplace_back(key, value);
  }
  return in;
}

py::object json_to_python(const Json& j) {
  return py::module_::import("json").attr("loads")(j.dump(0));
}

// Installs a Python callable as the `type: python` precision policy for one run. The
// simulation runs without the GIL; the callback takes it for each call.
class PolicyScope {
 public:
  explicit PolicyScope(const py::object& f) : active_(!f.is_none()) {
    if (!active_) return;
    if (!PyCallable_Check(f.ptr()))
      throw ConfigError("policy must be callable: f(step, context) -> bits");
    auto holder = std::make_shared<py::object>(f);
    set_host_callback([holder](int64_t step, const HostContext& c,
                               const std::string& what) -> int64_t {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) interrupt_with_python_error();
      try {
        py::dict ctx;
        for (const auto& [key, value] : c) ctx[py::str(key)] = value;
        py::object r = (*holder)(step, ctx);
        if (!py::isinstance<py::int_>(r) || py::isinstance<py::bool_>(r)) {
          throw WorkloadError("the " + what + " returned " + py::repr(r).cast<std::string>() +
                              " at decode step " + std::to_string(step) +
                              "; it must return an int (bits)");
        }
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(r.ptr(), &overflow);
        if (overflow != 0) {
          throw WorkloadError("the " + what + " returned " + py::repr(r).cast<std::string>() +
                              " at decode step " + std::to_string(step) + "; it is out of range");
        }
        return static_cast<int64_t>(v);
      } catch (py::error_already_set& e) {
        if (e.matches(PyExc_KeyboardInterrupt)) {  // Ctrl-C while the policy ran: stop the run
          e.restore();
          interrupt_with_python_error();
        }
        std::string msg = e.what();
        msg = msg.substr(0, msg.find("\n\nAt:"));  // the message, without pybind's traceback
        throw WorkloadError("the " + what + " raised at decode step " + std::to_string(step) +
                            ": " + msg);
      }
    });
  }
  ~PolicyScope() {
    if (active_) set_host_callback(nullptr);
  }

 private:
  bool active_;
};

}  // namespace

PYBIND11_MODULE(npusim, m) {
  m.doc() = "npusim: cycle-level NPU and DNN-accelerator simulator";
  m.attr("__version__") = build_id();
  static py::exception<UserError> error(m, "Error");
  static py::exception<ConfigError> config_error(m, "ConfigError", error.ptr());
  static py::exception<MappingError> mapping_error(m, "MappingError", config_error.ptr());
  static py::exception<WorkloadError> workload_error(m, "WorkloadError", error.ptr());
  static py::exception<InternalError> internal_error(m, "InternalError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const MappingError& e) {
      PyErr_SetString(mapping_error.ptr(), e.what());
    } catch (const ConfigError& e) {
      PyErr_SetString(config_error.ptr(), e.what());
    } catch (const WorkloadError& e) {
      PyErr_SetString(workload_error.ptr(), e.what());
    } catch (const UserError& e) {
      PyErr_SetString(error.ptr(), e.what());
    } catch (const InternalError& e) {
      PyErr_SetString(internal_error.ptr(), e.what());
    } catch (const std::bad_alloc&) {
      PyErr_SetString(internal_error.ptr(), "out of memory (std::bad_alloc) in the simulator");
    } catch (const py::error_already_set&) {
      throw;  // a Python exception (KeyboardInterrupt): pybind11 raises it as it is
    } catch (const py::builtin_exception&) {
      throw;  // pybind11's own (a cast of a wrong type): pybind11 translates it
    } catch (const std::exception& e) {
      PyErr_SetString(internal_error.ptr(), (std::string("internal error: ") + e.what()).c_str());
    }
  });

  m.def(
      "run",
      [](const py::object& hw, const py::object& workload, const py::object& overrides,
         const py::object& timeline, const py::object& policy, int64_t timeline_limit) {
        refuse_nested();  // (before the policy scope replaces the running one's policy)
        SessionInput in = make_input(hw, workload, overrides);
        if (!timeline.is_none()) in.timeline_path = path_text(timeline, "timeline");
        if (timeline_limit < 1) {
          throw ConfigError("timeline_limit must be at least 1 (events); it is " +
                            std::to_string(timeline_limit));
        }
        in.timeline_limit = static_cast<size_t>(timeline_limit);
        in.options = interruptible(in.options);
        SessionOutput out;
        {
          PolicyScope scope(policy);
          out = simulating([&] { return run_session(std::move(in)); });
        }
        return json_to_python(out.stats);
      },
      py::arg("hw"), py::arg("workload"), py::arg("overrides") = py::dict(),
      py::arg("timeline") = py::none(), py::arg("policy") = py::none(),
      py::arg("timeline_limit") = static_cast<int64_t>(Timeline::kDefaultMaxEvents),
      "Run one simulation; returns the stats.json content as a dict. `policy`, a callable\n"
      "f(step, context) -> bits, drives a `schedule: {type: python}` workload.");

  m.def(
      "validate",
      [](const py::object& hw, const py::object& workload, const py::object& overrides) {
        SessionInput in = make_input(hw, workload, overrides);
        simulating([&] { return validate_session(std::move(in)); });
      },
      py::arg("hw"), py::arg("workload") = py::none(), py::arg("overrides") = py::dict(),
      "Check a hardware file (and a workload) without simulating.");

  m.def(
      "resolve",
      [](const py::object& hw, const py::object& overrides) {
        SessionInput in = make_input(hw, py::none(), overrides);
        return simulating([&] { return validate_session(std::move(in)); });
      },
      py::arg("hw"), py::arg("overrides") = py::dict(),
      "The fully resolved hardware config (YAML text): every parameter with its default.");

  m.def(
      "describe",
      [](const py::object& type) {
        if (!py::isinstance<py::str>(type)) {
          throw ConfigError("describe takes a type name (\"systolic_array\"), not " +
                            py::repr(type).cast<std::string>());
        }
        return json_to_python(describe_type(type.cast<std::string>()));
      },
      py::arg("type"), "Parameters of a component type or trace operator, as a dict.");

  // The C++ operator maths of every listed operator of a trace, so a test can hold the Python
  // exporters' copy (workloads/exporters/op_math.py) to it.
  m.def(
      "_op_math",
      [](const py::object& workload) {
        const Workload w =
            load_workload(load_doc(workload, ErrorKind::Workload, "workload", "workload"));
        py::list out;
        for (const Model& model : w.models) {
          for (const Operator& op : model.layers) {
            py::dict d;
            d["model"] = model.name;
            d["name"] = op.name;
            d["macs"] = op_macs(op);
            if (op.type == OpType::Conv2d || op.type == OpType::DepthwiseConv2d ||
                op.type == OpType::Pool) {
              const ConvOutput o = conv_output(op);
              d["conv_output"] = py::make_tuple(o.h, o.w);
            }
            out.append(d);
          }
        }
        return out;
      },
      py::arg("workload"),
      "Per operator of a trace's listed layers: {model, name, macs, conv_output}.");

  // On-device learning (docs/ondevice_learning.md): each model's training costs and the
  // memory ledger's replay of its tensor events, on a device preset's memory caps.
  m.def(
      "training_report",
      [](const py::object& workload, const py::object& device) {
        const Workload w =
            load_workload(load_doc(workload, ErrorKind::Workload, "workload", "workload"));
        std::optional<OnDeviceTarget> target;
        std::array<SpaceLimit, kMemorySpaces> limits{};
        if (!device.is_none()) {
          target = load_ondevice_target(path_text(device, "device"));
          limits = memory_limits(*target);
        }
        py::list out;
        for (const Model& model : w.models) {
          const std::optional<TrainingSpec> t = load_training(model);
          if (!t) continue;
          out.append(json_to_python(training_report_json(model, *t, replay_training(*t, limits),
                                                         target ? &*target : nullptr)));
        }
        return out;
      },
      py::arg("workload"), py::arg("device") = py::none(),
      "Per model with a `training:` section: its phase MACs, optimiser state and the memory\n"
      "ledger (peak and breakdown per space, OOM events, timeline) on the device's caps;\n"
      "with a device preset, also one iteration's time and energy on it.");

  // The suite's energy model on a device preset's table, for costs computed in Python (a
  // LifeLearner episode): the same records and pricing as training_report's iteration.
  m.def(
      "ondevice_energy",
      [](const py::object& device, const py::dict& cost) {
        const OnDeviceTarget target = load_ondevice_target(path_text(device, "device"));
        IterationCost c;
        auto seconds = [](const py::handle& v, const std::string& key) {
          const double s = py::cast<double>(v);
          if (!(s >= 0) || !std::isfinite(s))
            throw ConfigError("ondevice_energy: `" + key + "` must be seconds >= 0, not " +
                              std::string(py::str(v)));
          return s;
        };
        auto spaces = [](const py::handle& v, const std::string& key,
                         std::array<uint64_t, kMemorySpaces>& out) {
          for (const auto& [space, n] : py::cast<py::dict>(v)) {
            const std::string name = py::str(space);
            size_t s = 0;
            while (s < kMemorySpaces && name != memory_space_name(static_cast<MemorySpace>(s))) ++s;
            if (s == kMemorySpaces)
              throw ConfigError("ondevice_energy: unknown memory space `" + name + "` in `" + key +
                                "` (sram, flash, dram)");
            const auto bytes = py::cast<int64_t>(n);
            if (bytes < 0)
              throw ConfigError("ondevice_energy: negative bytes for " + name + " in `" + key +
                                "`");
            out[s] = static_cast<uint64_t>(bytes);
          }
        };
        for (const auto& [k, v] : cost) {
          const std::string key = py::str(k);
          if (key == "compute_s")
            c.compute_s = seconds(v, key);
          else if (key == "memory_s")
            c.memory_s = seconds(v, key);
          else if (key == "overhead_s")
            c.overhead_s = seconds(v, key);
          else if (key == "read_bytes")
            spaces(v, key, c.traffic.read);
          else if (key == "written_bytes")
            spaces(v, key, c.traffic.written);
          else
            throw ConfigError("ondevice_energy: unknown key `" + key + "`" +
                              did_you_mean(key, {"compute_s", "memory_s", "overhead_s",
                                                 "read_bytes", "written_bytes"}));
        }
        return json_to_python(ondevice_energy_json(target, c));
      },
      py::arg("device"), py::arg("cost"),
      "A device preset's energy table pricing one cost: {compute_s, memory_s, overhead_s,\n"
      "read_bytes: {space: n}, written_bytes: {space: n}} (docs/ondevice_learning.md, Energy).\n"
      "Returns the energy report: total_j, dynamic_j, static_j, average_power_w, components.");

  m.def("list_types", [] {
    py::list out;
    for (const ComponentInfo* c : Registry::all()) {
      py::dict d;
      d["kind"] = c->kind;
      d["type"] = c->type;
      d["doc"] = c->doc;
      out.append(d);
    }
    return out;
  });
}
