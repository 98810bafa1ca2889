using System.Collections.Frozen;

namespace Detserve.Import.Weights;

/// <summary>
/// The only globals a pickle may name: what zoo .pkl files (numpy arrays, pickled by numpy 1.x or 2.x, by Python 2 or 3)
/// and DetectionCheckpointer .pth files (torch tensors over zip storages, OrderedDict state dicts) contain.
/// Everything else (os.system, builtins.eval, posix.system, ...) is refused at GLOBAL time, before any call,
/// as torch/_weights_only_unpickler.py does.
/// </summary>
internal static class PickleAllowlist
{
    /// <summary>numpy.core.multiarray._reconstruct / numpy._core (numpy 2) : makes the empty array BUILD fills.</summary>
    public const string Reconstruct = "_reconstruct";

    private static readonly FrozenSet<string> Allowed = new[]
    {
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.core.numeric._frombuffer",
        "numpy._core.numeric._frombuffer",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.ndarray",
        "numpy.dtype",
        "_codecs.encode",
        "builtins.bytes",
        "builtins.set",
        "builtins.frozenset",
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_tensor_v3",
        "torch.storage.UntypedStorage",
        "torch.UntypedStorage",
        "torch.FloatStorage",
        "torch.HalfStorage",
        "torch.DoubleStorage",
        "torch.LongStorage",
        "torch.IntStorage",
        "torch.ByteStorage",
        "torch.BoolStorage",
        "torch.BFloat16Storage",
        "torch.CharStorage",
        "torch.ShortStorage",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// torch dtype objects, named (never called) as _rebuild_tensor_v3's dtype argument; the ones Detserve reads map to a
    /// <see cref="Graph.DType"/>, the others are admitted only to be refused by name when a tensor uses them.
    /// </summary>
    internal static readonly FrozenDictionary<string, Graph.DType?> TorchDTypes = new Dictionary<string, Graph.DType?>(StringComparer.Ordinal)
    {
        ["float32"] = Graph.DType.Float32,
        ["float16"] = Graph.DType.Float16,
        ["float64"] = Graph.DType.Float64,
        ["int64"] = Graph.DType.Int64,
        ["int32"] = Graph.DType.Int32,
        ["uint8"] = Graph.DType.UInt8,
        ["bool"] = Graph.DType.Bool,
        ["bfloat16"] = null,
        ["int8"] = null,
        ["int16"] = null,
        ["uint16"] = null,
        ["uint32"] = null,
        ["uint64"] = null,
        ["complex64"] = null,
        ["complex128"] = null,
        ["float8_e4m3fn"] = null,
        ["float8_e5m2"] = null,
        ["float8_e4m3fnuz"] = null,
        ["float8_e5m2fnuz"] = null,
        ["float8_e8m0fnu"] = null,
        ["float4_e2m1fn_x2"] = null,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Resolves module.name, mapping Python 2 module names as pickle's fix_imports does (Lib/_compat_pickle.py).</summary>
    /// <exception cref="PickleRefusal">the global is not on the allowlist.</exception>
    public static PickleGlobal Resolve(string module, string name)
    {
        string mapped = module switch
        {
            "__builtin__" => "builtins",
            "copy_reg" => "copyreg",
            _ => module,
        };
        if (!Allowed.Contains(mapped + "." + name) && !(mapped == "torch" && TorchDTypes.ContainsKey(name)))
            throw new PickleRefusal(
                $"global '{module}.{name}' is not allowed: a weight file may only contain numpy arrays, torch tensors and plain containers; nothing in it is executed");
        return new PickleGlobal(mapped, name);
    }
}
