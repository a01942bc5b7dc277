// Opening a data folder: OUTDIR of cifar2blob, holding train.blob and (optionally) test.blob.
// Both are mmap'ed and validated by the engine's blob reader; nothing is copied.
#pragma once

#include <string>

#include "gctrain/blob.hpp"
#include "gctrain/config.hpp"
#include "host/mapped_file.hpp"
#include "gctrain/status.hpp"

namespace gct::host {

struct DataFolder {
  MappedFile train_file, test_file;
  BlobView train, test;
  bool has_test = false;
  // Header CRCs of the blobs: identify the data a checkpoint was made on.
  uint32_t train_fingerprint = 0, test_fingerprint = 0;
};

// Errors name the file: "data/train.blob: payload checksum mismatch (data corrupt)". Each blob must
// hold the split its name says. `with_test`: test.blob must exist and is opened; otherwise it is
// not read at all.
// low_memory: map without populating and release each verified chunk, so that opening leaves almost
// nothing resident (pair it with MappedFile::release_pages during training).
Status open_data_folder(const std::string& dir, DataFolder* out, bool with_test, bool low_memory = false);

// Splits the last `n` samples of `train` off as a validation set: `fit` keeps the others, with the
// per-channel mean and standard deviation recomputed over them alone (the held-out samples must not
// shape the model, not even through its normalisation); `validation` shares fit's statistics.
Status split_validation(const DatasetView& train, uint32_t n, DatasetView* fit, DatasetView* validation);

}  // namespace gct::host
