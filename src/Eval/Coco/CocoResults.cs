using System.Text;
using System.Text.Json;
using Detserve.Eval.Json;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// A COCO results list checked against its ground truth (pycocotools' <c>COCO.loadRes</c>), stored as flat arrays
/// (one entry per detection, in file order; masks kept compressed in one byte pool) so that COCO-sized runs of
/// 500k detections stay compact. Build one with <see cref="Load"/>, <see cref="Read"/> or <see cref="CocoResultsBuilder"/>.
/// </summary>
public sealed class CocoResults
{
    private readonly long[] _maskOffset;
    private readonly int[] _maskLength;
    private readonly byte[] _maskBytes;

    internal CocoResults(
        CocoGroundTruth groundTruth,
        string sourceName,
        long[] imageIds,
        long[] categoryIds,
        double[] scores,
        BoxXywh[] boxes,
        bool[] hasBox,
        int[] maskHeight,
        int[] maskWidth,
        long[] maskOffset,
        int[] maskLength,
        uint[] maskArea,
        BoxXywh[] maskBox,
        byte[] maskBytes)
    {
        GroundTruth = groundTruth;
        SourceName = sourceName;
        ImageIds = imageIds;
        CategoryIds = categoryIds;
        Scores = scores;
        Boxes = boxes;
        HasBox = hasBox;
        MaskHeight = maskHeight;
        MaskWidth = maskWidth;
        _maskOffset = maskOffset;
        _maskLength = maskLength;
        MaskArea = maskArea;
        MaskBox = maskBox;
        _maskBytes = maskBytes;
    }

    /// <summary>The ground truth these results were checked against.</summary>
    public CocoGroundTruth GroundTruth { get; }

    public string SourceName { get; }

    public int Count => Scores.Length;

    internal long[] ImageIds { get; }

    internal long[] CategoryIds { get; }

    internal double[] Scores { get; }

    internal BoxXywh[] Boxes { get; }

    internal bool[] HasBox { get; }

    /// <summary>Mask height per detection, -1 without a mask.</summary>
    internal int[] MaskHeight { get; }

    internal int[] MaskWidth { get; }

    internal uint[] MaskArea { get; }

    internal BoxXywh[] MaskBox { get; }

    /// <summary>Detection <paramref name="index"/> as a record (allocates; for inspection, not for hot loops).</summary>
    public CocoResult this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            EncodedMask? mask = MaskHeight[index] < 0
                ? null
                : new EncodedMask(MaskHeight[index], MaskWidth[index], Encoding.ASCII.GetString(MaskCounts(index)), MaskArea[index], MaskBox[index]);
            return new CocoResult(ImageIds[index], CategoryIds[index], Scores[index], HasBox[index] ? Boxes[index] : null, mask);
        }
    }

    internal bool HasMask(int index) => MaskHeight[index] >= 0;

    /// <summary>The compressed RLE counts of detection <paramref name="index"/> (validated when added).</summary>
    internal ReadOnlySpan<byte> MaskCounts(int index) => _maskBytes.AsSpan((int)_maskOffset[index], _maskLength[index]);

    /// <summary>Reads a COCO results JSON file (a list of detections) and checks it against <paramref name="groundTruth"/>.</summary>
    public static CocoResults Load(string path, CocoGroundTruth groundTruth, CocoReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = CocoGroundTruth.OpenRead(path);
        return Read(stream, path, groundTruth, limits);
    }

    /// <summary>Reads COCO results JSON from a stream; <paramref name="sourceName"/> names it in errors.</summary>
    public static CocoResults Read(Stream stream, string sourceName, CocoGroundTruth groundTruth, CocoReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(groundTruth);
        var json = new JsonRecordStream(stream, sourceName, (limits ?? CocoReadLimits.Default).MaxRecordBytes);
        var builder = new CocoResultsBuilder(groundTruth, sourceName);
        Utf8JsonReader reader = json.Start();
        json.ReadRequired(ref reader, "the results list");
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new CocoFormatException($"{sourceName}: COCO results are a JSON array of objects (pycocotools: \"results in not an array of objects\"), found {reader.TokenType}.");
        }

        while (json.TryReadElement(ref reader, out Utf8JsonReader element))
        {
            ParseResult(ref element, new RecordContext(sourceName, "result", builder.Count), builder);
        }

        if (json.Read(ref reader))
        {
            throw new CocoFormatException($"{sourceName}: unexpected data after the results list at byte {json.Offset(reader)}.");
        }

        return builder.Build();
    }

    private static void ParseResult(ref Utf8JsonReader element, RecordContext context, CocoResultsBuilder builder)
    {
        long? imageId = null, categoryId = null;
        double? score = null;
        BoxXywh? bbox = null;
        CocoSegmentation? segmentation = null;
        try
        {
            if (element.TokenType != JsonTokenType.StartObject)
            {
                throw context.Error($"must be a JSON object, found {element.TokenType}");
            }

            while (element.Read() && element.TokenType == JsonTokenType.PropertyName)
            {
                if (element.ValueTextEquals("image_id"u8))
                {
                    imageId = JsonFields.Int64(ref element, context, "image_id");
                    context = context with { ImageId = imageId };
                }
                else if (element.ValueTextEquals("category_id"u8))
                {
                    categoryId = JsonFields.Int64(ref element, context, "category_id");
                }
                else if (element.ValueTextEquals("score"u8))
                {
                    score = JsonFields.Double(ref element, context, "score");
                }
                else if (element.ValueTextEquals("bbox"u8))
                {
                    bbox = JsonFields.Box(ref element, context, "bbox");
                }
                else if (element.ValueTextEquals("segmentation"u8))
                {
                    segmentation = JsonFields.Segmentation(ref element, context, "segmentation", checkCompressed: false);
                }
                else
                {
                    JsonFields.Skip(ref element, context, "?");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw context.Error("invalid JSON value", e);
        }

        builder.Add(
            imageId ?? throw context.Error("missing field image_id"),
            categoryId ?? throw context.Error("missing field category_id"),
            score ?? throw context.Error("missing field score"),
            bbox,
            segmentation);
    }
}
