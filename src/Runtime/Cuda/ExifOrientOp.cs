using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Nvrtc;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// EXIF orientation of a uint8 HWC RGB image on the GPU, the geometry of Detserve.Vision's ExifTranspose (detectron2
/// data/detection_utils.py _apply_exif_orientation, PIL.ImageOps.exif_transpose's table): 2 FLIP_LEFT_RIGHT, 3 ROTATE_180,
/// 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90; orientations 5..8 swap width and height. A pure
/// permutation of pixels, so the result is bit-identical to the host transpose of the same pixels.
/// The kernel text lives here, not in Backends/Cuda/Kernels, because the Runtime owns the JPEG input path; it compiles through the
/// library's NVRTC compiler and disk cache like every other kernel. Owns its module.
/// </summary>
internal sealed class ExifOrientOp : IDisposable
{
    /// <summary>Threads per block: one thread per output pixel.</summary>
    public const int BlockSize = 256;

    private const string FileName = "exif_orient.cu";

    // exif_orient.cu: EXIF orientation (Vision's ExifTranspose) of a uint8 image, layout [height, width, 3] interleaved RGB, contiguous.
    // Mapping: one thread per output pixel i = y * outWidth + x; it reads source pixel (sx, sy) given by the same table as
    //          ExifTranspose.Apply. Reads are strided for 5..8 (a column of the source per output row); a one-off per image.
    // CPU reference: Detserve.Vision.Exif.ExifTranspose.Apply (reached in tests through ImageDecoder.Decode of EXIF-tagged JPEGs).
    private const string Source = """
        extern "C" __global__ void exif_orient(
            const unsigned char* __restrict__ src, int width, int height, int orientation,
            unsigned char* __restrict__ dst)
        {
            const int outWidth = orientation >= 5 ? height : width;
            const int outHeight = orientation >= 5 ? width : height;
            const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (i >= (long long)outWidth * outHeight) return;
            const int y = (int)(i / outWidth);
            const int x = (int)(i - (long long)y * outWidth);
            int sx, sy;
            switch (orientation)
            {
                case 2: sx = width - 1 - x; sy = y; break;
                case 3: sx = width - 1 - x; sy = height - 1 - y; break;
                case 4: sx = x; sy = height - 1 - y; break;
                case 5: sx = y; sy = x; break;
                case 6: sx = y; sy = height - 1 - x; break;
                case 7: sx = width - 1 - y; sy = height - 1 - x; break;
                case 8: sx = width - 1 - y; sy = x; break;
                default: sx = x; sy = y; break;
            }
            const unsigned char* s = src + ((long long)sy * width + sx) * 3;
            unsigned char* d = dst + i * 3;
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
        }
        """;

    private readonly CudaModule _module;
    private readonly CudaKernel _kernel;

    /// <summary>Compiles (or loads from the NVRTC cache) the kernel for <paramref name="library"/>'s device.</summary>
    public ExifOrientOp(KernelLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        byte[] cubin = library.Compiler.Compile(new KernelSource(FileName, Source), library.BaseOptions());
        _module = library.Device.LoadModule(cubin, FileName);
        _kernel = _module.GetKernel("exif_orient");
    }

    /// <summary>The size of the oriented image: width and height swap for orientations 5..8.</summary>
    public static (int Width, int Height) OrientedSize(int width, int height, int orientation) =>
        orientation is >= 5 and <= 8 ? (height, width) : (width, height);

    /// <summary>
    /// The source pixel the kernel reads for output pixel (<paramref name="x"/>, <paramref name="y"/>): the kernel's switch, line for line,
    /// so CPU tests can hold the index math against Vision's ExifTranspose without a GPU.
    /// </summary>
    public static (int X, int Y) SourceOf(int x, int y, int width, int height, int orientation) => orientation switch
    {
        2 => (width - 1 - x, y),
        3 => (width - 1 - x, height - 1 - y),
        4 => (x, height - 1 - y),
        5 => (y, x),
        6 => (y, height - 1 - x),
        7 => (width - 1 - y, height - 1 - x),
        8 => (width - 1 - y, x),
        _ => (x, y),
    };

    /// <summary>
    /// Queues the orientation of <paramref name="image"/> ([<paramref name="height"/>, <paramref name="width"/>, 3] uint8) into
    /// <paramref name="output"/> ([oriented height, oriented width, 3]). Orientations outside 2..8 copy the image as it is.
    /// </summary>
    public void Enqueue(DeviceBuffer image, int width, int height, int orientation, DeviceBuffer output, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long bytes = (long)width * height * 3;
        if (image.SizeBytes < bytes || output.SizeBytes < bytes)
            throw new Backends.Cpu.ShapeException("ExifOrient", image.SizeBytes < bytes ? nameof(image) : nameof(output),
                $"{bytes} bytes for {width}x{height} RGB", $"{Math.Min(image.SizeBytes, output.SizeBytes)} bytes");
        if (orientation is < 2 or > 8)
        {
            output.CopyFrom(image, bytes, stream);
            return;
        }
        var arguments = new KernelArguments().Add(image).Add(width).Add(height).Add(orientation).Add(output);
        _kernel.Launch(LaunchGeometry.ForElements((long)width * height, BlockSize), stream, arguments);
    }

    /// <summary>Unloads the module (after the last queued launch has completed).</summary>
    public void Dispose() => _module.Dispose();
}
