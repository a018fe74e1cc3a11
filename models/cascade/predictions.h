// Prediction traces of the cascade (spec §5): per (model, image) the light or heavy model's
// best-vs-second-best softmax margin (BvSB, in [0, 1]) and whether its top-1 was correct.
//
//   # multitasc_predictions.yaml                # a header naming the table
//   schema_version: 1
//   synthetic: true          # accuracies derived from it are labelled synthetic
//   images: 10000
//   calibration_images: 2000 # the first ones choose the baseline thresholds; devices draw
//                            # their samples from the others (the test pool)
//   csv: multitasc_predictions.csv   # image_id, then <model>.bvsb, <model>.correct per model
//   models: [mobilenetv2, efficientnet_lite0, ...]
//
// Real predictions (logits of trained models turned into BvSB and correctness) load through the
// same schema with `synthetic: false`. Every problem is a WorkloadError naming the file and line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npusim {

struct PredictionTrace {
  std::string file;
  bool synthetic = true;
  uint64_t images = 0, calibration = 0;
  std::vector<std::string> models;
  std::vector<std::vector<float>> bvsb;       // [model][image]
  std::vector<std::vector<uint8_t>> correct;  // [model][image]

  // Index of `name`; WorkloadError naming `where` and the models the trace has otherwise.
  size_t model(const std::string& name, const std::string& where) const;
  // Top-1 of `m` over images [from, to).
  double accuracy(size_t m, uint64_t from, uint64_t to) const;
};

PredictionTrace load_predictions(const std::string& path);

// The static baseline's threshold for a light -> heavy cascade, chosen on the calibration
// images over the grid 0, 0.01, ..., 1 (spec §3 "Baseline"): the smallest threshold forwarding
// at least `target_share` of the samples; if its cascade accuracy is more than `tolerance` below
// the best over the grid, the smallest threshold within `tolerance` of the best.
struct BaselineChoice {
  double threshold = 0, forwarded = 0, accuracy = 0, best_accuracy = 0;
};
BaselineChoice baseline_threshold(const PredictionTrace& p, size_t light, size_t heavy,
                                  double target_share, double tolerance);

}  // namespace npusim
