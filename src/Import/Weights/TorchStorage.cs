using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// A torch storage loaded through persistent_load from a zip archive's data/&lt;key&gt; entry:
/// <paramref name="ElementCount"/> elements of <paramref name="DType"/>, little-endian (already swapped when the archive says "big").
/// An untyped storage (torch.storage.UntypedStorage) is read as uint8 bytes; _rebuild_tensor_v3 reinterprets it.
/// </summary>
/// <param name="Key">Storage key (the data/&lt;key&gt; entry).</param>
/// <param name="DType">Element type.</param>
/// <param name="ElementCount">Elements.</param>
/// <param name="Bytes">The data.</param>
/// <param name="BigEndianUntyped">True for an untyped storage of a big-endian archive: its bytes are swapped only once
/// _rebuild_tensor_v3 says how wide an element is.</param>
internal sealed record TorchStorage(string Key, DType DType, long ElementCount, byte[] Bytes, bool BigEndianUntyped = false);
