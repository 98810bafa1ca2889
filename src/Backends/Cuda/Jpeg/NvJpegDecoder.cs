using System.Globalization;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda.Jpeg;

/// <summary>
/// Baseline and progressive JPEG decoding on the GPU with nvJPEG's simple API (nvjpegDecode to interleaved RGB).
/// Owns its nvJPEG handle and decode state; not thread-safe (one per worker thread). EXIF orientation is not applied
/// here: the caller reads it from the file (as Detserve.Vision does) and rotates on the device.
/// </summary>
public sealed class NvJpegDecoder : IDisposable
{
    private readonly NvJpegHandle _handle;
    private readonly NvJpegStateHandle _state;

    private NvJpegDecoder(NvJpegHandle handle, NvJpegStateHandle state)
    {
        _handle = handle;
        _state = state;
    }

    /// <summary>Creates the decoder on <paramref name="device"/>.</summary>
    public static NvJpegDecoder Create(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MakeCurrent();
        NativeStatus.Check(NvJpeg.nvjpegCreateSimple(out nint handle), "nvjpegCreateSimple", device.Name);
        var owned = new NvJpegHandle(handle, device.Context);
        try
        {
            NativeStatus.Check(NvJpeg.nvjpegJpegStateCreate(handle, out nint state), "nvjpegJpegStateCreate", device.Name);
            return new NvJpegDecoder(owned, new NvJpegStateHandle(state, device.Context));
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }

    /// <summary>Width, height and component count from the JPEG header (nvjpegGetImageInfo).</summary>
    /// <exception cref="CudaException">not a JPEG nvJPEG can read; the message names <paramref name="sourceName"/>.</exception>
    public unsafe (int Width, int Height, int Components) GetImageInfo(ReadOnlySpan<byte> jpeg, string sourceName)
    {
        int* widths = stackalloc int[NvJpeg.NVJPEG_MAX_COMPONENT];
        int* heights = stackalloc int[NvJpeg.NVJPEG_MAX_COMPONENT];
        int components;
        fixed (byte* data = jpeg)
            NativeStatus.Check(NvJpeg.nvjpegGetImageInfo(_handle.Raw, data, (nuint)jpeg.Length, out components, out _, widths, heights),
                "nvjpegGetImageInfo", $"{sourceName} ({jpeg.Length} bytes)");
        return (widths[0], heights[0], components);
    }

    /// <summary>
    /// Decodes <paramref name="jpeg"/> into <paramref name="output"/> as height x width x 3 interleaved R, G, B bytes
    /// (the layout of RgbImage.Pixels and of preprocess.cu's input). Waits for <paramref name="stream"/> before
    /// returning, because nvJPEG may still read the compressed bytes from host memory while its GPU phase runs.
    /// </summary>
    public unsafe (int Width, int Height) DecodeRgb(ReadOnlySpan<byte> jpeg, string sourceName, DeviceBuffer output, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(stream);
        var (width, height, _) = GetImageInfo(jpeg, sourceName);
        long bytes = (long)width * height * 3;
        if (output.SizeBytes < bytes)
            throw new Cpu.ShapeException("NvJpegDecode", nameof(output), string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes for {width}x{height} RGB ({sourceName})"),
                string.Create(CultureInfo.InvariantCulture, $"{output.SizeBytes} bytes"));
        var image = new NvJpeg.Image { Channel0 = output.Pointer, Pitch0 = (nuint)(width * 3) };
        fixed (byte* data = jpeg)
        {
            NativeStatus.Check(NvJpeg.nvjpegDecode(_handle.Raw, _state.Raw, data, (nuint)jpeg.Length, NvJpeg.NVJPEG_OUTPUT_RGBI, &image, stream.Raw),
                "nvjpegDecode", $"{sourceName} ({width}x{height})");
            stream.Synchronize();
        }
        return (width, height);
    }

    /// <summary>Destroys the decode state, then the handle.</summary>
    public void Dispose()
    {
        _state.Dispose();
        _handle.Dispose();
    }
}
