#include "sim/core/kernel.h"

#include <cstdlib>
#include <iostream>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include "sim/core/errors.h"

namespace npusim {
namespace {

uint64_t g_activations = 0;
std::exception_ptr g_error;
bool g_active = false;

// SystemC reports: errors become internal errors (a model bug), warnings go to stderr.
void report_handler(const sc_core::sc_report& rep, const sc_core::sc_actions&) {
  if (rep.get_severity() >= sc_core::SC_ERROR) {
    throw InternalError(std::string("SystemC: ") + rep.get_msg_type() + ": " + rep.get_msg());
  }
  if (rep.get_severity() == sc_core::SC_WARNING) {
    std::cerr << "npusim: SystemC warning: " << rep.get_msg_type() << ": " << rep.get_msg() << "\n";
  }
}

}  // namespace

SimKernel::SimKernel() {
  NPUSIM_ASSERT(!g_active, "only one SimKernel may be alive at a time");
  g_active = true;
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  sc_core::sc_report_handler::set_handler(report_handler);
  previous_ = sc_core::sc_curr_simcontext;
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  g_activations = 0;
  g_error = nullptr;
}

SimKernel::~SimKernel() {
  delete sc_core::sc_curr_simcontext;
  // The context that existed before (libsystemc creates one for its own static objects at load
  // time) stays alive and current: those statics refer to it until the process exits.
  sc_core::sc_curr_simcontext = previous_;
  sc_core::sc_default_global_context = previous_;
  g_active = false;
}

#if defined(__SANITIZE_ADDRESS__)
// libsystemc tells AddressSanitizer about its coroutine switches, but gives the main coroutine
// an empty stack (0 bytes at address 0). Back on the main stack after sc_start, ASan then
// believes the thread has no stack and cannot unpoison it when an exception is thrown, which
// produces false stack-overflow reports later. Re-announce the real main stack.
static void restore_main_stack_bounds() {
  pthread_attr_t attr;
  void* base = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, base, size);
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
}
#endif

// Ends every process still waiting when the simulation runs out of events (DMA queues idle
// forever, for instance), so their stacks unwind and the objects on them are destroyed. Only a
// process may kill another, so a reaper process does it at the final simulated time.
static void kill_waiting_processes() {
  std::vector<sc_core::sc_object*> todo = sc_core::sc_get_top_level_objects();
  std::vector<sc_core::sc_process_handle> processes;
  while (!todo.empty()) {
    sc_core::sc_object* o = todo.back();
    todo.pop_back();
    sc_core::sc_process_handle h(o);
    if (h.valid()) processes.push_back(h);
    for (sc_core::sc_object* c : o->get_child_objects()) todo.push_back(c);
  }
  sc_core::sc_process_handle self = sc_core::sc_get_current_process_handle();
  for (auto& h : processes) {
    if (h.valid() && h != self && !h.terminated()) h.kill();
  }
}

void SimKernel::run() {
  sc_core::sc_start();
  if (sc_core::sc_get_status() == sc_core::SC_PAUSED) {
    sc_core::sc_spawn(&kill_waiting_processes, "npusim_reaper");
    sc_core::sc_start();
  }
#if defined(__SANITIZE_ADDRESS__)
  restore_main_stack_bounds();
#endif
  if (g_error) {
    std::exception_ptr e = g_error;
    g_error = nullptr;
    std::rethrow_exception(e);
  }
}

uint64_t SimKernel::activations() {
  return g_activations;
}
void SimKernel::count_activation() {
  ++g_activations;
}

void SimKernel::record_exception(std::exception_ptr e) {
  if (g_error) return;  // the first failure is the one to report
  g_error = e;
  sc_core::sc_pause();  // (not sc_stop: the reaper must still be able to run)
}

void guarded(const std::function<void()>& body) {
  try {
    body();
  } catch (const sc_core::sc_unwind_exception&) {
    throw;  // SystemC's own process teardown must pass through
  } catch (...) {
    SimKernel::record_exception(std::current_exception());
  }
}

void sim_wait(const sc_core::sc_time& t) {
  sc_core::wait(t);
  ++g_activations;
}

void sim_wait(const sc_core::sc_event& e) {
  sc_core::wait(e);
  ++g_activations;
}

}  // namespace npusim

// libsystemc.so refers to sc_main from its own main(); the suite has its own entry points
// (the CLI, the Python module, the tests) and never calls it, but the symbol must exist.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) {
  return 0;
}
