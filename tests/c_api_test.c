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

/* What a careless or hostile C caller passes: each refused with its own code and message. */
static void refusals(void) {
  const uint32_t sizes[] = {kPixels, 12, kClasses};
  gct_config cfg;
  CHECK(gct_config_default(&cfg) == GCT_OK, "gct_config_default");
  CHECK(gct_config_default(NULL) == GCT_INVALID_ARGUMENT, "gct_config_default(NULL)");
  cfg.layer_sizes = sizes;
  cfg.layer_count = 3;
  cfg.batch = 2;
  gct_format fmt = {1, kSide, kSide, kClasses, GCT_PLANAR, {0.45f, 0, 0, 0}, {0.3f, 0, 0, 0}};
  gct_error err;
  size_t need = 0;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_OK, "%s", err.message);
  CHECK(gct_trainer_plan(&cfg, &fmt, NULL, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strcmp(err.message, "gct_trainer_plan: arena_bytes is NULL") == 0, "%s", err.message);

  /* Only 0 means the default rate. */
  const float zero = 0.0f;
  const float bad_rates[] = {zero / zero, -5.0f, 1.0f / zero};
  for (int i = 0; i < 3; ++i) {
    cfg.lr = bad_rates[i];
    size_t n = 0;
    CHECK(gct_trainer_plan(&cfg, &fmt, &n, &err) == GCT_INVALID_ARGUMENT, "lr %g taken", (double)bad_rates[i]);
    CHECK(strstr(err.message, "a learning rate must be > 0 (or 0 for the optimizer's default)") != NULL, "%s",
          err.message);
  }
  cfg.lr = 0;
  /* Each enum out of range named on its own. */
  cfg.optimizer = (gct_optimizer)9;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strcmp(err.message, "unknown optimizer 9 (GCT_SGD 0 .. GCT_ADAM 4)") == 0, "%s", err.message);
  cfg.optimizer = GCT_SGD;
  cfg.gc = (gct_gc_mode)7;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strstr(err.message, "unknown GC mode 7") != NULL, "%s", err.message);
  cfg.gc = GCT_GC_OFF;
  cfg.arithmetic = (gct_arithmetic)3;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strstr(err.message, "unknown arithmetic 3") != NULL, "%s", err.message);
  cfg.arithmetic = GCT_FLOAT;
  cfg.freeze = 1000;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strstr(err.message, "freeze 1000") != NULL && strstr(err.message, "optimizer") == NULL, "%s", err.message);
  cfg.freeze = 0;
  fmt.layout = (gct_layout)7;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strstr(err.message, "unknown pixel layout 7") != NULL, "%s", err.message);
  fmt.layout = GCT_PLANAR;

  /* A convolution over interleaved channels: the plan refuses what the create would. */
  gct_format rgb = {3, kSide, kSide, kClasses, GCT_INTERLEAVED, {0.4f, 0.4f, 0.4f, 0}, {0.3f, 0.3f, 0.3f, 0}};
  cfg.net = "conv3x3:4,gap,dense:4";
  CHECK(gct_trainer_plan(&cfg, &rgb, &need, &err) == GCT_UNSUPPORTED, "code %d: %s", err.code, err.message);
  CHECK(strstr(err.message, "a convolution reads planar images") != NULL, "%s", err.message);
  cfg.net = NULL;

  /* 2 x 65535 x 32769 values wrap 32 bits to 65534: refused, not read past the caller's buffer. */
  const uint32_t wide[] = {65534, kClasses};
  gct_config big = cfg;
  big.layer_sizes = wide;
  big.layer_count = 2;
  gct_format huge = {2, 65535, 32769, kClasses, GCT_PLANAR, {0.5f, 0.5f, 0, 0}, {0.25f, 0.25f, 0, 0}};
  CHECK(gct_trainer_plan(&big, &huge, &need, &err) == GCT_SHAPE_MISMATCH, "code %d: %s", err.code, err.message);
  CHECK(strstr(err.message, "4295032830 values") != NULL, "%s", err.message);

  /* A too small arena is named with the numbers the plan call gave the caller. */
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_OK, "%s", err.message);
  CHECK(gct_trainer_create(&cfg, &fmt, arena, need - 1, &err) == NULL, "a too small arena was taken");
  char want[200];
  snprintf(want, sizeof want, "arena too small: gct_trainer_plan says %zu bytes, %zu given", need, need - 1);
  CHECK(err.code == GCT_ARENA_TOO_SMALL && strcmp(err.message, want) == 0, "%s (want %s)", err.message, want);
  gct_trainer* t = gct_trainer_create(&cfg, &fmt, arena, need, &err);
  CHECK(t != NULL, "%s", err.message);
  if (t == NULL) return;
  const size_t model_bytes = gct_trainer_model_bytes(t);
  CHECK(gct_trainer_save_model(t, NULL, model_bytes, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(gct_trainer_load_model(t, NULL, model_bytes, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(gct_trainer_save_model(t, model, model_bytes, &err) == GCT_OK, "%s", err.message);
  size_t pneed = 0;
  CHECK(gct_predictor_plan(NULL, model_bytes, 1, &pneed, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(gct_predictor_plan(model, model_bytes, 1, NULL, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(gct_predictor_plan(model, model_bytes, 1, &pneed, &err) == GCT_OK, "%s", err.message);
  CHECK(gct_predictor_create(model, model_bytes, 1, predictor_arena, pneed - 1, &err) == NULL, "too small taken");
  snprintf(want, sizeof want, "arena too small: gct_predictor_plan says %zu bytes, %zu given", pneed, pneed - 1);
  CHECK(err.code == GCT_ARENA_TOO_SMALL && strcmp(err.message, want) == 0, "%s (want %s)", err.message, want);
  CHECK(gct_trainer_train(NULL, pixels[0], labels, 1, NULL, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(gct_predictor_run(NULL, pixels[0], 1, NULL, NULL, 0, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
}

int main(void) {
  make_samples();
  run(GCT_FLOAT, NULL);
  run(GCT_FIXED, NULL);
  run(GCT_FLOAT, "conv3x3:4,maxpool2,dense:4");
  run(GCT_FIXED, "conv3x3:4/s2,gap,dense:4");
  refusals();
  if (failures) printf("%d checks failed\n", failures);
  return failures ? 1 : 0;
}
