using System.Buffers.Binary;
using System.Text;
using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>Hostile and broken pickles end in a WeightFileException that says what and where, quickly and with bounded memory.</summary>
public sealed class HostilePickleTests
{
    private static byte[] SmallCheckpoint(int protocol)
    {
        var model = new PickleDict();
        model.Set("backbone.conv.weight", HostTensor.FromFloat32([2, 3], [1f, 2f, 3f, 4f, 5f, 6f]));
        model.Set("backbone.conv.bias", HostTensor.FromFloat32([2], [0.5f, -0.5f]));
        var top = new PickleDict();
        top.Set("model", model);
        top.Set("__author__", "test");
        top.Set("matching_heuristics", false);
        return TestPickleWriter.Write(top, protocol);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    public void EveryTruncation_OfAValidPickle_IsRefused(int protocol)
    {
        byte[] full = SmallCheckpoint(protocol);
        Assert.IsType<PickleDict>(PickleReader.Read(full, "full.pkl"));
        for (int n = 0; n < full.Length; n++)
        {
            var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(full.AsSpan(0, n), "cut.pkl"));
            Assert.StartsWith("cut.pkl: ", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EmptyFile_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read([], "empty.pkl"));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_IsRefused_NamingTheOpcodeOffset()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read("hello, world"u8, "text.pkl"));
        Assert.Contains("text.pkl: byte 0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cos\nsystem\n(S'echo pwned'\ntR.", "os.system")]
    [InlineData("cposix\nsystem\n(S'echo pwned'\ntR.", "posix.system")]
    [InlineData("cbuiltins\neval\n(S'1+1'\ntR.", "builtins.eval")]
    [InlineData("c__builtin__\neval\n(S'1+1'\ntR.", "__builtin__.eval")]
    [InlineData("csubprocess\nPopen\n(S'ls'\ntR.", "subprocess.Popen")]
    [InlineData("ctorch\nload\n(S'x'\ntR.", "torch.load")]
    public void DisallowedGlobal_IsRefused_NamingTheGlobalAndOffset(string pickle, string global)
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(Encoding.ASCII.GetBytes(pickle), "evil.pkl"));
        Assert.Contains($"'{global}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("evil.pkl: byte 0 (GLOBAL)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DisallowedStackGlobal_IsRefused()
    {
        // Protocol 4: STACK_GLOBAL('builtins', 'exec').
        byte[] pickle = [0x80, 4, 0x8c, 8, .. "builtins"u8, 0x8c, 4, .. "exec"u8, 0x93, 0x8c, 1, (byte)'1', 0x85, (byte)'R', (byte)'.'];
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(pickle, "evil.pkl"));
        Assert.Contains("'builtins.exec'", e.Message, StringComparison.Ordinal);
        Assert.Contains("STACK_GLOBAL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InstOfDisallowedClass_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read("(S'ls'\nios\nsystem\n."u8, "evil.pkl"));
        Assert.Contains("'os.system'", e.Message, StringComparison.Ordinal);
        Assert.Contains("(INST)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowlistedButNotCallable_IsRefused()
    {
        // numpy.ndarray may be named (as _reconstruct's argument) but never called.
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read("cnumpy\nndarray\n)R."u8, "odd.pkl"));
        Assert.Contains("numpy.ndarray cannot be called", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildOnAPlainDict_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read("}}b."u8, "odd.pkl"));
        Assert.Contains("(BUILD)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtensionRegistryAndOutOfBandBuffers_AreRefused()
    {
        Assert.Contains("EXT1", Assert.Throws<WeightFileException>(() => PickleReader.Read([0x80, 2, 0x82, 1, (byte)'.'], "x.pkl")).Message, StringComparison.Ordinal);
        Assert.Contains("NEXT_BUFFER", Assert.Throws<WeightFileException>(() => PickleReader.Read([0x80, 5, 0x97, (byte)'.'], "x.pkl")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PersistentId_OutsideATorchArchive_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read("S'0'\nQ."u8, "x.pkl"));
        Assert.Contains("BINPERSID", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedProtocol_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read([0x80, 6, (byte)'N', (byte)'.'], "x.pkl"));
        Assert.Contains("protocol 6", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedMarks_AreRefused()
    {
        byte[] pickle = Enumerable.Repeat((byte)'(', 100_000).ToArray();
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(pickle, "deep.pkl"));
        Assert.Contains("MaxDepth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedLists_AreRefused()
    {
        // 100k empty lists, each appended into the one below it: a list nested 100k deep.
        var bytes = new List<byte> { 0x80, 2 };
        bytes.AddRange(Enumerable.Repeat((byte)']', 100_000));
        bytes.AddRange(Enumerable.Repeat((byte)'a', 99_999));
        bytes.Add((byte)'.');
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(bytes.ToArray(), "deep.pkl"));
        Assert.Contains("MaxDepth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedTuples_AreRefused()
    {
        var bytes = new List<byte> { 0x80, 2, (byte)'N' };
        bytes.AddRange(Enumerable.Repeat((byte)0x85, 100_000));
        bytes.Add((byte)'.');
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(bytes.ToArray(), "deep.pkl"));
        Assert.Contains("MaxDepth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemoBomb_IsRefused_AtTheMemoLimit()
    {
        // NONE MEMOIZE POP repeated: every entry is a new memo slot.
        var bytes = new List<byte> { 0x80, 4 };
        for (int i = 0; i < 2_000; i++) bytes.AddRange([(byte)'N', 0x94, (byte)'0']);
        bytes.AddRange([(byte)'N', (byte)'.']);
        var limits = new PickleLimits { MaxMemoEntries = 1_000 };
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(bytes.ToArray(), "memo.pkl", limits));
        Assert.Contains("MaxMemoEntries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemoBomb_AtDefaultLimits_IsRefused()
    {
        var bytes = new byte[2 + 3 * 1_100_000 + 2];
        bytes[0] = 0x80;
        bytes[1] = 4;
        for (int i = 0; i < 1_100_000; i++)
        {
            bytes[2 + 3 * i] = (byte)'N';
            bytes[3 + 3 * i] = 0x94;
            bytes[4 + 3 * i] = (byte)'0';
        }
        bytes[^2] = (byte)'N';
        bytes[^1] = (byte)'.';
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(bytes, "memo.pkl"));
        Assert.Contains("MaxMemoEntries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeMemoIndex_NeedsNoAllocation()
    {
        // LONG_BINPUT 0xFFFFFFF0 then LONG_BINGET of it: a sparse memo, not a 4-billion-slot table.
        byte[] pickle = [(byte)'K', 7, (byte)'r', 0xF0, 0xFF, 0xFF, 0xFF, (byte)'0', (byte)'j', 0xF0, 0xFF, 0xFF, 0xFF, (byte)'.'];
        Assert.Equal(7L, PickleReader.Read(pickle, "sparse.pkl"));
    }

    [Fact]
    public void MissingMemoKey_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read("h\x05."u8, "x.pkl"));
        Assert.Contains("memo key 5", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x8e)] // BINBYTES8
    [InlineData(0x8d)] // BINUNICODE8
    [InlineData(0x96)] // BYTEARRAY8
    public void HugeDeclaredLength64_IsRefusedBeforeAllocating(byte opcode)
    {
        var pickle = new byte[12];
        pickle[0] = 0x80;
        pickle[1] = 5;
        pickle[2] = opcode;
        BinaryPrimitives.WriteUInt64LittleEndian(pickle.AsSpan(3), 1UL << 62);
        pickle[11] = (byte)'.';
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(pickle, "huge.pkl"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "allocated more than 1 MB");
        Assert.Contains("declares", e.Message, StringComparison.Ordinal);
        Assert.Contains("huge.pkl: byte 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((byte)'B')]
    [InlineData((byte)'X')]
    [InlineData((byte)'T')]
    [InlineData((byte)0x8b)]
    public void HugeDeclaredLength32_IsRefusedBeforeAllocating(byte opcode)
    {
        byte[] pickle = [0x80, 3, opcode, 0xFF, 0xFF, 0xFF, 0x7F, (byte)'.'];
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(pickle, "huge.pkl"));
        Assert.Contains("huge.pkl: byte 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArrayDeclaringHugeShape_IsRefusedBeforeAllocating()
    {
        var top = new PickleDict();
        top.Set("w", HostTensor.FromFloat32([2], [1f, 2f]));
        byte[] good = TestPickleWriter.Write(top, 2);
        // Patch the shape tuple (K 2 then TUPLE1) into a 2^31 x 2^31 array: BININT 0x7FFFFFFF twice.
        int at = IndexOf(good, [(byte)'K', 2, 0x85]);
        Assert.True(at > 0);
        byte[] evil = [.. good[..at], (byte)'J', 0xFF, 0xFF, 0xFF, 0x7F, (byte)'J', 0xFF, 0xFF, 0xFF, 0x7F, 0x86, .. good[(at + 3)..]];
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(evil, "shape.pkl"));
        Assert.Contains("MaxElementCount", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArrayWhoseDataDoesNotMatchItsShape_IsRefused()
    {
        var top = new PickleDict();
        top.Set("w", HostTensor.FromFloat32([3], [1f, 2f, 3f]));
        byte[] good = TestPickleWriter.Write(top, 3);
        int at = IndexOf(good, [(byte)'K', 3, 0x85]);
        byte[] evil = [.. good[..at], (byte)'K', 4, .. good[(at + 2)..]];
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(evil, "short.pkl"));
        Assert.Contains("needs 16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TotalBytesLimit_IsEnforced()
    {
        var top = new PickleDict();
        top.Set("w", HostTensor.FromFloat32([256], new float[256]));
        byte[] pickle = TestPickleWriter.Write(top, 4);
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(pickle, "big.pkl", new PickleLimits { MaxTotalBytes = 512 }));
        Assert.Contains("MaxTotalBytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StackFlood_IsRefused_AtTheStackLimit()
    {
        byte[] pickle = [.. Enumerable.Repeat((byte)'N', 5_000), (byte)'.'];
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(pickle, "flood.pkl", new PickleLimits { MaxStackItems = 1_000 }));
        Assert.Contains("MaxStackItems", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("V\\UFFFFFFFF\n.")]
    [InlineData("V\\U0011ffff\n.")]
    [InlineData("V\\u12\n.")]
    [InlineData("S'\\x4'\n.")]
    [InlineData("S'abc\n.")]
    public void MalformedTextEscapes_AreRefused(string pickle)
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read(Encoding.ASCII.GetBytes(pickle), "text.pkl"));
        Assert.StartsWith("text.pkl: byte 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnhashableDictKey_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => PickleReader.Read("}]Ns."u8, "x.pkl"));
        Assert.Contains("unhashable", e.Message, StringComparison.Ordinal);
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
