using System.Collections.ObjectModel;
using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// Reads a checkpoint file the way detectron2/checkpoint/detection_checkpoint.py DetectionCheckpointer._load_file does,
/// but safely: ".pkl" is a pickle ({"model": {...}, "__author__": ...} zoo files, or Caffe2/Detectron1 blobs);
/// ".pyth" is a pycls torch file ({"model_state": ...}); anything else is a torch.save zip archive
/// ({"model": state_dict, ...} or a bare state dict).
/// </summary>
public static class WeightReader
{
    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <exception cref="WeightFileException">the file cannot be read, is hostile, or is not a checkpoint; the message says where and why.</exception>
    public static WeightFile Load(string path, PickleLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= PickleLimits.Default;
        if (!File.Exists(path)) throw new WeightFileException($"{path}: weight file not found");
        try
        {
            if (path.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase)) return LoadPickle(path, limits);
            return LoadTorch(path, limits, pycls: path.EndsWith(".pyth", StringComparison.OrdinalIgnoreCase));
        }
        catch (IOException e)
        {
            throw new WeightFileException($"{path}: cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new WeightFileException($"{path}: cannot be read: {e.Message}", e);
        }
    }

    private static WeightFile LoadPickle(string path, PickleLimits limits)
    {
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength) throw new WeightFileException($"{path}: {length} bytes is more than a .pkl Detserve reads (2 GiB)");
        byte[] data = File.ReadAllBytes(path);
        object? top = PickleReader.Read(data, data.Length, path, limits, persistentLoad: null);
        PickleDict dict = top as PickleDict ?? throw new WeightFileException($"{path}: the pickle holds a {PickleValues.TypeName(top)}, not a dict of arrays");
        if (dict.ContainsKey("model") && dict.ContainsKey("__author__"))
        {
            // Detectron2 model zoo format.
            string? author = dict.TryGetValue("__author__", out object? a) ? a as string : null;
            bool heuristics = dict.TryGetValue("matching_heuristics", out object? h) && IsTrue(h);
            return new WeightFile(path, "pkl", author, heuristics, StateDict(dict.TryGetValue("model", out object? m) ? m : null, path, "model", null));
        }
        // Caffe2 / Detectron1 zoo: detection models keep their arrays under "blobs"; "*_momentum" are solver state.
        object? blobs = dict;
        string where = "";
        if (dict.TryGetValue("blobs", out object? b))
        {
            blobs = b;
            where = "blobs";
        }
        else if (dict.TryGetValue("model", out object? m) && m is PickleDict)
        {
            // Detectron2 would read this dict as Caffe2 blobs too, and fail on the "model" entry.
            throw new WeightFileException(
                $"{path}: has a 'model' dict but no '__author__': DetectionCheckpointer reads such a .pkl as Caffe2 blobs and fails; add an '__author__' entry (the zoo format is {{\"model\": ..., \"__author__\": ...}})");
        }
        return new WeightFile(path, "pkl", "Caffe2", true, StateDict(blobs, path, where, static k => !k.EndsWith("_momentum", StringComparison.Ordinal)));
    }

    private static WeightFile LoadTorch(string path, PickleLimits limits, bool pycls)
    {
        CheckZipMagic(path);
        object? top = TorchArchiveReader.Load(path, limits);
        PickleDict dict = top as PickleDict ?? throw new WeightFileException($"{path}: torch.load gives a {PickleValues.TypeName(top)}, not a checkpoint dict");
        if (pycls)
        {
            if (!dict.TryGetValue("model_state", out object? state))
                throw new WeightFileException($"{path}: pycls checkpoints must contain 'model_state'");
            return new WeightFile(path, "pth", "pycls", true,
                StateDict(state, path, "model_state", static k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
        }
        string? author = dict.TryGetValue("__author__", out object? a) ? a as string : null;
        bool heuristics = dict.TryGetValue("matching_heuristics", out object? h) && IsTrue(h);
        if (dict.TryGetValue("model", out object? model)) return new WeightFile(path, "pth", author, heuristics, StateDict(model, path, "model", null));
        // A bare state dict (torch.save(model.state_dict())): _load_file wraps it as {"model": loaded}.
        return new WeightFile(path, "pth", null, false, StateDict(dict, path, "", null));
    }

    private static void CheckZipMagic(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using (var stream = File.OpenRead(path))
        {
            int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            head = head[..n];
        }
        if (head.Length == 4 && head[0] == (byte)'P' && head[1] == (byte)'K') return;
        if (head.Length >= 1 && head[0] == 0x80)
            throw new WeightFileException(
                $"{path}: a legacy (PyTorch < 1.6, non-zip) torch.save file or a plain pickle; re-save it with a current PyTorch (torch.save uses zip archives), or name a pickle of numpy arrays '.pkl'");
        throw new WeightFileException($"{path}: not a torch.save zip archive (the file does not start with 'PK'); {(head.Length == 0 ? "the file is empty" : "wrong format or corrupt")}");
    }

    /// <summary>
    /// The name -> tensor map of a state dict; every value must be an array or tensor
    /// (fvcore Checkpointer._convert_ndarray_to_tensor raises "Unsupported type found in checkpoint!" otherwise).
    /// </summary>
    private static ReadOnlyDictionary<string, HostTensor> StateDict(object? value, string path, string where, Func<string, bool>? keep)
    {
        string label = where.Length == 0 ? "the top-level dict" : $"'{where}'";
        PickleDict dict = value as PickleDict ?? throw new WeightFileException($"{path}: {label} is a {PickleValues.TypeName(value)}, not a dict of tensors");
        var tensors = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        for (int i = 0; i < dict.Count; i++)
        {
            if (dict.Keys[i] is not string name) throw new WeightFileException($"{path}: {label} has a key of type {PickleValues.TypeName(dict.Keys[i])}, not str");
            if (keep is not null && !keep(name)) continue;
            if (dict.Values[i] is not HostTensor tensor)
                throw new WeightFileException($"{path}: {label}['{name}'] is a {PickleValues.TypeName(dict.Values[i])}, not an array or tensor (Unsupported type found in checkpoint)");
            tensors.Add(name, tensor);
        }
        return new ReadOnlyDictionary<string, HostTensor>(tensors);
    }

    private static bool IsTrue(object? value) => value switch
    {
        bool b => b,
        long l => l != 0,
        _ => value is not null,
    };
}
