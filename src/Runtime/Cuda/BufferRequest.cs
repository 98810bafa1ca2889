namespace Detserve.Runtime.Cuda;

/// <summary>One tensor to place in an arena: its size and the steps (inclusive) from its producer to its last reader.</summary>
internal readonly record struct BufferRequest(long SizeBytes, int FirstStep, int LastStep)
{
    /// <summary>True when the two lifetimes share a step (then they must not share bytes).</summary>
    public bool OverlapsInTime(BufferRequest other) => FirstStep <= other.LastStep && other.FirstStep <= LastStep;
}
