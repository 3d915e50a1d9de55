// Image decoding and preprocessing: hand-computed PIL resize values, torchvision crop geometry,
// grayscale / CMYK / PNG-with-alpha conversion.
#include <gtest/gtest.h>

#include <cstdio>
#include <jpeglib.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/data/image.h"
#include "test_util.h"

namespace qbench {
namespace {

Image MakeImage(int w, int h, int c, std::vector<std::uint8_t> pixels) {
  Image img;
  img.width = w;
  img.height = h;
  img.channels = c;
  img.pixels = std::move(pixels);
  return img;
}

// Downscaling 4 → 2 with PIL's antialiased bilinear: support = 2 input pixels around each output
// centre (1.0 and 3.0). Output 0 weights pixels 0,1,2 by triangle(−.25, .25, .75 scaled) =
// .75,.75,.25 (sum 1.75): (0·.75 + 100·.75 + 200·.25)/1.75 = 71.43 → 71 after 22-bit fixed point.
// Output 1 weights pixels 1,2,3 by .25,.75,.75: (25 + 150 + 191.25)/1.75 = 209.29 → 209.
// (A plain 2-tap bilinear would give 50 and 227.)
TEST(ResizeBilinearPil, DownscaleAveragesLikePil) {
  Image out = ResizeBilinearPil(MakeImage(4, 1, 1, {0, 100, 200, 255}), 2, 1);
  ASSERT_EQ(out.width, 2);
  ASSERT_EQ(out.height, 1);
  EXPECT_EQ(out.pixels, (std::vector<std::uint8_t>{71, 209}));
}

// Upscaling 2 → 4: centres 0.25, 0.75, 1.25, 1.75 in input pixels; the triangle of support 1
// gives 0, 0.75·0 + 0.25·100 = 25, 75, and 100 (the last one sees only pixel 1).
TEST(ResizeBilinearPil, UpscaleInterpolates) {
  Image out = ResizeBilinearPil(MakeImage(2, 1, 1, {0, 100}), 4, 1);
  EXPECT_EQ(out.pixels, (std::vector<std::uint8_t>{0, 25, 75, 100}));
  // The vertical pass is the same filter: a 1×4 column resized to 1×2.
  Image col = ResizeBilinearPil(MakeImage(1, 4, 1, {0, 100, 200, 255}), 1, 2);
  EXPECT_EQ(col.pixels, (std::vector<std::uint8_t>{71, 209}));
  EXPECT_THROW(ResizeBilinearPil(MakeImage(2, 1, 1, {0, 100}), 0, 1), Error);
}

TEST(Preprocess, ShorterSideSizeTruncatesLikeTorchvision) {
  int w = 0, h = 0;
  ShorterSideSize(500, 375, 256, &w, &h);  // 256·500/375 = 341.33
  EXPECT_EQ(w, 341);
  EXPECT_EQ(h, 256);
  ShorterSideSize(333, 500, 256, &w, &h);  // 256·500/333 = 384.38
  EXPECT_EQ(w, 256);
  EXPECT_EQ(h, 384);
}

// torchvision CenterCrop: top = int(round((h − c)/2)) with round-half-to-even:
// 5 → 2: round(1.5) = 2; 7 → 2: round(2.5) = 2; 4 → 2: 1.
TEST(Preprocess, CenterCropOffsetsRoundHalfToEven) {
  std::vector<std::uint8_t> px(7 * 5);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i);
  Image img = MakeImage(7, 5, 1, px);  // width 7, height 5
  Image out = CenterCrop(img, 2, 2);
  // top = round(1.5) = 2, left = round(2.5) = 2 → first pixel (2,2) = 2·7 + 2 = 16.
  EXPECT_EQ(out.pixels, (std::vector<std::uint8_t>{16, 17, 23, 24}));
  // A crop larger than the image pads with zeros: 1×1 → 3×3 puts the pixel in the middle.
  Image small = CenterCrop(MakeImage(1, 1, 1, {9}), 3, 3);
  EXPECT_EQ(small.pixels, (std::vector<std::uint8_t>{0, 0, 0, 0, 9, 0, 0, 0, 0}));
  // Odd padding goes right and bottom: 2×1 → 3×2 pads (left, top, right, bottom) = (0, 0, 1, 1).
  Image wide = CenterCrop(MakeImage(2, 1, 1, {5, 6}), 3, 2);
  EXPECT_EQ(wide.pixels, (std::vector<std::uint8_t>{5, 6, 0, 0, 0, 0}));
  // PadZero: the same border on every side.
  EXPECT_EQ(PadZero(MakeImage(1, 1, 1, {7}), 1).pixels, (std::vector<std::uint8_t>{0, 0, 0, 0, 7, 0, 0, 0, 0}));
}

TEST(Preprocess, PresetsAndNormalisation) {
  PreprocessOptions f = PreprocessOptions::FromPreset("fashion-mnist");
  EXPECT_EQ(f.pad, 2);
  EXPECT_EQ(f.resize_shorter, 0);
  // 1×1 gray image of 255 padded by 2 → [3,5,5]; centre (255/255 − .286)/.353 = 2.022663,
  // padding (0 − .286)/.353 = −0.810198.
  HostTensor t = PreprocessImage(MakeImage(1, 1, 1, {255}), f);
  ASSERT_EQ(t.shape, (std::vector<std::int64_t>{3, 5, 5}));
  EXPECT_NEAR(t.data<float>()[2 * 5 + 2], 2.022663f, 1e-5);
  EXPECT_NEAR(t.data<float>()[0], -0.810198f, 1e-5);
  EXPECT_FLOAT_EQ(t.data<float>()[2 * 25 + 12], t.data<float>()[12]);
  try {
    PreprocessOptions::FromPreset("coco");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("imagenet, fashion-mnist"), std::string::npos) << e.what();
  }
}

// One RGB pixel (10, 20, 30), no resize/crop, mean 0, std 1: NCHW vs NHWC vs BGR placement.
TEST(Preprocess, LayoutAndChannelOrder) {
  PreprocessOptions o;
  o.resize_shorter = 0;
  o.crop = 0;
  o.mean = {0.0f};
  o.std = {1.0f / 255.0f};  // x = p/255 / (1/255) = p
  Image img = MakeImage(2, 1, 3, {10, 20, 30, 40, 50, 60});
  HostTensor nchw = PreprocessImage(img, o);
  ASSERT_EQ(nchw.shape, (std::vector<std::int64_t>{3, 1, 2}));
  const std::vector<float> want_nchw = {10, 40, 20, 50, 30, 60};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(nchw.data<float>()[i], want_nchw[i], 1e-4) << i;
  o.layout = "NHWC";
  o.channel_order = "BGR";
  HostTensor nhwc = PreprocessImage(img, o);
  ASSERT_EQ(nhwc.shape, (std::vector<std::int64_t>{1, 2, 3}));
  const std::vector<float> want_nhwc = {30, 20, 10, 60, 50, 40};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(nhwc.data<float>()[i], want_nhwc[i], 1e-4) << i;
  o.layout = "CHW";
  EXPECT_THROW(PreprocessImage(img, o), Error);
}

// The three single-channel JPEGs of the shared sample decode as 1 channel and become
// [3,224,224] with three equal channels (gray replicated, as PIL's convert("RGB")).
TEST(DecodeImage, GrayscaleJpegsBecomeThreeEqualChannels) {
  QBENCH_REQUIRE_SHARED(dir, "data/imagenet-sample");
  const PreprocessOptions o = PreprocessOptions::FromPreset("imagenet");
  for (const char* name : {"n02692877_airship.JPEG", "n03908714_pencil_sharpener.JPEG", "n04254680_soccer_ball.JPEG"}) {
    Image img = DecodeImageFile(dir + "/" + name);
    EXPECT_EQ(img.channels, 1) << name;
    HostTensor t = PreprocessImage(img, o);
    ASSERT_EQ(t.shape, (std::vector<std::int64_t>{3, 224, 224})) << name;
    const float* p = t.data<float>();
    const std::size_t plane = 224 * 224;
    // Normalised values differ per channel (different mean/std); undo them to compare pixels.
    int unequal = 0;
    for (std::size_t i = 0; i < plane; ++i) {
      const float r = p[i] * 0.229f + 0.485f, g = p[plane + i] * 0.224f + 0.456f, b = p[2 * plane + i] * 0.225f + 0.406f;
      if (std::fabs(r - g) > 1e-5f || std::fabs(r - b) > 1e-5f) ++unequal;
    }
    EXPECT_EQ(unequal, 0) << name;
  }
  // A colour file stays 3-channel with different planes.
  Image colour = DecodeImageFile(dir + "/n01440764_tench.JPEG");
  EXPECT_EQ(colour.channels, 3);
}

// Writes a uniform 16×16 CMYK JPEG with libjpeg; jpeg_set_colorspace(JCS_CMYK) adds an Adobe
// marker, so the stored values are read as inverted ("CMYK;I", as Photoshop writes them).
std::string WriteCmykJpeg(const std::string& path, const std::uint8_t cmyk[4]) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = 16;
  cinfo.image_height = 16;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_colorspace(&cinfo, JCS_CMYK);
  jpeg_set_quality(&cinfo, 100, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<unsigned char> row(16 * 4);
  for (int x = 0; x < 16; ++x) std::copy(cmyk, cmyk + 4, row.begin() + x * 4);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string bytes(reinterpret_cast<char*>(buffer), size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  WriteFileAtomic(path, bytes);
  return path;
}

TEST(DecodeImage, AdobeCmykJpegConvertsToRgb) {
  // Stored (inverted) C,M,Y,K = 255,0,255,255 → inks 0,255,0,0 → RGB (255, 0, 255).
  const std::uint8_t stored[4] = {255, 0, 255, 255};
  Image img = DecodeImageFile(WriteCmykJpeg(testing::TempDir() + "/cmyk.jpg", stored));
  ASSERT_EQ(img.channels, 3);
  ASSERT_EQ(img.width, 16);
  EXPECT_NEAR(img.at(5, 5, 0), 255, 2);
  EXPECT_NEAR(img.at(5, 5, 1), 0, 2);
  EXPECT_NEAR(img.at(5, 5, 2), 255, 2);
  // Stored 255,255,255,128 → inks 0,0,0,127 → grey (255−127)·255/255 = 128.
  const std::uint8_t grey[4] = {255, 255, 255, 128};
  Image g = DecodeImageFile(WriteCmykJpeg(testing::TempDir() + "/grey.jpg", grey));
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(g.at(3, 3, c), 128, 2);
}

TEST(DecodeImage, PngAlphaIsDroppedAndGarbageIsReported) {
  const std::string path = testing::TempDir() + "/rgba.png";
  const std::uint8_t rgba[2 * 4] = {10, 20, 30, 0, 40, 50, 60, 255};
  ASSERT_NE(stbi_write_png(path.c_str(), 2, 1, 4, rgba, 8), 0);
  Image img = DecodeImageFile(path);
  EXPECT_EQ(img.channels, 3);
  EXPECT_EQ(img.pixels, (std::vector<std::uint8_t>{10, 20, 30, 40, 50, 60}));
  try {
    DecodeImage("not an image at all", "junk.jpg");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("junk.jpg"), std::string::npos) << e.what();
  }
}

TEST(DecodeImage, TruncatedJpegIsAnError) {
  QBENCH_REQUIRE_SHARED(path, "data/imagenet-sample/n01440764_tench.JPEG");
  const std::string bytes = ReadFileBytes(path);
  try {
    DecodeImage(bytes.substr(0, bytes.size() / 2), "half.jpg");
    FAIL() << "a half JPEG decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("half.jpg"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qbench
