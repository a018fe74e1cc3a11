// The LLM NPU's compute rule (sim/exec/engine.h): how long a work unit occupies the MPE, the
// dequantiser and the SFU.
//   matrix   a weight tile takes max(MPE, dequant) + the dequant pipeline depth when its
//            weights are bit-planes (transform_weights), the MPE's cycles otherwise;
//   vector   the SFU's cycles; an on-chip SFU operation exposes only its latency and the last
//            sub-vector when `sfu_overlap` (it consumes the producer's output as it streams);
//   fused    attention: MPE(Q.K^T) + SFU(softmax) + MPE(P.V), or all three on the SFU lanes
//            (`attention_on_sfu`, for machines that run attention in vector math).
#pragma once

#include "models/llm_npu/i_dequant_unit.h"
#include "sim/exec/engine.h"

namespace npusim {

class LlmComputeRule : public IComputeRule {
 public:
  struct Config {
    IMatrixUnit* mpe = nullptr;
    IVectorUnit* sfu = nullptr;
    IDequantUnit* dequant = nullptr;
    bool sfu_overlap = true;
    bool attention_on_sfu = false;
    uint64_t sfu_overlap_elements = 64;
  };
  explicit LlmComputeRule(Config c) : c_(c) {}
  Cost compute(const WorkUnit& u, OpActivity& act) override;

 private:
  Config c_;
};

}  // namespace npusim
