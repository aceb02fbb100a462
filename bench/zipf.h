// Draws indexes 0..count-1 with probability proportional to 1/(i+1)^s:
// index 0 is the busiest venue, and a few venues take much of the load, as
// on a real scheme (DOMAIN.md: "a very skewed load").
#ifndef PASSCLEAR_BENCH_ZIPF_H_
#define PASSCLEAR_BENCH_ZIPF_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace passclear {

class Zipf {
 public:
  explicit Zipf(size_t count, double exponent = 1.0) : cumulative_(count) {
    double sum = 0;
    for (size_t i = 0; i < count; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), exponent);
      cumulative_[i] = sum;
    }
  }
  size_t Next(std::mt19937_64& random) const {
    std::uniform_real_distribution<double> uniform(0, cumulative_.back());
    return std::lower_bound(cumulative_.begin(), cumulative_.end(),
                            uniform(random)) -
           cumulative_.begin();
  }

 private:
  std::vector<double> cumulative_;
};

}  // namespace passclear

#endif  // PASSCLEAR_BENCH_ZIPF_H_
