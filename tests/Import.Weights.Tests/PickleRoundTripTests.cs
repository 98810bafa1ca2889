using System.Numerics;
using Detserve.Graph;
using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Import.Weights.Tests;

/// <summary>Values written by the test-only pickle writer, in every protocol, read back equal (FsCheck).</summary>
public sealed class PickleRoundTripTests
{
    private static readonly DType[] DTypes = [DType.Float32, DType.Float16, DType.Float64, DType.Int64, DType.Int32, DType.UInt8, DType.Bool];

    private static Gen<HostTensor> TensorGen() =>
        from dtype in Gen.Elements(DTypes)
        from rank in Gen.Choose(0, 3)
        from shape in Gen.ArrayOf(Gen.Choose(0, 4), rank)
        from seed in Gen.Choose(0, int.MaxValue)
        select MakeTensor(dtype, shape, seed);

    private static HostTensor MakeTensor(DType dtype, int[] shape, int seed)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        var bytes = new byte[count * dtype.SizeBytes()];
        new Random(seed).NextBytes(bytes);
        if (dtype == DType.Bool) for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
        return new HostTensor(dtype, shape, bytes);
    }

    private static Gen<object?> ScalarGen() => Gen.OneOf(
        Gen.Constant<object?>(null),
        Gen.Elements<object?>(true, false),
        ArbMap.Default.GeneratorFor<long>().Select(l => (object?)l),
        Gen.Elements<object?>(0L, 255L, 256L, 65535L, 65536L, (long)int.MaxValue, (long)int.MinValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue, -1L),
        Gen.Elements<object?>(BigInteger.Pow(2, 64), -BigInteger.Pow(3, 50), BigInteger.Pow(7, 400)),
        ArbMap.Default.GeneratorFor<NormalFloat>().Select(f => (object?)f.Get),
        Gen.Elements<object?>(double.NaN, double.PositiveInfinity, -0.0, 1e-300),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s)).Select(s => (object?)s),
        Gen.Elements<object?>("", "π≈3.14", "tab\tnew\nline\\back", "emoji 🙂", "\0\u001a\r"),
        ArbMap.Default.GeneratorFor<byte[]>().Where(b => b is not null).Select(b => (object?)b),
        TensorGen().Select(t => (object?)t));

    private static Gen<object?> ValueGen(int depth)
    {
        if (depth == 0) return ScalarGen();
        Gen<object?> child = ValueGen(depth - 1);
        return Gen.Frequency(
            (4, ScalarGen()),
            (1, Gen.ListOf(child).Select(items => (object?)items.Take(6).ToArray())),
            (1, Gen.ListOf(child).Select(items => (object?)new List<object?>(items.Take(6)))),
            (1, Gen.ListOf(Gen.Zip(KeyGen(), child)).Zip(Gen.Elements(false, true)).Select(p => (object?)MakeDict(p.Item1.Take(6), p.Item2))));
    }

    private static Gen<object?> KeyGen() => Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s)).Select(s => (object?)s),
        ArbMap.Default.GeneratorFor<long>().Select(l => (object?)l),
        Gen.Elements<object?>(null, true, "model", ("a", 1L) is var (a, b) ? new object?[] { a, b } : null));

    private static PickleDict MakeDict(IEnumerable<(object? Key, object? Value)> items, bool ordered)
    {
        var dict = new PickleDict { IsOrderedDict = ordered };
        foreach (var (key, value) in items) dict.Set(key, value);
        return dict;
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return true;
        }
        return false;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void WrittenValues_ReadBackEqual(int protocol)
    {
        Check.One(Settings(150, protocol), Prop.ForAll(ValueGen(3).ToArbitrary(), value =>
        {
            byte[] pickle = TestPickleWriter.Write(value, protocol);
            PickleValueAssert.Equal(value, PickleReader.Read(pickle, $"proto{protocol}.pkl"));
        }));
    }

    [Theory]
    [InlineData(2, false, true)]
    [InlineData(2, true, false)]
    [InlineData(4, true, true)]
    [InlineData(0, true, true)]
    [InlineData(5, true, true)]
    [InlineData(5, true, false)]
    public void ArraysInFortranOrderOrBigEndian_ReadBackAsCContiguousLittleEndian(int protocol, bool fortran, bool bigEndian)
    {
        Check.One(Settings(100, protocol + 10), Prop.ForAll(TensorGen().ToArbitrary(), tensor =>
        {
            byte[] pickle = TestPickleWriter.Write(tensor, protocol, fortran, bigEndian, numpy2: protocol == 4);
            PickleValueAssert.Equal(tensor, PickleReader.Read(pickle, "layout.pkl"));
        }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Python2Pickle_ArrayDataAsLatin1Str_ReadsAsBytes(int protocol)
    {
        // Detectron1/Caffe2 .pkl files come from Python 2: array data is a str, read as latin-1 (encoding="latin1").
        Check.One(Settings(100, protocol + 20), Prop.ForAll(TensorGen().ToArbitrary(), tensor =>
        {
            var blobs = new PickleDict();
            blobs.Set("res2_0_branch2a_w", tensor);
            var top = new PickleDict();
            top.Set("blobs", blobs);
            byte[] pickle = TestPickleWriter.Write(top, protocol, python2: true);
            Assert.True(pickle.AsSpan().IndexOf((byte)'U') >= 0, "no BINSTRING written");
            PickleValueAssert.Equal(top, PickleReader.Read(pickle, "py2.pkl"));
        }));
    }

    [Fact]
    public void FortranArray_IsTransposedIntoCOrder()
    {
        // [[1, 2, 3], [4, 5, 6]] in Fortran order is stored 1, 4, 2, 5, 3, 6.
        var expected = HostTensor.FromFloat32([2, 3], [1f, 2f, 3f, 4f, 5f, 6f]);
        byte[] pickle = TestPickleWriter.Write(expected, 3, fortran: true);
        Assert.True(pickle.AsSpan().IndexOf([.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(4f), .. BitConverter.GetBytes(2f)]) > 0, "data not in Fortran order");
        var actual = Assert.IsType<HostTensor>(PickleReader.Read(pickle, "f.pkl"));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], actual.ToFloat32());
    }

    // Fixed seeds keep the test deterministic.
    private static FsCheck.Config Settings(int maxTest, int seed) =>
        FsCheck.Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithReplay(
            Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd((ulong)(1234 + seed), 0x9E3779B97F4A7C15UL), Microsoft.FSharp.Core.FSharpOption<int>.None)));
}
