using System.Text.Json;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// Streams a COCO results JSON list (what Detectron2's COCOEvaluator saves as coco_instances_results.json and
/// <c>detserve infer</c> writes for a run): one <c>{"image_id", "category_id", "bbox", "score", "segmentation"}</c>
/// object per detection, masks as <c>{"size": [h, w], "counts": "..."}</c>. Needs no ground truth. Disposing closes
/// the list; the stream stays open.
/// </summary>
public sealed class CocoResultsWriter : IDisposable
{
    private readonly Utf8JsonWriter _writer;
    private bool _closed;

    public CocoResultsWriter(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _writer = new Utf8JsonWriter(stream);
        _writer.WriteStartArray();
    }

    /// <summary>Number of detections written.</summary>
    public long Count { get; private set; }

    public void Write(CocoResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        ObjectDisposedException.ThrowIf(_closed, this);
        _writer.WriteStartObject();
        _writer.WriteNumber("image_id", result.ImageId);
        _writer.WriteNumber("category_id", result.CategoryId);
        if (result.Bbox is BoxXywh b)
        {
            _writer.WriteStartArray("bbox");
            _writer.WriteNumberValue(b.X);
            _writer.WriteNumberValue(b.Y);
            _writer.WriteNumberValue(b.Width);
            _writer.WriteNumberValue(b.Height);
            _writer.WriteEndArray();
        }

        _writer.WriteNumber("score", result.Score);
        if (result.Mask is EncodedMask mask)
        {
            _writer.WriteStartObject("segmentation");
            _writer.WriteStartArray("size");
            _writer.WriteNumberValue(mask.Height);
            _writer.WriteNumberValue(mask.Width);
            _writer.WriteEndArray();
            _writer.WriteString("counts", mask.Counts);
            _writer.WriteEndObject();
        }

        _writer.WriteEndObject();
        Count++;
        if (_writer.BytesPending > (1 << 16))
        {
            _writer.Flush();
        }
    }

    /// <summary>Closes the JSON list and flushes.</summary>
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _writer.WriteEndArray();
        _writer.Flush();
        _writer.Dispose();
    }
}
