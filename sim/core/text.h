// Small text helpers shared by the config loader, the CLI and the reports.
#pragma once

#include <string>
#include <vector>

namespace npusim {

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(const std::string& a, const std::string& b);

// The closest candidate to `word`, or "" when nothing is close enough to be a likely typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean `x`?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

std::string join(const std::vector<std::string>& parts, const std::string& sep);

}  // namespace npusim
