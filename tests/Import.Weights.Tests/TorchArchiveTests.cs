using System.Buffers.Binary;
using System.Text;
using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>.pth files as torch.save writes them: read with strides honoured; hostile archives refused.</summary>
public sealed class TorchArchiveTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static HostTensor Range(int n) => HostTensor.FromFloat32([n], Enumerable.Range(0, n).Select(i => (float)i).ToArray());

    private static TestTorchZipWriter.TensorView Contiguous(string key, HostTensor storage, int[] size) =>
        new(key, storage, 0, size, StridedLayoutOf(size));

    private static long[] StridedLayoutOf(int[] size)
    {
        var strides = new long[size.Length];
        long step = 1;
        for (int d = size.Length - 1; d >= 0; d--) { strides[d] = step; step *= size[d]; }
        return strides;
    }

    private byte[] SampleArchive(bool bigEndian = false)
    {
        HostTensor shared = Range(12);
        var int64 = new HostTensor(DType.Int64, [3], [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        var half = new HostTensor(DType.Float16, [2], [0x00, 0x3c, 0x00, 0xc0]);
        return TestTorchZipWriter.WriteCheckpoint(
        [
            ("a.weight", Contiguous("0", shared, [3, 4])),
            // The transpose of the same storage: size [4, 3], stride [1, 4] (non-contiguous view, copied into C order).
            ("a.weight_t", new TestTorchZipWriter.TensorView("0", shared, 0, [4, 3], [1, 4])),
            // A slice with an offset: elements 5..7.
            ("a.slice", new TestTorchZipWriter.TensorView("0", shared, 5, [3], [1])),
            ("b.count", Contiguous("1", int64, [3])),
            ("c.half", Contiguous("2", half, [2])),
        ], bigEndian: bigEndian);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TorchCheckpoint_ReadsTensorsInOrder_WithStridesAndOffsetsHonoured(bool bigEndian)
    {
        string path = _dir.Write("model.pth", SampleArchive(bigEndian));

        WeightFile file = WeightReader.Load(path);

        Assert.Equal("pth", file.Format);
        Assert.Null(file.Author);
        Assert.False(file.MatchingHeuristics);
        Assert.Equal(["a.weight", "a.weight_t", "a.slice", "b.count", "c.half"], file.Tensors.Keys.ToList());
        Assert.Equal([3, 4], file.Tensors["a.weight"].Shape);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), file.Tensors["a.weight"].ToFloat32());
        Assert.Equal([0f, 4f, 8f, 1f, 5f, 9f, 2f, 6f, 10f, 3f, 7f, 11f], file.Tensors["a.weight_t"].ToFloat32());
        Assert.Equal([5f, 6f, 7f], file.Tensors["a.slice"].ToFloat32());
        Assert.Equal(DType.Int64, file.Tensors["b.count"].DType);
        Assert.Equal([1.0, 2.0, -1.0], file.Tensors["b.count"].ToFloat64());
        Assert.Equal([1f, -2f], file.Tensors["c.half"].ToFloat32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RebuildTensorV3_OverUntypedStorage_Reads(bool bigEndian)
    {
        HostTensor shared = Range(6);
        byte[] archive = TestTorchZipWriter.WriteCheckpoint(
            [("w", Contiguous("0", shared, [2, 3])), ("w_t", new TestTorchZipWriter.TensorView("0", shared, 0, [3, 2], [1, 3]))], bigEndian: bigEndian, v3DType: "float32");
        WeightFile file = WeightReader.Load(_dir.Write("v3.pth", archive));
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], file.Tensors["w"].ToFloat32());
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], file.Tensors["w_t"].ToFloat32());
    }

    [Fact]
    public void RebuildTensorV3_OfAnUnsupportedDType_IsRefusedNamingIt()
    {
        byte[] archive = TestTorchZipWriter.WriteCheckpoint([("w", Contiguous("0", Range(4), [4]))], v3DType: "float8_e4m3fn");
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("fp8.pth", archive)));
        Assert.Contains("torch.float8_e4m3fn is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BareStateDict_IsTheModel()
    {
        byte[] archive = TestTorchZipWriter.WriteCheckpoint([("w", Contiguous("0", Range(4), [2, 2]))], wrapInModel: false, archive: "model_final");
        WeightFile file = WeightReader.Load(_dir.Write("bare.pth", archive));
        Assert.Equal(["w"], file.Tensors.Keys.ToList());
    }

    [Fact]
    public void ViewBeyondItsStorage_IsRefused_NamingTheStorage()
    {
        byte[] archive = TestTorchZipWriter.WriteCheckpoint([("w", new TestTorchZipWriter.TensorView("0", Range(4), 2, [3], [1]))]);
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("oob.pth", archive)));
        Assert.Contains("storage '0'", e.Message, StringComparison.Ordinal);
        Assert.Contains("data.pkl: byte", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BroadcastViewAmplifyingItsStorage_IsRefusedBeforeAllocating()
    {
        // A stride-0 view of one float describing 16M elements (64 MB) from a file of a few hundred bytes.
        byte[] archive = TestTorchZipWriter.WriteCheckpoint([("w", new TestTorchZipWriter.TensorView("0", Range(1), 0, [4096, 4096], [0, 0]))]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("bomb.pth", archive)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "allocated the amplified tensor");
        Assert.Contains("MaxTotalBytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("archive/../../evil")]
    [InlineData("/etc/passwd")]
    [InlineData("archive\\..\\evil")]
    [InlineData("C:/evil")]
    public void ZipPathTraversal_IsRefused(string name)
    {
        byte[] good = SampleArchive();
        var entries = new List<(string, byte[])> { (name, "x"u8.ToArray()) };
        byte[] zip = TestTorchZipWriter.WriteZip([.. ReadEntries(good), .. entries]);
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("slip.pth", zip)));
        Assert.Contains("path traversal", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateEntryNames_AreRefused()
    {
        byte[] good = SampleArchive();
        var entries = ReadEntries(good);
        byte[] zip = TestTorchZipWriter.WriteZip([.. entries, entries[0]]);
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("dup.pth", zip)));
        Assert.Contains("duplicate entry 'archive/data.pkl'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryReachingBeyondTheFile_IsRefused()
    {
        byte[] zip = SampleArchive();
        PatchCentral(zip, 0, header => { BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(20), 0x7fff0000); BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(24), 0x7fff0000); });
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("beyond.pth", zip)));
        Assert.Contains("beyond", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeclaredSizesBeyondTheLimit_AreRefused_AsAZipBomb()
    {
        byte[] zip = SampleArchive();
        // A deflate entry that claims to inflate to 4 GB.
        PatchCentral(zip, 0, header => { BinaryPrimitives.WriteUInt16LittleEndian(header.Slice(10), 8); BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(24), 0xFFFFFFF0); });
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("bomb.pth", zip), new PickleLimits { MaxTotalBytes = 1L << 30 }));
        Assert.Contains("zip bomb", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeflatedEntryInflatingPastItsDeclaredSize_IsRefused()
    {
        // One deflate entry of 1 MB of zeros that declares 10 bytes.
        var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            deflate.Write(new byte[1 << 20]);
        byte[] zip = TestTorchZipWriter.WriteZip([("archive/data.pkl", compressed.ToArray())]);
        PatchCentral(zip, 0, header => { BinaryPrimitives.WriteUInt16LittleEndian(header.Slice(10), 8); BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(24), 10); });
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("bomb2.pth", zip)));
        Assert.Contains("more than its declared 10 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptedStorageBytes_FailTheCrc()
    {
        byte[] zip = SampleArchive();
        int at = zip.AsSpan().IndexOf("archive/data/0"u8) + "archive/data/0".Length;
        zip[at + 5] ^= 0xFF;
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("crc.pth", zip)));
        Assert.Contains("CRC-32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingStorageEntry_IsRefused()
    {
        var entries = ReadEntries(SampleArchive()).Where(e => e.Name != "archive/data/1").ToList();
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("missing.pth", TestTorchZipWriter.WriteZip(entries))));
        Assert.Contains("archive/data/1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LegacyTorchFile_IsRefused_WithAHint()
    {
        byte[] legacy = [0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.'];
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("old.pth", legacy)));
        Assert.Contains("legacy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TorchScriptArchive_IsRefused_WithAHint()
    {
        byte[] zip = TestTorchZipWriter.WriteZip([("m/constants.pkl", [0x80, 2, (byte)'N', (byte)'.']), ("m/code/m.py", "x"u8.ToArray())]);
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("script.pt", zip)));
        Assert.Contains("TorchScript", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyAndGarbageFiles_AreRefused()
    {
        Assert.Contains("empty", Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("empty.pth", []))).Message, StringComparison.Ordinal);
        Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("garbage.pth", Encoding.ASCII.GetBytes("PK but not really a zip"))));
        Assert.Throws<WeightFileException>(() => WeightReader.Load(_dir.Write("empty.pkl", [])));
        Assert.Contains("not found", Assert.Throws<WeightFileException>(() => WeightReader.Load(Path.Combine(_dir.Path, "nope.pth"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncation_OfAValidArchive_IsRefused()
    {
        byte[] full = SampleArchive();
        string path = Path.Combine(_dir.Path, "cut.pth");
        foreach (int n in TruncationPoints(full.Length))
        {
            File.WriteAllBytes(path, full[..n]);
            Assert.Throws<WeightFileException>(() => WeightReader.Load(path));
        }
    }

    /// <summary>The (name, data) entries of a stored zip written by TestTorchZipWriter, by walking its local headers.</summary>
    private static List<(string Name, byte[] Data)> ReadEntries(byte[] zip)
    {
        var entries = new List<(string, byte[])>();
        int at = 0;
        while (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) == 0x04034b50)
        {
            int size = BinaryPrimitives.ReadInt32LittleEndian(zip.AsSpan(at + 18));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 26));
            string name = Encoding.UTF8.GetString(zip, at + 30, nameLength);
            entries.Add((name, zip[(at + 30 + nameLength)..(at + 30 + nameLength + size)]));
            at += 30 + nameLength + size;
        }
        return entries;
    }

    private delegate void HeaderPatch(Span<byte> header);

    /// <summary>Applies <paramref name="patch"/> to central directory header number <paramref name="index"/>.</summary>
    private static void PatchCentral(byte[] zip, int index, HeaderPatch patch)
    {
        int directory = BinaryPrimitives.ReadInt32LittleEndian(zip.AsSpan(zip.Length - 22 + 16));
        int at = directory;
        for (int i = 0; i < index; i++)
            at += 46 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 30)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 32));
        patch(zip.AsSpan(at, 46));
    }

    /// <summary>
    /// Every cut in the first 64 and last 320 bytes (headers, central directory, end record) and every 7th in between:
    /// each cut is a file write, so all of them would cost seconds without reaching new code.
    /// </summary>
    private static IEnumerable<int> TruncationPoints(int length) =>
        Enumerable.Range(0, length).Where(n => n < 64 || n >= length - 320 || n % 7 == 0);
}
