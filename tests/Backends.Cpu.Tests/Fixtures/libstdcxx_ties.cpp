// Generates libstdcxx_ties.txt: the index order GCC's libstdc++ gives equal values under PyTorch's CPU sort
// (std::sort with KeyValueCompDesc, SortingKernel.cpp) and topk (TopKImpl.h: partial_sort when k*64 <= n, else
// nth_element(k-1) + sort(k-1)). Build and run: g++ -O2 -o /tmp/ties libstdcxx_ties.cpp && /tmp/ties > libstdcxx_ties.txt
// Values come from a fixed LCG over a few distinct levels (plus NaN) so ties are everywhere.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

using elem = std::pair<float, int64_t>;
static bool desc(const elem& x, const elem& y) {
  return (std::isnan(x.first) && !std::isnan(y.first)) || (x.first > y.first);
}

static uint32_t state = 12345u;
static uint32_t next() { state = state * 1664525u + 1013904223u; return state >> 8; }

static std::vector<float> make(int n, int levels, bool nans) {
  std::vector<float> v(n);
  for (int i = 0; i < n; i++) {
    uint32_t r = next();
    v[i] = (nans && r % 23 == 0) ? NAN : static_cast<float>(r % levels) * 0.5f - 1.0f;
  }
  return v;
}

static void print_values(const std::vector<float>& v) {
  for (float x : v) { if (std::isnan(x)) std::printf(" nan"); else std::printf(" %g", x); }
}

int main() {
  const int sizes[] = {1, 2, 3, 5, 16, 17, 33, 100, 257, 700};
  const int levels[] = {1, 3, 50};
  for (int n : sizes) for (int lv : levels) for (int nans = 0; nans < (lv == 3 ? 2 : 1); nans++) {
    std::vector<float> v = make(n, lv, nans == 1);
    std::vector<elem> q(n);
    for (int i = 0; i < n; i++) q[i] = {v[i], i};
    std::sort(q.begin(), q.end(), desc);
    std::printf("sort %d 0 |", n); print_values(v); std::printf(" |");
    for (auto& e : q) std::printf(" %lld", static_cast<long long>(e.second));
    std::printf("\n");
    const int ks[] = {1, 2, n / 3, n - 1, n};
    for (int ki = 0; ki < 5; ki++) {
      int k = ks[ki];
      if (k < 1 || k > n || (ki > 0 && k <= ks[ki - 1])) continue;
      for (int i = 0; i < n; i++) q[i] = {v[i], i};
      if (static_cast<int64_t>(k) * 64 <= n) {
        std::partial_sort(q.begin(), q.begin() + k, q.end(), desc);
      } else {
        std::nth_element(q.begin(), q.begin() + k - 1, q.end(), desc);
        std::sort(q.begin(), q.begin() + k - 1, desc);
      }
      std::printf("topk %d %d |", n, k); print_values(v); std::printf(" |");
      for (int i = 0; i < k; i++) std::printf(" %lld", static_cast<long long>(q[i].second));
      std::printf("\n");
    }
  }
  return 0;
}
