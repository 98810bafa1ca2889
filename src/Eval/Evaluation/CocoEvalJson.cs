using System.Text.Json;

namespace Detserve.Eval.Evaluation;

/// <summary>
/// The <c>--json</c> file of <c>detserve eval</c> (issue 4): one key per IoU type (<c>"bbox"</c>, <c>"segm"</c>), each
/// <c>{"stats": [12 numbers in pycocotools' order], "per_category_AP": {name: AP}}</c>. Numbers are fractions, as in
/// pycocotools' stats and the golden coco_eval.json; NaN (no results, or a category without ground truth) is null.
/// </summary>
public static class CocoEvalJson
{
    public static void Write(Stream stream, IEnumerable<CocoEvalResult> results)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(results);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        foreach (CocoEvalResult result in results)
        {
            writer.WriteStartObject(result.IouTypeName);
            writer.WriteStartArray("stats");
            foreach (double s in result.Stats)
            {
                WriteNumber(writer, s);
            }

            writer.WriteEndArray();
            writer.WriteStartObject("per_category_AP");
            foreach (CategoryAp c in result.PerCategoryAp)
            {
                writer.WritePropertyName(c.Name);
                WriteNumber(writer, c.Ap);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the JSON to a file, replacing it.</summary>
    public static void WriteFile(string path, IEnumerable<CocoEvalResult> results)
    {
        using FileStream stream = File.Create(path);
        Write(stream, results);
    }

    private static void WriteNumber(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
