using System.Runtime.InteropServices;

namespace Detserve.Vision.Jpeg;

/// <summary>
/// Owns one TurboJPEG decompressor instance (tjhandle from tjInitDecompress) and frees it with tjDestroy.
/// Not thread-safe: one handle per decode. If not disposed, the finalizer frees it (a few KB of libjpeg state).
/// </summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    public TurboJpegHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    /// <summary>A new decompressor; throws <see cref="DllNotFoundException"/> when libturbojpeg.so.0 is missing.</summary>
    public static TurboJpegHandle CreateDecompressor()
    {
        var h = new TurboJpegHandle();
        h.SetHandle(TurboJpegNative.tjInitDecompress());
        if (h.IsInvalid)
        {
            h.Dispose();
            throw new InvalidOperationException("tjInitDecompress returned NULL (out of memory?)");
        }
        return h;
    }

    /// <summary>The message of the last failed call on this handle (tjGetErrorStr2).</summary>
    public string LastError()
    {
        nint text = TurboJpegNative.tjGetErrorStr2(this);
        return text == nint.Zero ? "unknown TurboJPEG error" : Marshal.PtrToStringUTF8(text) ?? "unknown TurboJPEG error";
    }

    protected override bool ReleaseHandle() => TurboJpegNative.tjDestroy(handle) == 0;
}
