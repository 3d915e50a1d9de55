// qbench/data/metrics.h — accuracy and fidelity metrics: top-k with Wilson intervals, top-1
// agreement, KL divergence of softmax outputs, SQNR and cosine similarity.
#pragma once

#include <cstddef>
#include <vector>

namespace qbench {

/// A two-sided confidence interval for a proportion, as fractions in [0, 1].
struct Interval {
  double lo = 0.0;
  double hi = 1.0;
};

/// z of the two-sided 95 % normal interval (Φ⁻¹(0.975)).
constexpr double kZ95 = 1.959963984540054;

/// Wilson score interval for `successes` out of `n` trials (E. B. Wilson, "Probable inference,
/// the law of succession, and statistical inference", J. Amer. Statist. Assoc. 22 (1927) 209–212):
///   centre = (p̂ + z²/2n) / (1 + z²/n),  half = z/(1 + z²/n) · sqrt(p̂(1−p̂)/n + z²/4n²).
/// Unlike the normal (Wald) interval it stays inside [0,1] and is not empty at p̂ = 0 or 1.
/// n = 0 → [0, 1] (nothing is known). Throws Error(kInvalidArgument) when successes > n.
Interval WilsonInterval(std::size_t successes, std::size_t n, double z = kZ95);

/// A difference of two proportions with its confidence interval, as fractions in [-1, 1].
struct PairedDifference {
  double estimate = 0.0;  ///< p1 − p2
  double lo = -1.0;
  double hi = 1.0;
};

/// Confidence interval for the difference p1 − p2 of two proportions measured on the same n
/// samples (McNemar's paired design): `both` samples are successes under both, `first_only` under
/// the first only, `second_only` under the second only, `neither` under neither; n = the sum,
/// p1 = (both + first_only)/n, p2 = (both + second_only)/n, estimate = (first_only − second_only)/n.
/// Method: Newcombe's hybrid score interval for paired data, method 10 of R. G. Newcombe, "Improved
/// confidence intervals for the difference between binomial proportions based on paired data",
/// Statistics in Medicine 17 (1998) 2635–2650 (also Fagerland, Lydersen & Laake, "Statistical
/// Analysis of Contingency Tables", 2017, §8.5): with Wilson intervals [l1, u1] of p1 and [l2, u2]
/// of p2 (WilsonInterval, same z) and the correlation estimate
///   φ = C / sqrt((a+b)(c+d)(a+c)(b+d)),  A = a·d − b·c,  C = A − n/2 if A > n/2, 0 if 0 ≤ A ≤ n/2, A if A < 0
/// (φ = 0 when a margin is 0; a = both, b = first_only, c = second_only, d = neither):
///   lo = θ − sqrt((p1−l1)² − 2φ(p1−l1)(u2−p2) + (u2−p2)²)
///   hi = θ + sqrt((p2−l2)² − 2φ(p2−l2)(u1−p1) + (u1−p1)²).
/// It stays inside [−1, 1], is not degenerate when first_only = second_only = 0, and unlike the
/// unpaired interval it uses the pairing: the width depends on the discordant counts.
/// n = 0 → {0, −1, 1}.
PairedDifference PairedProportionDifference(std::size_t both, std::size_t first_only, std::size_t second_only,
                                            std::size_t neither, double z = kZ95);

/// Two-sided exact McNemar test: P-value of the binomial test of `first_only` successes in
/// first_only + second_only trials at p = 1/2, min(1, 2·P(X ≤ min(b, c))) (McNemar 1947, the exact
/// conditional form; Fagerland et al. 2017, §8.6). 1 when there are no discordant pairs.
double McNemarExactPValue(std::size_t first_only, std::size_t second_only);

/// Indices of the k largest scores, largest first; equal scores rank by lower index (a stable
/// order). k is clamped to n. NaN scores rank last.
std::vector<int> TopK(const float* scores, std::size_t n, int k);

/// Index of the largest score (the first one on ties); -1 when n == 0.
int ArgMax(const float* scores, std::size_t n);

/// log(softmax(logits)) computed stably: x_i − max − log Σ exp(x_j − max), in double.
std::vector<double> LogSoftmax(const float* logits, std::size_t n);

/// KL(P‖Q) in nats between P = softmax(reference_logits) and Q = softmax(logits):
/// Σ P_i (log P_i − log Q_i), from LogSoftmax so large logits do not overflow. >= 0.
double KlDivergence(const float* reference_logits, const float* logits, std::size_t n);

/// SQNR in dB from summed energies: 10·log10(signal / noise); +infinity when noise == 0,
/// -infinity when only signal == 0.
double SqnrFromEnergies(double signal, double noise);

/// Signal-to-quantization-noise ratio in dB: 10·log10(Σ ref² / Σ (x − ref)²).
/// +infinity when x == ref exactly; -infinity when ref is all zero and x is not; NaN when n == 0.
double SqnrDb(const float* reference, const float* x, std::size_t n);

/// Cosine similarity Σ a·b / (‖a‖‖b‖) in [−1, 1]; 1 when both are all zero, 0 when only one is.
double CosineSimilarity(const float* a, const float* b, std::size_t n);

/// Streams SQNR and cosine over many samples of one output: SQNR from the summed energies
/// Σref² / Σ(x−ref)² over all samples (not a mean of per-sample dB), cosine as the mean of the
/// per-sample cosines.
class FidelityAccumulator {
 public:
  /// Adds one sample's reference and candidate values (n each).
  void Add(const float* reference, const float* x, std::size_t n);
  std::size_t count() const { return count_; }
  /// As SqnrDb over everything added; NaN before the first Add.
  double sqnr_db() const;
  /// Mean per-sample cosine similarity; NaN before the first Add.
  double mean_cosine() const;

 private:
  double signal_energy_ = 0.0;
  double noise_energy_ = 0.0;
  double cosine_sum_ = 0.0;
  std::size_t count_ = 0;
};

}  // namespace qbench
