using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Nvrtc;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// Decodes encoded images into host <see cref="RgbImage"/>s with JPEG decoding on a CUDA GPU (nvJPEG, EXIF orientation on the device),
/// for a caller that needs the pixels on the host (the server's image decoder model in an ensemble); <see cref="Predictor.RunEncoded"/>
/// with <see cref="JpegDecoding.Gpu"/> is the path that keeps them on the device. PNG, BMP and JPEGs nvJPEG cannot decode (CMYK/YCCK,
/// unsupported sampling factors, truncated files) are decoded on the host by <see cref="ImageDecoder"/>, so the result is what
/// <see cref="ImageDecoder.Decode"/> gives, except that nvJPEG's pixels are not bit-identical to libjpeg-turbo's (see
/// <see cref="JpegDecoding.Gpu"/>). Owns its device context reference, stream, kernels and nvJPEG state; calls are serialized.
/// </summary>
public sealed class GpuImageDecoder : IDisposable
{
    private readonly CudaDevice _device;
    private readonly CudaStream _stream;
    private readonly KernelLibrary _kernels;
    private readonly GpuJpegDecoder _jpeg;
    private readonly GrowingDeviceBuffer _decoded;
    private readonly GrowingDeviceBuffer _oriented;
    private readonly Lock _lock = new();
    private bool _disposed;

    private GpuImageDecoder(CudaDevice device, CudaStream stream, KernelLibrary kernels, GpuJpegDecoder jpeg)
    {
        _device = device;
        _stream = stream;
        _kernels = kernels;
        _jpeg = jpeg;
        _decoded = new GrowingDeviceBuffer(device, stream);
        _oriented = new GrowingDeviceBuffer(device, stream);
    }

    /// <summary>"cuda:0 NVIDIA H100 ..." for logs.</summary>
    public string Description => $"cuda:{_device.Ordinal} {_device.Describe()}";

    /// <summary>Opens <paramref name="device"/> ("cuda" or "cuda:N") and nvJPEG on it.</summary>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a CUDA device name.</exception>
    /// <exception cref="NotSupportedException">no CUDA driver or no nvJPEG library on this machine; the message names the device and the paths tried.</exception>
    /// <exception cref="CudaException">no such device, or a CUDA error.</exception>
    public static GpuImageDecoder Open(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!CudaDeviceName.TryParse(device, out int ordinal))
            throw new ArgumentException($"device '{device}' is not a CUDA device (use \"cuda\" or \"cuda:N\")", nameof(device));
        var owned = new Stack<IDisposable>();
        try
        {
            CudaDevice cuda = CudaDevice.Open(ordinal, CudaLibraryOptions.Default);
            owned.Push(cuda);
            CudaStream stream = cuda.CreateStream();
            owned.Push(stream);
            var kernels = new KernelLibrary(cuda, NvrtcCacheOptions.Default);
            owned.Push(kernels);
            var jpeg = new GpuJpegDecoder(kernels);
            return new GpuImageDecoder(cuda, stream, kernels, jpeg);
        }
        catch (Exception e) when (e is DllNotFoundException || (e is CudaException && e.InnerException is DllNotFoundException))
        {
            while (owned.Count > 0) owned.Pop().Dispose();
            // The device was asked for by name: say which and why (the driver's message lists the paths it tried).
            throw new NotSupportedException($"device '{device}': {e.Message}", e);
        }
        catch
        {
            while (owned.Count > 0) owned.Pop().Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes <paramref name="image"/> to Height x Width x 3 RGB with the EXIF orientation applied (read_image's geometry): JPEG on the GPU
    /// where nvJPEG can, everything else on the host.
    /// </summary>
    /// <exception cref="ImageDecodeException">the bytes are not a decodable image within <paramref name="limits"/>; the message starts with the image's name.</exception>
    /// <exception cref="CudaException">a device failure.</exception>
    public RgbImage Decode(EncodedImage image, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        limits ??= ImageLimits.Default;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Server workers may call from any thread: the context must be current for nvJPEG and the copies.
            _device.MakeCurrent();
            GpuJpeg? jpeg = _jpeg.Inspect(image, limits);
            if (jpeg is null) return ImageDecoder.Decode(image.Bytes.Span, image.Name, limits);
            DeviceBuffer stored = _decoded.Slice(jpeg.StoredBytes);
            if (!_jpeg.TryDecode(jpeg, stored, _stream)) return ImageDecoder.Decode(image.Bytes.Span, image.Name, limits);
            DeviceBuffer result = stored;
            if (jpeg.Orientation != 1)
            {
                result = _oriented.Slice(jpeg.StoredBytes);
                _jpeg.Orient(jpeg, stored, result, _stream);
            }
            var pixels = new byte[jpeg.StoredBytes];
            result.Download<byte>(pixels, _stream);
            return new RgbImage(jpeg.Width, jpeg.Height, pixels);
        }
    }

    /// <summary>Waits for the stream, then frees the buffers, nvJPEG, the kernels, the stream and the device reference.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _device.MakeCurrent();
            _stream.Synchronize();
            _oriented.Dispose();
            _decoded.Dispose();
            _jpeg.Dispose();
            _kernels.Dispose();
            _stream.Dispose();
            _device.Dispose();
        }
    }
}
