namespace Detserve.Backends.Cpu.Gemm;

/// <summary>
/// What the managed GEMM applies to each finished output value, in PyTorch's order (as <see cref="Epilogue"/>):
/// C[i, j] = relu?((Σ A·B) + rowBias[i] + residual[i, j]). Fusing it into the last k-block's store saves a pass over
/// the output, which for the wide 1x1 convolutions is a trip to DRAM. Pointers are borrowed for the call.
/// </summary>
internal readonly unsafe struct GemmEpilogue(float* rowBias, float* residual, int ldr, bool relu)
{
    /// <summary>One bias per output row (a convolution's output channel), or null.</summary>
    internal readonly float* RowBias = rowBias;

    /// <summary>A matrix added element-wise, laid out like C with row stride <see cref="Ldr"/>, or null.</summary>
    internal readonly float* Residual = residual;

    /// <summary>Row stride of <see cref="Residual"/> in elements.</summary>
    internal readonly int Ldr = ldr;

    /// <summary>Whether ReLU follows.</summary>
    internal readonly bool Relu = relu;

    /// <summary>True when the epilogue changes nothing.</summary>
    internal bool IsNone => RowBias == null && Residual == null && !Relu;
}
