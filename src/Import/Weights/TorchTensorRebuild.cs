using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
/// and _rebuild_tensor_v3 (same, over an untyped storage, plus the dtype): a tensor is a strided view of a storage
/// (torch/_tensor.py Tensor._reduce_ex_internal). The view is bounds-checked against the storage and copied to
/// C-contiguous bytes (non-contiguous views are gathered).
/// </summary>
internal static class TorchTensorRebuild
{
    public static HostTensor RebuildTensorV2(object?[] args, PickleLimits limits, Action<long> declare)
    {
        if (args.Length is not (6 or 7))
            throw new PickleRefusal($"torch._utils._rebuild_tensor_v2 takes 6 or 7 arguments, got {args.Length}");
        if (args[0] is not TorchStorage storage)
            throw new PickleRefusal($"torch._utils._rebuild_tensor_v2 storage is a {PickleValues.TypeName(args[0])}, not a storage from the archive");
        if (args.Length == 7 && args[6] is not (null or PickleDict { Count: 0 }))
            throw new PickleRefusal("torch._utils._rebuild_tensor_v2 with tensor metadata (conjugate/negative views) is not supported");
        return View(storage, args, limits, declare, "torch._utils._rebuild_tensor_v2");
    }

    /// <summary>
    /// torch._utils._rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata]):
    /// the storage is untyped (bytes); offset, size and stride count elements of <c>dtype</c>.
    /// </summary>
    public static HostTensor RebuildTensorV3(object?[] args, PickleLimits limits, Action<long> declare)
    {
        if (args.Length is not (7 or 8))
            throw new PickleRefusal($"torch._utils._rebuild_tensor_v3 takes 7 or 8 arguments, got {args.Length}");
        if (args[0] is not TorchStorage bytes)
            throw new PickleRefusal($"torch._utils._rebuild_tensor_v3 storage is a {PickleValues.TypeName(args[0])}, not a storage from the archive");
        if (args[6] is not PickleGlobal { Module: "torch" } dtypeGlobal || !PickleAllowlist.TorchDTypes.TryGetValue(dtypeGlobal.Name, out DType? dtype))
            throw new PickleRefusal($"torch._utils._rebuild_tensor_v3 dtype is a {PickleValues.TypeName(args[6])}, not a torch dtype");
        if (dtype is null)
            throw new PickleRefusal($"tensor of dtype torch.{dtypeGlobal.Name} is not supported (float16/32/64, int32/64, uint8, bool are)");
        if (args.Length == 8 && args[7] is not (null or PickleDict { Count: 0 }))
            throw new PickleRefusal("torch._utils._rebuild_tensor_v3 with tensor metadata is not supported");
        int itemSize = dtype.Value.SizeBytes();
        if (bytes.DType != DType.UInt8 && bytes.DType != dtype)
            throw new PickleRefusal($"storage '{bytes.Key}' holds {bytes.DType.NumpyName()}, not untyped bytes for a torch.{dtypeGlobal.Name} tensor");
        long byteCount = bytes.Bytes.LongLength;
        if (byteCount % itemSize != 0)
            throw new PickleRefusal($"storage '{bytes.Key}' has {byteCount} bytes, not a whole number of torch.{dtypeGlobal.Name} elements");
        byte[] data = bytes.Bytes;
        if (bytes.BigEndianUntyped)
        {
            data = (byte[])data.Clone();
            StridedLayout.SwapBytes(data, itemSize);
        }
        var typed = new TorchStorage(bytes.Key, dtype.Value, byteCount / itemSize, data);
        return View(typed, args, limits, declare, "torch._utils._rebuild_tensor_v3");
    }

    private static HostTensor View(TorchStorage storage, object?[] args, PickleLimits limits, Action<long> declare, string function)
    {
        if (args[1] is not long offset || offset < 0)
            throw new PickleRefusal($"{function} storage_offset is not a non-negative int");
        int[] shape = NumpyArrayState.ReadShape(args[2], limits, out long count);
        if (args[3] is not object?[] strideTuple || strideTuple.Length != shape.Length)
            throw new PickleRefusal($"{function} stride is not a tuple of {shape.Length} ints");
        var strides = new long[shape.Length];
        for (int i = 0; i < strides.Length; i++)
        {
            if (strideTuple[i] is not long s || s < 0) throw new PickleRefusal($"{function} stride {i} is not a non-negative int");
            strides[i] = s;
        }
        if (args[4] is not bool) throw new PickleRefusal($"{function} requires_grad is not a bool");
        if (args[5] is not (PickleDict or null)) throw new PickleRefusal($"{function} backward_hooks is not a dict");

        long? last = StridedLayout.LastElement(offset, shape, strides);
        if (last is null || last >= storage.ElementCount)
            throw new PickleRefusal(
                $"tensor view (offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", strides)}]) reaches beyond storage '{storage.Key}' of {storage.ElementCount} elements");
        int itemSize = storage.DType.SizeBytes();
        if (count > Array.MaxLength / itemSize)
            throw new PickleRefusal($"tensor of size [{string.Join(", ", shape)}] is larger than one array can hold");
        // The copy counts against the file's byte budget (MaxTotalBytes, at most 4x the archive for torch files).
        declare(count * itemSize);
        byte[] bytes = StridedLayout.Gather(storage.Bytes, offset, shape, strides, itemSize, count);
        return new HostTensor(storage.DType, shape, bytes);
    }
}
