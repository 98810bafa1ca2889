using System.Buffers.Binary;

namespace Detserve.Import.Weights;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as zip stores it (APPNOTE.TXT 4.4.7), computed slicing-by-8
/// (eight 256-entry tables, eight bytes per step) so that checking a several-hundred-MB checkpoint costs little.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Tables = MakeTables();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<uint> t = Tables;
        uint crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            uint lo = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[(7 * 256) + (int)(lo & 0xFF)] ^ t[(6 * 256) + (int)((lo >> 8) & 0xFF)]
                ^ t[(5 * 256) + (int)((lo >> 16) & 0xFF)] ^ t[(4 * 256) + (int)(lo >> 24)]
                ^ t[(3 * 256) + (int)(hi & 0xFF)] ^ t[(2 * 256) + (int)((hi >> 8) & 0xFF)]
                ^ t[256 + (int)((hi >> 16) & 0xFF)] ^ t[(int)(hi >> 24)];
            data = data[8..];
        }
        foreach (byte b in data) crc = t[(int)((crc ^ b) & 0xFF)] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] MakeTables()
    {
        var tables = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            tables[n] = c;
        }
        // Table k advances a byte that is followed by k zero bytes.
        for (int k = 1; k < 8; k++)
            for (int n = 0; n < 256; n++)
            {
                uint previous = tables[((k - 1) * 256) + n];
                tables[(k * 256) + n] = tables[(int)(previous & 0xFF)] ^ (previous >> 8);
            }
        return tables;
    }
}
