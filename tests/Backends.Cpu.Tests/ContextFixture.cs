namespace Detserve.Backends.Cpu.Tests;

/// <summary>Contexts for both GEMM backends, each with 2 threads so the parallel paths run.</summary>
public static class Contexts
{
    /// <summary>Backends to run parity tests on: the managed kernel always, OpenBLAS when installed.</summary>
    public static TheoryData<GemmBackend> Backends() => new(Available());

    /// <summary>The GEMM backends this machine can run.</summary>
    public static IReadOnlyList<GemmBackend> Available()
    {
        // Auto picks the managed kernel on machines with fast 512-bit vectors, so probe OpenBLAS explicitly.
        try
        {
            using var probe = new CpuContext(1, GemmBackend.OpenBlas);
            return [GemmBackend.Auto, GemmBackend.Managed, GemmBackend.OpenBlas];
        }
        catch (DllNotFoundException)
        {
            return [GemmBackend.Auto, GemmBackend.Managed];
        }
    }
}
