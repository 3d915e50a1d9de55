// qbench/data/image.h — decoding images and turning them into model inputs, reproducing the
// reference pipeline PIL + torchvision (Image.open().convert("RGB") → Resize → CenterCrop →
// ToTensor → Normalize) bit for bit up to the float normalisation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/data/dataset.h"

namespace qbench {

/// An 8-bit image, interleaved (row-major H×W×C), C = 1 (grayscale) or 3 (RGB).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;  ///< height × width × channels bytes

  std::uint8_t at(int y, int x, int c) const { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
};

/// Decodes JPEG, PNG, BMP, GIF (first frame), TGA, PNM or PSD bytes; `name` is used in messages.
/// JPEG goes through libjpeg(-turbo) with its defaults (ISLOW IDCT, fancy upsampling) — the decoder
/// and settings PIL uses, so pixels match PIL's exactly. Grayscale JPEGs stay 1-channel; CMYK and
/// YCCK JPEGs are converted to RGB as PIL does (R = (255−C)(255−K)/255, with Adobe-inverted data
/// handled as PIL's "CMYK;I" raw mode). Other formats use stb_image; an alpha channel is dropped
/// (as PIL's convert("RGB")), gray+alpha becomes gray.
/// Throws Error(kInvalidInput) naming `name` for an unknown format, corrupt or truncated data
/// (a JPEG whose data ends early is an error, as in PIL without LOAD_TRUNCATED_IMAGES).
Image DecodeImage(const std::string& bytes, const std::string& name);

/// Reads and decodes an image file. Throws Error(kNotFound) for a missing file, else as DecodeImage.
Image DecodeImageFile(const std::string& path);

/// Converts to `channels` (1 or 3): gray → RGB replicates the plane (PIL convert("RGB"));
/// RGB → gray uses PIL's ITU-R 601-2 luma L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16
/// (Pillow src/libImaging/Convert.c, rgb2l). Throws Error(kInvalidArgument) for other counts.
Image ConvertChannels(const Image& image, int channels);

/// Resizes with PIL's Image.resize(size, Image.BILINEAR) algorithm, reproduced exactly from
/// Pillow src/libImaging/Resample.c (precompute_coeffs, normalize_coeffs_8bpc,
/// ImagingResampleHorizontal_8bpc/Vertical_8bpc, ImagingResampleInner): a separable triangle
/// filter whose support (1 pixel) is scaled by the downscale factor (antialiasing), weights
/// normalised per output pixel and quantised to 22-bit fixed point, horizontal pass first, each
/// pass rounding to 8 bits. Unlike OpenCV's/ONNX's bilinear it averages all covered pixels when
/// shrinking. A same-size resize returns a copy. Throws Error(kInvalidArgument) for sizes <= 0.
Image ResizeBilinearPil(const Image& image, int width, int height);

/// torchvision.transforms.Resize(int) output size: the shorter side becomes `shorter`, the longer
/// int(shorter × long / short) (truncated, as torchvision's _compute_resized_output_size).
void ShorterSideSize(int width, int height, int shorter, int* out_width, int* out_height);

/// torchvision.transforms.CenterCrop(size): zero-pads symmetrically first when the image is
/// smaller than the crop, then crops at top = int(round((h − crop_h) / 2)), left likewise,
/// with Python's round-half-to-even. Throws Error(kInvalidArgument) for sizes <= 0.
Image CenterCrop(const Image& image, int crop_width, int crop_height);

/// Adds `pad` pixels of value 0 on every side.
Image PadZero(const Image& image, int pad);

/// Applies `options` to a decoded image: channels, resize (exact size or shorter side), center
/// crop, zero pad, then x = (p / 255 − mean[c]) / std[c] in float32 (torchvision ToTensor +
/// Normalize order of operations), channel order RGB/BGR, layout NCHW → float32 [C,H,W] or
/// NHWC → [H,W,C] (no batch dimension). mean/std may hold 1 value (all channels) or `channels`,
/// given in the OUTPUT channel order (for BGR: the B value first, as Caffe models list them).
/// Throws Error(kInvalidArgument) for an invalid option (naming it).
HostTensor PreprocessImage(const Image& image, const PreprocessOptions& options);

/// Checks the options (layout, channel order, channels, mean/std sizes, std != 0, sizes >= 0).
/// Throws Error(kInvalidArgument) naming the bad option, its value and the choices.
void ValidatePreprocessOptions(const PreprocessOptions& options);

/// Names accepted by PreprocessOptions::FromPreset.
const std::vector<std::string>& PreprocessPresetNames();

}  // namespace qbench
