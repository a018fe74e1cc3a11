// The npusim command line. Exit status: 0 success, 2 user error (bad config, trace or flag),
// 1 internal error. Output files are written whole or not at all.
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "sim/app/reference_docs.h"
#include "sim/app/session.h"
#include "sim/app/summary.h"
#include "sim/core/component.h"
#include "sim/core/errors.h"
#include "sim/core/version.h"
#include "sim/report/atomic_file.h"
#include "sim/report/layers_csv.h"

namespace po = boost::program_options;
using namespace npusim;

namespace {

const char* kUsage =
    "usage: npusim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       --hw HW.yaml --workload WL.yaml [--out DIR] [--set path.key=value ...]\n"
    "            [--timeline FILE.json] [--quiet]\n"
    "  validate  --hw HW.yaml [--workload WL.yaml] [--set path.key=value ...]\n"
    "  list      registered component types\n"
    "  describe  TYPE [--json]   parameters of a component (or a trace operator)\n"
    "  docs      config|trace    regenerate the reference documentation (stdout)\n"
    "\n"
    "--set paths are relative to the hardware file (dram.channels=4); a path that starts\n"
    "with workload. edits the trace (workload.models.0.batch=8).\n"
    "`npusim COMMAND --help` describes one command.\n"
    "Exit status: 0 success, 2 user error, 1 internal error.\n";

// `npusim COMMAND --help`: each command's own usage and what it does.
std::string command_help(const std::string& cmd) {
  if (cmd == "run") {
    return "usage: npusim run --hw HW.yaml --workload WL.yaml [--out DIR]\n"
           "                  [--set path.key=value ...] [--timeline FILE.json] [--quiet]\n\n"
           "Simulates the workload on the hardware, prints a summary and writes DIR/stats.json,\n"
           "DIR/resolved_config.yaml and DIR/layers.csv, and DIR/requests.csv for a workload with "
           "a request\n"
           "stream (DIR defaults to npusim-out).\n\n"
           "  --hw FILE          hardware YAML (hw_configs/...)\n"
           "  --workload FILE    workload trace YAML (workloads/...)\n"
           "  --out DIR          output directory (created if missing)\n"
           "  --set PATH=VALUE   override a key, relative to the hardware file\n"
           "                     (dram.channels=4) or the trace when it starts with\n"
           "                     workload. (repeatable)\n"
           "  --timeline FILE    also write a Chrome/Perfetto timeline (JSON)\n"
           "  --timeline-limit N keep the timeline's first N events (default 500000); a\n"
           "                     truncated timeline says so in the file and on stderr\n"
           "  --quiet            no summary and no progress line\n\n"
           "An output path that exists and is not a regular file (a FIFO, symbolic link, device\n"
           "or directory) is not replaced: the run is refused with exit status 2.\n";
  }
  if (cmd == "validate") {
    return "usage: npusim validate --hw HW.yaml [--workload WL.yaml] [--set path.key=value ...]\n\n"
           "Checks the hardware file (and the trace) without simulating: exit status 0\n"
           "and `ok`, or 2 with the first error.\n";
  }
  if (cmd == "list") return "usage: npusim list\n\nLists the registered component types by kind.\n";
  if (cmd == "describe") {
    return "usage: npusim describe TYPE [--json]\n\n"
           "Prints the parameters of a component type (see `npusim list`) or a trace operator:\n"
           "name, type, unit, default and meaning; --json prints them as JSON.\n";
  }
  if (cmd == "docs") {
    return "usage: npusim docs config|trace\n\n"
           "Prints the generated reference (docs/config.md or docs/trace.md) on stdout.\n";
  }
  return "";
}

// Progress on stderr, only for runs that last more than a second, at most twice a second.
class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet), start_(std::chrono::steady_clock::now()) {}
  ~Progress() { finish(); }
  void update(double fraction, const std::string& what) {
    if (quiet_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(500))
      return;
    last_ = now;
    std::fprintf(stderr, "\r[npusim] %5.1f%%  %-60.60s", 100.0 * fraction, what.c_str());
    std::fflush(stderr);
    printed_ = true;
  }
  void finish() {
    if (printed_) std::fprintf(stderr, "\r[npusim] 100.0%%  done%60s\n", "");
    printed_ = false;
  }

 private:
  bool quiet_, printed_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

SessionInput inputs(const po::variables_map& vm, bool need_workload) {
  SessionInput in;
  if (!vm.count("hw")) throw ConfigError("missing --hw HW.yaml");
  in.hw = load_yaml_file(vm["hw"].as<std::string>(), ErrorKind::Config, "hw");
  if (vm.count("workload")) {
    in.workload = load_yaml_file(vm["workload"].as<std::string>(), ErrorKind::Workload, "workload");
  } else if (need_workload) {
    throw ConfigError("missing --workload WL.yaml");
  }
  if (vm.count("set")) {
    for (const auto& s : vm["set"].as<std::vector<std::string>>())
      in.overrides.push_back(parse_override(s));
  }
  return in;
}

int cmd_run(const po::variables_map& vm) {
  SessionInput in = inputs(vm, true);
  const std::string out_dir = vm["out"].as<std::string>();
  const bool quiet = vm.count("quiet") > 0;
  if (vm.count("timeline")) in.timeline_path = vm["timeline"].as<std::string>();
  if (vm.count("timeline-limit")) {
    const int64_t limit = vm["timeline-limit"].as<int64_t>();
    if (limit < 1)
      throw ConfigError("--timeline-limit must be at least 1 (events); it is " +
                        std::to_string(limit));
    in.timeline_limit = static_cast<size_t>(limit);
  }
  Progress progress(quiet);
  in.options.progress = [&progress](double f, const std::string& what) {
    progress.update(f, what);
  };
  ensure_directory(out_dir);
  if (!in.timeline_path.empty()) {
    auto slash = in.timeline_path.find_last_of('/');
    if (slash != std::string::npos) ensure_directory(in.timeline_path.substr(0, slash));
    check_output_path(in.timeline_path);
  }
  for (const char* file : {"/stats.json", "/resolved_config.yaml", "/layers.csv", "/requests.csv"})
    check_output_path(out_dir + file);
  const std::string in_timeline = in.timeline_path;
  const size_t in_limit = in.timeline_limit;
  auto t0 = std::chrono::steady_clock::now();
  SessionOutput out = run_session(std::move(in));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();
  if (out.timeline_dropped > 0 && !in_timeline.empty()) {
    std::cerr << "npusim: warning: the timeline holds its first " << in_limit << " events; "
              << out.timeline_dropped << " later ones were dropped (raise --timeline-limit)\n";
  }
  write_file_atomic(out_dir + "/stats.json", out.stats.dump(2) + "\n");
  write_file_atomic(out_dir + "/resolved_config.yaml", out.resolved_yaml);
  write_file_atomic(out_dir + "/layers.csv", layers_csv(out.stats));
  const Json* stream = out.stats.find("requests");
  const bool requests = stream != nullptr && stream->find("list") != nullptr;
  if (requests) write_file_atomic(out_dir + "/requests.csv", requests_csv(out.stats));
  if (!quiet) {
    std::cout << summary_table(out.stats);
    std::cout << "  simulated in " << format_double(std::round(wall * 1000) / 1000) << " s wall\n";
    std::cout << "  wrote " << out_dir << "/stats.json, resolved_config.yaml, layers.csv";
    if (requests) std::cout << ", requests.csv";
    if (vm.count("timeline")) std::cout << " and " << vm["timeline"].as<std::string>();
    std::cout << "\n";
  }
  return 0;
}

int cmd_validate(const po::variables_map& vm) {
  SessionInput in = inputs(vm, false);
  bool with_workload = in.workload != nullptr;
  validate_session(std::move(in));
  std::cout << "ok: " << vm["hw"].as<std::string>();
  if (with_workload) std::cout << " with " << vm["workload"].as<std::string>();
  std::cout << "\n";
  return 0;
}

int cmd_list() {
  std::string kind;
  for (const ComponentInfo* c : Registry::all()) {
    if (c->kind != kind) {
      kind = c->kind;
      std::cout << kind << ":\n";
    }
    std::printf("  %-22s %s\n", c->type.c_str(), c->doc.c_str());
  }
  return 0;
}

int cmd_describe(const po::variables_map& vm) {
  if (!vm.count("target")) throw ConfigError("describe needs a TYPE (see `npusim list`)");
  const std::string type = vm["target"].as<std::string>();
  Json d = describe_type(type);
  if (vm.count("json")) {
    std::cout << d.dump(2) << "\n";
  } else {
    std::cout << describe_text(type);
  }
  return 0;
}

int cmd_docs(const po::variables_map& vm) {
  const std::string which = vm.count("target") ? vm["target"].as<std::string>() : "";
  if (which == "config") {
    std::cout << config_reference_markdown();
  } else if (which == "trace") {
    std::cout << trace_reference_markdown();
  } else {
    throw ConfigError("docs needs `config` or `trace`");
  }
  return 0;
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "help" && argc > 2 && !command_help(argv[2]).empty()) {
    std::cout << command_help(argv[2]);
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "npusim " << build_id() << "\n";
    return 0;
  }
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::string help = command_help(cmd);
      if (help.empty())
        throw ConfigError("unknown command `" + cmd + "` (run, validate, list, describe, docs)");
      std::cout << help;
      return 0;
    }
  }
  po::options_description opts("options");
  opts.add_options()("hw", po::value<std::string>(), "hardware YAML")(
      "workload", po::value<std::string>(), "workload trace YAML")(
      "out", po::value<std::string>()->default_value("npusim-out"), "output directory")(
      "set", po::value<std::vector<std::string>>(), "override path.key=value")(
      "timeline", po::value<std::string>(), "Chrome/Perfetto trace file")(
      "timeline-limit", po::value<int64_t>(), "timeline events kept")(
      "quiet", "no summary, no progress")("json", "describe as JSON")(
      "target", po::value<std::string>(), "describe/docs target");
  po::positional_options_description pos;
  pos.add("target", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc - 1, argv + 1).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (cmd == "run") return cmd_run(vm);
  if (cmd == "validate") return cmd_validate(vm);
  if (cmd == "list") return cmd_list();
  if (cmd == "describe") return cmd_describe(vm);
  if (cmd == "docs") return cmd_docs(vm);
  throw ConfigError("unknown command `" + cmd + "` (run, validate, list, describe, docs)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const UserError& e) {
    std::cerr << "npusim: error: " << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "npusim: error: " << e.what() << " (see npusim --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "npusim: internal error: " << e.what() << "\n";
    return 1;
  }
}
