#include "gctrain/blob.hpp"

#include <doctest/doctest.h>

#include <cstring>

#include "host/blob_writer.hpp"

using namespace gct;

namespace {

host::ImageSet small_set() {
  host::ImageSet s;
  s.channels = 3;
  s.height = 2;
  s.width = 3;
  for (int i = 0; i < 5 * 18; ++i) s.pixels.push_back(static_cast<uint8_t>(i * 7));
  s.fine = {0, 1, 2, 3, 1};
  s.coarse = {0, 1, 0, 1, 1};
  return s;
}

host::BlobMeta small_meta() {
  host::BlobMeta m;
  m.split = BlobSplit::kTest;
  m.num_fine = 4;
  m.num_coarse = 2;
  m.fine_to_coarse = {0, 1, 0, 1};
  m.fine_names = {"apple", "bee", "cat", "dog"};
  m.coarse_names = {"fruit", "animal"};
  for (int c = 0; c < 3; ++c) {
    m.mean[c] = 0.4f + 0.1f * c;
    m.stddev[c] = 0.2f;
  }
  return m;
}

}  // namespace

TEST_CASE("a blob round-trips every field, pixel and label, without copying") {
  const auto set = small_set();
  const auto bytes = host::build_blob(set, small_meta());
  CHECK(bytes.size() % 64 != 1);
  BlobView v;
  Status s = blob_open(bytes.data(), bytes.size(), &v);
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(v.split == BlobSplit::kTest);
  CHECK(v.data.count == 5);
  CHECK(v.data.channels == 3);
  CHECK(v.data.height == 2);
  CHECK(v.data.width == 3);
  CHECK(v.data.num_fine == 4);
  CHECK(v.data.num_coarse == 2);
  CHECK(v.data.mean[2] == doctest::Approx(0.6f));
  CHECK(v.data.pixels >= bytes.data());
  CHECK(v.data.pixels < bytes.data() + bytes.size());  // a view, not a copy
  CHECK((v.data.pixels - bytes.data()) % 64 == 0);
  CHECK(std::memcmp(v.data.pixels, set.pixels.data(), set.pixels.size()) == 0);
  CHECK(std::memcmp(v.data.fine, set.fine.data(), 5) == 0);
  CHECK(std::memcmp(v.data.coarse, set.coarse.data(), 5) == 0);
  CHECK(v.data.fine_to_coarse[3] == 1);
  CHECK(std::strcmp(blob_class_name(v.fine_names, 4, 2), "cat") == 0);
  CHECK(std::strcmp(blob_class_name(v.coarse_names, 2, 1), "animal") == 0);
  CHECK(std::strcmp(blob_class_name(v.coarse_names, 2, 5), "") == 0);
}

TEST_CASE("every single-byte corruption anywhere in a small blob is refused") {
  const auto good = host::build_blob(small_set(), small_meta());
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      auto bad = good;
      bad[pos] ^= flip;
      BlobView v;
      Status s = blob_open(bad.data(), bad.size(), &v);
      CHECK_MESSAGE(!s.ok(), "position ", pos, " flip ", int(flip));
      CHECK(s.code() != Code::kOk);
      CHECK(std::strlen(s.message()) > 0);
    }
  }
}

TEST_CASE("every truncation and any trailing byte is refused") {
  auto good = host::build_blob(small_set(), small_meta());
  for (size_t n = 0; n < good.size(); ++n) {
    BlobView v;
    CHECK_FALSE(blob_open(good.data(), n, &v).ok());
  }
  good.push_back(0);
  BlobView v;
  Status s = blob_open(good.data(), good.size(), &v);
  CHECK_FALSE(s.ok());
  CHECK(std::strstr(s.message(), "trailing") != nullptr);
}

TEST_CASE("a blob with an out-of-range label is refused even with valid checksums") {
  auto set = small_set();
  set.fine[2] = 9;
  const auto bytes = host::build_blob(set, small_meta());
  BlobView v;
  Status s = blob_open(bytes.data(), bytes.size(), &v);
  CHECK(s.code() == Code::kCorruptData);
  CHECK(std::strstr(s.message(), "record 2") != nullptr);
}

TEST_CASE("blobs without coarse labels or names are valid") {
  auto set = small_set();
  set.coarse.clear();
  auto meta = small_meta();
  meta.num_coarse = 0;
  meta.fine_to_coarse.clear();
  meta.fine_names.clear();
  meta.coarse_names.clear();
  const auto bytes = host::build_blob(set, meta);
  BlobView v;
  REQUIRE(blob_open(bytes.data(), bytes.size(), &v).ok());
  CHECK(v.data.coarse == nullptr);
  CHECK(v.fine_names == nullptr);
}
