// Error taxonomy. A UserError is the user's fault (bad config, bad trace, bad flag): the CLI
// exits with status 2 and Python raises npusim.Error with the same text. An InternalError is
// a simulator bug (a broken invariant): exit status 1. Library code never calls exit().
#pragma once

#include <stdexcept>
#include <string>

namespace npusim {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UserError : public Error {
 public:
  using Error::Error;
};

// A hardware configuration (or --set override) is wrong.
class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

// A valid configuration cannot run a valid workload: a block that fits no buffer, a model
// larger than DRAM. Sweeps use the distinction: such a point fails on its own, while a bad
// key or value is rejected before the sweep starts.
class MappingError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

// A workload trace (YAML or CSV) is wrong.
class WorkloadError : public UserError {
 public:
  using UserError::UserError;
};

// A simulator invariant broke: a bug, never the user's fault.
class InternalError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void internal_failure(const char* file, int line, const std::string& what);

}  // namespace npusim

#define NPUSIM_ASSERT(cond, msg)                                                         \
  do {                                                                                   \
    if (!(cond))                                                                         \
      ::npusim::internal_failure(__FILE__, __LINE__, std::string(#cond) + ": " + (msg)); \
  } while (0)
