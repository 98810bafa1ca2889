using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>Seeded random and mutated inputs: the readers either read them or throw WeightFileException, nothing else.</summary>
public sealed class WeightFuzzTests
{
    private static readonly PickleLimits SmallLimits = new() { MaxTotalBytes = 1 << 24, MaxElementCount = 1 << 20, MaxMemoEntries = 10_000, MaxStackItems = 10_000 };

    private static void ReadOrRefuse(byte[] data)
    {
        try
        {
            PickleReader.Read(data, "fuzz.pkl", SmallLimits);
        }
        catch (WeightFileException)
        {
            // The one documented failure.
        }
    }

    [Fact]
    public void RandomBytes_OnlyWeightFileExceptionEscapes()
    {
        var random = new Random(20240601);
        for (int i = 0; i < 5_000; i++)
        {
            var data = new byte[random.Next(0, 64)];
            random.NextBytes(data);
            ReadOrRefuse(data);
        }
    }

    [Fact]
    public void RandomOpcodeStreams_OnlyWeightFileExceptionEscapes()
    {
        // Bytes drawn from the opcode alphabet reach much deeper into the machine than uniform noise.
        byte[] alphabet = "()0125FIJKLMNPQRSTUVXabcdeghijlopqrstu}]G.BC"u8.ToArray().Concat(Enumerable.Range(0x80, 0x19).Select(b => (byte)b)).ToArray();
        var random = new Random(7);
        for (int i = 0; i < 5_000; i++)
        {
            var data = new byte[random.Next(1, 48)];
            for (int k = 0; k < data.Length; k++) data[k] = random.Next(3) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            ReadOrRefuse(data);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void MutatedValidPickles_OnlyWeightFileExceptionEscapes(int protocol)
    {
        var model = new PickleDict();
        model.Set("conv.weight", HostTensor.FromFloat32([2, 2], [1f, 2f, 3f, 4f]));
        model.Set("conv.bias", HostTensor.FromFloat32([2], [5f, 6f]));
        model.Set("steps", new List<object?> { 1L, 2.5, "x", new object?[] { null, true } });
        var top = new PickleDict();
        top.Set("model", model);
        top.Set("__author__", "fuzz");
        byte[] valid = TestPickleWriter.Write(top, protocol);
        var random = new Random(1000 + protocol);
        for (int i = 0; i < 3_000; i++)
        {
            byte[] data = (byte[])valid.Clone();
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations; m++)
            {
                switch (random.Next(3))
                {
                    case 0: data[random.Next(data.Length)] = (byte)random.Next(256); break;
                    case 1: data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8)); break;
                    default:
                        int at = random.Next(data.Length);
                        data = [.. data[..at], .. data[Math.Min(data.Length, at + random.Next(1, 8))..]];
                        if (data.Length == 0) data = [0];
                        break;
                }
            }
            ReadOrRefuse(data);
        }
    }

    private static byte[] SampleArchive(string? v3 = null)
    {
        var storage = HostTensor.FromFloat32([6], [0f, 1f, 2f, 3f, 4f, 5f]);
        return TestTorchZipWriter.WriteCheckpoint(
        [
            ("a", new TestTorchZipWriter.TensorView("0", storage, 0, [2, 3], [3, 1])),
            ("b", new TestTorchZipWriter.TensorView("0", storage, 1, [3, 2], [1, 3])),
        ], v3DType: v3);
    }

    private static void LoadOrRefuse(string path)
    {
        try
        {
            WeightReader.Load(path, SmallLimits);
        }
        catch (WeightFileException)
        {
            // The one documented failure.
        }
    }

    [Fact]
    public void MutatedTorchArchives_OnlyWeightFileExceptionEscapes()
    {
        byte[] valid = SampleArchive();
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "fuzz.pth");
        var random = new Random(99);
        for (int i = 0; i < 400; i++)
        {
            byte[] data = (byte[])valid.Clone();
            // Bias mutations towards the central directory and end record, where the structure lives.
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                int at = random.Next(2) == 0 ? random.Next(data.Length) : data.Length - 1 - random.Next(Math.Min(200, data.Length));
                data[at] = (byte)random.Next(256);
            }
            File.WriteAllBytes(path, data);
            LoadOrRefuse(path);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("float32")]
    public void MutatedDataPklWithValidCrc_OnlyWeightFileExceptionEscapes(string? v3)
    {
        // Re-zipping after mutating data.pkl keeps the CRC right, so the pickle machine and persistent_load see the damage.
        byte[] valid = SampleArchive(v3);
        List<(string Name, byte[] Data)> entries = TorchZipEntries(valid);
        int pickleIndex = entries.FindIndex(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "fuzz.pth");
        var random = new Random(7 + (v3?.Length ?? 0));
        for (int i = 0; i < 400; i++)
        {
            byte[] pickle = (byte[])entries[pickleIndex].Data.Clone();
            for (int m = random.Next(1, 3); m > 0; m--) pickle[random.Next(pickle.Length)] = (byte)random.Next(256);
            var mutated = entries.ToList();
            mutated[pickleIndex] = (entries[pickleIndex].Name, pickle);
            File.WriteAllBytes(path, TestTorchZipWriter.WriteZip(mutated));
            LoadOrRefuse(path);
        }
    }

    private static List<(string Name, byte[] Data)> TorchZipEntries(byte[] zip)
    {
        var entries = new List<(string, byte[])>();
        int at = 0;
        while (System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) == 0x04034b50)
        {
            int size = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(zip.AsSpan(at + 18));
            int nameLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 26));
            string name = System.Text.Encoding.UTF8.GetString(zip, at + 30, nameLength);
            entries.Add((name, zip[(at + 30 + nameLength)..(at + 30 + nameLength + size)]));
            at += 30 + nameLength + size;
        }
        return entries;
    }
}
