using System.Buffers;
using System.Text;
using System.Text.Json;
using Detserve.Eval.Coco;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Json;

/// <summary>
/// Typed reads of one field's value from a reader that holds a whole record (see
/// <see cref="JsonRecordStream.TryReadElement"/>), each failing with an error that names the record and field.
/// </summary>
internal static class JsonFields
{
    public static void Next(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        if (!reader.Read())
        {
            throw context.Error($"field {field} is cut short");
        }
    }

    public static void Skip(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        if (!reader.TrySkip())
        {
            throw context.Error($"field {field} is cut short");
        }
    }

    public static long Int64(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        Next(ref reader, context, field);
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out long value))
            {
                return value;
            }

            // Python's json gives an int for "3" but a float for "3.0"; ids written as integral floats are accepted.
            if (reader.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9.007199254740992E15)
            {
                return (long)d;
            }
        }

        throw context.Error($"field {field} must be an integer, got {Describe(ref reader)}");
    }

    public static double Double(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        Next(ref reader, context, field);
        return CurrentDouble(ref reader, context, field);
    }

    public static int NonNegativeInt(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        long value = Int64(ref reader, context, field);
        if (value < 0 || value > int.MaxValue)
        {
            throw context.Error($"field {field} is {value}, outside 0..{int.MaxValue}");
        }

        return (int)value;
    }

    public static string? String(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        Next(ref reader, context, field);
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw context.Error($"field {field} must be a string, got {Describe(ref reader)}"),
        };
    }

    /// <summary>A number array such as <c>bbox</c>; an empty array gives null (pycocotools treats <c>"bbox": []</c> as no box).</summary>
    public static BoxXywh? Box(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        Next(ref reader, context, field);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw context.Error($"field {field} must be an array of 4 numbers, got {Describe(ref reader)}");
        }

        Span<double> values = stackalloc double[4];
        int count = 0;
        while (true)
        {
            Next(ref reader, context, field);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            double value = CurrentDouble(ref reader, context, field);
            if (count < 4)
            {
                values[count] = value;
            }

            count++;
        }

        if (count == 0)
        {
            return null;
        }

        if (count != 4)
        {
            throw context.Error($"field {field} has {count} numbers, expected 4 (x, y, width, height)");
        }

        return new BoxXywh(values[0], values[1], values[2], values[3]);
    }

    /// <summary>
    /// A COCO <c>segmentation</c>: a list of polygons or an RLE object (compressed or not). Compressed counts are
    /// checked here unless <paramref name="checkCompressed"/> is false (the results builder checks them itself while
    /// computing area and box, so results are decoded once).
    /// </summary>
    public static CocoSegmentation? Segmentation(ref Utf8JsonReader reader, in RecordContext context, string field, bool checkCompressed = true)
    {
        Next(ref reader, context, field);
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartArray:
                return Polygons(ref reader, context, field);
            case JsonTokenType.StartObject:
                return RleObject(ref reader, context, field, checkCompressed);
            default:
                throw context.Error($"field {field} must be a polygon list or an RLE object, got {Describe(ref reader)}");
        }
    }

    private static PolygonSegmentation Polygons(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        var polygons = new List<double[]>();
        var coordinates = new List<double>();
        while (true)
        {
            Next(ref reader, context, field);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return new PolygonSegmentation(polygons);
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw context.Error($"field {field}: polygon {polygons.Count} must be an array of numbers, got {Describe(ref reader)}");
            }

            coordinates.Clear();
            while (true)
            {
                Next(ref reader, context, field);
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    break;
                }

                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double coordinate) || !double.IsFinite(coordinate))
                {
                    // Only a failing coordinate pays for the field name with its polygon index.
                    CurrentDouble(ref reader, context, $"{field}[{polygons.Count}]");
                    throw context.Error($"field {field}[{polygons.Count}] is not a finite number");
                }

                coordinates.Add(coordinate);
            }

            polygons.Add([.. coordinates]);
        }
    }

    private static CocoSegmentation RleObject(ref Utf8JsonReader reader, in RecordContext context, string field, bool checkCompressed)
    {
        int height = -1, width = -1;
        byte[]? compressed = null;
        List<long>? uncompressed = null;
        while (true)
        {
            Next(ref reader, context, field);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.ValueTextEquals("size"u8))
            {
                Next(ref reader, context, $"{field}.size");
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw context.Error($"field {field}.size must be [height, width], got {Describe(ref reader)}");
                }

                height = NonNegativeInt(ref reader, context, $"{field}.size");
                width = NonNegativeInt(ref reader, context, $"{field}.size");
                Next(ref reader, context, $"{field}.size");
                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    throw context.Error($"field {field}.size must be [height, width] with 2 numbers");
                }
            }
            else if (reader.ValueTextEquals("counts"u8))
            {
                Next(ref reader, context, $"{field}.counts");
                if (reader.TokenType == JsonTokenType.String)
                {
                    compressed = Ascii(ref reader, context, $"{field}.counts");
                    uncompressed = null;
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    uncompressed = [];
                    compressed = null;
                    while (true)
                    {
                        Next(ref reader, context, $"{field}.counts");
                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            break;
                        }

                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long run) || run < 0 || run > uint.MaxValue)
                        {
                            throw context.Error($"field {field}.counts: run {uncompressed.Count} must be an integer in 0..{uint.MaxValue}, got {Describe(ref reader)}");
                        }

                        uncompressed.Add(run);
                    }
                }
                else
                {
                    throw context.Error($"field {field}.counts must be a string or an array of integers, got {Describe(ref reader)}");
                }
            }
            else
            {
                Skip(ref reader, context, field);
            }
        }

        if (height < 0 || (compressed is null && uncompressed is null))
        {
            throw context.Error($"field {field} is an object without both size and counts (malformed RLE)");
        }

        long pixels = (long)height * width;
        if (pixels > uint.MaxValue)
        {
            throw context.Error($"field {field}.size {height}x{width} has more pixels than 32-bit RLE counts can hold");
        }

        if (compressed is not null)
        {
            if (!checkCompressed)
            {
                return new CompressedRleSegmentation(height, width, compressed);
            }

            uint[] scratch = new uint[Math.Max(4, compressed.Length)];
            string? problem = Rle.TryDecodeCompressed(compressed, pixels, ref scratch, out _);
            if (problem is not null)
            {
                throw context.Error($"field {field} is a malformed RLE: {problem}");
            }

            return new CompressedRleSegmentation(height, width, compressed);
        }

        long total = 0;
        var counts = new uint[uncompressed!.Count];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = (uint)uncompressed[i];
            total += uncompressed[i];
        }

        if (total != pixels)
        {
            throw context.Error($"field {field} is a malformed RLE: the runs cover {total} of the {pixels} pixels of a {height}x{width} mask");
        }

        return new UncompressedRleSegmentation(height, width, counts);
    }

    private static byte[] Ascii(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.ToArray();
        }

        // RLE strings use ASCII 48..111, which includes the backslash (92), so JSON writers escape most of them.
        // Unescape straight to UTF-8 bytes (never longer than the escaped text) without a UTF-16 string.
        byte[] rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            int length = reader.CopyString(rented);
            ReadOnlySpan<byte> value = rented.AsSpan(0, length);
            int nonAscii = value.IndexOfAnyInRange((byte)0x80, (byte)0xff);
            if (nonAscii >= 0)
            {
                throw context.Error($"field {field} has a non-ASCII character at byte {nonAscii} (malformed RLE)");
            }

            return value.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static double CurrentDouble(ref Utf8JsonReader reader, in RecordContext context, string field)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw context.Error($"field {field} must be a number, got {Describe(ref reader)}");
        }

        if (!reader.TryGetDouble(out double value) || !double.IsFinite(value))
        {
            throw context.Error($"field {field} is a number outside the range of a double");
        }

        return value;
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{Truncate(reader.GetString())}\"",
        JsonTokenType.Number => $"the number {Encoding.UTF8.GetString(reader.ValueSpan)}",
        JsonTokenType.True or JsonTokenType.False => reader.TokenType.ToString().ToLowerInvariant(),
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => reader.TokenType.ToString(),
    };

    private static string Truncate(string? value) => value is null ? string.Empty : value.Length <= 40 ? value : value[..40] + "...";
}
