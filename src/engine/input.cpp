#include "input.hpp"

#include <cmath>
#include <cstring>

namespace gct {

void input_normalisation(const DatasetView& format, ScalarKind scalar, float* norm, int32_t* qnorm) {
  // x = (v / 255 - mean) / std = v * scale + offset: one multiply-add per pixel, which vectorises
  // (a 256-entry table lookup per pixel does not, and cost 8 % of a step).
  for (int c = 0; c < format.channels; ++c) {
    if (is_fixed(scalar)) {
      // Single correctly rounded IEEE operations and an exact rounding: the same integers on every
      // target. Training itself never touches floating point.
      const double std_dev = static_cast<double>(format.stddev[c]);
      qnorm[2 * c] = static_cast<int32_t>(std::llround(16777216.0 / (255.0 * std_dev)));
      qnorm[2 * c + 1] = static_cast<int32_t>(std::llround(-16777216.0 * static_cast<double>(format.mean[c]) / std_dev));
      continue;
    }
    const float inv_std = 1.0f / format.stddev[c];
    norm[2 * c] = inv_std / 255.0f;
    norm[2 * c + 1] = -format.mean[c] * inv_std;
  }
}

void load_consecutive(Mlp* mlp, const DatasetView& data, const float* norm, const int32_t* qnorm, uint32_t first,
                      uint32_t rows) {
  const uint32_t d = data.sample_size();
  for (uint32_t r = 0; r < rows; ++r) {
    const uint8_t* src = data.pixels + size_t{first + r} * d;
    if (is_fixed(mlp->scalar)) {
      load_plain(data, src, FixedInput{qnorm, mlp->qact[0] + size_t{r} * d});
    } else {
      load_plain(data, src, FloatInput{norm, mlp->act[0] + size_t{r} * d});
    }
  }
}

// Inputs already normalised: copied, or rounded into the fixed-point input format (Q16).
static void load_inputs(Mlp* mlp, const float* inputs, size_t n) {
  if (!is_fixed(mlp->scalar)) {
    std::memcpy(mlp->act[0], inputs, n * sizeof(float));
    return;
  }
  const double one = static_cast<double>(int64_t{1} << fx::kActFrac);
  for (size_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(inputs[i]) * one;  // NaN becomes 0, the rest saturates
    const double c = !(v == v) ? 0.0 : (v < -2147483648.0 ? -2147483648.0 : (v > 2147483647.0 ? 2147483647.0 : v));
    mlp->qact[0][i] = static_cast<int32_t>(std::llround(c));
  }
}

Status load_samples(Mlp* mlp, const DatasetView& format, const float* norm, const int32_t* qnorm,
                    const Samples& samples) {
  if (samples.rows == 0 || samples.rows > mlp->batch) {
    return Status::Error(Code::kInvalidArgument, "%u samples given; the model was set up for 1..%u at a time",
                         static_cast<unsigned>(samples.rows), static_cast<unsigned>(mlp->batch));
  }
  if ((samples.pixels == nullptr) == (samples.inputs == nullptr)) {
    return Status::Error(Code::kInvalidArgument, "samples need either pixels or inputs (%s given)",
                         samples.pixels == nullptr ? "neither" : "both");
  }
  if (samples.inputs != nullptr) {
    load_inputs(mlp, samples.inputs, size_t{samples.rows} * format.sample_size());
    return Status::Ok();
  }
  DatasetView view = format;
  view.pixels = samples.pixels;
  load_consecutive(mlp, view, norm, qnorm, 0, samples.rows);
  return Status::Ok();
}

}  // namespace gct
