// Image decoding: JPEG through libjpeg(-turbo) (what PIL links, so pixels match PIL's), everything
// else through stb_image. Why not stb_image for JPEG: its IDCT and chroma upsampling differ from
// libjpeg's (a few grey levels per pixel), and it cannot decode CMYK/YCCK (Adobe) JPEGs at all.
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#include <stb/stb_image.h>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/data/image.h"

namespace qbench {
namespace {

bool IsJpeg(const std::string& bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8 && static_cast<unsigned char>(bytes[2]) == 0xFF;
}

// libjpeg reports fatal errors through error_exit, which must not return: jump back to DecodeJpeg.
struct JpegErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool saw_eof = false;  // "Premature end of JPEG file": the data was truncated
};

void JpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void JpegEmitMessage(j_common_ptr cinfo, int msg_level) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  if (msg_level < 0) {  // a warning; libjpeg goes on with gray fill for missing data
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) err->saw_eof = true;
    cinfo->err->num_warnings++;
  }
}

// Decodes into `out`; returns false with `message` set on failure. No C++ object with a
// destructor is created between setjmp and the calls that may longjmp.
bool DecodeJpegRaw(const std::string& bytes, Image* out, std::string* message) {
  jpeg_decompress_struct cinfo;
  JpegErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = JpegErrorExit;
  err.pub.emit_message = JpegEmitMessage;
  err.message[0] = '\0';
  JSAMPROW row = nullptr;
  unsigned char* cmyk = nullptr;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    std::free(cmyk);
    *message = err.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  bool is_cmyk = false;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo.out_color_space = JCS_CMYK;  // libjpeg converts YCCK to (Adobe-inverted) CMYK
      is_cmyk = true;
      break;
    default:
      cinfo.out_color_space = JCS_RGB;
      break;
  }
  jpeg_start_decompress(&cinfo);
  const int width = static_cast<int>(cinfo.output_width);
  const int height = static_cast<int>(cinfo.output_height);
  const int out_channels = is_cmyk ? 3 : static_cast<int>(cinfo.output_components);
  out->width = width;
  out->height = height;
  out->channels = out_channels;
  out->pixels.resize(static_cast<std::size_t>(width) * height * out_channels);
  if (is_cmyk) cmyk = static_cast<unsigned char*>(std::malloc(static_cast<std::size_t>(width) * 4));
  // Pillow JpegImagePlugin: CMYK data with an Adobe marker is stored inverted ("CMYK;I").
  const bool inverted = is_cmyk && cinfo.saw_Adobe_marker;
  while (cinfo.output_scanline < cinfo.output_height) {
    unsigned char* dst = out->pixels.data() + static_cast<std::size_t>(cinfo.output_scanline) * width * out_channels;
    if (!is_cmyk) {
      row = dst;
      jpeg_read_scanlines(&cinfo, &row, 1);
      continue;
    }
    row = cmyk;
    jpeg_read_scanlines(&cinfo, &row, 1);
    for (int x = 0; x < width; ++x) {
      // Pillow Convert.c cmyk2rgb: out = CLIP8(nk − MULDIV255(c, nk)), nk = 255 − k.
      int c[4];
      for (int i = 0; i < 4; ++i) c[i] = inverted ? 255 - cmyk[x * 4 + i] : cmyk[x * 4 + i];
      const int nk = 255 - c[3];
      for (int i = 0; i < 3; ++i) {
        int tmp = c[i] * nk + 128;
        const int muldiv = ((tmp >> 8) + tmp) >> 8;  // MULDIV255
        int v = nk - muldiv;
        dst[x * 3 + i] = static_cast<unsigned char>(v < 0 ? 0 : (v > 255 ? 255 : v));
      }
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  std::free(cmyk);
  if (err.saw_eof) {
    *message = "the JPEG data ends early (truncated file)";
    return false;
  }
  return true;
}

}  // namespace

Image DecodeImage(const std::string& bytes, const std::string& name) {
  if (bytes.empty()) throw Error(ErrorCode::kInvalidInput, "cannot decode image '" + name + "': the file is empty");
  Image image;
  if (IsJpeg(bytes)) {
    std::string message;
    if (!DecodeJpegRaw(bytes, &image, &message)) {
      throw Error(ErrorCode::kInvalidInput, "cannot decode JPEG '" + name + "': " + message +
                                                "; the file is corrupt or truncated (replace or remove it)");
    }
    return image;
  }
  int width = 0, height = 0, channels = 0;
  unsigned char* data = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                                              static_cast<int>(bytes.size()), &width, &height, &channels, 0);
  if (data == nullptr) {
    const char* reason = stbi_failure_reason();
    throw Error(ErrorCode::kInvalidInput, "cannot decode image '" + name + "': " + (reason ? reason : "unknown error") +
                                              " (supported: JPEG, PNG, BMP, GIF, TGA, PNM, PSD)");
  }
  image.width = width;
  image.height = height;
  image.channels = channels <= 2 ? 1 : 3;  // drop alpha, as PIL's convert("RGB") / convert("L")
  image.pixels.resize(static_cast<std::size_t>(width) * height * image.channels);
  const std::size_t n = static_cast<std::size_t>(width) * height;
  for (std::size_t i = 0; i < n; ++i) {
    for (int c = 0; c < image.channels; ++c) image.pixels[i * image.channels + c] = data[i * channels + c];
  }
  stbi_image_free(data);
  return image;
}

Image DecodeImageFile(const std::string& path) { return DecodeImage(ReadFileBytes(path), path); }

}  // namespace qbench
