using System.CommandLine;

namespace Detserve.Cli.Commands;

/// <summary>
/// The options every model-running command shares: --config, --weights, --device, --precision, --threads and the
/// trailing Detectron2-style KEY VALUE overrides. One instance per command (System.CommandLine options are not shared).
/// </summary>
public sealed class ModelOptions
{
    public Option<FileInfo> Config { get; } = new("--config", "-c")
    {
        Description = "Detectron2 config (.yaml; its _BASE_ chain is followed)",
        Required = true,
    };

    public Option<FileInfo?> Weights { get; } = new("--weights", "-w")
    {
        Description = "weights: Detectron2 model-zoo .pkl or DetectionCheckpointer .pth (default: MODEL.WEIGHTS of the config)",
    };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "where the model runs: cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "fp32 or fp16 (fp16 needs --device cuda)",
        DefaultValueFactory = _ => "fp32",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "CPU threads (0 = all cores)",
        DefaultValueFactory = _ => 0,
    };

    public Argument<string[]> Overrides { get; } = new("KEY VALUE")
    {
        Description = "config overrides as Detectron2's --opts, e.g. MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.7",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>Adds the options to <paramref name="command"/>; <paramref name="withRuntime"/> false adds only config, weights and overrides.</summary>
    public void AddTo(Command command, bool withRuntime = true)
    {
        command.Add(Config);
        command.Add(Weights);
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
            command.Add(Device);
            command.Add(Precision);
            command.Add(Threads);
        }
        command.Add(Overrides);
    }
}
