using Detserve.Eval.Json;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// Collects detections for evaluation, from a results file or from a model run in memory
/// (what Detectron2's <c>instances_to_coco_json</c> makes). Each detection is checked against the ground truth as
/// it is added, as pycocotools' <c>COCO.loadRes</c> checks the whole list: the image must exist and the category must
/// be known; masks are kept compressed (their area and box computed once).
/// </summary>
public sealed class CocoResultsBuilder
{
    private readonly CocoGroundTruth _groundTruth;
    private readonly string _sourceName;
    private readonly List<long> _imageIds = [];
    private readonly List<long> _categoryIds = [];
    private readonly List<double> _scores = [];
    private readonly List<BoxXywh> _boxes = [];
    private readonly List<bool> _hasBox = [];
    private readonly List<int> _maskHeight = [];
    private readonly List<int> _maskWidth = [];
    private readonly List<long> _maskOffset = [];
    private readonly List<int> _maskLength = [];
    private readonly List<uint> _maskArea = [];
    private readonly List<BoxXywh> _maskBox = [];
    private readonly List<byte> _maskBytes = [];
    private uint[] _scratch = new uint[256];

    public CocoResultsBuilder(CocoGroundTruth groundTruth, string sourceName = "in-memory results")
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(sourceName);
        _groundTruth = groundTruth;
        _sourceName = sourceName;
    }

    /// <summary>Number of detections added so far.</summary>
    public int Count => _scores.Count;

    /// <summary>Adds a detection without a mask (a box detector such as RetinaNet).</summary>
    public void Add(long imageId, long categoryId, double score, BoxXywh bbox) => Add(imageId, categoryId, score, bbox, (EncodedMask?)null);

    /// <summary>Adds a detection with an optional box and an optional mask in any COCO segmentation form.</summary>
    public void Add(long imageId, long categoryId, double score, BoxXywh? bbox, CocoSegmentation? segmentation)
    {
        var context = new RecordContext(_sourceName, "result", Count, imageId);
        CocoImage image = CheckIds(imageId, categoryId, score, bbox, context);
        switch (segmentation)
        {
            case null:
                AddCore(imageId, categoryId, score, bbox, -1, -1, default);
                break;
            case CompressedRleSegmentation c:
                AddChecked(imageId, categoryId, score, bbox, c.Height, c.Width, c.Counts, context);
                break;
            default:
                Rle rle;
                try
                {
                    rle = segmentation.ToRle(image.Height, image.Width);
                }
                catch (CocoFormatException e)
                {
                    throw context.Error($"segmentation: {e.Message}", e);
                }

                AddChecked(imageId, categoryId, score, bbox, rle.Height, rle.Width, rle.ToCompressedBytes(), context);
                break;
        }
    }

    /// <summary>Adds a detection with a mask already encoded (see <see cref="EncodedMask.FromRowMajor"/>).</summary>
    public void Add(long imageId, long categoryId, double score, BoxXywh? bbox, EncodedMask? mask)
    {
        var context = new RecordContext(_sourceName, "result", Count, imageId);
        CheckIds(imageId, categoryId, score, bbox, context);
        if (mask is null)
        {
            AddCore(imageId, categoryId, score, bbox, -1, -1, default);
            return;
        }

        byte[] ascii = new byte[mask.Counts.Length];
        for (int i = 0; i < ascii.Length; i++)
        {
            char ch = mask.Counts[i];
            ascii[i] = ch <= 0x7f ? (byte)ch : (byte)0xff;
        }

        AddChecked(imageId, categoryId, score, bbox, mask.Height, mask.Width, ascii, context);
    }

    /// <summary>The collected detections; the builder may keep adding afterwards (later builds include them).</summary>
    public CocoResults Build() => new(
        _groundTruth,
        _sourceName,
        [.. _imageIds],
        [.. _categoryIds],
        [.. _scores],
        [.. _boxes],
        [.. _hasBox],
        [.. _maskHeight],
        [.. _maskWidth],
        [.. _maskOffset],
        [.. _maskLength],
        [.. _maskArea],
        [.. _maskBox],
        [.. _maskBytes]);

    private CocoImage CheckIds(long imageId, long categoryId, double score, BoxXywh? bbox, in RecordContext context)
    {
        CocoImage image = _groundTruth.FindImage(imageId)
            ?? throw context.Error($"image_id {imageId} is not an image of {_groundTruth.SourceName} (pycocotools: \"Results do not correspond to current coco set\")");
        if (_groundTruth.FindCategory(categoryId) is null)
        {
            throw context.Error($"category_id {categoryId} is not a category of {_groundTruth.SourceName}");
        }

        if (!double.IsFinite(score))
        {
            throw context.Error($"score {score} is not a finite number");
        }

        if (bbox is BoxXywh b && !(double.IsFinite(b.X) && double.IsFinite(b.Y) && double.IsFinite(b.Width) && double.IsFinite(b.Height)))
        {
            throw context.Error($"bbox {b} has a non-finite value");
        }

        return image;
    }

    private void AddChecked(long imageId, long categoryId, double score, BoxXywh? bbox, int height, int width, ReadOnlySpan<byte> counts, in RecordContext context)
    {
        long pixels = (long)height * width;
        if (height < 0 || width < 0 || pixels > uint.MaxValue)
        {
            throw context.Error($"segmentation size {height}x{width} is not a valid mask size (malformed RLE)");
        }

        string? problem = Rle.TryDecodeCompressed(counts, pixels, ref _scratch, out int runs);
        if (problem is not null)
        {
            throw context.Error($"segmentation is a malformed RLE: {problem}");
        }

        ReadOnlySpan<uint> decoded = _scratch.AsSpan(0, runs);
        AddCore(imageId, categoryId, score, bbox, height, width, counts);
        _maskArea[^1] = Rle.AreaOf(decoded);
        _maskBox[^1] = Rle.BboxOf(decoded, (uint)height, (uint)width);
    }

    private void AddCore(long imageId, long categoryId, double score, BoxXywh? bbox, int maskHeight, int maskWidth, ReadOnlySpan<byte> counts)
    {
        _imageIds.Add(imageId);
        _categoryIds.Add(categoryId);
        _scores.Add(score);
        _boxes.Add(bbox ?? default);
        _hasBox.Add(bbox.HasValue);
        _maskHeight.Add(maskHeight);
        _maskWidth.Add(maskWidth);
        _maskOffset.Add(_maskBytes.Count);
        _maskLength.Add(counts.Length);
        _maskArea.Add(0);
        _maskBox.Add(default);
        _maskBytes.AddRange(counts);
    }
}
