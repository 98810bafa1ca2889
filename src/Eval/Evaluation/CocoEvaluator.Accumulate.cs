using System.Numerics;
using System.Runtime.CompilerServices;

namespace Detserve.Eval.Evaluation;

// COCOeval.accumulate for one category.
internal sealed partial class CocoEvaluator
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(int k, List<Unit> units, int firstUnit, int endUnit, UnitOutput output, CocoAccumulation acc)
    {
        if (firstUnit == endUnit)
        {
            return;
        }

        int start = units[firstUnit].OutStart;
        int end = units[endUnit - 1].OutStart + units[endUnit - 1].Kept;
        int n = end - start;

        // Rank of each detection inside its unit (dtScores[0:maxDet] keeps the first maxDet of each image).
        var rank = new int[n];
        for (int u = firstUnit; u < endUnit; u++)
        {
            for (int i = 0; i < units[u].Kept; i++)
            {
                rank[units[u].OutStart - start + i] = i;
            }
        }

        // np.argsort(-dtScores, kind='mergesort') over the images' lists concatenated in image order: stable.
        double[] score = output.Score;
        var keys = new ScoreKey[n];
        for (int i = 0; i < n; i++)
        {
            keys[i] = new ScoreKey(score[start + i], i);
        }

        ScoreKey.SortStable(keys);
        var sorted = new int[n];
        for (int i = 0; i < n; i++)
        {
            sorted[i] = keys[i].Index;
        }

        int tCount = _iouThrs.Length, rCount = _recThrs.Length;
        var sortedScore = new double[n];
        var sortedRank = new int[n];
        for (int i = 0; i < n; i++)
        {
            sortedScore[i] = score[start + sorted[i]];
            sortedRank[i] = rank[sorted[i]];
        }

        // dtScores[0:maxDet] per image: the kept positions of the sorted list for each maxDet. When a maxDet is above
        // every rank the list is the full one, and its numbers are those of the largest maxDet (copied, not recomputed).
        int mLast = _maxDets.Length - 1;
        int rankLimit = 0;
        for (int i = 0; i < n; i++)
        {
            rankLimit = Math.Max(rankLimit, sortedRank[i] + 1);
        }

        var included = new int[_maxDets.Length][];
        for (int m = 0; m < _maxDets.Length; m++)
        {
            var list = new List<int>(m == mLast ? n : Math.Min(n, 1024));
            for (int i = 0; i < n; i++)
            {
                if (sortedRank[i] < _maxDets[m])
                {
                    list.Add(i);
                }
            }

            included[m] = [.. list];
        }

        // The flag records of the category's detections, in sorted order: one record of (area, threshold) bytes each.
        int planes = output.Planes;
        var sortedFlags = new byte[n * planes];
        for (int i = 0; i < n; i++)
        {
            output.Flags.AsSpan((int)((long)(start + sorted[i]) * planes), planes).CopyTo(sortedFlags.AsSpan(i * planes, planes));
        }

        var tp = new double[n];
        var fp = new double[n];
        var rc = new double[n];
        var pr = new double[n];
        var kept = new double[n];
        for (int a = 0; a < _areas.Length; a++)
        {
            long npig = 0;
            for (int u = firstUnit; u < endUnit; u++)
            {
                npig += output.NotIgnoredGt[(u * _areas.Length) + a];
            }

            if (npig == 0)
            {
                continue;
            }

            for (int ti = 0; ti < tCount; ti++)
            {
                int plane = (a * tCount) + ti;
                for (int m = mLast; m >= 0; m--)
                {
                    if (m < mLast && _maxDets[m] >= rankLimit)
                    {
                        CopyMaxDetSlot(acc, ti, k, a, mLast, m);
                        continue;
                    }

                    // tps / fps cumulative sums over the kept detections (ignored ones add to neither).
                    double tpSum = 0, fpSum = 0;
                    int[] positions = included[m];
                    int nd = positions.Length;
                    for (int j = 0; j < nd; j++)
                    {
                        int i = positions[j];
                        byte f = sortedFlags[(i * planes) + plane];
                        if ((f & Ignored) == 0)
                        {
                            if ((f & Matched) != 0)
                            {
                                tpSum++;
                            }
                            else
                            {
                                fpSum++;
                            }
                        }

                        tp[j] = tpSum;
                        fp[j] = fpSum;
                        kept[j] = sortedScore[i];
                    }

                    RecallPrecision(tp.AsSpan(0, nd), fp.AsSpan(0, nd), npig, rc, pr);
                    acc.Recall[acc.RecallIndex(ti, k, a, m)] = nd > 0 ? rc[nd - 1] : 0;

                    // The precision envelope: make precision non-increasing from the right.
                    for (int i = nd - 1; i > 0; i--)
                    {
                        if (pr[i] > pr[i - 1])
                        {
                            pr[i - 1] = pr[i];
                        }
                    }

                    // q[ri] = pr[searchsorted(rc, recThrs[ri], 'left')] until the index runs past the end; the rest stay 0.
                    int pi = 0;
                    for (int r = 0; r < rCount; r++)
                    {
                        double threshold = _recThrs[r];
                        while (pi < nd && rc[pi] < threshold)
                        {
                            pi++;
                        }

                        int index = acc.PrecisionIndex(ti, r, k, a, m);
                        if (pi < nd)
                        {
                            acc.Precision[index] = pr[pi];
                            acc.Scores[index] = kept[pi];
                        }
                        else
                        {
                            acc.Precision[index] = 0;
                            acc.Scores[index] = 0;
                        }
                    }
                }
            }
        }
    }

    // rc = tp / npig and pr = tp / (fp + tp + eps), element-wise as numpy computes them. Vector lanes divide with the
    // same IEEE rounding as scalar code, so the results are bit-equal.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RecallPrecision(ReadOnlySpan<double> tp, ReadOnlySpan<double> fp, long npig, double[] rc, double[] pr)
    {
        double n = npig;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vn = new Vector<double>(n);
            var eps = new Vector<double>(Spacing1);
            for (; i <= tp.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var t = new Vector<double>(tp[i..]);
                var f = new Vector<double>(fp[i..]);
                (t / vn).CopyTo(rc, i);
                (t / (f + t + eps)).CopyTo(pr, i);
            }
        }

        for (; i < tp.Length; i++)
        {
            rc[i] = tp[i] / n;
            pr[i] = tp[i] / (fp[i] + tp[i] + Spacing1);
        }
    }

    private static void CopyMaxDetSlot(CocoAccumulation acc, int t, int k, int a, int from, int to)
    {
        acc.Recall[acc.RecallIndex(t, k, a, to)] = acc.Recall[acc.RecallIndex(t, k, a, from)];
        for (int r = 0; r < acc.R; r++)
        {
            acc.Precision[acc.PrecisionIndex(t, r, k, a, to)] = acc.Precision[acc.PrecisionIndex(t, r, k, a, from)];
            acc.Scores[acc.PrecisionIndex(t, r, k, a, to)] = acc.Scores[acc.PrecisionIndex(t, r, k, a, from)];
        }
    }
}
