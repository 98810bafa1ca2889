using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Import.Config.Tests;

/// <summary>FsCheck properties: override parsing, _BASE_ merging, float formatting and the YAML writer.</summary>
public sealed class PropertyTests
{
    [Fact]
    public void Overrides_WrittenAsPythonLiterals_ReadBackEqual()
    {
        Prop.ForAll(Gen.Zip(ConfigGenerators.Leaf(3), Gen.Choose(0, int.MaxValue)).ToArbitrary(), p =>
        {
            var (value, seed) = p;
            var text = PythonLiteralWriter.Write(value, new Random(seed));
            Assert.True(PythonLiteral.TryParse(text, out var parsed), $"not parsed: {text}");
            TreeComparer.AssertEqual(value, parsed, compareTupleness: true, $"literal {text}");

            // Through merge_from_list onto a key whose default is None (so any type is accepted).
            var cfg = ConfigLoader.ApplyOverrides(ConfigLoader.Defaults(), ["SOLVER.WEIGHT_DECAY_BIAS", text]);
            TreeComparer.AssertEqual(value, cfg.GetValue("SOLVER.WEIGHT_DECAY_BIAS"), compareTupleness: true, $"override {text}");
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Overrides_NotALiteral_StayTheString()
    {
        var word = Gen.Elements("res", "p", "ROI", "x_", "detectron2", "cuda").Zip(Gen.Choose(0, 999))
            .Select(p => $"{p.Item1}{p.Item2}/{p.Item1}.pkl");
        Prop.ForAll(word.ToArbitrary(), text =>
        {
            var cfg = ConfigLoader.ApplyOverrides(ConfigLoader.Defaults(), ["MODEL.WEIGHTS", text]);
            Assert.Equal(text, cfg.GetString("MODEL.WEIGHTS"));
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// fvcore's merge_a_into_b as a plain reference: the child's keys win; a child mapping recurses into a base mapping;
    /// a child mapping over a base leaf is "Cannot inherit"; everything else (lists included) is replaced whole.
    /// Null means the merge must fail.
    /// </summary>
    private static CfgNode? ReferenceMerge(CfgNode baseTree, CfgNode child)
    {
        var result = baseTree.Clone();
        foreach (var key in child.Keys)
        {
            var value = child.GetValue(key);
            var has = result.TryGetValue(key, out var existing);
            if (value is CfgNode childNode && has)
            {
                if (existing is not CfgNode existingNode)
                {
                    return null;
                }

                var merged = ReferenceMerge(existingNode, childNode);
                if (merged is null)
                {
                    return null;
                }

                result.Set(key, merged, origin: null);
            }
            else
            {
                result.Set(key, value is CfgNode n ? n.Clone() : value, origin: null);
            }
        }

        return result;
    }

    [Fact]
    public void BaseChain_OfAnyDepth_MergesAsFvcore()
    {
        var chain = Gen.Choose(1, 4).SelectMany(n => Gen.ListOf(ConfigGenerators.Tree(2), n).Select(l => l.ToArray()));
        Prop.ForAll(chain.ToArbitrary(), trees =>
        {
            using var dir = new TempConfigDir();
            string? previous = null;
            CfgNode? expected = new CfgNode();
            for (var i = 0; i < trees.Length; i++)
            {
                var body = trees[i].Count == 0 ? string.Empty : trees[i].ToYaml();
                var header = previous is null ? string.Empty : $"_BASE_: {(i % 2 == 0 ? string.Empty : "../")}{Path.GetRelativePath(dir.Root, previous)}\n";
                var text = header + body;
                previous = dir.Write(i % 2 == 0 ? $"f{i}.yaml" : $"sub{i}/f{i}.yaml", text.Length == 0 ? "{}\n" : text);
                expected = expected is null ? null : ReferenceMerge(expected, trees[i]);
            }

            if (expected is null)
            {
                var e = Assert.Throws<ConfigException>(() => BaseChainLoader.Load(previous!, YamlLimits.Default));
                Assert.Contains("Cannot inherit key", e.Message, StringComparison.Ordinal);
            }
            else
            {
                TreeComparer.AssertEqual(expected, BaseChainLoader.Load(previous!, YamlLimits.Default), compareTupleness: false, "chain");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void BaseMerge_ChildWins_UntouchedKeysKept_ListsReplacedWhole()
    {
        Prop.ForAll(Gen.Zip(ConfigGenerators.Tree(2), ConfigGenerators.Tree(2)).ToArbitrary(), p =>
        {
            var (baseTree, child) = p;
            var expected = ReferenceMerge(baseTree, child);
            if (expected is null)
            {
                return;
            }

            using var dir = new TempConfigDir();
            dir.Write("base.yaml", baseTree.Count == 0 ? "{}\n" : baseTree.ToYaml());
            var top = dir.Write("child.yaml", "_BASE_: base.yaml\n" + (child.Count == 0 ? string.Empty : child.ToYaml()));
            var merged = BaseChainLoader.Load(top, YamlLimits.Default);
            foreach (var key in child.Keys.Where(k => child.GetValue(k) is not CfgNode))
            {
                TreeComparer.AssertEqual(child.GetValue(key), merged.GetValue(key), compareTupleness: false, $"child wins at {key}");
            }

            foreach (var key in baseTree.Keys.Where(k => !child.Keys.Contains(k)))
            {
                TreeComparer.AssertEqual(baseTree.GetValue(key), merged.GetValue(key), compareTupleness: false, $"base kept at {key}");
            }

            TreeComparer.AssertEqual(expected, merged, compareTupleness: false, "whole");
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void FloatRepr_RoundTrips_AndResolvesAsAYamlFloat()
    {
        Prop.ForAll(ArbMap.Default.GeneratorFor<long>().Select(BitConverter.Int64BitsToDouble).Where(double.IsFinite).ToArbitrary(), d =>
        {
            var repr = PythonFloatFormat.Repr(d);
            Assert.Equal(d, double.Parse(repr, CultureInfo.InvariantCulture));
            var yaml = CfgYamlWriter.Scalar(d);
            Assert.Equal(PyYamlScalars.FloatTag, PyYamlScalars.ResolvePlain(yaml));
            Assert.Equal(d, PyYamlScalars.ConstructFloat(yaml));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void YamlWriter_AnyTree_ReadsBackEqual()
    {
        Prop.ForAll(ConfigGenerators.Tree(3).ToArbitrary(), tree =>
        {
            var back = YamlTreeReader.ReadText(tree.ToYaml(), "dump.yaml", YamlLimits.Default);
            TreeComparer.AssertEqual(tree, back, compareTupleness: false, tree.ToYaml());
        }).QuickCheckThrowOnFailure();
    }
}
