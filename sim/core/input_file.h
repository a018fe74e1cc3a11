// User input files are read only when they are regular files of a bounded size: a FIFO would
// block the open, a device (/dev/zero, /dev/urandom) or a multi-gigabyte file would be read
// whole into memory. Such inputs are refused up front with a message saying what the path is.
#pragma once

#include <cstdint>
#include <string>

namespace npusim {

// A YAML config or trace is parsed into a node tree many times its size; big per-sample tables
// belong in the CSV files a trace points to, which are read line by line.
constexpr uint64_t kMaxYamlInputBytes = 32ull << 20;
constexpr uint64_t kMaxCsvInputBytes = 256ull << 20;

// Why `path` must not be read ("is a FIFO (named pipe), not a regular file", "is 3.2GiB,
// more than the 32MiB limit for ..."), or "" when it may be read (or does not exist: opening
// it then reports that). Symbolic links are followed: the check is on what they point to.
std::string input_file_problem(const std::string& path, uint64_t max_bytes,
                               const std::string& what);

// The file's contents, reading at most max_bytes + 1 bytes (a file that grows after the check
// is still refused). Returns false when the file is larger or unreadable, with `why` phrased to
// follow "it" ("grew past the 32MiB limit for ... while being read").
bool read_input_file(const std::string& path, uint64_t max_bytes, const std::string& what,
                     std::string* text, std::string* why);

}  // namespace npusim
