namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// uint8 HWC image to normalised, zero-padded CHW network input (Kernels/preprocess.cu). Borrows the library.
/// </summary>
public sealed class PreprocessOp(KernelLibrary library, bool outputHalf)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library)))
        .Get("preprocess.cu", "preprocess_normalize_pad", library.BaseOptions().Define("OUT_HALF", outputHalf ? 1 : 0));

    /// <summary>True when the output is float16.</summary>
    public bool OutputHalf { get; } = outputHalf;

    /// <summary>
    /// Writes [3, paddedHeight, paddedWidth] at <paramref name="outputOffsetBytes"/> of <paramref name="output"/> from
    /// <paramref name="image"/> [height, width, 3] uint8.
    /// </summary>
    public void Enqueue(DeviceBuffer image, int height, int width, DeviceBuffer output, long outputOffsetBytes,
        int paddedHeight, int paddedWidth, NormalizeParams normalize, CudaStream stream)
    {
        const string op = "Preprocess";
        ArgumentNullException.ThrowIfNull(normalize);
        normalize.Validate();
        DeviceShape.NotNegative(op, nameof(height), height);
        DeviceShape.NotNegative(op, nameof(width), width);
        if (paddedHeight < height || paddedWidth < width)
            throw new Cpu.ShapeException(op, nameof(paddedHeight), $"padded size >= image size {height} x {width}", $"{paddedHeight} x {paddedWidth}");
        DeviceShape.Holds(op, nameof(image), image, (long)height * width * 3, 1);
        long plane = (long)paddedHeight * paddedWidth;
        DeviceShape.HoldsAt(op, nameof(output), output, outputOffsetBytes, 3 * plane, OutputHalf ? 2 : 4);
        var args = new KernelArguments()
            .Add(image).Add(height).Add(width)
            .Add(output, outputOffsetBytes).Add(paddedHeight).Add(paddedWidth)
            .Add(normalize.SourceChannel[0]).Add(normalize.SourceChannel[1]).Add(normalize.SourceChannel[2])
            .Add(normalize.Mean[0]).Add(normalize.Mean[1]).Add(normalize.Mean[2])
            .Add(normalize.Std[0]).Add(normalize.Std[1]).Add(normalize.Std[2]);
        _kernel.Launch(LaunchGeometry.ForRows(plane, 3), stream, args);
    }
}
