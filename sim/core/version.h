// The simulator's identity: release version, git commit, and a hash of uncommitted changes
// (e.g. "0.1.0+g6ffa24c1de.dirty3f2a9c10"). Written into stats.json and reported by
// `npusim --version` and `npusim.__version__`.
#pragma once

namespace npusim {

const char* build_id();

}  // namespace npusim
