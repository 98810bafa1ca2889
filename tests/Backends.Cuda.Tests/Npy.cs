using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Detserve.Backends.Cuda.Tests;

/// <summary>
/// Reads the NumPy .npy files of ../shared/golden (format 1.0, little endian, C order; float32 or int64), as
/// numpy/lib/format.py writes them: magic "\x93NUMPY", version, header length, a Python dict literal, data.
/// </summary>
internal static partial class Npy
{
    public static (int[] Shape, float[] Data) ReadFloat32(string path)
    {
        var (shape, descr, data) = Read(path);
        if (descr != "<f4") throw new InvalidDataException($"{path}: dtype {descr}, expected <f4");
        var values = new float[data.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(i * 4, 4));
        return (shape, values);
    }

    public static (int[] Shape, long[] Data) ReadInt64(string path)
    {
        var (shape, descr, data) = Read(path);
        if (descr != "<i8") throw new InvalidDataException($"{path}: dtype {descr}, expected <i8");
        var values = new long[data.Length / 8];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(i * 8, 8));
        return (shape, values);
    }

    private static (int[] Shape, string Descr, byte[] Data) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not an .npy file");
        int headerLength = bytes[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8, 4));
        int headerStart = bytes[6] == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        string descr = Descr().Match(header).Groups[1].Value;
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: Fortran order");
        string dims = ShapeText().Match(header).Groups[1].Value;
        int[] shape = dims.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        return (shape, descr, bytes[(headerStart + headerLength)..]);
    }

    [GeneratedRegex("'descr':\\s*'([^']+)'")]
    private static partial Regex Descr();

    [GeneratedRegex("'shape':\\s*\\(([^)]*)\\)")]
    private static partial Regex ShapeText();
}
