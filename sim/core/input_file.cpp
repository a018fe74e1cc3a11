#include "sim/core/input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sim/core/units.h"

namespace npusim {

namespace {

std::string too_big(uint64_t size, uint64_t max_bytes, const std::string& what) {
  std::string have = format_bytes(Bytes{size}), limit = format_bytes(Bytes{max_bytes});
  if (have == limit) have = std::to_string(size) + "B";  // just over: rounding would hide it
  return "is " + have + ", more than the " + limit + " limit for " + what;
}

}  // namespace

std::string input_file_problem(const std::string& path, uint64_t max_bytes,
                               const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";  // missing or unreachable: the open says so
  if (S_ISDIR(st.st_mode)) return "is a directory, not a file";
  if (S_ISFIFO(st.st_mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "is a device, not a regular file";
  if (S_ISSOCK(st.st_mode)) return "is a socket, not a regular file";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return too_big(static_cast<uint64_t>(st.st_size), max_bytes, what);
  return "";
}

bool read_input_file(const std::string& path, uint64_t max_bytes, const std::string& what,
                     std::string* text, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = std::string("could not be opened (") +
           (errno ? std::strerror(errno) : "no such readable file") + ")";
    return false;
  }
  text->clear();
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    text->append(buf, static_cast<size_t>(in.gcount()));
    if (text->size() > max_bytes) {
      *why = "grew past the " + format_bytes(Bytes{max_bytes}) + " limit for " + what +
             " while being read";
      return false;
    }
  }
  if (in.bad()) {
    *why = "could not be read";
    return false;
  }
  return true;
}

}  // namespace npusim
