using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Detserve.Vision.Exif;

namespace Detserve.Vision.Png;

/// <summary>
/// Collects the PNG chunks from which Pillow 9.4's <c>PngImageFile.getexif()</c> takes the orientation, in file
/// order (later chunks overwrite earlier ones, as they do in Pillow's info dict), and resolves it as getexif does:
/// <list type="number">
/// <item>info["exif"]: an eXIf chunk, or a tEXt chunk whose keyword is "exif" (PngStream.chunk_tEXt keeps those bytes
/// raw; zTXt and iTXt store text, on which Exif.load fails, so no orientation at all);</item>
/// <item>else the hex dump in a "Raw profile type exif" text chunk (ImageMagick), lines 4 on;</item>
/// <item>if that yields no Orientation tag, the first <c>tiff:Orientation="d"</c> or <c>tiff:Orientation&gt;d</c> in
/// the "XML:com.adobe.xmp" text (usually iTXt).</item>
/// </list>
/// </summary>
internal sealed partial class PngOrientationSources
{
    /// <summary>PngImagePlugin.MAX_TEXT_CHUNK (ImageFile.SAFEBLOCK): larger decompressed text fails to open in Pillow.</summary>
    private const int MaxTextChunkBytes = 1024 * 1024;

    /// <summary>PngImagePlugin.MAX_TEXT_MEMORY: Pillow refuses a file whose text values add up to more.</summary>
    private const long MaxTextMemory = 64L * MaxTextChunkBytes;

    private const string ExifKey = "exif";
    private const string RawProfileKey = "Raw profile type exif";
    private const string XmpKey = "XML:com.adobe.xmp";

    private byte[]? _exif;
    private bool _exifIsText;
    private string? _rawProfile;
    private string? _xmp;
    private long _textMemory;
    private readonly string _sourceName;

    /// <param name="sourceName">Names the file in errors.</param>
    public PngOrientationSources(string sourceName) => _sourceName = sourceName;

    public void AddExifChunk(ReadOnlySpan<byte> body)
    {
        _exif = body.ToArray();
        _exifIsText = false;
    }

    /// <summary>tEXt: keyword NUL latin-1 text.</summary>
    public void AddText(ReadOnlySpan<byte> body)
    {
        int nul = body.IndexOf((byte)0);
        ReadOnlySpan<byte> key = nul < 0 ? body : body[..nul];
        ReadOnlySpan<byte> value = nul < 0 ? [] : body[(nul + 1)..];
        Store(Encoding.Latin1.GetString(key), value, Encoding.Latin1);
    }

    /// <summary>
    /// zTXt: keyword NUL method(0) zlib-data. Pillow stores the value as text even for the keyword "exif" (so Exif.load
    /// fails on it) and treats corrupt zlib data as empty text.
    /// </summary>
    public void AddCompressedText(ReadOnlySpan<byte> body, int offset)
    {
        int nul = body.IndexOf((byte)0);
        ReadOnlySpan<byte> keyBytes = nul < 0 ? body : body[..nul];
        ReadOnlySpan<byte> rest = nul < 0 ? [] : body[(nul + 1)..];
        if (rest.Length > 0 && rest[0] != 0)
            throw new ImageDecodeException(_sourceName, $"PNG zTXt at offset {offset}: unknown compression method {rest[0]}");
        string key = Encoding.Latin1.GetString(keyBytes);
        if (key.Length == 0 || !IsOfInterest(key)) return;
        byte[] value = rest.Length == 0 ? [] : Inflate(rest[1..], offset, "zTXt") ?? [];
        StoreText(key, Encoding.Latin1.GetString(value));
    }

    /// <summary>iTXt: keyword NUL flag method language NUL translated-keyword NUL UTF-8 text (zlib when flag is 1).</summary>
    public void AddInternationalText(ReadOnlySpan<byte> body, int offset)
    {
        int nul = body.IndexOf((byte)0);
        if (nul < 0) return;
        string key = Encoding.Latin1.GetString(body[..nul]);
        ReadOnlySpan<byte> rest = body[(nul + 1)..];
        if (rest.Length < 2) return;
        byte compressed = rest[0], method = rest[1];
        rest = rest[2..];
        int languageEnd = rest.IndexOf((byte)0);
        if (languageEnd < 0) return;
        ReadOnlySpan<byte> language = rest[..languageEnd];
        rest = rest[(languageEnd + 1)..];
        int translatedEnd = rest.IndexOf((byte)0);
        if (translatedEnd < 0) return;
        ReadOnlySpan<byte> translated = rest[..translatedEnd];
        ReadOnlySpan<byte> value = rest[(translatedEnd + 1)..];
        if (!IsOfInterest(key)) return;
        if (compressed != 0)
        {
            if (method != 0) return;
            byte[]? inflated = Inflate(value, offset, "iTXt");
            if (inflated is null) return; // chunk_iTXt: zlib.error -> chunk ignored
            value = inflated;
        }
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        string text;
        try
        {
            strict.GetString(language);
            strict.GetString(translated);
            text = strict.GetString(value);
        }
        catch (DecoderFallbackException)
        {
            return; // chunk_iTXt ignores a chunk whose strings are not UTF-8
        }
        StoreText(key, text);
    }

    /// <summary>The orientation detectron2 would apply (1..8), or 0 for none.</summary>
    public int Resolve()
    {
        ExifOrientation fromExif = ExifOrientation.Absent;
        if (_exifIsText) return 0;
        if (_exif is not null)
        {
            fromExif = ExifOrientationReader.Read(_exif);
        }
        else if (_rawProfile is not null)
        {
            byte[]? bytes = ParseRawProfile(_rawProfile);
            if (bytes is null) return 0; // bytes.fromhex raised: getexif fails
            fromExif = ExifOrientationReader.Read(bytes);
        }
        switch (fromExif.State)
        {
            case ExifOrientationState.NotTiff:
                return 0;
            case ExifOrientationState.Present:
                return fromExif.Value;
        }
        if (_xmp is not null)
        {
            Match m = XmpOrientation().Match(_xmp);
            if (m.Success) return m.Groups[2].Value[0] - '0';
        }
        return 0;
    }

    private static bool IsOfInterest(string key) => key is ExifKey or RawProfileKey or XmpKey;

    /// <summary>tEXt: the keyword "exif" keeps its bytes (PngStream.chunk_tEXt), others are latin-1 text.</summary>
    private void Store(string key, ReadOnlySpan<byte> value, Encoding encoding)
    {
        if (key == ExifKey)
        {
            _exif = value.ToArray();
            _exifIsText = false;
        }
        else if (IsOfInterest(key))
        {
            StoreText(key, encoding.GetString(value));
        }
    }

    /// <summary>A text value; for "exif", Exif.load would get a str and fail (unless it is empty: no EXIF).</summary>
    private void StoreText(string key, string value)
    {
        // check_text_memory, over the text this decoder keeps
        _textMemory += value.Length;
        if (_textMemory > MaxTextMemory)
            throw new ImageDecodeException(_sourceName, $"PNG text chunks hold more than {MaxTextMemory} characters (Pillow's MAX_TEXT_MEMORY)");
        if (key == ExifKey)
        {
            _exif = value.Length == 0 ? [] : null;
            _exifIsText = value.Length != 0;
        }
        else if (key == RawProfileKey)
        {
            _rawProfile = value;
        }
        else if (key == XmpKey)
        {
            _xmp = value;
        }
    }

    /// <summary>"".join(text.split("\n")[3:]) then bytes.fromhex, which skips ASCII whitespace; null if not hex.</summary>
    private static byte[]? ParseRawProfile(string text)
    {
        string[] lines = text.Split('\n');
        var hex = new StringBuilder();
        for (int i = 3; i < lines.Length; i++)
        {
            foreach (char c in lines[i])
            {
                if (c is ' ' or '\t' or '\r' or '\v' or '\f') continue;
                hex.Append(c);
            }
        }
        if (hex.Length % 2 != 0) return null;
        var bytes = new byte[hex.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!byte.TryParse(hex.ToString(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
                return null;
        }
        return bytes;
    }

    /// <summary>
    /// _safe_zlib_decompress: at most MAX_TEXT_CHUNK bytes, more is an error (ValueError); corrupt data gives null
    /// (zlib.error, which the chunk handlers absorb); a stream that just ends is accepted.
    /// </summary>
    private byte[]? Inflate(ReadOnlySpan<byte> compressed, int offset, string chunk)
    {
        using var input = new MemoryStream(compressed.ToArray());
        using var inflater = new ZLibStream(input, CompressionMode.Decompress);
        var buffer = new byte[MaxTextChunkBytes + 1];
        int total = 0;
        try
        {
            int read;
            while (total < buffer.Length && (read = inflater.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        }
        catch (InvalidDataException)
        {
            return null;
        }
        if (total > MaxTextChunkBytes)
            throw new ImageDecodeException(_sourceName, $"PNG {chunk} at offset {offset}: decompressed text above {MaxTextChunkBytes} bytes (Pillow's MAX_TEXT_CHUNK)");
        return buffer[..total];
    }

    [GeneratedRegex("tiff:Orientation(=\"|>)([0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex XmpOrientation();
}
