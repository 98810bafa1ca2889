using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native;

/// <summary>nvJPEG (nvjpeg.h): GPU JPEG decoding.</summary>
#pragma warning disable CA1707 // names mirror nvjpeg.h
internal static unsafe partial class NvJpeg
{
    private const string Lib = CudaLibrary.NvJpeg;

    public const int NVJPEG_MAX_COMPONENT = 4;
    // nvjpegOutputFormat_t: RGBI = interleaved R, G, B in channel[0].
    public const int NVJPEG_OUTPUT_RGBI = 5;

    /// <summary>nvjpegImage_t: unsigned char* channel[4]; size_t pitch[4].</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Image
    {
        public ulong Channel0, Channel1, Channel2, Channel3;
        public nuint Pitch0, Pitch1, Pitch2, Pitch3;
    }

    [LibraryImport(Lib)] public static partial NvJpegStatus nvjpegCreateSimple(out nint handle);
    [LibraryImport(Lib)] public static partial NvJpegStatus nvjpegDestroy(nint handle);
    [LibraryImport(Lib)] public static partial NvJpegStatus nvjpegJpegStateCreate(nint handle, out nint state);
    [LibraryImport(Lib)] public static partial NvJpegStatus nvjpegJpegStateDestroy(nint state);
    [LibraryImport(Lib)]
    public static partial NvJpegStatus nvjpegGetImageInfo(nint handle, byte* data, nuint length, out int components, out int subsampling, int* widths, int* heights);
    [LibraryImport(Lib)]
    public static partial NvJpegStatus nvjpegDecode(nint handle, nint state, byte* data, nuint length, int outputFormat, Image* destination, nint stream);
}
#pragma warning restore CA1707
