using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Detserve.Import.Config;
using Detserve.Import.Model;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve inspect: the resolved config (--dump-config), or the architecture it describes, its parameter count and
/// the check of a weight file against it. Exit code 1 when the weights do not fit the architecture.
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
            string config = parse.GetRequiredValue(model.Config).FullName;
            string? weights = parse.GetValue(model.Weights)?.FullName;
            IReadOnlyList<string> opts = parse.GetValue(model.Overrides) ?? [];
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

    /// <summary>The one-screen text form.</summary>
    public static string Render(ModelSummary s)
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
            b.AppendLine("weights   not given (pass --weights to check a file)");
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
