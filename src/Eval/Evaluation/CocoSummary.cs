using System.Globalization;
using System.Text;

namespace Detserve.Eval.Evaluation;

/// <summary>
/// <c>COCOeval.summarize()</c> for bbox/segm (<c>_summarizeDets</c>): the 12 stats, each the mean of the
/// precision (or recall) entries above -1 in its slice (numpy's pairwise mean, C order), and the printed lines.
/// </summary>
internal static class CocoSummary
{
    public static (double[] Stats, string Text) Summarize(CocoAccumulation acc)
    {
        IReadOnlyList<int> maxDets = acc.Params.MaxDets.Order().ToArray();
        if (maxDets.Count < 3)
        {
            throw new ArgumentException($"summarize() reads maxDets[0..2]; the parameters have {maxDets.Count} values.");
        }

        var text = new StringBuilder();
        double[] stats =
        [
            One(acc, text, true, null, "all", 100),
            One(acc, text, true, .5, "all", maxDets[2]),
            One(acc, text, true, .75, "all", maxDets[2]),
            One(acc, text, true, null, "small", maxDets[2]),
            One(acc, text, true, null, "medium", maxDets[2]),
            One(acc, text, true, null, "large", maxDets[2]),
            One(acc, text, false, null, "all", maxDets[0]),
            One(acc, text, false, null, "all", maxDets[1]),
            One(acc, text, false, null, "all", maxDets[2]),
            One(acc, text, false, null, "small", maxDets[2]),
            One(acc, text, false, null, "medium", maxDets[2]),
            One(acc, text, false, null, "large", maxDets[2]),
        ];
        return (stats, text.ToString());
    }

    // _summarize(ap, iouThr, areaRng, maxDets).
    private static double One(CocoAccumulation acc, StringBuilder text, bool ap, double? iouThr, string areaLabel, int maxDet)
    {
        var areas = new List<int>();
        for (int a = 0; a < acc.A; a++)
        {
            if (acc.Params.AreaRanges[a].Label == areaLabel)
            {
                areas.Add(a);
            }
        }

        int[] sortedMaxDets = [.. acc.Params.MaxDets.Order()];
        var dets = new List<int>();
        for (int m = 0; m < sortedMaxDets.Length; m++)
        {
            if (sortedMaxDets[m] == maxDet)
            {
                dets.Add(m);
            }
        }

        var thresholds = new List<int>();
        for (int t = 0; t < acc.T; t++)
        {
            // np.where(iouThr == p.iouThrs): exact equality, as pycocotools.
            if (iouThr is null || acc.IouThresholds[t] == iouThr.Value)
            {
                thresholds.Add(t);
            }
        }

        // s[..., aind, mind]: two index lists side by side pair up (numpy advanced indexing; a single index broadcasts).
        int pairs = areas.Count == dets.Count ? areas.Count
            : areas.Count == 1 ? dets.Count
            : dets.Count == 1 ? areas.Count
            : throw new ArgumentException($"summarize(): {areas.Count} area ranges labelled '{areaLabel}' cannot pair with {dets.Count} maxDets equal to {maxDet}.");

        var values = new List<double>();
        foreach (int t in thresholds)
        {
            if (ap)
            {
                for (int r = 0; r < acc.R; r++)
                {
                    for (int k = 0; k < acc.K; k++)
                    {
                        for (int p = 0; p < pairs; p++)
                        {
                            Add(values, acc.GetPrecision(t, r, k, areas[areas.Count == 1 ? 0 : p], dets[dets.Count == 1 ? 0 : p]));
                        }
                    }
                }
            }
            else
            {
                for (int k = 0; k < acc.K; k++)
                {
                    for (int p = 0; p < pairs; p++)
                    {
                        Add(values, acc.GetRecall(t, k, areas[areas.Count == 1 ? 0 : p], dets[dets.Count == 1 ? 0 : p]));
                    }
                }
            }
        }

        double mean = values.Count == 0 ? -1 : NumpySum.Mean(values.ToArray());
        string iouText = iouThr is null
            ? $"{PythonFormat.Fixed(acc.IouThresholds[0], 2)}:{PythonFormat.Fixed(acc.IouThresholds[^1], 2)}"
            : PythonFormat.Fixed(iouThr.Value, 2);
        string title = ap ? "Average Precision" : "Average Recall";
        string kind = ap ? "(AP)" : "(AR)";
        text.Append(' ')
            .Append(title.PadRight(18))
            .Append(' ')
            .Append(kind)
            .Append(" @[ IoU=")
            .Append(iouText.PadRight(9))
            .Append(" | area=")
            .Append(areaLabel.PadLeft(6))
            .Append(" | maxDets=")
            .Append(maxDet.ToString(CultureInfo.InvariantCulture).PadLeft(3))
            .Append(" ] = ")
            .Append(PythonFormat.Fixed(mean, 3))
            .Append('\n');
        return mean;
    }

    private static void Add(List<double> values, double value)
    {
        if (value > -1)
        {
            values.Add(value);
        }
    }
}
