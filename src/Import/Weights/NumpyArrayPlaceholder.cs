namespace Detserve.Import.Weights;

/// <summary>
/// The empty array numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b') makes before BUILD gives it its state
/// (numpy/core/src/multiarray/methods.c array_reduce / array_setstate). BUILD replaces it by a HostTensor.
/// </summary>
internal sealed class NumpyArrayPlaceholder
{
    public override string ToString() => "numpy.ndarray (no state yet)";
}
