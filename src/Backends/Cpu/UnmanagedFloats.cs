using System.Buffers;

namespace Detserve.Backends.Cpu;

/// <summary>
/// Presents pinned float memory as <see cref="Memory{T}"/> for the duration of one call (borrows, owns nothing). Only
/// used while the caller's span is fixed.
/// </summary>
internal sealed unsafe class UnmanagedFloats : MemoryManager<float>
{
    private readonly float* _pointer;
    private readonly int _length;

    internal UnmanagedFloats(float* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public override Span<float> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
