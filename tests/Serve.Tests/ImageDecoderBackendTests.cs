using Detserve.Backends.Cuda.Native;
using Detserve.Serve.Backends;
using Detserve.Serve.Backends.Detectron;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;
using Detserve.Vision;

namespace Detserve.Serve.Tests;

/// <summary>
/// The detserve_image model: a KIND_CPU instance decodes with Vision (libjpeg-turbo, EXIF orientation), a KIND_GPU instance with nvJPEG,
/// and a KIND_GPU instance where no CUDA driver can be opened is UNAVAILABLE with the reason, as the detserve backend's.
/// </summary>
public sealed class ImageDecoderBackendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string FixtureJpeg(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Detserve.slnx")))
            {
                return Path.Combine(dir.FullName, "tests", "Fixtures", "images", "jpeg", name + ".jpg");
            }
        }

        throw new DirectoryNotFoundException($"no Detserve.slnx above {AppContext.BaseDirectory}");
    }

    private static ModelInstanceContext Context(ModelInstanceGroup.Types.Kind kind, int deviceId)
    {
        var config = new ModelConfig { Name = "decode", Backend = ImageDecoderBackend.BackendName };
        return new ModelInstanceContext(config, "decode", 1, "/nonexistent/decode/1", "decode_0_gpu0", kind, deviceId);
    }

    [Fact]
    public void KindCpu_DecodesEachRequestAsVision_AndABadRequestFailsAlone()
    {
        var jpeg = File.ReadAllBytes(FixtureJpeg("rgb_420_exif_6"));
        using var instance = new ImageDecoderBackend().CreateInstance(Context(ModelInstanceGroup.Types.Kind.Cpu, 0));
        BackendRequest Request(byte[] bytes) => new(
            [InferTensor.FromByteStrings(ImageDecoderBackend.InputName, [1, 1], [bytes])], new HashSet<string> { ImageDecoderBackend.OutputName });
        var responses = instance.Execute([Request(jpeg), Request([0xFF, 0xD8, 0xFF, 0x00])], new ExecutionTimer(), Ct);

        var expected = ImageDecoder.Decode(jpeg, "rgb_420_exif_6.jpg");
        var image = Assert.Single(responses[0].Outputs!);
        Assert.Equal([1L, expected.Height, expected.Width, 3L], image.Shape);
        Assert.Equal(expected.Pixels, image.Data.ToArray());
        Assert.Equal(ServeErrorCode.InvalidArgument, responses[1].Error!.Code);
        Assert.Contains("input 'image_bytes' element 0", responses[1].Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KindGpu_WithoutACudaDriver_IsUnavailableNamingTheInstanceAndTheDriver()
    {
        if (CudaLibraryResolver.TryFindDriver(CudaLibraryOptions.Default, out var driver))
        {
            Assert.Skip($"this machine has a CUDA driver ({driver})");
        }

        var e = Assert.Throws<ServeException>(() => new ImageDecoderBackend().CreateInstance(Context(ModelInstanceGroup.Types.Kind.Gpu, 0)));
        Assert.Equal(ServeErrorCode.Unavailable, e.Code);
        Assert.Contains("model 'decode' instance 'decode_0_gpu0' (KIND_GPU, nvJPEG) on cuda:0", e.Message, StringComparison.Ordinal);
        Assert.Contains("device 'cuda:0': no CUDA driver found: libcuda.so.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoComplete_KindAutoAndNoInstanceGroup_DecodeOnTheHost_OnlyKindGpuStays()
    {
        var backend = new ImageDecoderBackend();
        var none = new ModelConfig { Name = "decode", Backend = ImageDecoderBackend.BackendName };
        backend.AutoCompleteConfig(none, "/nonexistent/decode/1");
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, Assert.Single(none.InstanceGroup).Kind);

        var mixed = new ModelConfig
        {
            Name = "decode",
            Backend = ImageDecoderBackend.BackendName,
            InstanceGroup =
            {
                new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Auto },
                new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Gpu, Gpus = { 1 } },
            },
        };
        backend.AutoCompleteConfig(mixed, "/nonexistent/decode/1");
        Assert.Equal([ModelInstanceGroup.Types.Kind.Cpu, ModelInstanceGroup.Types.Kind.Gpu], mixed.InstanceGroup.Select(g => g.Kind));
    }
}
