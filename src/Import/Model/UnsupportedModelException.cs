namespace Detserve.Import.Model;

/// <summary>
/// The config asks for a model Detserve does not build (another meta-architecture, C4/DC5 heads, deformable convs,
/// normalization inside heads, Cascade, keypoints, ...). The message names the config key and its value.
/// </summary>
public class UnsupportedModelException : ImportException
{
    public UnsupportedModelException() { }

    public UnsupportedModelException(string message) : base(message) { }

    public UnsupportedModelException(string message, Exception inner) : base(message, inner) { }

    /// <summary>"KEY = value is not supported: why".</summary>
    internal static UnsupportedModelException For(string key, object? value, string why) =>
        new($"{key} = {Render(value)} is not supported: {why}");

    internal static string Render(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        bool b => b ? "True" : "False",
        System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Render)) + "]",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
