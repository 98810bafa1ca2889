using System.Globalization;

namespace Detserve.Runtime;

/// <summary>
/// Padded input sizes a predictor rounds a batch up to, so that images of many sizes share a few shapes: on CUDA one captured graph
/// (and one memory plan) per bucket and batch size instead of one per distinct size. A batch whose padded size (the largest resized
/// image rounded up to SIZE_DIVISIBILITY, as ImageList.from_tensors does) fits a bucket is padded with zeros to the smallest such bucket;
/// a batch that fits none keeps its own size. Padding more is what Detectron2 itself does to an image batched with a larger one, so a
/// bucketed run of an image equals an unbucketed run of it beside an image of the bucket's size; it is not bit-identical to running the
/// image alone (the convolutions' zero borders move), which is why buckets are opt-in.
/// </summary>
public sealed class ShapeBuckets
{
    private readonly (int Height, int Width)[] _sizes;

    /// <summary>The buckets, each rounded up to <paramref name="sizeDivisibility"/> when that is above 1, smallest area first.</summary>
    /// <exception cref="ArgumentException">an empty or non-positive size.</exception>
    public ShapeBuckets(IEnumerable<(int Height, int Width)> sizes, int sizeDivisibility = 32)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var list = new List<(int, int)>();
        foreach ((int h, int w) in sizes)
        {
            if (h < 1 || w < 1 || h > 16384 || w > 16384) throw new ArgumentException($"shape bucket {h}x{w} must be between 1x1 and 16384x16384", nameof(sizes));
            list.Add((RoundUp(h, sizeDivisibility), RoundUp(w, sizeDivisibility)));
        }
        if (list.Count == 0) throw new ArgumentException("no shape bucket given", nameof(sizes));
        _sizes = list.Distinct().OrderBy(s => (long)s.Item1 * s.Item2).ThenBy(s => s.Item1).ToArray();
    }

    /// <summary>The buckets (rounded, smallest area first).</summary>
    public IReadOnlyList<(int Height, int Width)> Sizes => _sizes;

    /// <summary>The padded size for a batch whose own padded size is <paramref name="height"/> x <paramref name="width"/>.</summary>
    public (int Height, int Width) PaddedSize(int height, int width)
    {
        foreach ((int h, int w) in _sizes)
            if (h >= height && w >= width) return (h, w);
        return (height, width);
    }

    /// <summary>Parses "800x1344,1344x1344" (HEIGHTxWIDTH, comma separated).</summary>
    /// <exception cref="FormatException">a part is not HEIGHTxWIDTH; the message quotes it.</exception>
    public static ShapeBuckets Parse(string text, int sizeDivisibility = 32) =>
        new(ParseSizes(text, part => $"shape bucket '{part}'", "800x1344", $"shape buckets '{text}'"), sizeDivisibility);

    /// <summary>
    /// Parses a comma-separated list of HEIGHTxWIDTH sizes, each between 1 and 16384 (shape buckets, the bench's --size).
    /// </summary>
    /// <param name="text">The list.</param>
    /// <param name="name">How an error names a malformed part.</param>
    /// <param name="example">A valid size for the error message.</param>
    /// <param name="whole">How an error names the whole list when it holds no size.</param>
    /// <exception cref="FormatException">a malformed part, or no size at all.</exception>
    public static IReadOnlyList<(int Height, int Width)> ParseSizes(string text, Func<string, string> name, string example, string whole)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(name);
        var sizes = new List<(int, int)>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] hw = part.Split('x', 'X');
            if (hw.Length != 2 || !int.TryParse(hw[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                || !int.TryParse(hw[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) || h < 1 || w < 1 || h > 16384 || w > 16384)
                throw new FormatException($"{name(part)}: expected HEIGHTxWIDTH, e.g. {example}");
            sizes.Add((h, w));
        }
        if (sizes.Count == 0) throw new FormatException($"{whole}: no size given");
        return sizes;
    }

    /// <summary>"800x1344,1344x1344", as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => string.Join(",", _sizes.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Height}x{s.Width}")));

    private static int RoundUp(int v, int d) => d > 1 ? (v + d - 1) / d * d : v;
}
