namespace Detserve.Backends.Cpu;

/// <summary>Which matrix-multiply implementation a <see cref="CpuContext"/> uses for convolutions and linear layers.</summary>
public enum GemmBackend
{
    /// <summary>OpenBLAS when libopenblas.so.0 loads, otherwise the managed SIMD kernel.</summary>
    Auto,

    /// <summary>OpenBLAS's cblas_sgemm; the context fails to build when the library is missing.</summary>
    OpenBlas,

    /// <summary>The managed register-blocked SIMD kernel (no native code).</summary>
    Managed,
}
