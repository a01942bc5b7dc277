#include "gctrain/predictor.hpp"

#include "carve.hpp"
#include "evaluate.hpp"
#include "path.hpp"
#include "prediction.hpp"
#include "trainer_internal.hpp"
#include "decimal.hpp"

namespace gct {

// The predictor's arena (walk_predictor_layout), run by both the plan and the setup: every layer
// frozen, the weights in place.
static void predictor_layout(Predictor* p, const ModelView& model, uint32_t batch, Arena* arena) {
  mlp_layout(&p->mlp, model.layers, batch, arena, 1, model.scalar, model.layers.num_layers(), true);
  LayoutShape s = layout_shape_of(p->mlp);
  s.channels = model.format.channels;
  walk_predictor_inputs(s, [&](Piece piece, int, uint64_t bytes) { p->norm = arena_alloc(arena, bytes, category_of(piece)); });
}

static Status check_batch(uint32_t batch) {
  if (batch == 0 || batch > 65536) {
    return Status::Error(Code::kInvalidArgument, "batch size must be 1..65536, got %u", static_cast<unsigned>(batch));
  }
  return Status::Ok();
}

static Status check_predictor(const Predictor* p, const char* call) {
  if (p == nullptr) return Status::Error(Code::kInvalidArgument, "%s: no predictor", call);
  if (!p->arena.sealed) {
    return Status::Error(Code::kInvalidArgument,
                         "%s on a predictor that was never set up (predictor_setup failed or was not called)", call);
  }
  return Status::Ok();
}

Status predictor_plan(const ModelView& model, uint32_t batch, MemoryPlan* plan) {
  GCT_RETURN_IF_ERROR(check_batch(batch));
  GCT_RETURN_IF_ERROR(validate_net(model.layers));  // the plan needs the layers alone
  Arena counting;
  arena_init_counting(&counting);
  Predictor scratch;
  predictor_layout(&scratch, model, batch, &counting);
  GCT_RETURN_IF_ERROR(arena_status(counting));
  *plan = memory_plan_of(counting);
  return Status::Ok();
}

Status predictor_setup(Predictor* p, const ModelView& model, uint32_t batch, void* buffer, size_t bytes) {
  if (p == nullptr) return Status::Error(Code::kInvalidArgument, "predictor_setup: no predictor");
  *p = Predictor{};
  GCT_RETURN_IF_ERROR(check_batch(batch));
  GCT_RETURN_IF_ERROR(check_model_view(model));
  GCT_RETURN_IF_ERROR(arena_init(&p->arena, buffer, bytes));
  predictor_layout(p, model, batch, &p->arena);
  if (p->arena.overflowed) {
    const Status s = arena_status(p->arena);
    *p = Predictor{};
    return s;
  }
  if (p->arena.exhausted) {
    const size_t needed = p->arena.used;
    *p = Predictor{};
    return Status::Error(Code::kArenaTooSmall, "arena too small: the predictor needs %s bytes, %s given", decimal(needed).text,
                         decimal(bytes).text);
  }
  arena_seal(&p->arena);
  // The forward pass only reads the weights: they stay in the model's (possibly read-only) bytes.
  for (int l = 0; l < model.layers.num_layers(); ++l) mlp_use_parameters(&p->mlp, l, model.weights[l], model.biases[l]);
  p->format = model.format;
  arithmetic_path(model.scalar).input_normalisation(p->format, p->norm);
  return Status::Ok();
}

Status predictor_run(Predictor* p, const Samples& samples, const Prediction& out) {
  GCT_RETURN_IF_ERROR(check_predictor(p, "predictor_run"));
  return predict_samples(&p->mlp, p->format, p->norm, samples, out);
}

Status predictor_evaluate(Predictor* p, const DatasetView& data, EvalResult* result) {
  GCT_RETURN_IF_ERROR(check_predictor(p, "predictor_evaluate"));
  return evaluate_split(&p->mlp, p->format, p->norm, data, result);
}

}  // namespace gct
