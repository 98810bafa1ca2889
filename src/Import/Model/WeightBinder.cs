using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Weights;

namespace Detserve.Import.Model;

/// <summary>
/// Matches a weight file to the parameters an architecture needs, as DetectionCheckpointer._load_model and fvcore's
/// Checkpointer._load_model do: Caffe2 renaming and suffix alignment when the file asks for matching heuristics,
/// a "module." prefix (DistributedDataParallel) stripped, FrozenBN running statistics defaulted for files without
/// version metadata (FrozenBatchNorm2d._load_from_state_dict), then missing / mismatched / unexpected keys.
/// Unlike Detectron2, which warns and runs with random weights, a missing or mismatched tensor is an error.
/// </summary>
public static class WeightBinder
{
    /// <summary>Checks <paramref name="file"/> against <paramref name="arch"/> without throwing.</summary>
    /// <param name="arch">The architecture.</param>
    /// <param name="file">The weights.</param>
    /// <param name="cfg">The config, used only to print the value of the key that implies a shape; may be null.</param>
    public static WeightCheck Check(ArchitectureSpec arch, WeightFile file, CfgNode? cfg = null)
    {
        ArgumentNullException.ThrowIfNull(arch);
        ArgumentNullException.ThrowIfNull(file);
        IReadOnlyList<ExpectedParameter> expected = ParameterTable.Expected(arch);
        var notes = new List<string>();
        IReadOnlyDictionary<string, HostTensor> tensors = file.Tensors;
        if (file.MatchingHeuristics)
            tensors = StateDictAligner.Align(expected, tensors, file.IsCaffe2, file.Path, notes);
        tensors = StripPrefix(tensors, "module.", notes);
        if (file.Format == "pkl" && arch.Backbone.Norm == "FrozenBN")
            tensors = DefaultFrozenBnStatistics(expected, tensors, notes);

        var bound = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        var missing = new List<ExpectedParameter>();
        var mismatched = new List<ShapeMismatch>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (ExpectedParameter parameter in expected)
        {
            if (!tensors.TryGetValue(parameter.Name, out HostTensor? tensor))
            {
                missing.Add(parameter);
                continue;
            }
            used.Add(parameter.Name);
            if (!tensor.Shape.SequenceEqual(parameter.Shape))
            {
                mismatched.Add(new ShapeMismatch(parameter.Name, parameter.Shape, tensor.Shape, parameter.ImpliedBy, ConfigValue(cfg, parameter.ImpliedBy)));
                continue;
            }
            bound.Add(parameter.Name, tensor);
        }
        var unexpected = new List<string>();
        int batchCounters = 0;
        foreach (string name in tensors.Keys)
        {
            if (used.Contains(name)) continue;
            // BN's step counter and the old persistent anchors are ignored by Detectron2 (detection_checkpoint.py).
            if (name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)) batchCounters++;
            else if (!name.Contains("anchor_generator.cell_anchors", StringComparison.Ordinal)) unexpected.Add(name);
        }
        if (batchCounters > 0) notes.Add($"{batchCounters} BatchNorm num_batches_tracked counters ignored");
        return new WeightCheck(missing, mismatched, unexpected, notes, new ReadOnlyDictionary<string, HostTensor>(bound));
    }

    /// <summary>The bound weights, or one <see cref="WeightBindingException"/> listing every missing and mismatched tensor.</summary>
    public static WeightCheck Bind(ArchitectureSpec arch, WeightFile file, CfgNode? cfg = null, string? configPath = null)
    {
        WeightCheck check = Check(arch, file, cfg);
        if (!check.Ok) throw new WeightBindingException(Describe(check, file.Path, configPath)) { Check = check };
        return check;
    }

    /// <summary>The failure message: one line per missing or mismatched tensor.</summary>
    public static string Describe(WeightCheck check, string weightsPath, string? configPath)
    {
        ArgumentNullException.ThrowIfNull(check);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{weightsPath}: {check.Missing.Count} missing and {check.Mismatched.Count} mismatched tensors for the model of {configPath ?? "the config"}:");
        foreach (ShapeMismatch m in check.Mismatched)
        {
            string key = m.ConfigValue is null ? m.ImpliedBy : $"{m.ImpliedBy}={m.ConfigValue}";
            text.Append(CultureInfo.InvariantCulture, $"\n  '{m.Name}' is {Shape(m.Actual)} but {key} needs {Shape(m.Expected)}");
        }
        foreach (ExpectedParameter p in check.Missing)
            text.Append(CultureInfo.InvariantCulture, $"\n  '{p.Name}' {p.ShapeText} is missing (implied by {p.ImpliedBy})");
        if (check.Unexpected.Count > 0)
            text.Append(CultureInfo.InvariantCulture, $"\n  ({check.Unexpected.Count} tensors in the file are not used by the model, e.g. '{check.Unexpected[0]}')");
        return text.ToString();
    }

    private static string Shape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    private static string? ConfigValue(CfgNode? cfg, string key)
    {
        if (cfg is null || !cfg.TryGetValue(key, out object? value)) return null;
        return value is CfgNode ? null : CfgValue.ToPythonRepr(value);
    }

    /// <summary>fvcore _strip_prefix_if_present: only when every key carries the prefix.</summary>
    private static IReadOnlyDictionary<string, HostTensor> StripPrefix(IReadOnlyDictionary<string, HostTensor> tensors, string prefix, List<string> notes)
    {
        if (tensors.Count == 0 || !tensors.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return tensors;
        notes.Add($"prefix '{prefix}' stripped from every name");
        var result = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (key, value) in tensors) result[key[prefix.Length..]] = value;
        return result;
    }

    /// <summary>
    /// FrozenBatchNorm2d._load_from_state_dict: a checkpoint without version metadata (every .pkl) that lacks running_mean /
    /// running_var gets zeros / ones, as Caffe2 ImageNet models (only scale and bias) are loaded.
    /// </summary>
    private static IReadOnlyDictionary<string, HostTensor> DefaultFrozenBnStatistics(
        IReadOnlyList<ExpectedParameter> expected, IReadOnlyDictionary<string, HostTensor> tensors, List<string> notes)
    {
        OrderedDictionary<string, HostTensor>? result = null;
        int filled = 0;
        foreach (ExpectedParameter p in expected)
        {
            bool isMean = p.Name.EndsWith(".norm.running_mean", StringComparison.Ordinal);
            bool isVar = p.Name.EndsWith(".norm.running_var", StringComparison.Ordinal);
            if (!(isMean || isVar) || tensors.ContainsKey(p.Name) || !p.Name.StartsWith("backbone.bottom_up.", StringComparison.Ordinal)) continue;
            result ??= new OrderedDictionary<string, HostTensor>(tensors, StringComparer.Ordinal);
            var values = new float[p.ElementCount];
            if (isVar) Array.Fill(values, 1f);
            result[p.Name] = HostTensor.FromFloat32(p.Shape, values);
            filled++;
        }
        if (result is null) return tensors;
        notes.Add($"{filled} FrozenBN running_mean/running_var missing from the file were set to 0/1 (FrozenBatchNorm2d._load_from_state_dict)");
        return result;
    }
}
