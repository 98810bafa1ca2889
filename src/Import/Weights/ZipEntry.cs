namespace Detserve.Import.Weights;

/// <summary>One checked entry of a zip archive: where its data lies and how it is stored.</summary>
/// <param name="Name">Entry name as stored (forward slashes, relative).</param>
/// <param name="Method">Compression method: 0 stored (what torch.save writes), 8 deflate.</param>
/// <param name="Crc32">CRC-32 of the uncompressed data.</param>
/// <param name="CompressedSize">Bytes of data in the file.</param>
/// <param name="UncompressedSize">Bytes after decompression.</param>
/// <param name="LocalHeaderOffset">Offset of the local file header.</param>
/// <param name="DataOffset">Offset of the entry's data (after the local header, name and extra field).</param>
internal sealed record ZipEntry(
    string Name,
    int Method,
    uint Crc32,
    long CompressedSize,
    long UncompressedSize,
    long LocalHeaderOffset,
    long DataOffset);
