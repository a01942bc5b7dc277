// Samples the caller holds, and what a prediction writes: the on-device side of the API, for a
// sensor that delivers one sample at a time or data that is not in a blob.
//
//   Samples s;  s.pixels = frame;  s.labels = &label;  s.rows = 1;
//   trainer_train_samples(&trainer, s, &step);          // learn from it (trainer.hpp)
//   uint16_t best[3];  Prediction p;  p.top = best;  p.k = 3;
//   predictor_run(&predictor, s, p);                    // or trainer_predict(&trainer, s, p)
#pragma once

#include <cstdint>

namespace gct {

// `rows` samples (1..the batch the model was set up for), in the shape and pixel layout of the
// model's data. Give pixels or inputs, not both.
struct Samples {
  const uint8_t* pixels = nullptr;  // rows x sample_size bytes, normalised with the model's statistics
  const float* inputs = nullptr;    // rows x sample_size values already normalised
  const uint8_t* labels = nullptr;  // rows class labels: needed to train, ignored by predictions
  uint32_t rows = 0;
};

// What a prediction writes for each of the samples' rows; every output may be null.
struct Prediction {
  float* logits = nullptr;         // rows x classes
  float* probabilities = nullptr;  // rows x classes: the softmax of the logits
  uint16_t* top = nullptr;         // rows x k classes, most likely first (of equal logits, the lower class)
  uint32_t k = 0;                  // 1..classes when top is given
};

}  // namespace gct
