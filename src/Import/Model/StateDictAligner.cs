using Detserve.Graph;

namespace Detserve.Import.Model;

/// <summary>
/// detectron2/checkpoint/c2_model_loading.py align_and_update_state_dicts: each model key takes the checkpoint key that is
/// its longest dotted suffix ("backbone.bottom_up.res2.0.conv1.weight" takes "res2.0.conv1.weight"); a match with the
/// wrong shape is skipped with a warning; one checkpoint key matching two model keys is an error; checkpoint keys
/// that match nothing are kept under their own names.
/// </summary>
internal static class StateDictAligner
{
    public static OrderedDictionary<string, HostTensor> Align(
        IReadOnlyList<ExpectedParameter> model, IReadOnlyDictionary<string, HostTensor> checkpoint, bool caffe2Conversion, string path, List<string> notes)
    {
        IReadOnlyDictionary<string, HostTensor> ckpt = checkpoint;
        Dictionary<string, string> original;
        if (caffe2Conversion)
        {
            var converted = Caffe2NameConverter.Convert(checkpoint, notes);
            ckpt = converted.Tensors;
            original = converted.Original;
        }
        else
        {
            original = checkpoint.Keys.ToDictionary(k => k, k => k, StringComparer.Ordinal);
        }
        string[] modelKeys = model.Select(p => p.Name).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        string[] ckptKeys = ckpt.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Dictionary<string, ExpectedParameter> byName = model.ToDictionary(p => p.Name, StringComparer.Ordinal);

        var result = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        var matched = new Dictionary<string, string>(StringComparer.Ordinal); // checkpoint key -> model key
        foreach (string modelKey in modelKeys)
        {
            // The longest matching checkpoint key (match_matrix.max(1)); the first one on ties, as torch's max does.
            string? best = null;
            foreach (string ckptKey in ckptKeys)
            {
                bool match = modelKey == ckptKey || (modelKey.Length > ckptKey.Length + 1 && modelKey.EndsWith("." + ckptKey, StringComparison.Ordinal));
                if (match && (best is null || ckptKey.Length > best.Length)) best = ckptKey;
            }
            if (best is null) continue;
            HostTensor value = ckpt[best];
            IReadOnlyList<int> expected = byName[modelKey].Shape;
            if (!expected.SequenceEqual(value.Shape))
            {
                notes.Add($"shape of {best} in checkpoint is {value.ShapeText}, while shape of {modelKey} in model is [{string.Join(", ", expected)}]; {best} will not be loaded");
                continue;
            }
            result[modelKey] = value;
            if (matched.TryGetValue(best, out string? other))
                throw new WeightBindingException(
                    $"{path}: ambiguity: checkpoint key '{original[best]}' matches at least two keys in the model ({modelKey} and {other}); cannot match one checkpoint key to multiple keys in the model");
            matched[best] = modelKey;
        }
        if (matched.Count == 0)
        {
            notes.Add("no weights in checkpoint matched with model");
            return new OrderedDictionary<string, HostTensor>(ckpt, StringComparer.Ordinal);
        }
        notes.Add($"{matched.Count} checkpoint tensors matched to model names by suffix (align_and_update_state_dicts)");
        foreach (string key in ckptKeys)
            if (!matched.ContainsKey(key)) result[key] = ckpt[key];
        return result;
    }
}
