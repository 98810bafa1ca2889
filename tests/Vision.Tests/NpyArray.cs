using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Detserve.Vision.Tests;

/// <summary>
/// A minimal reader for NumPy .npy format 1.0/2.0 files (C order, little-endian), enough for the golden fixtures:
/// magic "\x93NUMPY", version, header length, a Python dict literal with descr, fortran_order and shape.
/// </summary>
internal sealed record NpyArray(string Descr, int[] Shape, byte[] Data)
{
    public static NpyArray Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file");
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        string descr = Regex.Match(header, @"'descr':\s*'([^']+)'").Groups[1].Value;
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: Fortran order is not supported");
        string shapeText = Regex.Match(header, @"'shape':\s*\(([^)]*)\)").Groups[1].Value;
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        byte[] data = bytes[(headerStart + headerLength)..];
        return new NpyArray(descr, shape, data);
    }
}
