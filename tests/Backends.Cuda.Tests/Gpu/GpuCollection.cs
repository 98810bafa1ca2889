namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>All GPU tests share one <see cref="GpuFixture"/> and run one at a time.</summary>
[CollectionDefinition("gpu")]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>
{
}
