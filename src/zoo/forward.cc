#include "zoo/forward.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace qbench::zoo_internal {

std::int64_t WindowOutputSize(std::int64_t in, int kernel, int stride, int pad, bool ceil_mode) {
  const std::int64_t span = in + 2 * pad - kernel;
  if (span < 0) return 0;
  if (!ceil_mode) return span / stride + 1;
  std::int64_t out = (span + stride - 1) / stride + 1;
  if ((out - 1) * stride >= in + pad) --out;  // PyTorch: the last window starts inside the input
  return out;
}

namespace {
Act Make(int n, int c, int h, int w) {
  Act a;
  a.n = n;
  a.c = c;
  a.h = h;
  a.w = w;
  a.v.assign(static_cast<size_t>(n) * c * h * w, 0.0f);
  return a;
}

// o[j] += a0·c0[j] + a1·c1[j] + a2·c2[j] + a3·c3[j]: four rows of the weight at once halves the
// loads and stores of the accumulator (the kernel GCC vectorises).
inline void Axpy4(float* __restrict o, const float* __restrict c0, const float* __restrict c1,
                  const float* __restrict c2, const float* __restrict c3, float a0, float a1, float a2, float a3,
                  std::int64_t n) {
  for (std::int64_t j = 0; j < n; ++j) o[j] += a0 * c0[j] + a1 * c1[j] + a2 * c2[j] + a3 * c3[j];
}
inline void Axpy1(float* __restrict o, const float* __restrict c, float a, std::int64_t n) {
  for (std::int64_t j = 0; j < n; ++j) o[j] += a * c[j];
}
}  // namespace

namespace {
// Depthwise (groups = C = cout): each output plane += w · shifted input rows, no im2col.
void DepthwiseConv(const Act& x, const float* weight, int kernel, int stride, int pad, Act& y) {
  for (int n = 0; n < x.n; ++n)
    for (int ch = 0; ch < x.c; ++ch) {
      const float* src = x.v.data() + (static_cast<std::int64_t>(n) * x.c + ch) * x.plane();
      float* dst = y.v.data() + (static_cast<std::int64_t>(n) * y.c + ch) * y.plane();
      for (int ky = 0; ky < kernel; ++ky)
        for (int kx = 0; kx < kernel; ++kx) {
          const float a = weight[(static_cast<std::int64_t>(ch) * kernel + ky) * kernel + kx];
          // output columns whose input column ox·stride − pad + kx lies inside [0, w)
          const int ox_lo = std::max(0, (pad - kx + stride - 1) / stride);
          const int ox_hi = std::min(y.w, (x.w - 1 + pad - kx) / stride + 1);
          for (int oy = 0; oy < y.h; ++oy) {
            const int iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= x.h) continue;
            const float* row = src + static_cast<std::int64_t>(iy) * x.w - pad + kx;
            float* o = dst + static_cast<std::int64_t>(oy) * y.w;
            if (stride == 1) {
              for (int ox = ox_lo; ox < ox_hi; ++ox) o[ox] += a * row[ox];
            } else {
              for (int ox = ox_lo; ox < ox_hi; ++ox) o[ox] += a * row[ox * stride];
            }
          }
        }
    }
}
}  // namespace

Act Conv2d(const Act& x, const float* weight, int cout, int kernel, int stride, int pad, int groups) {
  const int ho = static_cast<int>(WindowOutputSize(x.h, kernel, stride, pad));
  const int wo = static_cast<int>(WindowOutputSize(x.w, kernel, stride, pad));
  Act y = Make(x.n, cout, ho, wo);
  if (groups == x.c && cout == x.c) {
    DepthwiseConv(x, weight, kernel, stride, pad, y);
    return y;
  }
  const int cin_g = x.c / groups, cout_g = cout / groups;
  const std::int64_t p = static_cast<std::int64_t>(ho) * wo, np = p * x.n;
  const std::int64_t k_len = static_cast<std::int64_t>(cin_g) * kernel * kernel;
  // A 1×1 stride-1 convolution of one image reads its input planes directly; anything else goes
  // through im2col with the batch folded into the columns: col[k][n·P + oy·wo + ox].
  const bool direct = kernel == 1 && stride == 1 && pad == 0 && x.n == 1;
  std::vector<float> col(direct ? 0 : static_cast<size_t>(k_len * np));
  std::vector<float> acc(static_cast<size_t>(cout_g * np));
  for (int g = 0; g < groups; ++g) {
    const float* cols = direct ? x.v.data() + static_cast<std::int64_t>(g) * cin_g * p : col.data();
    for (int ci = 0; ci < cin_g && !direct; ++ci) {
      for (int ky = 0; ky < kernel; ++ky) {
        for (int kx = 0; kx < kernel; ++kx) {
          float* dst = col.data() + ((static_cast<std::int64_t>(ci) * kernel + ky) * kernel + kx) * np;
          for (int n = 0; n < x.n; ++n) {
            const float* src = x.v.data() + (static_cast<std::int64_t>(n) * x.c + g * cin_g + ci) * x.plane();
            for (int oy = 0; oy < ho; ++oy) {
              float* d = dst + n * p + static_cast<std::int64_t>(oy) * wo;
              const int iy = oy * stride - pad + ky;
              if (iy < 0 || iy >= x.h) {
                std::fill(d, d + wo, 0.0f);
                continue;
              }
              const float* row = src + static_cast<std::int64_t>(iy) * x.w;
              for (int ox = 0; ox < wo; ++ox) {
                const int ix = ox * stride - pad + kx;
                d[ox] = (ix >= 0 && ix < x.w) ? row[ix] : 0.0f;
              }
            }
          }
        }
      }
    }
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int co = 0; co < cout_g; ++co) {
      float* o = acc.data() + co * np;
      const float* wr = weight + static_cast<std::int64_t>(g * cout_g + co) * k_len;
      std::int64_t k = 0;
      for (; k + 4 <= k_len; k += 4) {
        const float* c = cols + k * np;
        Axpy4(o, c, c + np, c + 2 * np, c + 3 * np, wr[k], wr[k + 1], wr[k + 2], wr[k + 3], np);
      }
      for (; k < k_len; ++k) Axpy1(o, cols + k * np, wr[k], np);
    }
    for (int co = 0; co < cout_g; ++co)
      for (int n = 0; n < x.n; ++n)
        std::memcpy(y.v.data() + (static_cast<std::int64_t>(n) * cout + g * cout_g + co) * p, acc.data() + co * np + n * p,
                    static_cast<size_t>(p) * sizeof(float));
  }
  return y;
}

Act Linear(const Act& x, const float* weight, int m) {
  const std::int64_t k_len = static_cast<std::int64_t>(x.c) * x.h * x.w;
  Act y = Make(x.n, m, 1, 1);
  for (int n = 0; n < x.n; ++n) {
    const float* xi = x.v.data() + n * k_len;
    for (int j = 0; j < m; ++j) {
      const float* wr = weight + j * k_len;
      double s = 0;
      for (std::int64_t k = 0; k < k_len; ++k) s += static_cast<double>(wr[k]) * xi[k];
      y.v[static_cast<size_t>(n) * m + j] = static_cast<float>(s);
    }
  }
  return y;
}

Act MaxPool2d(const Act& x, int kernel, int stride, int pad, bool ceil_mode) {
  const int ho = static_cast<int>(WindowOutputSize(x.h, kernel, stride, pad, ceil_mode));
  const int wo = static_cast<int>(WindowOutputSize(x.w, kernel, stride, pad, ceil_mode));
  Act y = Make(x.n, x.c, ho, wo);
  for (std::int64_t plane = 0; plane < static_cast<std::int64_t>(x.n) * x.c; ++plane) {
    const float* src = x.v.data() + plane * x.plane();
    float* dst = y.v.data() + plane * y.plane();
    for (int oy = 0; oy < ho; ++oy)
      for (int ox = 0; ox < wo; ++ox) {
        float m = -std::numeric_limits<float>::infinity();
        for (int ky = 0; ky < kernel; ++ky) {
          const int iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= x.h) continue;
          for (int kx = 0; kx < kernel; ++kx) {
            const int ix = ox * stride - pad + kx;
            if (ix >= 0 && ix < x.w) m = std::max(m, src[iy * x.w + ix]);
          }
        }
        dst[oy * wo + ox] = m;
      }
  }
  return y;
}

Act GlobalAveragePool(const Act& x) {
  Act y = Make(x.n, x.c, 1, 1);
  for (std::int64_t plane = 0; plane < static_cast<std::int64_t>(x.n) * x.c; ++plane) {
    double s = 0;
    const float* src = x.v.data() + plane * x.plane();
    for (std::int64_t i = 0; i < x.plane(); ++i) s += src[i];
    y.v[static_cast<size_t>(plane)] = static_cast<float>(s / static_cast<double>(x.plane()));
  }
  return y;
}

Act AddAct(const Act& a, const Act& b) {
  Act y = a;
  for (size_t i = 0; i < y.v.size(); ++i) y.v[i] += b.v[i];
  return y;
}

Act MulAct(const Act& x, const Act& gate) {
  Act y = x;
  if (gate.v.size() == x.v.size()) {
    for (size_t i = 0; i < y.v.size(); ++i) y.v[i] *= gate.v[i];
    return y;
  }
  for (std::int64_t plane = 0; plane < static_cast<std::int64_t>(x.n) * x.c; ++plane) {
    const float g = gate.v[static_cast<size_t>(plane)];
    float* d = y.v.data() + plane * x.plane();
    for (std::int64_t i = 0; i < x.plane(); ++i) d[i] *= g;
  }
  return y;
}

Act ConcatChannels(const Act& a, const Act& b) {
  Act y = Make(a.n, a.c + b.c, a.h, a.w);
  const std::int64_t pa = a.c * a.plane(), pb = b.c * b.plane();
  for (int n = 0; n < a.n; ++n) {
    std::memcpy(y.v.data() + n * (pa + pb), a.v.data() + n * pa, static_cast<size_t>(pa) * sizeof(float));
    std::memcpy(y.v.data() + n * (pa + pb) + pa, b.v.data() + n * pb, static_cast<size_t>(pb) * sizeof(float));
  }
  return y;
}

void ReluInPlace(Act& x) {
  for (auto& v : x.v) v = std::max(v, 0.0f);
}
void Relu6InPlace(Act& x) {
  for (auto& v : x.v) v = std::min(std::max(v, 0.0f), 6.0f);
}
void HardSigmoidInPlace(Act& x) {
  const float alpha = 1.0f / 6.0f;
  for (auto& v : x.v) v = std::min(std::max(alpha * v + 0.5f, 0.0f), 1.0f);
}

}  // namespace qbench::zoo_internal
