using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Detserve.Graph;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime.Engine;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve inspect: the resolved config (--dump-config), or the architecture it describes, its parameter count and
/// the check of a weight file against it; or, with --engine, an engine's build metadata, graphs and architecture.
/// Exit code 1 when the weights do not fit the architecture.
/// </summary>
public static class InspectCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    public static Command Create()
    {
        var model = new ModelOptions();
        var dump = new Option<bool>("--dump-config") { Description = "print the resolved config as YAML (Detectron2's cfg.dump())" };
        var json = new Option<bool>("--json") { Description = "print the summary as JSON" };
        var command = new Command("inspect", "show the architecture a config resolves to and check weights against it");
        model.AddTo(command, withRuntime: false);
        command.Add(dump);
        command.Add(json);
        command.SetAction(parse =>
        {
            IReadOnlyList<string> opts = parse.GetValue(model.Overrides) ?? [];
            if (parse.GetValue(model.Engine) is { } engine) return InspectEngine(engine.FullName, opts, parse.GetValue(dump), parse.GetValue(json));
            string config = parse.GetValue(model.Config)!.FullName;
            string? weights = parse.GetValue(model.Weights)?.FullName;
            if (parse.GetValue(dump))
            {
                Console.Write(ConfigLoader.LoadFile(config, opts).ToYaml());
                return 0;
            }
            ModelSummary summary = ModelSummary.Inspect(config, weights, opts);
            Console.Write(parse.GetValue(json) ? JsonSerializer.Serialize(summary, Json) + "\n" : Render(summary));
            return summary.CheckFailed ? 1 : 0;
        });
        return command;
    }

    /// <summary>
    /// inspect --engine: the engine's metadata (format, build, provenance, graphs) and the architecture of its embedded config;
    /// --dump-config prints that config with the overrides applied. The tensors are read and checked against their SHA-256.
    /// </summary>
    private static int InspectEngine(string path, IReadOnlyList<string> opts, bool dump, bool json)
    {
        LoadedEngine engine = EngineFile.Load(path, opts);
        if (dump)
        {
            Console.Write(engine.Config.ToYaml());
            return 0;
        }
        ModelSummary summary = ModelSummary.Create(engine.Config, engine.Model.Architecture, null, path);
        var graphs = new SortedDictionary<string, IReadOnlyDictionary<string, int>>(StringComparer.Ordinal);
        foreach ((string name, NetworkGraph? g) in new[] { ("dense", engine.Model.Dense), ("box_head", engine.Model.BoxHead), ("mask_head", engine.Model.MaskHead) })
            if (g is not null) graphs[name] = g.CountByOp().ToDictionary(kv => kv.Key.ToString(), kv => kv.Value);
        if (json)
        {
            Console.Write(JsonSerializer.Serialize(new { engine = engine.Info, graphs, summary }, Json) + "\n");
            return 0;
        }
        var c = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        EngineInfo i = engine.Info;
        b.AppendLine(c, $"engine    {i.Path}: format {i.FormatVersion}, written by Detserve {i.DetserveVersion} at {i.CreatedUtc}");
        b.AppendLine(c, $"build     {i.Precision}, max batch {i.MaxBatch}{(i.ShapeBuckets is null ? "" : $", shape buckets {i.ShapeBuckets}")}, {i.TensorCount} tensors ({i.TensorBytes / 1e6:F1} MB, SHA-256 checked)");
        b.AppendLine(c, $"source    config {i.Source.Config}");
        b.AppendLine(c, $"          weights {i.Source.Weights}{(i.Source.WeightsSha256 is null ? "" : $" (sha256 {i.Source.WeightsSha256})")}");
        if (i.Source.Overrides.Count > 0) b.AppendLine(c, $"          overrides {string.Join(' ', i.Source.Overrides)}");
        foreach ((string name, IReadOnlyDictionary<string, int> counts) in graphs)
            b.AppendLine(c, $"graph     {name}: {counts.Values.Sum()} nodes ({string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))})");
        b.Append(Render(summary, "weights   compiled into the engine (FrozenBN folded, conv + bias + residual + ReLU fused)"));
        Console.Write(b.ToString());
        return 0;
    }

    /// <summary>The one-screen text form; <paramref name="noWeightsLine"/> replaces the hint printed when no weights were checked.</summary>
    public static string Render(ModelSummary s, string noWeightsLine = "weights   not given (pass --weights to check a file)")
    {
        var c = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.AppendLine(c, $"{s.Model} ({s.MetaArchitecture}), {s.NumClasses} classes    config: {s.ConfigPath}");
        var i = s.Input;
        b.AppendLine(c, $"input     {i.Format}, resize shortest edge {i.MinSizeTest} (max {i.MaxSizeTest}), mean [{Join(i.PixelMean)}], std [{Join(i.PixelStd)}], pad to {i.SizeDivisibility}");
        var bb = s.Backbone;
        b.AppendLine(c, $"backbone  {bb.Name} {bb.Block}, norm {bb.Norm}, stride_in_1x1 {bb.StrideInOneByOne}, groups {bb.NumGroups} x {bb.WidthPerGroup}, stem {bb.StemOutChannels}");
        foreach (var st in bb.Stages)
            b.AppendLine(c, $"          {st.Name}: {st.Blocks} blocks, width {st.BottleneckChannels} -> {st.OutChannels}, stride {st.Stride}");
        b.AppendLine(c, $"fpn       {string.Join(", ", s.Fpn.InFeatures)} -> {s.Fpn.OutChannels} channels, fuse {s.Fpn.FuseType}, top block {s.Fpn.TopBlock}");
        foreach (var l in s.Fpn.Levels)
            b.AppendLine(c, $"          {l.Name} (stride {l.Stride}): {l.Source}");
        var a = s.Anchors;
        b.AppendLine(c, $"anchors   {a.AnchorsPerCell} per cell on {string.Join(", ", a.Features)}; sizes {string.Join(" ", a.Sizes.Select(z => "[" + Join(z) + "]"))}; ratios [{Join(a.AspectRatios[0])}]; offset {a.Offset.ToString(c)}");
        foreach (var h in s.Heads)
        {
            b.AppendLine(c, $"head      {h.Name}: {h.Type} on {string.Join(", ", h.InFeatures)} ({h.ParameterCount:N0} parameters)");
            foreach (string layer in h.Layers) b.AppendLine(c, $"            {layer}");
            if (h.Settings.Count > 0)
                b.AppendLine(c, $"            {string.Join(", ", h.Settings.Select(kv => $"{kv.Key} {kv.Value}"))}");
        }
        b.AppendLine(c, $"params    {s.ParameterCount:N0} values in {s.ParameterTensorCount} tensors");
        if (s.Weights is not { } w)
        {
            b.AppendLine(noWeightsLine);
            return b.ToString();
        }
        b.AppendLine(c, $"weights   {w.Path} ({w.Format}{(w.Author is null ? "" : $", __author__ {w.Author}")}): {w.TensorCount} tensors, {w.ValueCount:N0} values: {w.Status.ToUpperInvariant()}");
        foreach (var m in w.Missing)
            b.AppendLine(c, $"  missing     {m.Name} {m.ShapeText} (implied by {m.ImpliedBy})");
        foreach (var m in w.Mismatched)
            b.AppendLine(c, $"  mismatched  {m.Name} is [{string.Join(", ", m.Actual)}] but {m.ImpliedBy}{(m.ConfigValue is null ? "" : "=" + m.ConfigValue)} needs [{string.Join(", ", m.Expected)}]");
        foreach (string u in w.Unexpected)
            b.AppendLine(c, $"  unexpected  {u} (not used by the model; ignored)");
        foreach (string n in w.Notes)
            b.AppendLine(c, $"  note        {n}");
        return b.ToString();
    }

    private static string Join(IEnumerable<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("0.######", CultureInfo.InvariantCulture)));
}
