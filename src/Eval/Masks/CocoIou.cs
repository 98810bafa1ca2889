using System.Runtime.CompilerServices;

namespace Detserve.Eval.Masks;

/// <summary>
/// IoU of detections against ground truth with COCO's crowd rule (pycocotools <c>mask.iou</c>, maskApi.c bbIou and
/// rleIou): against a crowd region the union is the detection's own area, so a detection inside a crowd scores 1.
/// Results are laid out as pycocotools returns them, <c>[detection, groundTruth]</c> row-major.
/// </summary>
public static class CocoIou
{
    /// <summary>bbIou of one box pair (x, y, w, h).</summary>
    public static double Box(BoxXywh dt, BoxXywh gt, bool gtIsCrowd)
    {
        double ga = gt.Width * gt.Height;
        double da = dt.Width * dt.Height;
        double w = Math.Min(dt.Width + dt.X, gt.Width + gt.X) - Math.Max(dt.X, gt.X);
        if (w <= 0)
        {
            return 0;
        }

        double h = Math.Min(dt.Height + dt.Y, gt.Height + gt.Y) - Math.Max(dt.Y, gt.Y);
        if (h <= 0)
        {
            return 0;
        }

        double i = w * h;
        double u = gtIsCrowd ? da : da + ga - i;
        return i / u;
    }

    /// <summary>bbIou: every detection box against every ground-truth box into <paramref name="iou"/> [dt.Length x gt.Length].</summary>
    public static void Boxes(ReadOnlySpan<BoxXywh> dt, ReadOnlySpan<BoxXywh> gt, ReadOnlySpan<bool> gtIsCrowd, Span<double> iou)
    {
        CheckShapes(dt.Length, gt.Length, gtIsCrowd.Length, iou.Length);
        for (int d = 0; d < dt.Length; d++)
        {
            for (int g = 0; g < gt.Length; g++)
            {
                iou[(d * gt.Length) + g] = Box(dt[d], gt[g], gtIsCrowd[g]);
            }
        }
    }

    /// <summary>
    /// rleIou of one mask pair: 0 when their <see cref="Rle.ToBbox"/> boxes do not overlap (maskApi.c computes the
    /// box IoU first and only walks the runs where it is positive), -1 when the sizes differ, else
    /// intersection / union (union = detection area for a crowd region; union 1 when they do not intersect).
    /// </summary>
    public static double Mask(Rle dt, Rle gt, bool gtIsCrowd)
    {
        ArgumentNullException.ThrowIfNull(dt);
        ArgumentNullException.ThrowIfNull(gt);
        BoxXywh db = dt.ToBbox(), gb = gt.ToBbox();
        return Mask(dt.Counts, db, dt.Height, dt.Width, gt.Counts, gb, gt.Height, gt.Width, gtIsCrowd);
    }

    /// <summary>rleIou: every detection mask against every ground-truth mask into <paramref name="iou"/> [dt.Count x gt.Count].</summary>
    public static void Masks(IReadOnlyList<Rle> dt, IReadOnlyList<Rle> gt, ReadOnlySpan<bool> gtIsCrowd, Span<double> iou)
    {
        ArgumentNullException.ThrowIfNull(dt);
        ArgumentNullException.ThrowIfNull(gt);
        CheckShapes(dt.Count, gt.Count, gtIsCrowd.Length, iou.Length);
        var gtBoxes = new BoxXywh[gt.Count];
        for (int g = 0; g < gt.Count; g++)
        {
            gtBoxes[g] = gt[g].ToBbox();
        }

        for (int d = 0; d < dt.Count; d++)
        {
            BoxXywh db = dt[d].ToBbox();
            for (int g = 0; g < gt.Count; g++)
            {
                iou[(d * gt.Count) + g] = Mask(
                    dt[d].Counts, db, dt[d].Height, dt[d].Width, gt[g].Counts, gtBoxes[g], gt[g].Height, gt[g].Width, gtIsCrowd[g]);
            }
        }
    }

    /// <summary>rleIou on raw runs with their precomputed boxes; allocation-free (the evaluator's hot path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Mask(
        ReadOnlySpan<uint> dt, BoxXywh dtBox, int dtHeight, int dtWidth,
        ReadOnlySpan<uint> gt, BoxXywh gtBox, int gtHeight, int gtWidth, bool gtIsCrowd)
    {
        if (!(Box(dtBox, gtBox, gtIsCrowd) > 0))
        {
            return 0;
        }

        if (dtHeight != gtHeight || dtWidth != gtWidth)
        {
            return -1;
        }

        uint intersection = RunIntersection(dt, gt, out uint union);
        if (intersection == 0)
        {
            union = 1;
        }
        else if (gtIsCrowd)
        {
            union = Rle.AreaOf(dt);
        }

        return (double)intersection / union;
    }

    // The two-pointer walk of rleIou over both run lists: counts pixels where either (union) or both (intersection)
    // masks are set. uint arithmetic as in C.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint RunIntersection(ReadOnlySpan<uint> a, ReadOnlySpan<uint> b, out uint union)
    {
        uint ca = a.Length > 0 ? a[0] : 0, cb = b.Length > 0 ? b[0] : 0;
        int ka = a.Length, kb = b.Length, ia = 1, ib = 1;
        bool va = false, vb = false;
        uint i = 0, u = 0, ct = 1;
        while (ct > 0)
        {
            uint c = Math.Min(ca, cb);
            if (va || vb)
            {
                u += c;
                if (va && vb)
                {
                    i += c;
                }
            }

            ct = 0;
            ca -= c;
            if (ca == 0 && ia < ka)
            {
                ca = a[ia++];
                va = !va;
            }

            ct += ca;
            cb -= c;
            if (cb == 0 && ib < kb)
            {
                cb = b[ib++];
                vb = !vb;
            }

            ct += cb;
        }

        union = u;
        return i;
    }

    private static void CheckShapes(int dt, int gt, int crowd, int output)
    {
        if (crowd != gt)
        {
            throw new ArgumentException($"iscrowd has {crowd} flags for {gt} ground-truth regions (pycocotools: \"iou(iscrowd=) must have the same length as gt\").");
        }

        if (output != dt * gt)
        {
            throw new ArgumentException($"The IoU output needs {dt} x {gt} = {dt * gt} values, got {output}.");
        }
    }
}
