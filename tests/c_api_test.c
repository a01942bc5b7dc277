/* The C API (gctrain.h), compiled as C: a trainer that learns from samples given one at a time,
 * its predictions, a model file and a predictor that runs it, in float32 and fixed point, for an
 * MLP and a convolutional network, and the errors a C caller sees. Exits 0 when every check passes. */
#include <stdio.h>
#include <string.h>

#include "gctrain/gctrain.h"

enum { kSide = 4, kPixels = kSide * kSide, kClasses = 4, kTrain = 200, kHeld = 100, kCount = kTrain + kHeld };

static int failures = 0;
#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      ++failures;                                                         \
      printf("FAIL line %d: %s: ", __LINE__, #cond);                      \
      printf(__VA_ARGS__);                                                \
      printf("\n");                                                       \
    }                                                                     \
  } while (0)

static uint8_t pixels[kCount][kPixels];
static uint8_t labels[kCount];
static _Alignas(64) uint8_t arena[1 << 16];
static _Alignas(64) uint8_t predictor_arena[1 << 14];
static _Alignas(64) uint8_t model[1 << 12];

static uint32_t lcg(uint32_t* s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* Class c: a bright row c in a dark, noisy image. */
static void make_samples(void) {
  uint32_t s = 12345;
  for (int i = 0; i < kCount; ++i) {
    labels[i] = (uint8_t)(lcg(&s) % kClasses);
    for (int p = 0; p < kPixels; ++p) pixels[i][p] = (uint8_t)((p / kSide == labels[i] ? 180 : 50) + lcg(&s) % 60);
  }
}

/* net: NULL for the MLP kPixels-12-kClasses, or a network in the --net grammar. */
static void run(gct_arithmetic arithmetic, const char* net) {
  const uint32_t sizes[] = {kPixels, 12, kClasses};
  gct_config cfg;
  gct_config_default(&cfg);
  cfg.layer_sizes = sizes;
  cfg.layer_count = 3;
  cfg.net = net;
  cfg.batch = 4;
  cfg.optimizer = GCT_ADAM;
  cfg.lr = 0.01f;
  cfg.gc = GCT_GC_GRAD;
  cfg.arithmetic = arithmetic;
  gct_format fmt = {1, kSide, kSide, kClasses, GCT_PLANAR, {0.45f, 0, 0, 0}, {0.3f, 0, 0, 0}};
  gct_error err;
  size_t need = 0;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_OK, "%s", err.message);
  CHECK(need > 0 && need <= sizeof arena, "plan %zu bytes", need);
  gct_trainer* t = gct_trainer_create(&cfg, &fmt, arena, need, &err);
  CHECK(t != NULL, "%s", err.message);
  if (t == NULL) return;

  for (int pass = 0; pass < 3; ++pass) {
    for (int i = 0; i < kTrain; ++i) {
      float loss = -1;
      CHECK(gct_trainer_train(t, pixels[i], &labels[i], 1, &loss, &err) == GCT_OK, "%s", err.message);
      CHECK(loss >= 0, "loss %g", (double)loss);
    }
  }
  int right = 0;
  for (int i = kTrain; i < kCount; ++i) {
    float probabilities[kClasses];
    uint16_t best = 99;
    CHECK(gct_trainer_predict(t, pixels[i], 1, probabilities, &best, 1, &err) == GCT_OK, "%s", err.message);
    float sum = 0;
    for (int c = 0; c < kClasses; ++c) sum += probabilities[c];
    CHECK(sum > 0.999f && sum < 1.001f, "probabilities sum to %g", (double)sum);
    right += best == labels[i];
  }
  CHECK(right >= 90, "held-out top-1 %d of %d", right, kHeld);

  /* A model file, then a predictor that runs it in place: the same answers. */
  const size_t model_bytes = gct_trainer_model_bytes(t);
  CHECK(model_bytes > 0 && model_bytes <= sizeof model, "model %zu bytes", model_bytes);
  CHECK(gct_trainer_save_model(t, model, model_bytes, &err) == GCT_OK, "%s", err.message);
  size_t pneed = 0;
  CHECK(gct_predictor_plan(model, model_bytes, 1, &pneed, &err) == GCT_OK, "%s", err.message);
  CHECK(pneed < need, "the predictor (%zu bytes) needs less than the trainer (%zu)", pneed, need);
  gct_predictor* p = gct_predictor_create(model, model_bytes, 1, predictor_arena, sizeof predictor_arena, &err);
  CHECK(p != NULL, "%s", err.message);
  for (int i = kTrain; p != NULL && i < kCount; ++i) {
    uint16_t a[2], b[2];
    CHECK(gct_trainer_predict(t, pixels[i], 1, NULL, a, 2, &err) == GCT_OK, "%s", err.message);
    CHECK(gct_predictor_run(p, pixels[i], 1, NULL, b, 2, &err) == GCT_OK, "%s", err.message);
    CHECK(a[0] == b[0] && a[1] == b[1], "sample %d: trainer %u,%u predictor %u,%u", i, a[0], a[1], b[0], b[1]);
  }

  /* Errors come back as codes with messages that say what is wrong. */
  uint8_t bad_label = 9;
  CHECK(gct_trainer_train(t, pixels[0], &bad_label, 1, NULL, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strstr(err.message, "label 9 out of range (the model has 4 classes)") != NULL, "%s", err.message);
  CHECK(gct_trainer_train(t, pixels[0], labels, 5, NULL, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strstr(err.message, "5 samples given; the model was set up for 1..4") != NULL, "%s", err.message);
  CHECK(gct_trainer_create(&cfg, &fmt, arena, need - 64, &err) == NULL, "a too small arena was taken");
  CHECK(err.code == GCT_ARENA_TOO_SMALL && strstr(err.message, "arena too small") != NULL, "%s", err.message);
  CHECK(gct_trainer_create(&cfg, &fmt, arena + 8, need, &err) == NULL && err.code == GCT_INVALID_ARGUMENT,
        "a misaligned arena was taken: %s", err.message);
  model[model_bytes - 1] ^= 1;
  CHECK(gct_predictor_plan(model, model_bytes, 1, &pneed, &err) == GCT_CORRUPT_DATA, "code %d", err.code);
  CHECK(strstr(err.message, "checksum") != NULL, "%s", err.message);
  cfg.freeze = 2;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strstr(err.message, "freezing 2 layers leaves nothing to train") != NULL, "%s", err.message);
  cfg.freeze = 0;
  if (net != NULL) {
    cfg.net = "conv3x3:4,maxpool2";
    CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
    CHECK(strstr(err.message, "must end with a dense layer") != NULL, "%s", err.message);
    cfg.net = "conv3x3:4,maxpool2,dense:5";
    CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) != GCT_OK, "a network of 5 classes took a format of 4");
  }
  printf("%s %s: held-out top-1 %d/%d, trainer arena %zu bytes, predictor %zu, model file %zu\n",
         arithmetic == GCT_FIXED ? "fixed point" : "float32", net ? net : "MLP", right, kHeld, need, pneed, model_bytes);
}

int main(void) {
  make_samples();
  run(GCT_FLOAT, NULL);
  run(GCT_FIXED, NULL);
  run(GCT_FLOAT, "conv3x3:4,maxpool2,dense:4");
  run(GCT_FIXED, "conv3x3:4/s2,gap,dense:4");
  if (failures) printf("%d checks failed\n", failures);
  return failures ? 1 : 0;
}
