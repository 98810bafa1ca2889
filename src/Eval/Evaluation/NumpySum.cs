namespace Detserve.Eval.Evaluation;

/// <summary>
/// <c>np.mean</c> of a 1-D float64 array as numpy computes it: <c>np.add.reduce</c> uses pairwise summation
/// (numpy/_core/src/umath/loops_utils.h.src <c>pairwise_sum</c>: blocks of 128, 8 accumulators), then divides by the
/// count. Summing in numpy's order keeps COCOeval's stats bit-equal, not only close.
/// </summary>
internal static class NumpySum
{
    private const int BlockSize = 128;

    public static double Mean(ReadOnlySpan<double> values) => PairwiseSum(values) / values.Length;

    public static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += a[i];
            }

            return sum;
        }

        if (n <= BlockSize)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }
}
