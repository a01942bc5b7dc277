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
  cfg.optimizer = (gct_optimizer)-1;
  CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_INVALID_ARGUMENT, "code %d", err.code);
  CHECK(strcmp(err.message, "unknown optimizer -1 (GCT_SGD 0 .. GCT_ADAM 4)") == 0, "%s", err.message);
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

/* ---- Every field of gct_config and gct_format is honoured: three-channel images given planar and
 * interleaved, and one field changed at a time from a base run. ---- */

enum { kRgb = 3 * kPixels, kRgbTrain = 64, kRgbProbe = 8, kRgbHidden = 12, kRgbModelMax = 1 << 13 };

static uint8_t rgb_planar[kRgbTrain + kRgbProbe][kRgb];
static uint8_t rgb_interleaved[kRgbTrain + kRgbProbe][kRgb];
static uint8_t rgb_labels[kRgbTrain + kRgbProbe];

/* Class c: row c bright in channel c % 3, the other channels noise of their own levels, so that
 * every channel's statistics matter. */
static void make_rgb_samples(void) {
  uint32_t s = 777;
  for (int i = 0; i < kRgbTrain + kRgbProbe; ++i) {
    rgb_labels[i] = (uint8_t)(lcg(&s) % kClasses);
    for (int k = 0; k < 3; ++k) {
      for (int p = 0; p < kPixels; ++p) {
        const int bright = k == rgb_labels[i] % 3 && p / kSide == rgb_labels[i];
        const uint8_t v = (uint8_t)((bright ? 170 : 30 + 40 * k) + lcg(&s) % 70);
        rgb_planar[i][k * kPixels + p] = v;
        rgb_interleaved[i][p * 3 + k] = v;
      }
    }
  }
}

static void rgb_base(gct_config* cfg, gct_format* fmt, const uint32_t* sizes) {
  gct_config_default(cfg);
  cfg->layer_sizes = sizes;
  cfg->layer_count = 3;
  cfg->batch = 4;
  cfg->optimizer = GCT_ADAM;
  cfg->lr = 0.01f;
  cfg->seed = 2;
  const gct_format f = {3, kSide, kSide, kClasses, GCT_PLANAR, {0.4f, 0.35f, 0.5f, 0}, {0.25f, 0.3f, 0.2f, 0}};
  *fmt = f;
}

/* What training leaves: the probabilities of the probe samples and the model file. */
typedef struct {
  float probabilities[kRgbProbe * kClasses];
  size_t model_bytes;
  _Alignas(4) uint8_t model[kRgbModelMax]; /* a model file is read in place: 4-byte aligned */
} Outcome;

/* Trains on the first kRgbTrain samples, `rows` per call (0: no training at all), from the trainer's
 * initial weights or from a model file's (start). Returns 0 when a call failed. */
static int rgb_train_from(const gct_config* cfg, const gct_format* fmt, uint32_t rows, const Outcome* start,
                          Outcome* out) {
  gct_error err;
  size_t need = 0;
  CHECK(gct_trainer_plan(cfg, fmt, &need, &err) == GCT_OK, "%s", err.message);
  gct_trainer* t = need <= sizeof arena ? gct_trainer_create(cfg, fmt, arena, need, &err) : NULL;
  CHECK(t != NULL, "%s", err.message);
  if (t == NULL) return 0;
  if (start != NULL && gct_trainer_load_model(t, start->model, start->model_bytes, &err) != GCT_OK) {
    CHECK(0, "load model: %s", err.message);
    return 0;
  }
  const uint8_t* px = fmt->layout == GCT_INTERLEAVED ? &rgb_interleaved[0][0] : &rgb_planar[0][0];
  for (uint32_t i = 0; rows > 0 && i + rows <= kRgbTrain; i += rows) {
    if (gct_trainer_train(t, px + i * kRgb, &rgb_labels[i], rows, NULL, &err) != GCT_OK) {
      CHECK(0, "train: %s", err.message);
      return 0;
    }
  }
  for (int i = 0; i < kRgbProbe; ++i) {
    if (gct_trainer_predict(t, px + (kRgbTrain + i) * kRgb, 1, out->probabilities + i * kClasses, NULL, 0, &err) !=
        GCT_OK) {
      CHECK(0, "predict: %s", err.message);
      return 0;
    }
  }
  out->model_bytes = gct_trainer_model_bytes(t);
  CHECK(out->model_bytes <= sizeof out->model, "model %zu bytes", out->model_bytes);
  if (out->model_bytes > sizeof out->model) return 0;
  CHECK(gct_trainer_save_model(t, out->model, out->model_bytes, &err) == GCT_OK, "%s", err.message);
  return 1;
}

static int rgb_train(const gct_config* cfg, const gct_format* fmt, uint32_t rows, Outcome* out) {
  return rgb_train_from(cfg, fmt, rows, NULL, out);
}

/* CRC-32 as zlib computes it, to re-seal a model file the test has edited. */
static uint32_t crc32_of(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}
static void put32le(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

/* A planar MLP's model file as the same model for interleaved samples: the layout byte (25) set and
 * the first layer's columns reordered from c * 16 + p to p * 3 + c, then both checksums (payload at
 * 248, header at 252) recomputed (include/gctrain/model.hpp). */
static void as_interleaved(const Outcome* planar, Outcome* out) {
  *out = *planar;
  out->model[25] = GCT_INTERLEAVED;
  for (int o = 0; o < kRgbHidden; ++o) {
    for (int c = 0; c < 3; ++c) {
      for (int p = 0; p < kPixels; ++p) {
        memcpy(out->model + 256 + 4 * ((size_t)o * kRgb + p * 3 + c),
               planar->model + 256 + 4 * ((size_t)o * kRgb + c * kPixels + p), 4);
      }
    }
  }
  put32le(out->model + 248, crc32_of(out->model + 256, out->model_bytes - 256));
  put32le(out->model + 252, crc32_of(out->model, 252));
}

static int same_probabilities(const Outcome* a, const Outcome* b) {
  return memcmp(a->probabilities, b->probabilities, sizeof a->probabilities) == 0;
}
static int same_model(const Outcome* a, const Outcome* b) {
  return a->model_bytes == b->model_bytes && memcmp(a->model, b->model, a->model_bytes) == 0;
}

static Outcome base, other, again;

static void every_field_is_honoured(void) {
  const uint32_t sizes[] = {kRgb, kRgbHidden, kClasses};
  gct_config cfg;
  gct_format fmt;
  rgb_base(&cfg, &fmt, sizes);
  if (!rgb_train(&cfg, &fmt, 4, &base)) return;

  /* The seed: the same one repeats the run bit for bit, another gives other weights. */
  CHECK(rgb_train(&cfg, &fmt, 4, &again) && same_model(&base, &again), "seed 2 twice gave different models");
  cfg.seed = 3;
  CHECK(rgb_train(&cfg, &fmt, 4, &other) && !same_model(&base, &other) && !same_probabilities(&base, &other),
        "seeds 2 and 3 gave the same model");
  cfg.seed = 2;

  /* Interleaved images train as the same images planar, given the same model with its first layer's
   * columns in the interleaved order: in fixed point bit for bit (integer sums do not depend on
   * their order), in float32 up to the order of the first layer's sums. */
  for (int a = 0; a < 2; ++a) {
    static Outcome planar_start, interleaved_start, planar, interleaved;
    cfg.arithmetic = a == 0 ? GCT_FIXED : GCT_FLOAT;
    rgb_train(&cfg, &fmt, 0, &planar_start);
    as_interleaved(&planar_start, &interleaved_start);
    rgb_train_from(&cfg, &fmt, 4, &planar_start, &planar);
    fmt.layout = GCT_INTERLEAVED;
    if (rgb_train_from(&cfg, &fmt, 4, &interleaved_start, &interleaved)) {
      if (a == 0) {
        CHECK(same_probabilities(&planar, &interleaved), "fixed point: interleaved RGB trained otherwise than planar");
      } else {
        float worst = 0;
        for (int i = 0; i < kRgbProbe * kClasses; ++i) {
          const float d = planar.probabilities[i] - interleaved.probabilities[i];
          worst = d > worst ? d : (-d > worst ? -d : worst);
        }
        CHECK(worst < 1e-5f, "float32: interleaved RGB trained otherwise than planar (%g apart)", (double)worst);
      }
      CHECK(interleaved.model[25] == GCT_INTERLEAVED, "the model file does not record the interleaved layout");
    }
    fmt.layout = GCT_PLANAR;
  }
  cfg.arithmetic = GCT_FLOAT;

  /* Each channel's mean and stddev normalise its own values. */
  for (int k = 0; k < 3; ++k) {
    const float mean = fmt.mean[k], stddev = fmt.stddev[k];
    fmt.mean[k] = mean + 0.1f;
    CHECK(rgb_train(&cfg, &fmt, 4, &other) && !same_probabilities(&base, &other), "mean[%d] changed nothing", k);
    fmt.mean[k] = mean;
    fmt.stddev[k] = stddev * 1.5f;
    CHECK(rgb_train(&cfg, &fmt, 4, &other) && !same_probabilities(&base, &other), "stddev[%d] changed nothing", k);
    fmt.stddev[k] = stddev;
  }

  /* Every optimizer and GC mode is its own rule. */
  static Outcome by_optimizer[5], by_gc[3];
  for (int o = 0; o < 5; ++o) {
    cfg.optimizer = (gct_optimizer)o;
    rgb_train(&cfg, &fmt, 4, &by_optimizer[o]);
    for (int p = 0; p < o; ++p) CHECK(!same_model(&by_optimizer[o], &by_optimizer[p]), "optimizers %d and %d trained alike", p, o);
  }
  cfg.optimizer = GCT_ADAM;
  for (int g = 0; g < 3; ++g) {
    cfg.gc = (gct_gc_mode)g;
    rgb_train(&cfg, &fmt, 4, &by_gc[g]);
    for (int p = 0; p < g; ++p) CHECK(!same_model(&by_gc[g], &by_gc[p]), "GC modes %d and %d trained alike", p, g);
  }
  cfg.gc = GCT_GC_OFF;

  /* The rate: another one trains otherwise; 0 is the optimizer's default (Adam's 1e-3, PyTorch's). */
  cfg.lr = 0.02f;
  CHECK(rgb_train(&cfg, &fmt, 4, &other) && !same_model(&base, &other), "lr 0.02 trained as 0.01");
  cfg.lr = 0.0f;
  rgb_train(&cfg, &fmt, 4, &other);
  cfg.lr = 1e-3f;
  CHECK(rgb_train(&cfg, &fmt, 4, &again) && same_model(&other, &again) && !same_model(&base, &other),
        "lr 0 is not Adam's default rate");
  cfg.lr = 0.01f;

  /* The batch: four samples in one step are not four steps of one; more rows than the batch refused. */
  CHECK(rgb_train(&cfg, &fmt, 1, &other) && !same_model(&base, &other), "one step of 4 rows trained as 4 steps of 1");
  cfg.batch = 3;
  {
    gct_error err;
    size_t need = 0;
    gct_trainer* t = gct_trainer_plan(&cfg, &fmt, &need, &err) == GCT_OK && need <= sizeof arena
                         ? gct_trainer_create(&cfg, &fmt, arena, need, &err)
                         : NULL;
    CHECK(t != NULL, "%s", err.message);
    CHECK(t == NULL || gct_trainer_train(t, rgb_planar[0], rgb_labels, 4, NULL, &err) == GCT_INVALID_ARGUMENT,
          "4 rows taken with batch 3");
  }
  cfg.batch = 4;

  /* Fixed point is another arithmetic: another model file. */
  cfg.arithmetic = GCT_FIXED;
  CHECK(rgb_train(&cfg, &fmt, 4, &other) && !same_model(&base, &other), "fixed point trained as float32");
  cfg.arithmetic = GCT_FLOAT;

  /* Freezing the first layer keeps its weights, the first tensor after the model file's 256-byte
   * header (include/gctrain/model.hpp), as the untrained trainer had them; unfrozen they move. */
  static Outcome untrained;
  rgb_train(&cfg, &fmt, 0, &untrained);
  const size_t first_layer = 4 * (size_t)kRgb * kRgbHidden;
  CHECK(memcmp(base.model + 256, untrained.model + 256, first_layer) != 0, "training left the first layer alone");
  cfg.freeze = 1;
  CHECK(rgb_train(&cfg, &fmt, 4, &other) && memcmp(other.model + 256, untrained.model + 256, first_layer) == 0 &&
            !same_probabilities(&other, &untrained),
        "freeze 1 moved the first layer or trained nothing");
  cfg.freeze = 0;

  /* The layer sizes and the network are the model's. */
  const uint32_t wider[] = {kRgb, kRgbHidden + 4, kClasses};
  cfg.layer_sizes = wider;
  CHECK(rgb_train(&cfg, &fmt, 4, &other) && other.model_bytes > base.model_bytes, "a wider hidden layer was not built");
  cfg.layer_sizes = sizes;
  cfg.net = "conv3x3:4,maxpool2,dense:4";
  CHECK(rgb_train(&cfg, &fmt, 4, &other) && !same_model(&base, &other), "the network was not built");
  cfg.net = NULL;

  /* The format's shape and classes must be the model's. */
  {
    gct_error err;
    size_t need = 0;
    fmt.channels = 1;
    CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) != GCT_OK, "1x4x4 samples taken by a %d-input MLP", kRgb);
    fmt.channels = 3;
    fmt.classes = kClasses + 1;
    CHECK(gct_trainer_plan(&cfg, &fmt, &need, &err) != GCT_OK, "5 classes taken by a 4-class MLP");
    fmt.classes = kClasses;
  }
  printf("every field honoured: three channels planar and interleaved, seeds, statistics, optimizers, GC, lr, batch, "
         "arithmetic, freeze, layers, network\n");
}

int main(void) {
  make_samples();
  run(GCT_FLOAT, NULL);
  run(GCT_FIXED, NULL);
  run(GCT_FLOAT, "conv3x3:4,maxpool2,dense:4");
  run(GCT_FIXED, "conv3x3:4/s2,gap,dense:4");
  refusals();
  make_rgb_samples();
  every_field_is_honoured();
  if (failures) printf("%d checks failed\n", failures);
  return failures ? 1 : 0;
}
