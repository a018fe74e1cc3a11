// Output files appear whole or not at all: content goes to a temporary file in the same
// directory, which is renamed over the target only after a successful write and flush.
#pragma once

#include <string>

namespace npusim {

// Throws UserError when the directory cannot be created or written.
void write_file_atomic(const std::string& path, const std::string& content);
void ensure_directory(const std::string& dir);

}  // namespace npusim
