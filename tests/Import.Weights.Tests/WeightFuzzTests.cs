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
}
