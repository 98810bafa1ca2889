using System.Text;
using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// Reads what torch.save writes (torch/serialization.py _save / _load, PyTorch >= 1.6): a zip archive whose entries
/// share one top folder "&lt;archive&gt;/": data.pkl (the pickled object), data/&lt;key&gt; (raw storage bytes),
/// byteorder ("little"/"big", absent in old files = little), version. Tensors in data.pkl are
/// _rebuild_tensor_v2 calls over storages named by persistent ids ('storage', torch.FloatStorage, key, location, numel).
/// </summary>
internal static class TorchArchiveReader
{
    /// <summary>Loads the object pickled in the archive at <paramref name="path"/>.</summary>
    public static object? Load(string path, PickleLimits limits)
    {
        using ZipArchiveReader zip = ZipArchiveReader.Open(path, limits);
        string prefix = FindPrefix(zip, path);
        bool bigEndian = false;
        if (zip.Find(prefix + "byteorder") is { } byteOrderEntry)
        {
            if (byteOrderEntry.UncompressedSize > 16) throw new WeightFileException($"{path}: '{byteOrderEntry.Name}' is {byteOrderEntry.UncompressedSize} bytes, not \"little\" or \"big\"");
            string order = Encoding.ASCII.GetString(zip.ReadEntry(byteOrderEntry));
            bigEndian = order switch
            {
                "little" => false,
                "big" => true,
                _ => throw new WeightFileException($"{path}: '{byteOrderEntry.Name}' says '{order}', not \"little\" or \"big\""),
            };
        }
        ZipEntry pickleEntry = zip.Find(prefix + "data.pkl")!;
        if (pickleEntry.UncompressedSize > int.MaxValue) throw new WeightFileException($"{path}: '{pickleEntry.Name}' is too large");
        byte[] pickle = zip.ReadEntry(pickleEntry);
        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        string source = $"{path}: {pickleEntry.Name}";
        // Views can name the same storage bytes many times (shared, overlapping or stride-0 views); a real state dict copies
        // at most a few times the archive's bytes, so more than 4x is refused before it can exhaust memory.
        long budget = Math.Min(limits.MaxTotalBytes, checked(4 * zip.FileLength + (1L << 20)));
        return PickleReader.Read(pickle, pickle.Length, source, limits with { MaxTotalBytes = budget },
            pid => LoadStorage(pid, zip, prefix, bigEndian, storages));
    }

    private static string FindPrefix(ZipArchiveReader zip, string path)
    {
        var candidates = zip.Entries
            .Select(e => e.Name)
            .Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/', StringComparison.Ordinal) == n.Length - "/data.pkl".Length)
            .ToList();
        if (candidates.Count == 1) return candidates[0][..^"data.pkl".Length];
        if (candidates.Count > 1) throw new WeightFileException($"{path}: torch archive has several data.pkl ({string.Join(", ", candidates)})");
        if (zip.Entries.Any(e => e.Name.EndsWith("/constants.pkl", StringComparison.Ordinal) || e.Name.Contains("/code/", StringComparison.Ordinal)))
            throw new WeightFileException($"{path}: this is a TorchScript archive (torch.jit.save), not a state dict; save the weights with torch.save(model.state_dict(), ...)");
        throw new WeightFileException($"{path}: zip archive without '<archive>/data.pkl': not a torch.save file");
    }

    /// <summary>persistent_load of torch/serialization.py _load: pid = ('storage', storage_type, key, location, numel).</summary>
    private static TorchStorage LoadStorage(object? pid, ZipArchiveReader zip, string prefix, bool bigEndian, Dictionary<string, TorchStorage> storages)
    {
        if (pid is not object?[] { Length: 5 } tuple || tuple[0] is not string typename)
            throw new PickleRefusal($"persistent id is a {PickleValues.TypeName(pid)}, not ('storage', type, key, location, numel)");
        if (typename != "storage") throw new PickleRefusal($"persistent id of kind '{typename}' is not supported (only 'storage')");
        if (tuple[1] is not PickleGlobal storageType) throw new PickleRefusal($"storage type is a {PickleValues.TypeName(tuple[1])}, not a torch storage class");
        if (tuple[2] is not string key || key.Length == 0 || key.Contains('/') || key.Contains('\\') || key == "..")
            throw new PickleRefusal("storage key is not a plain entry name");
        if (tuple[4] is not long numel || numel < 0) throw new PickleRefusal($"storage '{key}' element count is not a non-negative int");
        DType dtype = storageType.Name switch
        {
            "FloatStorage" => DType.Float32,
            "HalfStorage" => DType.Float16,
            "DoubleStorage" => DType.Float64,
            "LongStorage" => DType.Int64,
            "IntStorage" => DType.Int32,
            "ByteStorage" => DType.UInt8,
            "BoolStorage" => DType.Bool,
            // torch >= 2 writes new element types over untyped (byte) storages; _rebuild_tensor_v3 gives the dtype.
            "UntypedStorage" => DType.UInt8,
            _ => throw new PickleRefusal($"storage '{key}' has type {storageType.FullName}, which Detserve does not read (float16/32/64, int32/64, uint8, bool)"),
        };
        if (storages.TryGetValue(key, out TorchStorage? cached))
        {
            if (cached.DType != dtype) throw new PickleRefusal($"storage '{key}' is used as both {cached.DType.NumpyName()} and {dtype.NumpyName()}");
            return cached;
        }
        string entryName = prefix + "data/" + key;
        ZipEntry entry = zip.Find(entryName) ?? throw new PickleRefusal($"storage '{key}' has no entry '{entryName}' in the archive");
        int itemSize = dtype.SizeBytes();
        if (numel > long.MaxValue / itemSize || entry.UncompressedSize != numel * itemSize)
            throw new PickleRefusal($"entry '{entryName}' has {entry.UncompressedSize} bytes but storage '{key}' declares {numel} x {dtype.NumpyName()}");
        byte[] bytes = zip.ReadEntry(entry);
        if (bigEndian) StridedLayout.SwapBytes(bytes, itemSize);
        var storage = new TorchStorage(key, dtype, numel, bytes, BigEndianUntyped: bigEndian && storageType.Name == "UntypedStorage");
        storages.Add(key, storage);
        return storage;
    }
}
