// A callable that the host program (the Python module) lends to one run, so users can steer a
// model from their own code: f(step, context) -> integer, where context names integers. The
// LLM NPU's `schedule: {type: python}` policy calls it before every decode step; any model
// may offer such a hook. The host converts values and reports its own errors (as user errors
// naming `what` and the step).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace npusim {

using HostContext = std::map<std::string, int64_t>;
using HostCallback =
    std::function<int64_t(int64_t step, const HostContext& context, const std::string& what)>;

// Installs `f` for the runs that follow (an empty function removes it).
void set_host_callback(HostCallback f);
const HostCallback& host_callback();

}  // namespace npusim
