using Detserve.Backends.Cuda;
using Detserve.Runtime;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// backend: "detserve_image" — decodes encoded images (PNG, JPEG, BMP; EXIF orientation applied, as Detectron2's
/// read_image) so that an ensemble can take image bytes: input "image_bytes" BYTES [batch, 1], output "image"
/// UINT8 [batch, H, W, 3] RGB. Needs no files in its version folder. A request whose bytes do not decode fails alone.
/// A KIND_CPU instance (also KIND_AUTO and no instance_group: GPU decoding is opt-in) decodes with libjpeg-turbo (the pixels Pillow
/// gives Detectron2); an explicit KIND_GPU instance on gpu N decodes
/// JPEGs with nvJPEG on cuda:N (<see cref="GpuImageDecoder"/>: faster for large photos, not bit-identical to libjpeg-turbo;
/// other formats still on the host), and is UNAVAILABLE, with the reason, where that GPU or nvJPEG cannot be opened.
/// </summary>
public sealed class ImageDecoderBackend : IModelBackend
{
    public const string BackendName = "detserve_image";
    public const string InputName = "image_bytes";
    public const string OutputName = "image";

    public string Name => BackendName;

    public bool Recognizes(string versionDirectory) => false;

    public void AutoCompleteConfig(ModelConfig config, string versionDirectory)
    {
        if (config.Input.Count == 0 && config.MaxBatchSize == 0)
        {
            config.MaxBatchSize = 8;
        }

        if (config.Input.Count == 0)
        {
            config.Input.Add(new ModelInput { Name = InputName, DataType = DataType.TypeString, Dims = { 1 } });
        }

        if (config.Output.Count == 0)
        {
            config.Output.Add(new ModelOutput { Name = OutputName, DataType = DataType.TypeUint8, Dims = { -1, -1, 3 } });
        }

        // nvJPEG is opt-in (its pixels are not libjpeg-turbo's for subsampled JPEGs): KIND_AUTO, which the server would turn into KIND_GPU on
        // a machine with a GPU, decodes on the host; only an explicit KIND_GPU group decodes on the GPU.
        if (config.InstanceGroup.Count == 0)
        {
            config.InstanceGroup.Add(new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Cpu });
        }

        foreach (var group in config.InstanceGroup.Where(g => g.Kind == ModelInstanceGroup.Types.Kind.Auto))
        {
            group.Kind = ModelInstanceGroup.Types.Kind.Cpu;
        }

        if (config.Input.Count != 1 || config.Input[0].Name != InputName || config.Input[0].DataType != DataType.TypeString
            || config.Output.Count != 1 || config.Output[0].Name != OutputName || config.Output[0].DataType != DataType.TypeUint8)
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': a detserve_image model has input '{InputName}' (TYPE_STRING) and output '{OutputName}' (TYPE_UINT8)");
        }
    }

    public IModelInstance CreateInstance(ModelInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Kind != ModelInstanceGroup.Types.Kind.Gpu)
        {
            return new ImageDecoderInstance(null);
        }

        var device = $"cuda:{context.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        try
        {
            return new ImageDecoderInstance(GpuImageDecoder.Open(device));
        }
        catch (Exception e) when (e is NotSupportedException or CudaException)
        {
            // No driver, no nvJPEG, no such device: the GPU is not there for this instance (UNAVAILABLE with the reason, as Triton
            // reports a model whose GPU instance cannot be created, and as the detserve backend does for KIND_GPU).
            throw ServeException.Unavailable($"model '{context.ModelName}' instance '{context.InstanceName}' (KIND_GPU, nvJPEG) on {device}: {e.Message}");
        }
    }
}
