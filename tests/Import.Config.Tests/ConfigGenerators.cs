using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Import.Config.Tests;

/// <summary>FsCheck generators of config leaves and trees.</summary>
internal static class ConfigGenerators
{
    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }

    public static Gen<object?> Scalar() => Gen.OneOf(
        Gen.Constant<object?>(null),
        Gen.Elements<object?>(true, false),
        ArbMap.Default.GeneratorFor<long>().Select(l => (object?)l),
        Gen.Elements<object?>(0L, -1L, 800L, long.MaxValue, long.MinValue, 1333L),
        ArbMap.Default.GeneratorFor<NormalFloat>().Select(f => (object?)f.Get),
        Gen.Elements<object?>(0.0, -0.0, 1e-4, 0.001, 103.53, 1e16, 5e-324, double.MaxValue, 0.1 + 0.2),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s)).Select(s => (object?)s),
        Gen.Elements<object?>("", "yes", "800", "1e-4", "~", "null", "res4", "a: b", "#c", "é 🙂", "it's \"q\"", "tab\t\\n"));

    /// <summary>A leaf: a scalar, or a list/tuple of leaves nested up to <paramref name="depth"/> levels.</summary>
    public static Gen<object?> Leaf(int depth) => depth == 0
        ? Scalar()
        : Gen.Frequency(
            (3, Scalar()),
            (1, Gen.ListOf(Leaf(depth - 1)).Zip(Gen.Elements(false, true)).Select(p => (object?)new CfgList(p.Item1.Take(5), p.Item2))));

    /// <summary>A tree over a small key alphabet, so that random trees share keys and merges collide.</summary>
    public static Gen<CfgNode> Tree(int depth) =>
        Gen.ListOf(Gen.Zip(Gen.Elements("A", "B", "C", "D"), depth == 0 ? Leaf(1) : Gen.Frequency((2, Leaf(1)), (1, Tree(depth - 1).Select(t => (object?)t)))))
            .Select(pairs =>
            {
                var node = new CfgNode();
                foreach (var (key, value) in pairs.Take(5))
                {
                    node.Set(key, value is CfgNode child ? child.Clone() : value, origin: null);
                }

                return node;
            });
}
