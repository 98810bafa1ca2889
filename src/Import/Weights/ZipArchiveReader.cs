using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Detserve.Import.Weights;

/// <summary>
/// A hardened reader of the zip archives torch.save writes (caffe2/serialize/inline_container.cc, APPNOTE.TXT):
/// the central directory is read from the end-of-central-directory record (zip64 too), and every entry is checked
/// before any data is read: names (no absolute paths, no "..", no backslashes, no duplicates), local headers that
/// agree with the directory, data inside the file and before the directory, no overlapping entries, declared sizes
/// within <see cref="PickleLimits.MaxTotalBytes"/>, stored (0) or deflate (8) only, CRC-32 checked on read.
/// Owns the open file handle; dispose it.
/// </summary>
internal sealed class ZipArchiveReader : IDisposable
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint EndOfCentralDirectorySignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const int EndOfCentralDirectorySize = 22;

    private readonly SafeFileHandle _handle;
    private readonly string _path;
    private readonly long _fileLength;
    private readonly Dictionary<string, ZipEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<ZipEntry> _ordered = [];

    private ZipArchiveReader(SafeFileHandle handle, string path, long fileLength)
    {
        _handle = handle;
        _path = path;
        _fileLength = fileLength;
    }

    /// <summary>Length of the archive file in bytes.</summary>
    public long FileLength => _fileLength;

    /// <summary>Entries in central-directory order.</summary>
    public IReadOnlyList<ZipEntry> Entries => _ordered;

    /// <summary>Opens and checks the archive at <paramref name="path"/>.</summary>
    /// <exception cref="WeightFileException">the file is not a well-formed zip archive within the limits.</exception>
    public static ZipArchiveReader Open(string path, PickleLimits limits)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var reader = new ZipArchiveReader(handle, path, RandomAccess.GetLength(handle));
        try
        {
            reader.ReadDirectory(limits);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public ZipEntry? Find(string name) => _entries.GetValueOrDefault(name);

    /// <summary>Reads and decompresses an entry, checking its size and CRC.</summary>
    public byte[] ReadEntry(ZipEntry entry)
    {
        if (entry.UncompressedSize > Array.MaxLength)
            throw Fail($"entry '{entry.Name}' is {entry.UncompressedSize} bytes, more than one array can hold");
        byte[] compressed = ReadAt(entry.DataOffset, (int)entry.CompressedSize, $"entry '{entry.Name}'");
        byte[] data;
        if (entry.Method == 0)
        {
            data = compressed;
        }
        else
        {
            data = new byte[entry.UncompressedSize];
            using var input = new MemoryStream(compressed, writable: false);
            using var inflater = new DeflateStream(input, CompressionMode.Decompress);
            int filled = 0;
            try
            {
                while (filled < data.Length)
                {
                    int n = inflater.Read(data, filled, data.Length - filled);
                    if (n == 0) break;
                    filled += n;
                }
                // Output beyond the declared size is a zip bomb or a lie: refuse without inflating it.
                if (inflater.ReadByte() >= 0) throw Fail($"entry '{entry.Name}' inflates to more than its declared {entry.UncompressedSize} bytes");
            }
            catch (InvalidDataException e)
            {
                throw Fail($"entry '{entry.Name}' has corrupt deflate data: {e.Message}");
            }
            if (filled != data.Length) throw Fail($"entry '{entry.Name}' inflates to {filled} bytes, not the declared {entry.UncompressedSize}");
        }
        uint crc = Crc32.Compute(data);
        if (crc != entry.Crc32) throw Fail($"entry '{entry.Name}' fails its CRC-32 check (0x{crc:x8} != 0x{entry.Crc32:x8}): corrupt file");
        return data;
    }

    public void Dispose() => _handle.Dispose();

    private void ReadDirectory(PickleLimits limits)
    {
        if (_fileLength < EndOfCentralDirectorySize) throw Fail($"{_fileLength} bytes is too short for a zip archive");
        // The end record sits in the last 22 + 65535 (max comment) bytes; search backwards for its signature.
        int tailLength = (int)Math.Min(_fileLength, EndOfCentralDirectorySize + 0xFFFF);
        byte[] tail = ReadAt(_fileLength - tailLength, tailLength, "end of central directory");
        int eocd = -1;
        for (int i = tailLength - EndOfCentralDirectorySize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndOfCentralDirectorySignature &&
                i + EndOfCentralDirectorySize + BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20)) <= tailLength)
            {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) throw Fail("no end-of-central-directory record (not a zip archive, or truncated)");
        long eocdOffset = _fileLength - tailLength + eocd;
        ReadOnlySpan<byte> e = tail.AsSpan(eocd, EndOfCentralDirectorySize);
        if (BinaryPrimitives.ReadUInt16LittleEndian(e[4..]) != 0 || BinaryPrimitives.ReadUInt16LittleEndian(e[6..]) != 0)
            throw Fail("multi-disk zip archives are not supported");
        long count = BinaryPrimitives.ReadUInt16LittleEndian(e[10..]);
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
        long directoryEnd = eocdOffset;

        if (count == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF)
        {
            // Zip64: a locator right before the end record points at the zip64 end record (APPNOTE 4.3.14-4.3.15).
            if (eocdOffset < 20) throw Fail("zip64 archive without a zip64 locator");
            byte[] locator = ReadAt(eocdOffset - 20, 20, "zip64 locator");
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature) throw Fail("zip64 archive without a zip64 locator");
            long recordOffset = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8)), long.MaxValue);
            if (recordOffset > eocdOffset - 20 - 56) throw Fail($"zip64 end record offset {recordOffset} is outside the file");
            byte[] record = ReadAt(recordOffset, 56, "zip64 end record");
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature) throw Fail("bad zip64 end record signature");
            count = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
            directorySize = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)), long.MaxValue);
            directoryOffset = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48)), long.MaxValue);
            directoryEnd = recordOffset;
        }
        if (count > limits.MaxZipEntries) throw Fail($"{count} entries, more than {limits.MaxZipEntries} (PickleLimits.MaxZipEntries)");
        if (directoryOffset > directoryEnd || directorySize > directoryEnd - directoryOffset)
            throw Fail($"central directory ({directorySize} bytes at {directoryOffset}) lies outside the file");
        if (count * 46 > directorySize) throw Fail($"central directory of {directorySize} bytes cannot hold {count} entries");
        if (directorySize > Array.MaxLength) throw Fail("central directory too large");
        byte[] directory = ReadAt(directoryOffset, (int)directorySize, "central directory");

        long declaredTotal = 0;
        int at = 0;
        for (long n = 0; n < count; n++)
        {
            if (directory.Length - at < 46 || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) != CentralHeaderSignature)
                throw Fail($"central directory entry {n} at offset {directoryOffset + at} is corrupt");
            ReadOnlySpan<byte> h = directory.AsSpan(at, 46);
            int flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            int method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            if (directory.Length - at - 46 < nameLength + extraLength + commentLength)
                throw Fail($"central directory entry {n} runs past the directory");
            string name = DecodeName(directory.AsSpan(at + 46, nameLength), n);
            ReadOnlySpan<byte> extra = directory.AsSpan(at + 46 + nameLength, extraLength);
            ApplyZip64Extra(extra, ref uncompressed, ref compressed, ref localOffset, name);
            at += 46 + nameLength + extraLength + commentLength;

            CheckName(name);
            if ((flags & 1) != 0) throw Fail($"entry '{name}' is encrypted");
            if (method is not (0 or 8)) throw Fail($"entry '{name}' uses compression method {method} (only stored and deflate are read)");
            if (method == 0 && compressed != uncompressed)
                throw Fail($"stored entry '{name}' declares {compressed} bytes stored but {uncompressed} uncompressed");
            if (_entries.ContainsKey(name)) throw Fail($"duplicate entry '{name}'");
            declaredTotal += uncompressed;
            if (uncompressed < 0 || declaredTotal > limits.MaxTotalBytes)
                throw Fail($"entries declare more than {limits.MaxTotalBytes} bytes in total (PickleLimits.MaxTotalBytes; zip bomb?)");

            var entry = new ZipEntry(name, method, crc, compressed, uncompressed, localOffset, DataOffset(name, localOffset, directoryOffset));
            if (entry.CompressedSize > directoryOffset - entry.DataOffset)
                throw Fail($"entry '{name}' ({compressed} bytes at {entry.DataOffset}) reaches beyond the file's data area");
            _entries.Add(name, entry);
            _ordered.Add(entry);
        }

        // Overlapping entries (several names over the same bytes) are how zip bombs amplify; refuse them.
        ZipEntry? previous = null;
        foreach (ZipEntry entry in _ordered.OrderBy(x => x.LocalHeaderOffset))
        {
            if (previous is not null && entry.LocalHeaderOffset < previous.DataOffset + previous.CompressedSize)
                throw Fail($"entries '{previous.Name}' and '{entry.Name}' overlap");
            previous = entry;
        }
    }

    private long DataOffset(string name, long localOffset, long directoryOffset)
    {
        if (localOffset > directoryOffset - 30) throw Fail($"entry '{name}' local header offset {localOffset} is outside the data area");
        byte[] local = ReadAt(localOffset, 30, $"local header of '{name}'");
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalHeaderSignature)
            throw Fail($"entry '{name}' has no local header at offset {localOffset}");
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26));
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
        if (localOffset + 30 + nameLength + extraLength > directoryOffset)
            throw Fail($"entry '{name}' local header runs into the central directory");
        byte[] localName = ReadAt(localOffset + 30, nameLength, $"local header of '{name}'");
        if (!localName.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(name)))
            throw Fail($"entry '{name}' local header names '{Encoding.UTF8.GetString(localName)}' instead");
        return localOffset + 30 + nameLength + extraLength;
    }

    private void ApplyZip64Extra(ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long localOffset, string name)
    {
        while (extra.Length >= 4)
        {
            int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (size > extra.Length - 4) throw Fail($"entry '{name}' has a corrupt extra field");
            ReadOnlySpan<byte> body = extra.Slice(4, size);
            if (id == 1)
            {
                // Zip64 extended information: only the fields that are 0xFFFFFFFF in the header, in this order (APPNOTE 4.5.3).
                int p = 0;
                if (uncompressed == 0xFFFFFFFF) uncompressed = ReadZip64(body, ref p, name);
                if (compressed == 0xFFFFFFFF) compressed = ReadZip64(body, ref p, name);
                if (localOffset == 0xFFFFFFFF) localOffset = ReadZip64(body, ref p, name);
            }
            extra = extra[(4 + size)..];
        }
    }

    private long ReadZip64(ReadOnlySpan<byte> body, ref int p, string name)
    {
        if (body.Length - p < 8) throw Fail($"entry '{name}' has a short zip64 extra field");
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(body[p..]);
        p += 8;
        if (value > long.MaxValue) throw Fail($"entry '{name}' declares an impossible size or offset {value}");
        return (long)value;
    }

    private string DecodeName(ReadOnlySpan<byte> bytes, long index)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail($"central directory entry {index} has a name that is not UTF-8");
        }
    }

    /// <summary>Refuses names that could escape a folder if extracted (zip slip), even though Detserve never extracts.</summary>
    private void CheckName(string name)
    {
        bool bad = name.Length == 0 || name[0] == '/' || name.Contains('\\') || name.Contains(':') || name.Any(char.IsControl)
            || name.Split('/').Any(part => part == "..");
        if (bad) throw Fail($"entry name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' is absolute or escapes the archive (path traversal)");
    }

    private byte[] ReadAt(long offset, int count, string what)
    {
        if (offset < 0 || count < 0 || offset > _fileLength - count)
            throw Fail($"{what} ({count} bytes at offset {offset}) lies beyond the end of the {_fileLength}-byte file");
        var buffer = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            int n = RandomAccess.Read(_handle, buffer.AsSpan(filled), offset + filled);
            if (n == 0) throw Fail($"{what}: file ended early at offset {offset + filled}");
            filled += n;
        }
        return buffer;
    }

    private WeightFileException Fail(string message) => new($"{_path}: zip archive: {message}");
}
