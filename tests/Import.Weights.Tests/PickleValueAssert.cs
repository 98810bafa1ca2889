using System.Numerics;
using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>Deep equality of pickle values (PickleValues' model), with the path of the first difference.</summary>
internal static class PickleValueAssert
{
    public static void Equal(object? expected, object? actual) => Compare(expected, actual, "value");

    private static void Compare(object? expected, object? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected None, got {Describe(actual)}");
                return;
            case double e:
                {
                    Assert.True(actual is double, $"{path}: expected float, got {Describe(actual)}");
                    Assert.True(BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits((double)actual!) || (double.IsNaN(e) && double.IsNaN((double)actual!)), $"{path}: {e} != {actual}");
                    return;
                }
            case long or bool or string or BigInteger:
                Assert.True(Equals(expected, actual), $"{path}: expected {Describe(expected)}, got {Describe(actual)}");
                return;
            case byte[] e:
                Assert.True(actual is byte[] bytes && bytes.AsSpan().SequenceEqual(e), $"{path}: bytes differ");
                return;
            case object?[] e:
                {
                    var tuple = Assert.IsType<object?[]>(actual);
                    Assert.True(e.Length == tuple.Length, $"{path}: tuple length {tuple.Length} != {e.Length}");
                    for (int i = 0; i < e.Length; i++) Compare(e[i], tuple[i], $"{path}[{i}]");
                    return;
                }
            case List<object?> e:
                {
                    var list = Assert.IsType<List<object?>>(actual);
                    Assert.True(e.Count == list.Count, $"{path}: list length {list.Count} != {e.Count}");
                    for (int i = 0; i < e.Count; i++) Compare(e[i], list[i], $"{path}[{i}]");
                    return;
                }
            case Detserve.Import.Weights.PickleDict e:
                {
                    var dict = Assert.IsType<Detserve.Import.Weights.PickleDict>(actual);
                    Assert.True(e.Count == dict.Count, $"{path}: dict size {dict.Count} != {e.Count}");
                    for (int i = 0; i < e.Count; i++)
                    {
                        Compare(e.Keys[i], dict.Keys[i], $"{path}.key[{i}]");
                        Compare(e.Values[i], dict.Values[i], $"{path}[{Describe(e.Keys[i])}]");
                    }
                    return;
                }
            case HostTensor e:
                {
                    var tensor = Assert.IsType<HostTensor>(actual);
                    Assert.True(e.DType == tensor.DType, $"{path}: dtype {tensor.DType} != {e.DType}");
                    Assert.True(e.Shape.SequenceEqual(tensor.Shape), $"{path}: shape {tensor.ShapeText} != {e.ShapeText}");
                    Assert.True(e.Bytes.SequenceEqual(tensor.Bytes), $"{path}: tensor bytes differ");
                    return;
                }
            default:
                throw new InvalidOperationException($"{path}: cannot compare {expected.GetType()}");
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        _ => $"{value} ({value.GetType().Name})",
    };
}
