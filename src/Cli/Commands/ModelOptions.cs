using System.CommandLine;

namespace Detserve.Cli.Commands;

/// <summary>
/// The options every model-running command shares: the model as --config (+ --weights) or as --engine, --device, --precision,
/// --threads and the trailing Detectron2-style KEY VALUE overrides. One instance per command (System.CommandLine options are not shared).
/// </summary>
public sealed class ModelOptions
{
    public Option<FileInfo?> Config { get; } = new("--config", "-c")
    {
        Description = "Detectron2 config (.yaml; its _BASE_ chain is followed)",
    };

    public Option<FileInfo?> Weights { get; } = new("--weights", "-w")
    {
        Description = "weights: Detectron2 model-zoo .pkl or DetectionCheckpointer .pth (default: MODEL.WEIGHTS of the config)",
    };

    public Option<FileInfo?> Engine { get; } = new("--engine", "-e")
    {
        Description = "a model compiled by 'detserve build' (instead of --config and --weights)",
    };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "where the model runs: cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<string?> Precision { get; } = new("--precision")
    {
        Description = "fp32 or fp16 (fp16 needs --device cuda; default: the engine's precision on a GPU, else fp32)",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "CPU threads (0 = all cores)",
        DefaultValueFactory = _ => 0,
    };

    public Option<string> JpegDecoder { get; } = new("--jpeg-decoder")
    {
        Description = "where JPEG inputs are decoded: cpu (libjpeg-turbo, Detectron2's exact pixels) or gpu (nvJPEG on the model's GPU; faster, pixels differ slightly)",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<string?> ShapeBucketsOption { get; } = new("--shape-buckets")
    {
        Description = "pad each batch up to the smallest of these sizes that holds it (HxW,HxW...; one CUDA graph per bucket; default: an engine's own, else none)",
    };

    /// <summary>The --shape-buckets sizes, or null.</summary>
    public Runtime.ShapeBuckets? ShapeBucketsOf(ParseResult parse) => ParseBuckets(parse.GetValue(ShapeBucketsOption));

    /// <summary>Parses a --shape-buckets value; a malformed one is a usage error naming the part.</summary>
    public static Runtime.ShapeBuckets? ParseBuckets(string? text)
    {
        if (text is null) return null;
        try
        {
            return Runtime.ShapeBuckets.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"--shape-buckets: {e.Message}", e);
        }
    }

    /// <summary>The --jpeg-decoder choice.</summary>
    public Runtime.JpegDecoding JpegDecodingOf(ParseResult parse) =>
        parse.GetValue(JpegDecoder) == "gpu" ? Runtime.JpegDecoding.Gpu : Runtime.JpegDecoding.Cpu;

    public Argument<string[]> Overrides { get; } = new("KEY VALUE")
    {
        Description = "config overrides as Detectron2's --opts, e.g. MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.7 (with --engine: test-time keys only)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>
    /// Adds the options to <paramref name="command"/>; <paramref name="withRuntime"/> false adds only the model and the overrides.
    /// <paramref name="modelRequired"/> false leaves the model optional (eval --results, bench --server); either way --config and
    /// --engine exclude each other and --weights goes with --config only.
    /// </summary>
    public void AddTo(Command command, bool withRuntime = true, bool modelRequired = true)
    {
        command.Add(Config);
        command.Add(Weights);
        command.Add(Engine);
        command.Validators.Add(result =>
        {
            bool config = result.GetValue(Config) is not null, engine = result.GetValue(Engine) is not null;
            if (config && engine) result.AddError("give the model as --config C [--weights W] or as --engine E, not both");
            else if (engine && result.GetValue(Weights) is not null) result.AddError("--weights goes with --config: an engine holds its weights");
            else if (modelRequired && !config && !engine) result.AddError($"{command.Name} needs a model: --config C [--weights W], or --engine E");
        });
        if (withRuntime)
        {
            Device.Validators.Add(result =>
            {
                // cpu, cuda or cuda:N (PyTorch's device strings), checked where the command line is parsed so a typo is a usage error.
                try
                {
                    _ = Bench.BenchDevice.Parse(result.GetValueOrDefault<string>());
                }
                catch (CliException e)
                {
                    result.AddError(e.Message);
                }
            });
            Precision.AcceptOnlyFromAmong("fp32", "fp16");
            command.Validators.Add(result =>
            {
                if (result.GetValue(Precision) == "fp16" && (result.GetValue(Device) ?? "cpu") == "cpu")
                    result.AddError("--precision fp16 needs --device cuda (the CPU engine computes in fp32)");
            });
            JpegDecoder.AcceptOnlyFromAmong("cpu", "gpu");
            command.Validators.Add(result =>
            {
                if (result.GetValue(JpegDecoder) == "gpu" && (result.GetValue(Device) ?? "cpu") == "cpu")
                    result.AddError("--jpeg-decoder gpu needs --device cuda (nvJPEG decodes on the model's GPU)");
            });
            command.Add(Device);
            command.Add(Precision);
            command.Add(Threads);
            command.Add(JpegDecoder);
            command.Add(ShapeBucketsOption);
        }
        command.Add(Overrides);
    }
}
