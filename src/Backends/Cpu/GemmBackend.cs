namespace Detserve.Backends.Cpu;

/// <summary>Which matrix-multiply implementation a <see cref="CpuContext"/> uses for convolutions and linear layers.</summary>
public enum GemmBackend
{
    /// <summary>
    /// The managed SIMD kernel where 512-bit vectors are hardware-accelerated (<c>Vector512.IsHardwareAccelerated</c>:
    /// it outruns OpenBLAS's AVX2 kernels there); elsewhere OpenBLAS when libopenblas.so.0 loads, else the managed kernel.
    /// </summary>
    Auto,

    /// <summary>OpenBLAS's cblas_sgemm; the context fails to build when the library is missing.</summary>
    OpenBlas,

    /// <summary>The managed register-blocked SIMD kernel (no native code).</summary>
    Managed,
}
