namespace Detserve.Import.Config.Tests;

/// <summary>
/// Acceptance: every <c>cfg.dump()</c> that Detectron2 wrote in ../shared/golden/config-dumps equals, as a tree,
/// <see cref="ConfigLoader.LoadFile(string, IReadOnlyList{string}?)"/> of the same zoo config; and every zoo config resolves.
/// </summary>
public sealed class GoldenConfigTests
{
    public static TheoryData<string> Dumps()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(GoldenPaths.ConfigDumps, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(GoldenPaths.ConfigDumps, file));
        }

        return data;
    }

    public static TheoryData<string> ZooConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(GoldenPaths.ZooConfigs, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(GoldenPaths.ZooConfigs, file));
        }

        return data;
    }

    /// <summary>The folder holds 62 files: 61 YAML dumps and failures.txt, which is empty (Detectron2 merged every config).</summary>
    [Fact]
    public void GoldenFolders_HoldTheExpectedCounts()
    {
        Assert.Equal(61, Dumps().Count);
        Assert.Equal(92, ZooConfigs().Count);
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(GoldenPaths.ConfigDumps, "failures.txt")).Trim());
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void LoadFile_ZooConfig_EqualsDetectron2Dump(string relativePath)
    {
        var resolved = ConfigLoader.LoadFile(Path.Combine(GoldenPaths.ZooConfigs, relativePath));
        var dump = YamlTreeReader.ReadFile(Path.Combine(GoldenPaths.ConfigDumps, relativePath), YamlLimits.Default);
        TreeComparer.AssertEqual(dump, resolved, compareTupleness: false, relativePath);
    }

    [Theory]
    [MemberData(nameof(ZooConfigs))]
    public void LoadFile_EveryZooConfig_Resolves(string relativePath)
    {
        var cfg = ConfigLoader.LoadFile(Path.Combine(GoldenPaths.ZooConfigs, relativePath));
        Assert.Equal(2L, cfg.GetLong("VERSION"));
        Assert.Equal(ConfigLoader.Defaults().Keys.Order(StringComparer.Ordinal), cfg.Keys.Order(StringComparer.Ordinal));
    }
}
