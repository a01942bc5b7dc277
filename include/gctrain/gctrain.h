/* gctrain's C API: on-device training and prediction for firmware written in C.
 *
 * The same engine as the C++ API, behind opaque handles that live in the caller's arena (the
 * handle is carved from its first bytes): nothing is allocated, ever. Every call that can fail
 * returns a gct_status and, when `err` is not NULL, fills it with the code and a one-line message
 * that names the problem and the numbers.
 *
 *   uint32_t sizes[] = {64, 32, 10};
 *   gct_config cfg;  gct_config_default(&cfg);  cfg.layer_sizes = sizes;  cfg.layer_count = 3;
 *   gct_format fmt = {1, 8, 8, 10, GCT_PLANAR, {0.45f}, {0.25f}};
 *   size_t need;  gct_trainer_plan(&cfg, &fmt, &need, &err);           // bytes, before any memory
 *   gct_trainer* t = gct_trainer_create(&cfg, &fmt, arena, sizeof arena, &err);
 *   gct_trainer_train(t, pixels, labels, 1, &loss, &err);                // one sample as it arrives
 *   gct_trainer_predict(t, pixels, 1, NULL, &best, 1, &err);
 *
 * A predictor runs a model file (gctrain train --save-model, gctrain export --c-array) where it
 * lies, e.g. in flash, in an arena that holds only one batch of activations.
 */
#ifndef GCTRAIN_GCTRAIN_H
#define GCTRAIN_GCTRAIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  GCT_OK = 0,
  GCT_INVALID_ARGUMENT = 1,
  GCT_ARENA_TOO_SMALL = 2,
  GCT_SHAPE_MISMATCH = 3,
  GCT_CORRUPT_DATA = 4,
  GCT_UNSUPPORTED = 5,
  GCT_NUMERICAL_ERROR = 6,
  GCT_IO_ERROR = 7
} gct_status;

typedef struct {
  gct_status code;
  char message[200];
} gct_error;

typedef enum { GCT_SGD = 0, GCT_SGD_MOMENTUM = 1, GCT_ADAGRAD = 2, GCT_RMSPROP = 3, GCT_ADAM = 4 } gct_optimizer;
typedef enum { GCT_GC_OFF = 0, GCT_GC_GRAD = 1, GCT_GC_UPDATE = 2 } gct_gc_mode;
typedef enum { GCT_FLOAT = 0, GCT_FIXED = 1 } gct_arithmetic;
typedef enum { GCT_PLANAR = 0, GCT_INTERLEAVED = 1 } gct_layout;

/* A model and how it trains. gct_config_default() fills PyTorch's conventions: batch 1, SGD at
 * lr 0.1, GC off, float32, seed 1, nothing frozen; the layer sizes (an MLP) or the network must be
 * set. */
typedef struct {
  const uint32_t* layer_sizes; /* an MLP: input, hidden..., classes */
  int layer_count;             /* 2..9 */
  uint32_t batch;              /* most samples per call */
  gct_optimizer optimizer;
  float lr;                    /* > 0, or 0 for the optimizer's default; anything else is refused */
  gct_gc_mode gc;
  gct_arithmetic arithmetic;
  uint64_t seed;
  uint32_t freeze;             /* weight layers, from the input, that keep their weights */
  /* Or any network, in the grammar of gctrain's --net, over the format's image, e.g.
   * "conv3x3:8,maxpool2,conv3x3:16,gap,dense:10"; when set, layer_sizes and layer_count are not read. */
  const char* net;
} gct_config;

/* What a sample is: uint8 pixels, normalised per channel as (v / 255 - mean) / stddev. */
typedef struct {
  uint16_t channels, height, width; /* channels 1..4 */
  uint16_t classes;
  gct_layout layout;
  float mean[4], stddev[4];         /* on the 0..1 scale */
} gct_format;

typedef struct gct_trainer gct_trainer;
typedef struct gct_predictor gct_predictor;

/* GCT_INVALID_ARGUMENT for a NULL config; every pointer a call writes through is checked so. */
gct_status gct_config_default(gct_config* config);

/* Trainer: learns from the caller's samples, one call per optimizer step. `arena` must be 64-byte
 * aligned and at least the planned bytes; it holds the handle and every buffer of training. */
gct_status gct_trainer_plan(const gct_config* config, const gct_format* format, size_t* arena_bytes, gct_error* err);
gct_trainer* gct_trainer_create(const gct_config* config, const gct_format* format, void* arena, size_t arena_bytes,
                                gct_error* err);
/* One step on `rows` samples (rows x channels x height x width bytes) and their labels. */
gct_status gct_trainer_train(gct_trainer* t, const uint8_t* pixels, const uint8_t* labels, uint32_t rows, float* loss,
                             gct_error* err);
/* Probabilities (rows x classes) and/or the k most likely classes of each row (rows x k); either
 * may be NULL. The weights are not touched. */
gct_status gct_trainer_predict(gct_trainer* t, const uint8_t* pixels, uint32_t rows, float* probabilities,
                               uint16_t* top, uint32_t k, gct_error* err);
/* Fine-tuning: the model's weights and statistics replace the trainer's (same layers, arithmetic
 * and sample shape). */
gct_status gct_trainer_load_model(gct_trainer* t, const uint8_t* model, size_t model_bytes, gct_error* err);
size_t gct_trainer_model_bytes(const gct_trainer* t);
gct_status gct_trainer_save_model(const gct_trainer* t, uint8_t* out, size_t out_bytes, gct_error* err);

/* Predictor: a model file run in place (`model` must be 4-byte aligned and outlive the predictor). */
gct_status gct_predictor_plan(const uint8_t* model, size_t model_bytes, uint32_t batch, size_t* arena_bytes,
                              gct_error* err);
gct_predictor* gct_predictor_create(const uint8_t* model, size_t model_bytes, uint32_t batch, void* arena,
                                    size_t arena_bytes, gct_error* err);
gct_status gct_predictor_run(gct_predictor* p, const uint8_t* pixels, uint32_t rows, float* probabilities,
                             uint16_t* top, uint32_t k, gct_error* err);

#ifdef __cplusplus
}
#endif

#endif /* GCTRAIN_GCTRAIN_H */
