using System.Runtime.CompilerServices;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Evaluation;

// COCOeval.computeIoU + evaluateImg for one (category, image) unit.
internal sealed partial class CocoEvaluator
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EvaluateUnit(Unit unit, int unitIndex, GroundTruthView gts, DetectionView dts, UnitOutput output, Scratch s)
    {
        int g = unit.GtEnd - unit.GtStart;
        int dAll = unit.DtEnd - unit.DtStart;
        int d = unit.Kept;
        int tCount = _iouThrs.Length;

        // Detections by descending score, stable (np.argsort(-scores, kind='mergesort')), cut at maxDets[-1].
        int[] dtSorted = s.Ints(ref s.DtOrder, dAll);
        double[] scores = _dt.Scores;
        int[] order = dts.Order;
        ScoreKey[] keys = s.Keys(dAll);
        for (int i = 0; i < dAll; i++)
        {
            keys[i] = new ScoreKey(scores[order[unit.DtStart + i]], unit.DtStart + i);
        }

        ScoreKey.SortStable(keys.AsSpan(0, dAll));
        for (int i = 0; i < dAll; i++)
        {
            dtSorted[i] = keys[i].Index;
        }

        for (int i = 0; i < d; i++)
        {
            output.Score[unit.OutStart + i] = scores[order[dtSorted[i]]];
        }

        if (g == 0)
        {
            WriteUnmatched(unit, unitIndex, dtSorted, d, dts, output);
            return;
        }

        // computeIoU: ious[d, g] with g in file order.
        double[] ious = s.Doubles(ref s.Ious, d * g);
        if (d > 0 && g > 0)
        {
            ComputeIou(unit, dtSorted, d, g, gts, dts, ious, s);
        }

        int[] gtInd = s.Ints(ref s.GtInd, g);
        bool[] gtIg = s.Bools(ref s.GtIgnore, g);
        long[] gtm = s.Longs(ref s.GtMatch, g);
        for (int a = 0; a < _areas.Length; a++)
        {
            AreaRange range = _areas[a];

            // gt['_ignore'], then gt sorted ignore-last (stable).
            int n = 0;
            for (int i = 0; i < g; i++)
            {
                int gi = unit.GtStart + i;
                if (!(gts.Crowd[gi] || gts.Area[gi] < range.Min || gts.Area[gi] > range.Max))
                {
                    gtInd[n++] = i;
                }
            }

            int notIgnored = n;
            for (int i = 0; i < g; i++)
            {
                int gi = unit.GtStart + i;
                if (gts.Crowd[gi] || gts.Area[gi] < range.Min || gts.Area[gi] > range.Max)
                {
                    gtInd[n++] = i;
                }
            }

            for (int i = 0; i < g; i++)
            {
                gtIg[i] = i >= notIgnored;
            }

            output.NotIgnoredGt[(unitIndex * _areas.Length) + a] = notIgnored;

            for (int ti = 0; ti < tCount; ti++)
            {
                int plane = (a * tCount) + ti;
                Array.Clear(gtm, 0, g);
                for (int di = 0; di < d; di++)
                {
                    byte flag = 0;
                    if (g > 0)
                    {
                        // evaluateImg's greedy match: the best remaining gt at or above the threshold; a crowd gt can
                        // take many detections; once matched to a regular gt, never move on to an ignored one.
                        double iou = Math.Min(_iouThrs[ti], 1 - 1e-10);
                        int m = -1;
                        for (int gi = 0; gi < g; gi++)
                        {
                            int original = gtInd[gi];
                            bool crowd = gts.Crowd[unit.GtStart + original];
                            if (gtm[gi] > 0 && !crowd)
                            {
                                continue;
                            }

                            if (m > -1 && !gtIg[m] && gtIg[gi])
                            {
                                break;
                            }

                            double value = ious[(di * g) + original];
                            if (value < iou)
                            {
                                continue;
                            }

                            iou = value;
                            m = gi;
                        }

                        if (m != -1)
                        {
                            // dtm stores the gt id; accumulate counts a match where dtm != 0 (an id of 0 reads as none).
                            long gtId = gts.Id[unit.GtStart + gtInd[m]];
                            flag = (byte)((gtId != 0 ? Matched : 0) | (gtIg[m] ? Ignored : 0));
                            gtm[m] = (long)di + 1;
                        }
                    }

                    // Unmatched detections outside the area range are ignored.
                    if ((flag & Matched) == 0)
                    {
                        double area = dts.Area[dtSorted[di]];
                        if (area < range.Min || area > range.Max)
                        {
                            flag |= Ignored;
                        }
                    }

                    output.Flags[((long)(unit.OutStart + di) * output.Planes) + plane] = flag;
                }
            }
        }
    }

    // evaluateImg without ground truth: nothing matches, so a detection's flags depend only on its area range and
    // are the same at every IoU threshold.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteUnmatched(Unit unit, int unitIndex, int[] dtSorted, int d, DetectionView dts, UnitOutput output)
    {
        int tCount = _iouThrs.Length;
        for (int a = 0; a < _areas.Length; a++)
        {
            AreaRange range = _areas[a];
            output.NotIgnoredGt[(unitIndex * _areas.Length) + a] = 0;
            for (int di = 0; di < d; di++)
            {
                double area = dts.Area[dtSorted[di]];
                byte flag = area < range.Min || area > range.Max ? Ignored : (byte)0;
                output.Flags.AsSpan((int)(((long)(unit.OutStart + di) * output.Planes) + (a * tCount)), tCount).Fill(flag);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeIou(Unit unit, int[] dtSorted, int d, int g, GroundTruthView gts, DetectionView dts, double[] ious, Scratch s)
    {
        if (_iouType == IouType.Bbox)
        {
            for (int di = 0; di < d; di++)
            {
                int r = dts.Order[dtSorted[di]];
                // loadRes without a box on the first result gives toBbox(mask) only to results that lack a box.
                BoxXywh box = dts.BoxMode || _dt.HasBox[r] ? _dt.Boxes[r] : _dt.MaskBox[r];
                for (int gi = 0; gi < g; gi++)
                {
                    int j = unit.GtStart + gi;
                    ious[(di * g) + gi] = CocoIou.Box(box, gts.Box[j], gts.Crowd[j]);
                }
            }

            return;
        }

        for (int di = 0; di < d; di++)
        {
            int r = dts.Order[dtSorted[di]];
            BoxXywh dtBox = _dt.MaskBox[r];
            int h = _dt.MaskHeight[r], w = _dt.MaskWidth[r];
            bool decoded = false;
            int runs = 0;
            for (int gi = 0; gi < g; gi++)
            {
                int j = unit.GtStart + gi;
                Rle gtMask = gts.Masks![j];
                bool crowd = gts.Crowd[j];
                if (!(CocoIou.Box(dtBox, gts.Box[j], crowd) > 0))
                {
                    ious[(di * g) + gi] = 0;
                    continue;
                }

                if (!decoded)
                {
                    runs = Rle.DecodeCompressedUnchecked(_dt.MaskCounts(r), ref s.Runs);
                    decoded = true;
                }

                ious[(di * g) + gi] = CocoIou.Mask(s.Runs.AsSpan(0, runs), dtBox, h, w, gtMask.Counts, gts.Box[j], gtMask.Height, gtMask.Width, crowd);
            }
        }
    }
}
