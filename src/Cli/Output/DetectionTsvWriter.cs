using System.Globalization;

namespace Detserve.Cli.Output;

/// <summary>
/// detections.tsv: a header line, then one detection per row:
/// image file name, class id (contiguous, 0-based), class name, score, x1, y1, x2, y2 (original-image pixels), mask area (pixels; empty without masks).
/// </summary>
public sealed class DetectionTsvWriter : IDisposable
{
    public const string Header = "image\tclass_id\tclass_name\tscore\tx1\ty1\tx2\ty2\tmask_area";
    private readonly StreamWriter _writer;

    public DetectionTsvWriter(string path)
    {
        _writer = new StreamWriter(path) { NewLine = "\n" };
        _writer.WriteLine(Header);
    }

    public void Write(string imageName, int classId, string className, float score, float x1, float y1, float x2, float y2, long? maskArea)
    {
        var c = CultureInfo.InvariantCulture;
        _writer.Write(imageName.Replace('\t', ' '));
        _writer.Write('\t');
        _writer.Write(classId.ToString(c));
        _writer.Write('\t');
        _writer.Write(className.Replace('\t', ' '));
        _writer.Write('\t');
        _writer.Write(score.ToString("0.######", c));
        foreach (float v in (ReadOnlySpan<float>)[x1, y1, x2, y2])
        {
            _writer.Write('\t');
            _writer.Write(v.ToString("0.###", c));
        }
        _writer.Write('\t');
        if (maskArea is long a) _writer.Write(a.ToString(c));
        _writer.WriteLine();
    }

    public void Dispose() => _writer.Dispose();
}
