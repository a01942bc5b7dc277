// The converter on small files that the test writes itself, in the real byte layouts.
#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "convert.hpp"
#include "error.hpp"
#include "gctrain/blob.hpp"
#include "host/c_array.hpp"
#include "host/mapped_file.hpp"
#include "transform.hpp"

namespace fs = std::filesystem;
using namespace c2b;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/gct_c2b_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const std::string& path, const std::string& text) {
  write_file(path, std::vector<uint8_t>(text.begin(), text.end()));
}

// CIFAR-100 records: coarse = fine % 20, pixel j of record i = (i * 31 + j) % 251.
std::vector<uint8_t> cifar100_records(int n, int first_label) {
  std::vector<uint8_t> b;
  for (int i = 0; i < n; ++i) {
    const int fine = (first_label + i) % 100;
    b.push_back(static_cast<uint8_t>(fine % 20));
    b.push_back(static_cast<uint8_t>(fine));
    for (int j = 0; j < 3072; ++j) b.push_back(static_cast<uint8_t>((i * 31 + j) % 251));
  }
  return b;
}

std::string names(const char* prefix, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += std::string(prefix) + std::to_string(i) + "\n";
  return s;
}

void write_cifar100_dir(const std::string& dir, int train_n = 30, int test_n = 10) {
  write_file(dir + "/cifar-100-binary/train.bin", cifar100_records(train_n, 0));
  write_file(dir + "/cifar-100-binary/test.bin", cifar100_records(test_n, 5));
  write_text(dir + "/cifar-100-binary/fine_label_names.txt", names("fine", 100));
  write_text(dir + "/cifar-100-binary/coarse_label_names.txt", names("coarse", 20));
}

void write_tar_gz(const std::string& path, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& files) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  for (const auto& [name, bytes] : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, bytes.data(), bytes.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows, uint32_t cols, uint32_t magic = 0x803) {
  std::vector<uint8_t> b;
  for (uint32_t v : {magic, n, rows, cols})
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
  for (uint32_t i = 0; i < n * rows * cols; ++i) b.push_back(static_cast<uint8_t>(i % 256));
  return b;
}

std::vector<uint8_t> idx_labels(uint32_t n, int classes) {
  std::vector<uint8_t> b;
  for (uint32_t v : {0x801u, n})
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
  for (uint32_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i % classes));
  return b;
}

struct Opened {
  gct::host::MappedFile file;
  gct::BlobView view;
};

std::unique_ptr<Opened> open_blob(const std::string& path) {
  auto o = std::make_unique<Opened>();
  REQUIRE(o->file.open(path).ok());
  gct::Status s = gct::blob_open(o->file.data(), o->file.size(), &o->view);
  REQUIRE_MESSAGE(s.ok(), s.message());
  return o;
}

ConvertOptions options(const std::string& in, const std::string& out) {
  ConvertOptions o;
  o.input = in;
  o.outdir = out;
  o.quiet = true;
  return o;
}

void check_cifar100_roundtrip(const std::string& out, int train_n, int test_n) {
  auto train = open_blob(out + "/train.blob");
  auto test = open_blob(out + "/test.blob");
  const auto expect_train = cifar100_records(train_n, 0);
  CHECK(train->view.data.count == static_cast<uint32_t>(train_n));
  CHECK(test->view.data.count == static_cast<uint32_t>(test_n));
  CHECK(train->view.split == gct::BlobSplit::kTrain);
  CHECK(test->view.split == gct::BlobSplit::kTest);
  for (int i = 0; i < train_n; ++i) {
    const uint8_t* rec = expect_train.data() + i * 3074;
    CHECK(train->view.data.coarse[i] == rec[0]);
    CHECK(train->view.data.fine[i] == rec[1]);
    CHECK(std::memcmp(train->view.data.pixels + i * 3072, rec + 2, 3072) == 0);
  }
  const auto expect_test = cifar100_records(test_n, 5);
  for (int i = 0; i < test_n; ++i) {
    CHECK(test->view.data.fine[i] == expect_test[i * 3074 + 1]);
    CHECK(std::memcmp(test->view.data.pixels + i * 3072, expect_test.data() + i * 3074 + 2, 3072) == 0);
  }
  CHECK(std::strcmp(gct::blob_class_name(train->view.fine_names, 100, 42), "fine42") == 0);
  CHECK(std::strcmp(gct::blob_class_name(train->view.coarse_names, 20, 7), "coarse7") == 0);
  CHECK(train->view.data.fine_to_coarse[12] == 12 % 20);
  // Both blobs carry the training split's statistics.
  CHECK(test->view.data.mean[0] == train->view.data.mean[0]);
  CHECK(test->view.data.stddev[2] == train->view.data.stddev[2]);
}

}  // namespace

TEST_CASE("CIFAR-100 from a folder, from a tar.gz and from single files round-trips exactly") {
  TempDir t;
  write_cifar100_dir(t / "src");
  convert(options(t / "src", t / "out_dir"));
  check_cifar100_roundtrip(t / "out_dir", 30, 10);

  std::vector<std::pair<std::string, std::vector<uint8_t>>> files = {
      {"cifar-100-binary/train.bin", cifar100_records(30, 0)},
      {"cifar-100-binary/test.bin", cifar100_records(10, 5)},
      {"cifar-100-binary/fine_label_names.txt", [] { auto s = names("fine", 100); return std::vector<uint8_t>(s.begin(), s.end()); }()},
      {"cifar-100-binary/coarse_label_names.txt", [] { auto s = names("coarse", 20); return std::vector<uint8_t>(s.begin(), s.end()); }()},
  };
  write_tar_gz(t / "cifar-100-binary.tar.gz", files);
  convert(options(t / "cifar-100-binary.tar.gz", t / "out_tgz"));
  check_cifar100_roundtrip(t / "out_tgz", 30, 10);

  convert(options(t / "src/cifar-100-binary/test.bin", t / "out_single"));
  CHECK(fs::exists(t / "out_single/test.blob"));
  CHECK_FALSE(fs::exists(t / "out_single/train.blob"));
}

TEST_CASE("statistics are those of the training split") {
  TempDir t;
  write_cifar100_dir(t / "src", 4, 2);
  const ConvertSummary s = convert(options(t / "src", t / "out"));
  const auto records = cifar100_records(4, 0);
  for (int c = 0; c < 3; ++c) {
    double sum = 0, sq = 0;
    for (int i = 0; i < 4; ++i)
      for (int p = 0; p < 1024; ++p) {
        const double v = records[i * 3074 + 2 + c * 1024 + p] / 255.0;
        sum += v;
        sq += v * v;
      }
    const double mean = sum / 4096, var = sq / 4096 - mean * mean;
    CHECK(s.mean[c] == doctest::Approx(mean).epsilon(1e-5));
    CHECK(s.stddev[c] == doctest::Approx(std::sqrt(var)).epsilon(1e-4));
  }
}

TEST_CASE("CIFAR-10 binary batches") {
  TempDir t;
  for (int b = 1; b <= 5; ++b) {
    std::vector<uint8_t> bytes;
    for (int i = 0; i < 3; ++i) {
      bytes.push_back(static_cast<uint8_t>((b + i) % 10));
      for (int j = 0; j < 3072; ++j) bytes.push_back(static_cast<uint8_t>(b * 10 + i));
    }
    write_file(t / ("c10/data_batch_" + std::to_string(b) + ".bin"), bytes);
  }
  std::vector<uint8_t> test(3073, 7);
  test[0] = 9;
  write_file(t / "c10/test_batch.bin", test);
  write_text(t / "c10/batches.meta.txt", names("class", 10) + "\n");
  convert(options(t / "c10", t / "out"));
  auto train = open_blob(t / "out/train.blob");
  CHECK(train->view.data.count == 15);
  CHECK(train->view.data.num_fine == 10);
  CHECK(train->view.data.coarse == nullptr);
  CHECK(train->view.data.fine[4] == (2 + 1) % 10);      // batch 2, record 1
  CHECK(train->view.data.pixels[4 * 3072 + 100] == 21);
  CHECK(train->view.source == gct::BlobSource::kCifar10);
  auto testb = open_blob(t / "out/test.blob");
  CHECK(testb->view.data.fine[0] == 9);
}

TEST_CASE("IDX (MNIST layout), gzipped and plain") {
  TempDir t;
  write_gz(t / "mnist/train-images-idx3-ubyte.gz", idx_images(6, 4, 5));
  write_gz(t / "mnist/train-labels-idx1-ubyte.gz", idx_labels(6, 3));
  write_file(t / "mnist/t10k-images-idx3-ubyte", idx_images(2, 4, 5));
  write_file(t / "mnist/t10k-labels-idx1-ubyte", idx_labels(2, 3));
  convert(options(t / "mnist", t / "out"));
  auto train = open_blob(t / "out/train.blob");
  CHECK(train->view.data.count == 6);
  CHECK(train->view.data.channels == 1);
  CHECK(train->view.data.height == 4);
  CHECK(train->view.data.width == 5);
  CHECK(train->view.data.num_fine == 3);
  CHECK(train->view.data.fine[4] == 1);
  CHECK(train->view.data.pixels[23] == 23);
  CHECK(train->view.source == gct::BlobSource::kIdx);
}

TEST_CASE("area resize, grayscale, classes, limit and layout on hand-made images") {
  // 2x2 average of a 4x4 plane.
  const uint8_t plane[16] = {0, 2, 10, 10, 4, 6, 10, 10, 100, 100, 0, 255, 100, 100, 255, 0};
  uint8_t out[4];
  resize_area(plane, 1, 4, 4, out, 2, 2);
  CHECK(out[0] == 3);
  CHECK(out[1] == 10);
  CHECK(out[2] == 100);
  CHECK(out[3] == 128);  // 127.5 rounds half away from zero
  // Non-integer ratio 3 -> 2: output 0 covers cells 0 and half of 1.
  const uint8_t row[3] = {30, 60, 90};
  uint8_t row_out[2];
  resize_area(row, 1, 1, 3, row_out, 1, 2);
  CHECK(row_out[0] == 40);  // (30 * 1 + 60 * 0.5) / 1.5
  CHECK(row_out[1] == 80);

  TempDir t;
  write_cifar100_dir(t / "src", 40, 20);
  ConvertOptions o = options(t / "src", t / "out");
  o.transform.classes = 10;
  o.transform.limit = 3;
  o.transform.height = 16;
  o.transform.width = 16;
  o.transform.grayscale = true;
  o.transform.layout = gct::PixelLayout::kInterleaved;
  convert(o);
  auto train = open_blob(t / "out/train.blob");
  CHECK(train->view.data.count == 3);
  CHECK(train->view.data.num_fine == 10);
  CHECK(train->view.data.channels == 1);
  CHECK(train->view.data.height == 16);
  CHECK(train->view.data.layout == gct::PixelLayout::kInterleaved);
  for (uint32_t i = 0; i < 3; ++i) CHECK(train->view.data.fine[i] < 10);
  // Pixel (0,0) of record 0: mean of the 2x2 block per channel, then BT.601 luma.
  const auto rec = cifar100_records(1, 0);
  double luma = 0;
  const double w[3] = {0.299, 0.587, 0.114};
  for (int c = 0; c < 3; ++c) {
    const uint8_t* p = rec.data() + 2 + c * 1024;
    const long avg = std::lround((p[0] + p[1] + p[32] + p[33]) / 4.0);
    luma += w[c] * avg;
  }
  CHECK(train->view.data.pixels[0] == std::lround(luma));
}

TEST_CASE("--c-array emits a compilable aligned array holding the blob") {
  const std::string src = gct::host::c_array_source({1, 2, 255}, "gct_train_blob", "a test");
  CHECK(src.find("aligned(64)") != std::string::npos);
  CHECK(src.find("const uint8_t gct_train_blob[3] = {") != std::string::npos);
  CHECK(src.find("0x01, 0x02, 0xff") != std::string::npos);
  CHECK(src.find("gct_train_blob_size = 3") != std::string::npos);
}

TEST_CASE("bad input: a clear error naming the file, and no output left behind") {
  TempDir t;
  auto expect_failure = [&](const std::string& input, const std::string& fragment) {
    const std::string out = t / "out_bad";
    fs::remove_all(out);
    std::string message;
    try {
      convert(options(input, out));
    } catch (const ConvertError& e) {
      message = e.what();
    }
    CHECK_MESSAGE(message.find(fragment) != std::string::npos, "got: ", message, " want: ", fragment);
    if (fs::exists(out)) CHECK(fs::is_empty(out));  // no blob, no temporary
  };
  expect_failure(t / "nothing_here", "no such file");

  write_file(t / "trunc/train.bin", [] { auto b = cifar100_records(3, 0); b.resize(b.size() - 100); return b; }());
  expect_failure(t / "trunc", "not a multiple of the 3074-byte record");
  expect_failure(t / "trunc", "train.bin");

  write_file(t / "label/train.bin", [] { auto b = cifar100_records(3, 0); b[3074 + 1] = 150; return b; }());
  expect_failure(t / "label", "record 1: label 150 out of range");

  write_file(t / "coarse/train.bin", [] { auto b = cifar100_records(3, 0); b[0] = 40; return b; }());
  expect_failure(t / "coarse", "coarse label 40 out of range");

  write_tar_gz(t / "ok.tar.gz", {{"cifar-100-binary/train.bin", cifar100_records(50, 0)}});
  std::vector<uint8_t> gz;
  {
    std::ifstream in(t / "ok.tar.gz", std::ios::binary);
    gz.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (size_t i = 30; i < gz.size() - 20; i += 7) gz[i] ^= 0x5a;
  write_file(t / "corrupt.tar.gz", gz);
  expect_failure(t / "corrupt.tar.gz", "corrupt");

  write_tar_gz(t / "empty.tar.gz", {{"readme.txt", {'h', 'i'}}});
  expect_failure(t / "empty.tar.gz", "no CIFAR-100");

  write_file(t / "idx_magic/train-images-idx3-ubyte", idx_images(2, 3, 3, 0x804));
  write_file(t / "idx_magic/train-labels-idx1-ubyte", idx_labels(2, 2));
  expect_failure(t / "idx_magic", "magic must be 0x00000803");

  write_file(t / "idx_dims/train-images-idx3-ubyte", [] { auto b = idx_images(4, 3, 3); b.resize(b.size() - 5); return b; }());
  write_file(t / "idx_dims/train-labels-idx1-ubyte", idx_labels(4, 2));
  expect_failure(t / "idx_dims", "does not match its header");

  write_file(t / "idx_count/train-images-idx3-ubyte", idx_images(4, 3, 3));
  write_file(t / "idx_count/train-labels-idx1-ubyte", idx_labels(5, 2));
  expect_failure(t / "idx_count", "5 labels for 4 images");

  // An output folder that cannot be written: a regular file stands where the folder should be.
  write_cifar100_dir(t / "good", 3, 2);
  write_text(t / "blocked", "x");
  std::string message;
  try {
    convert(options(t / "good", t / "blocked"));
  } catch (const ConvertError& e) {
    message = e.what();
  }
  CHECK(message.find("cannot create output folder") != std::string::npos);
}

TEST_CASE("inputs that crashed the archive fuzzer now give a clear error") {
  // Corrupt archives on which libarchive reports an error without a message.
  for (const char* name : {"archive-41ddb6f5edb0.bin", "archive-8fe95df00cb2.bin"}) {
    const std::string path = std::string(GCT_SOURCE_DIR) + "/tests/fuzz_regressions/" + name;
    REQUIRE(fs::exists(path));
    std::string message;
    try {
      load_input(path, wanted_entry);
    } catch (const ConvertError& e) {
      message = e.what();
    }
    CHECK_MESSAGE(!message.empty(), name);
  }
}

TEST_CASE("interleaved output keeps each pixel's three channels together; --classes keeps each record's labels") {
  // Labels start at 95, so the classes kept (fine < 10) are records 5..14 of the training file and
  // 3..12 of the test file: every kept record moves, and its coarse label (fine % 20) with it.
  TempDir t;
  write_file(t / "src/cifar-100-binary/train.bin", cifar100_records(30, 95));
  write_file(t / "src/cifar-100-binary/test.bin", cifar100_records(20, 97));
  write_text(t / "src/cifar-100-binary/fine_label_names.txt", names("fine", 100));
  write_text(t / "src/cifar-100-binary/coarse_label_names.txt", names("coarse", 20));
  ConvertOptions o = options(t / "src", t / "out");
  o.transform.classes = 10;
  o.transform.layout = gct::PixelLayout::kInterleaved;
  convert(o);
  for (const auto& [split, first_label] : {std::pair<const char*, int>{"train", 95}, {"test", 97}}) {
    CAPTURE(std::string(split));
    auto blob = open_blob(t / (std::string("out/") + split + ".blob"));
    const gct::DatasetView& d = blob->view.data;
    const int skipped = 100 - first_label;
    REQUIRE(d.count == 10);
    REQUIRE(d.channels == 3);
    CHECK(d.layout == gct::PixelLayout::kInterleaved);
    const auto records = cifar100_records(skipped + 10, first_label);
    for (uint32_t r = 0; r < d.count; ++r) {
      CAPTURE(r);
      const uint8_t* rec = records.data() + (r + skipped) * 3074;
      CHECK(d.fine[r] == rec[1]);
      CHECK(d.coarse[r] == rec[0]);
      // Interleaved: pixel p's channel k at p * 3 + k; the record holds plane k at k * 1024.
      int wrong = 0;
      for (int p = 0; p < 1024; ++p)
        for (int k = 0; k < 3; ++k) wrong += d.pixels[r * 3072 + p * 3 + k] != rec[2 + k * 1024 + p];
      CHECK(wrong == 0);
    }
  }
}
