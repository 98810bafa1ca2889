using System.Text;
using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>Detserve's data-only implementations of the allowlisted callables (REDUCE/NEWOBJ/INST/OBJ) and of BUILD.</summary>
internal sealed partial class PickleMachine
{
    private PickleGlobal AsGlobal(object? value) =>
        value as PickleGlobal ?? throw Fail($"can only call an allowlisted global, not a {PickleValues.TypeName(value)}");

    private object? Call(PickleGlobal global, object?[] args)
    {
        switch (global.Module, global.Name)
        {
            case ("numpy.core.multiarray" or "numpy._core.multiarray", PickleAllowlist.Reconstruct):
                // _reconstruct(subtype, shape, dtype): numpy pickles (ndarray, (0,), b'b') and fills the array with BUILD.
                if (args.Length != 3 || args[0] is not PickleGlobal { FullName: "numpy.ndarray" })
                    throw Fail($"{global.FullName} is only read as _reconstruct(numpy.ndarray, shape, typecode)");
                return new NumpyArrayPlaceholder();
            case ("numpy.core.numeric" or "numpy._core.numeric", "_frombuffer"):
                // Protocol 5: ndarray.__reduce_ex__(5) gives _frombuffer(PickleBuffer, dtype, shape, order), the buffer in-band.
                return NumpyArrayState.FromBuffer(args, _limits, Declare);
            case ("numpy.core.multiarray" or "numpy._core.multiarray", "scalar"):
                return NumpyArrayState.Scalar(args, Declare);
            case ("numpy", "dtype"):
                {
                    if (args.Length is < 1 or > 3 || args[0] is not string typeString)
                        throw Fail("numpy.dtype is only read as dtype(typestr, align, copy)");
                    return NumpyDType.FromTypeString(typeString)
                        ?? throw Fail($"numpy dtype '{typeString}' is not supported (float16/32/64, int32/64, uint8 and bool are)");
                }
            case ("_codecs", "encode"):
                {
                    // Python 3 pickles bytes at protocol < 3 as _codecs.encode(str, 'latin1') (pickle.py save_bytes).
                    if (args.Length is < 1 or > 2 || args[0] is not string text)
                        throw Fail("_codecs.encode is only read as encode(str, 'latin1')");
                    string encoding = args.Length == 2 ? args[1] as string ?? "" : "utf-8";
                    if (encoding.ToLowerInvariant() is "latin1" or "latin-1" or "iso-8859-1" or "iso8859-1")
                    {
                        foreach (char c in text)
                            if (c > '\u00ff') throw Fail("_codecs.encode(..., 'latin1') of a character beyond U+00FF");
                        return Encoding.Latin1.GetBytes(text);
                    }
                    throw Fail($"_codecs.encode with encoding '{encoding}' is not supported (only latin1)");
                }
            case ("builtins", "bytes"):
                if (args.Length != 0) throw Fail("builtins.bytes is only read without arguments (protocol 2's empty bytes)");
                return Array.Empty<byte>();
            case ("builtins", "set" or "frozenset"):
                {
                    var set = Track(new PickleSet(global.Name == "frozenset"), 1);
                    if (args.Length > 1) throw Fail($"{global.FullName} takes at most one argument");
                    if (args.Length == 1)
                    {
                        if (args[0] is not List<object?> items) throw Fail($"{global.FullName} is only read from a list");
                        foreach (object? item in items) AddToSet(set, item);
                    }
                    return set;
                }
            case ("collections", "OrderedDict"):
                {
                    var dict = Track(new PickleDict { IsOrderedDict = true }, 1);
                    if (args.Length > 1) throw Fail("collections.OrderedDict takes at most one argument");
                    if (args.Length == 1)
                    {
                        if (args[0] is not List<object?> pairs) throw Fail("collections.OrderedDict is only read from a list of pairs");
                        foreach (object? pair in pairs)
                        {
                            IReadOnlyList<object?> kv = pair switch
                            {
                                object?[] { Length: 2 } tuple => tuple,
                                List<object?> { Count: 2 } list => list,
                                _ => throw Fail("collections.OrderedDict item is not a (key, value) pair"),
                            };
                            SetItems(dict, [kv[0], kv[1]]);
                        }
                    }
                    return dict;
                }
            case ("torch._utils", "_rebuild_tensor_v2"):
                return TorchTensorRebuild.RebuildTensorV2(args, _limits, Declare);
            case ("torch._utils", "_rebuild_tensor_v3"):
                return TorchTensorRebuild.RebuildTensorV3(args, _limits, Declare);
            case ("torch._utils", "_rebuild_parameter"):
                // _rebuild_parameter(data, requires_grad, backward_hooks): an nn.Parameter is its tensor for inference.
                if (args.Length != 3 || args[0] is not HostTensor data) throw Fail("torch._utils._rebuild_parameter is only read as (tensor, requires_grad, hooks)");
                return data;
            default:
                throw Fail($"{global.FullName} cannot be called");
        }
    }

    private object? Build(object? target, object? state)
    {
        switch (target)
        {
            case NumpyArrayPlaceholder placeholder:
                {
                    HostTensor tensor = NumpyArrayState.FromState(state, _limits, Declare);
                    ReplaceInMemo(placeholder, tensor);
                    return tensor;
                }
            case NumpyDType dtype:
                NumpyArrayState.ApplyDTypeState(dtype, state);
                return dtype;
            case PickleDict { IsOrderedDict: true } dict:
                // A torch state dict's instance attributes (its _metadata, per-module versions): not needed to read tensors.
                if (state is not PickleDict and not null && state is not object?[] { Length: 2 })
                    throw Fail($"BUILD of collections.OrderedDict with a {PickleValues.TypeName(state)} state");
                return dict;
            default:
                throw Fail($"BUILD (setting object state) is not allowed on a {PickleValues.TypeName(target)}");
        }
    }
}
