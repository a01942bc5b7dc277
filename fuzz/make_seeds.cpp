// Writes one valid input per fuzz target into CORPUS/<target>/seed, so fuzzing starts from the
// real formats instead of random bytes.   make_seeds CORPUS_DIR
#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "gctrain/checkpoint.hpp"
#include "gctrain/model.hpp"
#include "host/blob_writer.hpp"

namespace fs = std::filesystem;

static void write(const std::string& path, const std::vector<uint8_t>& b) {
  fs::create_directories(fs::path(path).parent_path());
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  gct::host::ImageSet set;
  set.channels = 1;
  set.height = 4;
  set.width = 4;
  set.pixels.assign(40 * 16, 7);
  for (int i = 0; i < 40; ++i) set.fine.push_back(static_cast<uint8_t>(i % 3));
  gct::host::BlobMeta meta;
  meta.num_fine = 3;
  meta.fine_names = {"a", "b", "c"};
  meta.mean[0] = 0.5f;
  meta.stddev[0] = 0.2f;
  write(dir + "/blob_fuzz/seed", gct::host::build_blob(set, meta));

  // The checkpoint fuzzer's own fixture, one step in.
  fuzzing::TrainerFixture fixture;
  gct::Trainer& t = fixture.trainer;
  gct::trainer_begin_epoch(&t);
  gct::StepResult r;
  (void)gct::trainer_step(&t, &r);
  std::vector<uint8_t> ckpt(gct::checkpoint_size(t));
  (void)gct::checkpoint_save(t, nullptr, ckpt.data(), ckpt.size());
  write(dir + "/checkpoint_fuzz/seed", ckpt);
  std::vector<uint8_t> model(gct::model_file_size(t.config.layers));
  (void)gct::model_save(t, model.data(), model.size());
  write(dir + "/model_fuzz/seed", model);

  std::vector<uint8_t> cifar = {0};  // selector byte: train.bin
  for (int i = 0; i < 2; ++i) {
    cifar.push_back(static_cast<uint8_t>(i));
    cifar.push_back(static_cast<uint8_t>(i * 5));
    for (int j = 0; j < 3072; ++j) cifar.push_back(static_cast<uint8_t>(j));
  }
  write(dir + "/cifar_fuzz/seed", cifar);

  const std::string tgz = dir + "/archive_fuzz/seed";
  fs::create_directories(dir + "/archive_fuzz");
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, tgz.c_str());
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "cifar-100-binary/train.bin");
  archive_entry_set_size(e, static_cast<la_int64_t>(cifar.size() - 1));
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_write_header(a, e);
  archive_write_data(a, cifar.data() + 1, cifar.size() - 1);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return 0;
}
