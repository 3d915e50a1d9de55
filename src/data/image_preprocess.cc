// Image preprocessing: PIL's bilinear resize (ported from Pillow src/libImaging/Resample.c),
// torchvision's Resize/CenterCrop geometry, normalisation and layout.
#include <algorithm>
#include <cmath>

#include "qbench/core/text.h"
#include "qbench/core/error.h"
#include "qbench/data/image.h"

namespace qbench {
namespace {

// Pillow Resample.c: 8-bit results; two extra bits for overflow of negative-lobe filters.
constexpr int kPrecisionBits = 32 - 8 - 2;

// Pillow Resample.c bilinear_filter (support 1.0).
double BilinearFilter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

// Pillow Resample.c precompute_coeffs + normalize_coeffs_8bpc for box [0, in_size): for each output
// pixel, the first input pixel (bounds[2i]), the count (bounds[2i+1]) and ksize fixed-point weights.
struct Coefficients {
  int ksize = 0;
  std::vector<int> bounds;
  std::vector<std::int32_t> weights;
};

Coefficients PrecomputeCoefficients(int in_size, int out_size) {
  constexpr double kSupport = 1.0;
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  double scale = static_cast<double>(in1 - in0) / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kSupport * filterscale;
  Coefficients co;
  co.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  co.bounds.resize(static_cast<std::size_t>(out_size) * 2);
  co.weights.assign(static_cast<std::size_t>(out_size) * co.ksize, 0);
  std::vector<double> k(co.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // "Round the value" (truncation toward 0)
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    std::fill(k.begin(), k.end(), 0.0);
    for (int x = 0; x < xmax; ++x) {
      const double w = BilinearFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
    }
    co.bounds[xx * 2] = xmin;
    co.bounds[xx * 2 + 1] = xmax;
    for (int x = 0; x < co.ksize; ++x) {
      const double v = k[x] * (1 << kPrecisionBits);
      co.weights[static_cast<std::size_t>(xx) * co.ksize + x] =
          static_cast<std::int32_t>(k[x] < 0 ? -0.5 + v : 0.5 + v);
    }
  }
  return co;
}

// Pillow's clip8: (ss >> PRECISION_BITS) clamped to [0, 255].
inline std::uint8_t Clip8(int ss) {
  const int v = ss >> kPrecisionBits;
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// ImagingResampleHorizontal_8bpc over rows [row_offset, row_offset + out_rows) of `in`.
Image ResampleHorizontal(const Image& in, int out_width, int row_offset, int out_rows, const Coefficients& co) {
  Image out;
  out.width = out_width;
  out.height = out_rows;
  out.channels = in.channels;
  out.pixels.resize(static_cast<std::size_t>(out_width) * out_rows * in.channels);
  const int ch = in.channels;
  for (int yy = 0; yy < out_rows; ++yy) {
    const std::uint8_t* src = in.pixels.data() + static_cast<std::size_t>(yy + row_offset) * in.width * ch;
    std::uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(yy) * out_width * ch;
    for (int xx = 0; xx < out_width; ++xx) {
      const int xmin = co.bounds[xx * 2], xmax = co.bounds[xx * 2 + 1];
      const std::int32_t* k = co.weights.data() + static_cast<std::size_t>(xx) * co.ksize;
      for (int c = 0; c < ch; ++c) {
        int ss = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < xmax; ++x) ss += src[(x + xmin) * ch + c] * k[x];
        dst[xx * ch + c] = Clip8(ss);
      }
    }
  }
  return out;
}

// ImagingResampleVertical_8bpc; `row_shift` is subtracted from the bounds (ybox_first).
Image ResampleVertical(const Image& in, int out_height, int row_shift, const Coefficients& co) {
  Image out;
  out.width = in.width;
  out.height = out_height;
  out.channels = in.channels;
  const int ch = in.channels;
  const std::size_t row_len = static_cast<std::size_t>(in.width) * ch;
  out.pixels.resize(row_len * out_height);
  for (int yy = 0; yy < out_height; ++yy) {
    const int ymin = co.bounds[yy * 2] - row_shift, ymax = co.bounds[yy * 2 + 1];
    const std::int32_t* k = co.weights.data() + static_cast<std::size_t>(yy) * co.ksize;
    std::uint8_t* dst = out.pixels.data() + yy * row_len;
    for (std::size_t i = 0; i < row_len; ++i) {
      int ss = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < ymax; ++y) ss += in.pixels[(y + ymin) * row_len + i] * k[y];
      dst[i] = Clip8(ss);
    }
  }
  return out;
}

}  // namespace

Image ConvertChannels(const Image& image, int channels) {
  if (channels != 1 && channels != 3) {
    throw Error(ErrorCode::kInvalidArgument, "cannot convert an image to " + std::to_string(channels) +
                                                 " channels; expected 1 (grayscale) or 3 (RGB)");
  }
  if (image.channels == channels) return image;
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.channels = channels;
  const std::size_t n = static_cast<std::size_t>(image.width) * image.height;
  out.pixels.resize(n * channels);
  if (channels == 3) {
    for (std::size_t i = 0; i < n; ++i) {
      for (int c = 0; c < 3; ++c) out.pixels[i * 3 + c] = image.pixels[i];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t* p = &image.pixels[i * 3];
      out.pixels[i] = static_cast<std::uint8_t>((p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16);
    }
  }
  return out;
}

Image ResizeBilinearPil(const Image& image, int width, int height) {
  if (width <= 0 || height <= 0 || image.width <= 0 || image.height <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "cannot resize a " + std::to_string(image.width) + "x" +
                                                 std::to_string(image.height) + " image to " + std::to_string(width) +
                                                 "x" + std::to_string(height) + ": sizes must be > 0");
  }
  // ImagingResampleInner: vertical coefficients first, to know which rows the horizontal pass needs.
  const bool need_horizontal = width != image.width;
  const bool need_vertical = height != image.height;
  if (!need_horizontal && !need_vertical) return image;
  const Coefficients vert = PrecomputeCoefficients(image.height, height);
  const int ybox_first = vert.bounds[0];
  const int ybox_last = vert.bounds[height * 2 - 2] + vert.bounds[height * 2 - 1];
  Image current;
  const Image* src = &image;
  int row_shift = 0;
  if (need_horizontal) {
    const Coefficients horiz = PrecomputeCoefficients(image.width, width);
    current = ResampleHorizontal(image, width, ybox_first, ybox_last - ybox_first, horiz);
    src = &current;
    row_shift = ybox_first;
  }
  if (need_vertical) return ResampleVertical(*src, height, row_shift, vert);
  return current;
}

void ShorterSideSize(int width, int height, int shorter, int* out_width, int* out_height) {
  // torchvision _compute_resized_output_size: new_long = int(new_short * long / short).
  if (width <= height) {
    *out_width = shorter;
    *out_height = static_cast<int>(static_cast<double>(shorter) * height / width);
  } else {
    *out_height = shorter;
    *out_width = static_cast<int>(static_cast<double>(shorter) * width / height);
  }
}

namespace {

// `image` with zero borders of `left`, `top`, `right` and `bottom` pixels (each >= 0).
Image PadZeroSides(const Image& image, int left, int top, int right, int bottom) {
  Image out;
  out.width = image.width + left + right;
  out.height = image.height + top + bottom;
  out.channels = image.channels;
  out.pixels.assign(static_cast<std::size_t>(out.width) * out.height * out.channels, 0);
  const std::size_t row = static_cast<std::size_t>(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y) {
    std::copy_n(image.pixels.data() + y * row, row,
                out.pixels.data() + (static_cast<std::size_t>(y + top) * out.width + left) * out.channels);
  }
  return out;
}

}  // namespace

Image PadZero(const Image& image, int pad) { return pad <= 0 ? image : PadZeroSides(image, pad, pad, pad, pad); }

Image CenterCrop(const Image& image, int crop_width, int crop_height) {
  if (crop_width <= 0 || crop_height <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "center crop size must be > 0, got " + std::to_string(crop_width) + "x" +
                                                 std::to_string(crop_height));
  }
  // torchvision CenterCrop pads (left, top, right, bottom) = ((cw−w)//2, (ch−h)//2, (cw−w+1)//2, ...)
  // when the crop is larger than the image.
  Image src = image;
  if (crop_width > src.width || crop_height > src.height) {
    const int pad_l = crop_width > src.width ? (crop_width - src.width) / 2 : 0;
    const int pad_t = crop_height > src.height ? (crop_height - src.height) / 2 : 0;
    const int pad_r = crop_width > src.width ? (crop_width - src.width + 1) / 2 : 0;
    const int pad_b = crop_height > src.height ? (crop_height - src.height + 1) / 2 : 0;
    src = PadZeroSides(src, pad_l, pad_t, pad_r, pad_b);
  }
  // int(round(x)) with Python's round-half-to-even: std::nearbyint in the default rounding mode.
  const int top = static_cast<int>(std::nearbyint((src.height - crop_height) / 2.0));
  const int left = static_cast<int>(std::nearbyint((src.width - crop_width) / 2.0));
  Image out;
  out.width = crop_width;
  out.height = crop_height;
  out.channels = src.channels;
  out.pixels.resize(static_cast<std::size_t>(crop_width) * crop_height * src.channels);
  const std::size_t row = static_cast<std::size_t>(crop_width) * src.channels;
  for (int y = 0; y < crop_height; ++y) {
    std::copy_n(src.pixels.data() + (static_cast<std::size_t>(y + top) * src.width + left) * src.channels, row,
                out.pixels.data() + y * row);
  }
  return out;
}

const std::vector<std::string>& PreprocessPresetNames() {
  static const std::vector<std::string> names = {"imagenet", "fashion-mnist"};
  return names;
}

PreprocessOptions PreprocessOptions::FromPreset(const std::string& name) {
  PreprocessOptions o;  // the defaults are the imagenet preset
  if (name == "imagenet") return o;
  if (name == "fashion-mnist") {  // ../shared/data/fashion-mnist/README.md
    o.resize_shorter = 0;
    o.crop = 0;
    o.pad = 2;
    o.mean = {0.2860f};
    o.std = {0.3530f};
    o.channels = 3;
    return o;
  }
  throw Error(ErrorCode::kInvalidArgument, UnknownChoice("preprocessing preset", name, PreprocessPresetNames()));
}

void ValidatePreprocessOptions(const PreprocessOptions& o) {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::kInvalidArgument, what); };
  if (o.layout != "NCHW" && o.layout != "NHWC") bad("unknown layout '" + o.layout + "'; expected NCHW or NHWC");
  if (o.channel_order != "RGB" && o.channel_order != "BGR") {
    bad("unknown channel order '" + o.channel_order + "'; expected RGB or BGR");
  }
  if (o.channels != 1 && o.channels != 3) bad("channels must be 1 or 3, got " + std::to_string(o.channels));
  if (o.resize_shorter < 0 || o.crop < 0 || o.pad < 0 || o.resize_width < 0 || o.resize_height < 0) {
    bad("resize, crop and pad must be >= 0 pixels (0 = off)");
  }
  if ((o.resize_width > 0) != (o.resize_height > 0)) bad("an exact resize needs both width and height (e.g. 224x224)");
  auto check = [&](const std::vector<float>& v, const char* name) {
    if (v.size() != 1 && static_cast<int>(v.size()) != o.channels) {
      bad(std::string(name) + " has " + std::to_string(v.size()) + " values; expected 1 or " +
          std::to_string(o.channels) + " (one per channel)");
    }
  };
  check(o.mean, "mean");
  check(o.std, "std");
  for (float s : o.std) {
    if (s == 0.0f) bad("std values must be non-zero");
  }
}

HostTensor PreprocessImage(const Image& image, const PreprocessOptions& o) {
  ValidatePreprocessOptions(o);
  Image img = ConvertChannels(image, o.channels);
  if (o.resize_width > 0) {
    img = ResizeBilinearPil(img, o.resize_width, o.resize_height);
  } else if (o.resize_shorter > 0) {
    int w = 0, h = 0;
    ShorterSideSize(img.width, img.height, o.resize_shorter, &w, &h);
    img = ResizeBilinearPil(img, w, h);
  }
  if (o.crop > 0) img = CenterCrop(img, o.crop, o.crop);
  img = PadZero(img, o.pad);
  const int c_count = o.channels, h = img.height, w = img.width;
  const bool nchw = o.layout == "NCHW";
  const bool bgr = o.channel_order == "BGR" && c_count == 3;
  HostTensor t = HostTensor::Zeros(DType::kFloat32, nchw ? std::vector<std::int64_t>{c_count, h, w}
                                                         : std::vector<std::int64_t>{h, w, c_count});
  float* out = t.data<float>();
  for (int c = 0; c < c_count; ++c) {
    const int src_c = bgr ? 2 - c : c;  // output channel c holds source channel src_c
    const float mean = o.mean.size() == 1 ? o.mean[0] : o.mean[c];
    const float stdv = o.std.size() == 1 ? o.std[0] : o.std[c];
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const float v = (static_cast<float>(img.at(y, x, src_c)) / 255.0f - mean) / stdv;
        const std::size_t idx = nchw ? (static_cast<std::size_t>(c) * h + y) * w + x
                                     : (static_cast<std::size_t>(y) * w + x) * c_count + c;
        out[idx] = v;
      }
    }
  }
  return t;
}

}  // namespace qbench
