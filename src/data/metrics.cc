// Accuracy and fidelity metrics (see qbench/data/metrics.h for the definitions and sources).
#include "qbench/data/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "qbench/core/error.h"

namespace qbench {

Interval WilsonInterval(std::size_t successes, std::size_t n, double z) {
  if (successes > n) {
    throw Error(ErrorCode::kInvalidArgument, "Wilson interval: " + std::to_string(successes) + " successes out of " +
                                                 std::to_string(n) + " trials");
  }
  if (n == 0) return {0.0, 1.0};  // no trials: the proportion is unconstrained
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

PairedDifference PairedProportionDifference(std::size_t both, std::size_t first_only, std::size_t second_only,
                                            std::size_t neither, double z) {
  const std::size_t n = both + first_only + second_only + neither;
  if (n == 0) return {0.0, -1.0, 1.0};
  const double nn = static_cast<double>(n);
  const double a = static_cast<double>(both), b = static_cast<double>(first_only), c = static_cast<double>(second_only),
               d = static_cast<double>(neither);
  const double p1 = (a + b) / nn, p2 = (a + c) / nn, theta = (b - c) / nn;
  const Interval w1 = WilsonInterval(both + first_only, n, z), w2 = WilsonInterval(both + second_only, n, z);
  double phi = 0.0;
  const double margins = (a + b) * (c + d) * (a + c) * (b + d);
  if (margins > 0) {
    const double A = a * d - b * c;
    const double C = A > nn / 2 ? A - nn / 2 : (A >= 0 ? 0.0 : A);
    phi = C / std::sqrt(margins);
  }
  const double dl1 = p1 - w1.lo, du1 = w1.hi - p1, dl2 = p2 - w2.lo, du2 = w2.hi - p2;
  const double lo = theta - std::sqrt(std::max(0.0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const double hi = theta + std::sqrt(std::max(0.0, dl2 * dl2 - 2 * phi * dl2 * du1 + du1 * du1));
  return {theta, std::max(-1.0, lo), std::min(1.0, hi)};
}

double McNemarExactPValue(std::size_t first_only, std::size_t second_only) {
  const std::size_t m = first_only + second_only, k = std::min(first_only, second_only);
  if (m == 0) return 1.0;
  // P(X <= k) for X ~ Binomial(m, 1/2), summed in log space (m can be thousands).
  double tail = 0.0;
  for (std::size_t i = 0; i <= k; ++i)
    tail += std::exp(std::lgamma(m + 1.0) - std::lgamma(i + 1.0) - std::lgamma(m - i + 1.0) - static_cast<double>(m) * std::log(2.0));
  return std::min(1.0, 2.0 * tail);
}

std::vector<int> TopK(const float* scores, std::size_t n, int k) {
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  const std::size_t kk = std::min<std::size_t>(n, k < 0 ? 0 : static_cast<std::size_t>(k));
  auto better = [scores](int a, int b) {
    const float x = scores[a], y = scores[b];
    const bool xn = std::isnan(x), yn = std::isnan(y);
    if (xn != yn) return yn;  // a NaN ranks below any number
    if (!xn && x != y) return x > y;
    return a < b;
  };
  std::partial_sort(idx.begin(), idx.begin() + kk, idx.end(), better);
  idx.resize(kk);
  return idx;
}

int ArgMax(const float* scores, std::size_t n) {
  if (n == 0) return -1;
  return TopK(scores, n, 1)[0];
}

std::vector<double> LogSoftmax(const float* logits, std::size_t n) {
  std::vector<double> out(n);
  if (n == 0) return out;
  double max = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) max = std::max(max, static_cast<double>(logits[i]));
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - max);
  const double log_sum = std::log(sum);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(logits[i]) - max - log_sum;
  return out;
}

double KlDivergence(const float* reference_logits, const float* logits, std::size_t n) {
  const std::vector<double> lp = LogSoftmax(reference_logits, n);
  const std::vector<double> lq = LogSoftmax(logits, n);
  double kl = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double p = std::exp(lp[i]);
    if (p > 0.0) kl += p * (lp[i] - lq[i]);
  }
  return std::max(0.0, kl);  // rounding can leave −1e−17 for identical inputs
}

double SqnrFromEnergies(double signal, double noise) {
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  if (signal == 0.0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

double SqnrDb(const float* reference, const float* x, std::size_t n) {
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  double signal = 0.0, noise = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = reference[i], d = static_cast<double>(x[i]) - r;
    signal += r * r;
    noise += d * d;
  }
  return SqnrFromEnergies(signal, noise);
}

double CosineSimilarity(const float* a, const float* b, std::size_t n) {
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  if (na == 0.0 && nb == 0.0) return 1.0;
  if (na == 0.0 || nb == 0.0) return 0.0;
  return dot / (std::sqrt(na) * std::sqrt(nb));
}

void FidelityAccumulator::Add(const float* reference, const float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double r = reference[i], d = static_cast<double>(x[i]) - r;
    signal_energy_ += r * r;
    noise_energy_ += d * d;
  }
  cosine_sum_ += CosineSimilarity(reference, x, n);
  ++count_;
}

double FidelityAccumulator::sqnr_db() const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return SqnrFromEnergies(signal_energy_, noise_energy_);
}

double FidelityAccumulator::mean_cosine() const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return cosine_sum_ / static_cast<double>(count_);
}

}  // namespace qbench
