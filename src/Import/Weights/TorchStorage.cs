using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// A torch storage loaded through persistent_load from a zip archive's data/&lt;key&gt; entry:
/// <paramref name="ElementCount"/> elements of <paramref name="DType"/>, little-endian (already swapped when the archive says "big").
/// An untyped storage (torch.storage.UntypedStorage) is read as uint8 bytes; _rebuild_tensor_v3 reinterprets it.
/// </summary>
internal sealed record TorchStorage(string Key, DType DType, long ElementCount, byte[] Bytes);
