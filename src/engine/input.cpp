#include "input.hpp"

#include "finite.hpp"

#include "path.hpp"

namespace gct {

void load_consecutive(Mlp* mlp, const DatasetView& data, const void* norm, uint32_t first, uint32_t rows) {
  const ArithmeticPath& path = arithmetic_path(mlp->scalar);
  const uint32_t d = data.sample_size();
  for (uint32_t r = 0; r < rows; ++r) path.load_sample(mlp, norm, data, data.pixels + size_t{first + r} * d, r, nullptr);
}

Status load_samples(Mlp* mlp, const DatasetView& format, const void* norm, const Samples& samples) {
  if (samples.rows == 0 || samples.rows > mlp->batch) {
    return Status::Error(Code::kInvalidArgument, "%u samples given; the model was set up for 1..%u at a time",
                         static_cast<unsigned>(samples.rows), static_cast<unsigned>(mlp->batch));
  }
  if ((samples.pixels == nullptr) == (samples.inputs == nullptr)) {
    return Status::Error(Code::kInvalidArgument, "samples need either pixels or inputs (%s given)",
                         samples.pixels == nullptr ? "neither" : "both");
  }
  if (samples.inputs != nullptr) {
    // Refused here for every arithmetic: fixed point would saturate a NaN into a plausible input,
    // and a float softmax can turn infinities into finite probabilities. Integer tests of the bits:
    // no floating point on a core without an FPU.
    const uint32_t d = format.sample_size();
    for (uint32_t r = 0; r < samples.rows; ++r) {
      if (any_non_finite(samples.inputs + size_t{r} * d, d)) {
        return Status::Error(Code::kInvalidArgument, "sample %u: an input is NaN or infinite", static_cast<unsigned>(r));
      }
    }
    arithmetic_path(mlp->scalar).load_inputs(mlp, samples.inputs, size_t{samples.rows} * format.sample_size());
    return Status::Ok();
  }
  DatasetView view = format;
  view.pixels = samples.pixels;
  load_consecutive(mlp, view, norm, 0, samples.rows);
  return Status::Ok();
}

}  // namespace gct
