using System.Text.Json;

namespace Detserve.Cli.Output;

/// <summary>
/// Streams a COCO results JSON array, as detectron2.evaluation.coco_evaluation.instances_to_coco_json writes it:
/// {"image_id", "category_id", "bbox": [x, y, w, h], "score", "segmentation": {"size": [h, w], "counts": "..."}}.
/// </summary>
public sealed class CocoResultsWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _json;

    public CocoResultsWriter(string path)
    {
        _stream = File.Create(path);
        _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Indented = false });
        _json.WriteStartArray();
    }

    /// <summary>Number of records written.</summary>
    public long Count { get; private set; }

    public void Write(long imageId, int categoryId, float x1, float y1, float x2, float y2, float score, int height, int width, string? rleCounts)
    {
        _json.WriteStartObject();
        _json.WriteNumber("image_id", imageId);
        _json.WriteNumber("category_id", categoryId);
        _json.WriteStartArray("bbox");
        _json.WriteNumberValue(x1);
        _json.WriteNumberValue(y1);
        _json.WriteNumberValue(x2 - x1);
        _json.WriteNumberValue(y2 - y1);
        _json.WriteEndArray();
        _json.WriteNumber("score", score);
        if (rleCounts is not null)
        {
            _json.WriteStartObject("segmentation");
            _json.WriteStartArray("size");
            _json.WriteNumberValue(height);
            _json.WriteNumberValue(width);
            _json.WriteEndArray();
            _json.WriteString("counts", rleCounts);
            _json.WriteEndObject();
        }
        _json.WriteEndObject();
        Count++;
        if (_json.BytesPending > 1 << 16) _json.Flush();
    }

    public void Dispose()
    {
        _json.WriteEndArray();
        _json.Flush();
        _json.Dispose();
        _stream.Dispose();
    }
}
