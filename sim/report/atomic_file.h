// Output files appear whole or not at all: content goes to a temporary file in the same
// directory, which is renamed over the target only after a successful write and flush.
// A target that exists and is not a regular file (a FIFO, a symbolic link, a device node, a
// directory) is never replaced: writing it is refused with a UserError (exit status 2), so an
// output path cannot destroy a pipe, redirect through a link, or write into /dev.
#pragma once

#include <string>

namespace npusim {

// Throws UserError when the directory cannot be created or written, or the target is not a
// regular file.
void write_file_atomic(const std::string& path, const std::string& content);
void ensure_directory(const std::string& dir);
// Throws UserError when `path` exists and is not a regular file (checked without following a
// symbolic link). The CLI checks its outputs before a run, so a long simulation is not wasted.
void check_output_path(const std::string& path);

}  // namespace npusim
