namespace Detserve.Eval.Json;

/// <summary>Where a record sits, for error messages: "results.json: result 17 (image_id 42): bbox has 3 numbers".</summary>
internal readonly record struct RecordContext(string Source, string Kind, long Index, long? ImageId = null, long? Id = null)
{
    public CocoFormatException Error(string problem, Exception? inner = null)
    {
        string where = (Id, ImageId) switch
        {
            (long id, long image) => $" (id {id}, image_id {image})",
            (long id, null) => $" (id {id})",
            (null, long image) => $" (image_id {image})",
            _ => string.Empty,
        };
        string message = $"{Source}: {Kind} {Index}{where}: {problem}.";
        return inner is null ? new CocoFormatException(message) : new CocoFormatException(message, inner);
    }
}
