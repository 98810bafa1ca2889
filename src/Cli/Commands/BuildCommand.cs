using System.CommandLine;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Engine;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve build: compiles config + weights once into an .engine file (graphs with FrozenBN folded and conv + bias + residual + ReLU
/// fused, FP32 weights, the resolved config, the build's precision and max batch), which every model-running command and the server
/// take as --engine / model.engine. --seeded-weights builds the bench spec's seeded model instead of reading weights (timing only).
/// </summary>
public static class BuildCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var precision = new Option<string>("--precision") { Description = "the precision runs use by default: fp32, or fp16 (checked to run on CUDA)", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "fp16");
        var maxBatch = new Option<int>("--max-batch") { Description = "the largest batch a run of the engine accepts", DefaultValueFactory = _ => 8 };
        var output = new Option<FileInfo>("--output", "-o") { Description = "the engine file to write (replaced whole if it exists)", Required = true };
        var buckets = new Option<string?>("--shape-buckets") { Description = "shape buckets runs of the engine use by default (HxW,HxW...)" };
        var seeded = new Option<int?>("--seeded-weights") { Description = "instead of weights: the bench spec's seeded weights of this seed (for timing only)" };
        var command = new Command("build", "compile a Detectron2 config and weights into an .engine file");
        command.Add(model.Config);
        command.Add(model.Weights);
        command.Add(precision);
        command.Add(maxBatch);
        command.Add(output);
        command.Add(seeded);
        command.Add(buckets);
        command.Add(model.Overrides);
        model.Config.Required = true;
        command.Validators.Add(result =>
        {
            if (result.GetValue(seeded) is not null && result.GetValue(model.Weights) is not null)
                result.AddError("--seeded-weights replaces --weights: give one of them");
        });
        command.SetAction(parse =>
        {
            string config = parse.GetValue(model.Config)!.FullName;
            string? weights = parse.GetValue(model.Weights)?.FullName;
            IReadOnlyList<string> opts = parse.GetValue(model.Overrides) ?? [];
            string outputPath = parse.GetRequiredValue(output).FullName;
            ShapeBuckets? shapeBuckets = ModelOptions.ParseBuckets(parse.GetValue(buckets));
            if (parse.GetValue(maxBatch) is < 1 or > 4096) throw new CliException($"--max-batch {parse.GetValue(maxBatch)}: must be between 1 and 4096");
            void Log(string line) => Console.Error.WriteLine($"[build] {line}");

            CfgNode cfg;
            IReadOnlyDictionary<string, Graph.HostTensor> tensors;
            EngineSource source;
            if (parse.GetValue(seeded) is int seed)
            {
                cfg = ConfigLoader.LoadFile(config, opts);
                ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
                Log($"generating seeded weights (seed {seed}; FrozenBN statistics from one forward pass)");
                tensors = SeededModel.Generate(arch, seed);
                source = new EngineSource(config, $"seeded:{seed}", null, opts);
            }
            else
            {
                Log($"loading {config}" + (weights is null ? "" : $" and {weights}"));
                ModelSpec spec = ModelLoader.Load(config, weights, opts);
                if (spec.WeightsPath is null)
                    throw new CliException($"{config}: no weights (MODEL.WEIGHTS is empty): pass --weights W, or --seeded-weights SEED for a timing-only engine");
                foreach (string warning in spec.Warnings) Console.Error.WriteLine($"warning: {warning}");
                cfg = spec.Config;
                tensors = spec.Weights;
                Log($"hashing {spec.WeightsPath}");
                source = new EngineSource(config, spec.WeightsPath, EngineBuilder.Sha256Of(spec.WeightsPath), opts);
            }
            (EngineInfo info, IReadOnlyList<string> warnings) = EngineBuilder.Build(cfg, tensors, source, parse.GetValue(precision)!, parse.GetValue(maxBatch), outputPath, Log, shapeBuckets);
            foreach (string warning in warnings) Console.Error.WriteLine($"warning: {warning}");
            Console.WriteLine($"{info.Path}: {info.MetaArchitecture}, {info.NumClasses} classes{(info.MaskOn ? ", masks" : "")}, {info.Precision}, max batch {info.MaxBatch}{(info.ShapeBuckets is null ? "" : $", shape buckets {info.ShapeBuckets}")}, {new FileInfo(info.Path).Length / 1e6:F1} MB");
            return 0;
        });
        return command;
    }
}
