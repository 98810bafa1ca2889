namespace Detserve.Backends.Cpu.Tests;

/// <summary>Contexts for both GEMM backends, each with 2 threads so the parallel paths run.</summary>
public static class Contexts
{
    /// <summary>Backends to run parity tests on: the managed kernel always, OpenBLAS when installed.</summary>
    public static TheoryData<GemmBackend> Backends()
    {
        var data = new TheoryData<GemmBackend> { GemmBackend.Managed };
        using var probe = new CpuContext(1, GemmBackend.Auto);
        if (probe.UsesOpenBlas) data.Add(GemmBackend.OpenBlas);
        return data;
    }
}
