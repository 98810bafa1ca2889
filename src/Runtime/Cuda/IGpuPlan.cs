using Detserve.Backends.Cuda;

namespace Detserve.Runtime.Cuda;

/// <summary>What every detector plan (<see cref="GpuDetectorPlan"/>, <see cref="GpuRetinaNetPlan"/>) offers the detector around it: its shape and its image slots.</summary>
internal interface IGpuPlan : IDisposable
{
    int Batch { get; }

    int PaddedHeight { get; }

    int PaddedWidth { get; }

    /// <summary>Device bytes the plan holds (not the weights).</summary>
    long SizeBytes { get; }

    /// <summary>uint8 image slot <paramref name="n"/> ([paddedHeight * paddedWidth * 3], HWC).</summary>
    DeviceBuffer ImageSlot(int n);
}
