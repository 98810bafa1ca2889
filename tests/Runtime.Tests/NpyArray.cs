using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Detserve.Runtime.Tests;

/// <summary>
/// A NumPy .npy file (format 1.0/2.0, little-endian, C order) read into float64 values: enough for the golden fixtures
/// ('&lt;f4', '&lt;i8', '|u1').
/// </summary>
internal sealed record NpyArray(string Path, string Descr, int[] Shape, double[] Values)
{
    public long Count => Values.LongLength;

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public float[] ToFloat32() => Values.Select(v => (float)v).ToArray();

    public static NpyArray Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file (bad magic)");
        int major = bytes[6];
        int headerLen, offset;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
        else { headerLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); offset = 12; }
        string header = Encoding.ASCII.GetString(bytes, offset, headerLen);
        string descr = Field(header, "descr", path).Trim('\'', '"');
        if (Field(header, "fortran_order", path) != "False") throw new InvalidDataException($"{path}: Fortran-order arrays are not supported");
        string shapeText = Field(header, "shape", path).Trim('(', ')');
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long count = 1;
        foreach (int d in shape) count *= d;
        ReadOnlySpan<byte> data = bytes.AsSpan(offset + headerLen);
        var values = new double[count];
        switch (descr)
        {
            case "<f4":
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(4 * i));
                break;
            case "<f8":
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(8 * i));
                break;
            case "<i8":
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(data.Slice(8 * i));
                break;
            case "<i4":
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(4 * i));
                break;
            case "|u1":
                for (int i = 0; i < count; i++) values[i] = data[i];
                break;
            default:
                throw new InvalidDataException($"{path}: dtype {descr} is not supported by the test reader");
        }
        return new NpyArray(path, descr, shape, values);
    }

    private static string Field(string header, string key, string path)
    {
        int k = header.IndexOf("'" + key + "'", StringComparison.Ordinal);
        if (k < 0) throw new InvalidDataException($"{path}: header has no '{key}': {header}");
        int colon = header.IndexOf(':', k);
        int start = colon + 1;
        while (header[start] == ' ') start++;
        int end;
        if (header[start] == '(') end = header.IndexOf(')', start) + 1;
        else
        {
            end = start;
            while (end < header.Length && header[end] != ',' && header[end] != '}') end++;
        }
        return header[start..end].Trim();
    }
}
