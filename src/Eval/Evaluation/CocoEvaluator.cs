using System.Runtime.CompilerServices;
using Detserve.Eval.Coco;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Evaluation;

/// <summary>
/// pycocotools' <c>COCOeval.evaluate()</c> + <c>accumulate()</c> (PythonAPI/pycocotools/cocoeval.py), reorganised for
/// speed but not in meaning:
/// <list type="number">
/// <item>ground truth and detections are grouped per (category, image) "unit" in the order pycocotools builds
/// <c>_gts</c>/<c>_dts</c> (file order inside a unit);</item>
/// <item>units run in parallel: detections sorted by score with a stable sort (numpy's mergesort), cut at
/// maxDets[-1], IoU (<c>computeIoU</c>), then <c>evaluateImg</c>'s greedy matching per area range and IoU threshold,
/// written as one flag byte per (area, threshold, detection);</item>
/// <item>categories run in parallel: <c>accumulate</c>'s stable sort of all scores of a category (done once: the
/// lists for smaller maxDets are its sub-sequences), cumulative TP/FP, the precision envelope, and
/// <c>searchsorted(rc, recThrs, 'left')</c>.</item>
/// </list>
/// The loops over all units and categories run only a few times per evaluation, so they are marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/>: tiered compilation would run much of them as tier-0 code.
/// </summary>
internal sealed partial class CocoEvaluator
{
    private const byte Matched = 1;
    private const byte Ignored = 2;

    // np.spacing(1): pycocotools adds it to the denominator of precision.
    private const double Spacing1 = 2.220446049250313e-16;

    private readonly CocoGroundTruth _gt;
    private readonly CocoResults _dt;
    private readonly IouType _iouType;
    private readonly CocoEvalParams _p;
    private readonly double[] _iouThrs;
    private readonly double[] _recThrs;
    private readonly int[] _maxDets;
    private readonly AreaRange[] _areas;
    private readonly ParallelOptions _parallel;

    public CocoEvaluator(CocoGroundTruth gt, CocoResults dt, IouType iouType, CocoEvalParams parameters)
    {
        _gt = gt;
        _dt = dt;
        _iouType = iouType;
        _p = parameters;
        _iouThrs = [.. parameters.IouThresholds];
        _recThrs = [.. parameters.RecallThresholds];
        _maxDets = [.. parameters.MaxDets.Order()];
        _areas = [.. parameters.AreaRanges];
        if (_maxDets.Length == 0 || _maxDets[0] < 0)
        {
            throw new ArgumentException("COCOeval needs at least one non-negative maxDets value.", nameof(parameters));
        }

        _parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = parameters.MaxDegreeOfParallelism > 0 ? parameters.MaxDegreeOfParallelism : Environment.ProcessorCount,
        };
    }

    public CocoAccumulation Run()
    {
        long[] imgIds = [.. (_p.ImageIds ?? _gt.Images.Select(i => i.Id)).Distinct().Order()];
        long[] catIds = [.. (_p.CategoryIds ?? _gt.Categories.Select(c => c.Id)).Distinct().Order()];
        var imgIndex = new Dictionary<long, int>(imgIds.Length);
        for (int i = 0; i < imgIds.Length; i++)
        {
            imgIndex[imgIds[i]] = i;
        }

        var catIndex = new Dictionary<long, int>(catIds.Length);
        for (int k = 0; k < catIds.Length; k++)
        {
            catIndex[catIds[k]] = k;
        }

        int imageCount = imgIds.Length;
        int unitCount = (_p.UseCats ? catIds.Length : 1) * imageCount;

        // _prepare(): select and group. A unit key is k * I + i (useCats) or i; inside a unit pycocotools concatenates
        // the per-category lists in catIds order, each in file order, which a stable bucket sort by (unit, k) keeps.
        int[] gtOrder = GroupByUnit(_gt.Annotations.Count, j => Key(_gt.Annotations[j].ImageId, _gt.Annotations[j].CategoryId), catIds.Length, unitCount, out int[] gtUnitStart);
        int[] dtOrder = GroupByUnit(_dt.Count, j => Key(_dt.ImageIds[j], _dt.CategoryIds[j]), catIds.Length, unitCount, out int[] dtUnitStart);

        (int Unit, int Category) Key(long imageId, long categoryId)
        {
            if (!imgIndex.TryGetValue(imageId, out int i) || !catIndex.TryGetValue(categoryId, out int k))
            {
                return (-1, -1);
            }

            return (_p.UseCats ? (k * imageCount) + i : i, k);
        }

        GroundTruthView gts = PrepareGroundTruth(gtOrder);
        DetectionView dts = PrepareDetections(dtOrder);

        var units = new List<Unit>();
        int outTotal = 0;
        int maxDetLast = _maxDets[^1];
        for (int u = 0; u < unitCount; u++)
        {
            int g0 = gtUnitStart[u], g1 = gtUnitStart[u + 1], d0 = dtUnitStart[u], d1 = dtUnitStart[u + 1];
            if (g0 == g1 && d0 == d1)
            {
                continue;
            }

            int kept = Math.Min(d1 - d0, maxDetLast);
            units.Add(new Unit(_p.UseCats ? u / imageCount : 0, g0, g1, d0, d1, outTotal, kept));
            outTotal += kept;
        }

        int a = _areas.Length, t = _iouThrs.Length;
        var output = new UnitOutput(outTotal, a * t, units.Count * a);
        Parallel.For(
            0,
            units.Count,
            _parallel,
            () => new Scratch(),
            (u, _, scratch) =>
            {
                EvaluateUnit(units[u], u, gts, dts, output, scratch);
                return scratch;
            },
            _ => { });

        var accumulation = new CocoAccumulation(_p, imgIds, _p.UseCats ? catIds : [-1], _iouThrs, _recThrs);
        int categoryCount = accumulation.K;
        var categoryUnits = new int[categoryCount + 1];
        foreach (Unit unit in units)
        {
            categoryUnits[unit.Category + 1]++;
        }

        for (int k = 0; k < categoryCount; k++)
        {
            categoryUnits[k + 1] += categoryUnits[k];
        }

        Parallel.For(0, categoryCount, _parallel, k => Accumulate(k, units, categoryUnits[k], categoryUnits[k + 1], output, accumulation));
        return accumulation;
    }

    // A stable bucket sort of record indices by (unit, category); records outside the evaluated images/categories
    // are dropped. Returns the order and each unit's start in it (unitStart[unitCount] = end).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] GroupByUnit(int count, Func<int, (int Unit, int Category)> key, int categories, int unitCount, out int[] unitStart)
    {
        var keys = new (int Unit, int Category)[count];
        var byCategory = new int[categories + 1];
        for (int j = 0; j < count; j++)
        {
            keys[j] = key(j);
            if (keys[j].Unit >= 0)
            {
                byCategory[keys[j].Category + 1]++;
            }
        }

        for (int k = 0; k < categories; k++)
        {
            byCategory[k + 1] += byCategory[k];
        }

        var firstPass = new int[byCategory[categories]];
        var fill = (int[])byCategory.Clone();
        for (int j = 0; j < count; j++)
        {
            if (keys[j].Unit >= 0)
            {
                firstPass[fill[keys[j].Category]++] = j;
            }
        }

        unitStart = new int[unitCount + 1];
        foreach (int j in firstPass)
        {
            unitStart[keys[j].Unit + 1]++;
        }

        for (int u = 0; u < unitCount; u++)
        {
            unitStart[u + 1] += unitStart[u];
        }

        var order = new int[firstPass.Length];
        var next = (int[])unitStart.Clone();
        foreach (int j in firstPass)
        {
            order[next[keys[j].Unit]++] = j;
        }

        return order;
    }

    private GroundTruthView PrepareGroundTruth(int[] order)
    {
        var view = new GroundTruthView(order.Length, _iouType == IouType.Segm);
        for (int j = 0; j < order.Length; j++)
        {
            CocoAnnotation ann = _gt.Annotations[order[j]];
            view.Id[j] = ann.Id;
            view.Area[j] = ann.Area;
            view.Crowd[j] = ann.IsCrowd;
            if (_iouType == IouType.Bbox)
            {
                view.Box[j] = ann.Bbox ?? throw AnnotationError(order[j], ann, "has no bbox, which bbox evaluation needs");
            }
            else if (ann.Segmentation is null)
            {
                throw AnnotationError(order[j], ann, "has no segmentation, which segm evaluation needs");
            }
        }

        if (_iouType == IouType.Bbox)
        {
            return view;
        }

        // annToRLE in parallel; a conversion error is reported for the first annotation in file order that has one.
        var errors = new CocoFormatException?[order.Length];
        Parallel.For(0, order.Length, _parallel, j =>
        {
            CocoAnnotation ann = _gt.Annotations[order[j]];
            CocoImage image = _gt.FindImage(ann.ImageId)!;
            try
            {
                Rle rle = ann.Segmentation!.ToRle(image.Height, image.Width);
                view.Masks![j] = rle;
                view.Box[j] = rle.ToBbox();
            }
            catch (CocoFormatException e)
            {
                errors[j] = AnnotationError(order[j], ann, $"segmentation: {e.Message}");
            }
        });
        int first = -1;
        for (int j = 0; j < errors.Length; j++)
        {
            if (errors[j] is not null && (first < 0 || order[j] < order[first]))
            {
                first = j;
            }
        }

        if (first >= 0)
        {
            throw errors[first]!;
        }

        return view;
    }

    private CocoFormatException AnnotationError(int index, CocoAnnotation ann, string problem) =>
        new($"{_gt.SourceName}: annotation {index} (id {ann.Id}, image_id {ann.ImageId}) {problem}.");

    // loadRes: with a box on the first result every result is box-based (area = w * h, as pycocotools' loadRes);
    // otherwise area and box come from the mask. segm follows Detectron2's _evaluate_predictions_on_coco, which drops
    // the results' boxes so that areas are mask areas.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DetectionView PrepareDetections(int[] order)
    {
        bool boxMode = _iouType == IouType.Bbox && _dt.Count > 0 && _dt.HasBox[0];
        var view = new DetectionView(order, boxMode);
        for (int j = 0; j < order.Length; j++)
        {
            int r = order[j];
            if (boxMode)
            {
                if (!_dt.HasBox[r])
                {
                    throw ResultError(r, "has no bbox, but the first result has one (pycocotools' loadRes then needs a bbox on every result)");
                }

                BoxXywh b = _dt.Boxes[r];
                view.Area[j] = b.Width * b.Height;
            }
            else
            {
                if (!_dt.HasMask(r))
                {
                    throw ResultError(r, _iouType == IouType.Segm
                        ? "has no segmentation, which segm evaluation needs"
                        : "has neither bbox nor segmentation");
                }

                view.Area[j] = _dt.MaskArea[r];
            }
        }

        return view;
    }

    private CocoFormatException ResultError(int index, string problem) =>
        new($"{_dt.SourceName}: result {index} (image_id {_dt.ImageIds[index]}) {problem}.");

    private readonly record struct Unit(int Category, int GtStart, int GtEnd, int DtStart, int DtEnd, int OutStart, int Kept);

    private sealed class GroundTruthView(int count, bool masks)
    {
        public long[] Id { get; } = new long[count];

        public double[] Area { get; } = new double[count];

        public bool[] Crowd { get; } = new bool[count];

        public BoxXywh[] Box { get; } = new BoxXywh[count];

        public Rle[]? Masks { get; } = masks ? new Rle[count] : null;
    }

    private sealed class DetectionView(int[] order, bool boxMode)
    {
        /// <summary>Result index of each grouped detection.</summary>
        public int[] Order { get; } = order;

        public bool BoxMode { get; } = boxMode;

        public double[] Area { get; } = new double[order.Length];
    }

    /// <summary>
    /// evaluateImg's output for every unit, flat over the kept detections of all units: scores, and per detection one
    /// record of flag bytes, one per (area, threshold) "plane" (a unit writes one contiguous block).
    /// </summary>
    private sealed class UnitOutput(int total, int planes, int unitAreas)
    {
        public int Total { get; } = total;

        public int Planes { get; } = planes;

        public double[] Score { get; } = new double[total];

        public byte[] Flags { get; } = new byte[(long)total * planes];

        public long[] NotIgnoredGt { get; } = new long[unitAreas];
    }

    /// <summary>Per-worker buffers, grown to the largest unit seen.</summary>
    private sealed class Scratch
    {
        public int[] DtOrder = [];
        public double[] Ious = [];
        public int[] GtInd = [];
        public bool[] GtIgnore = [];
        public long[] GtMatch = [];
        public uint[] Runs = new uint[1024];
        private ScoreKey[] _keys = [];

        public ScoreKey[] Keys(int size) => _keys.Length >= size ? _keys : _keys = new ScoreKey[size];

        public int[] Ints(ref int[] buffer, int size) => buffer.Length >= size ? buffer : buffer = new int[size];

        public double[] Doubles(ref double[] buffer, int size) => buffer.Length >= size ? buffer : buffer = new double[size];

        public bool[] Bools(ref bool[] buffer, int size) => buffer.Length >= size ? buffer : buffer = new bool[size];

        public long[] Longs(ref long[] buffer, int size) => buffer.Length >= size ? buffer : buffer = new long[size];
    }
}
