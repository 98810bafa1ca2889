using Detserve.Backends.Cpu;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// Weights for any architecture drawn from a seeded generator, for benchmarks and the zoo-width tests (DESIGN.md bench spec).
/// Convolutions get He-normal weights and zero biases; the prediction layers get Detectron2's small-std initialisation
/// (objectness / class scores std 0.01, box deltas 0.001; RetinaNet's class bias at prior 0.01). Plain random weights make FrozenBN
/// activations explode, so every FrozenBN's running_mean / running_var are then set from one forward pass over a seeded image:
/// the batch mean and variance of its input, which leaves every normalized activation with mean 0 and variance 1.
/// </summary>
public static class SeededModel
{
    /// <summary>Generates and calibrates weights for <paramref name="arch"/>; <paramref name="calibrationSize"/> is the side of the calibration image.</summary>
    public static IReadOnlyDictionary<string, HostTensor> Generate(ArchitectureSpec arch, int seed, int calibrationSize = 256)
    {
        ArgumentNullException.ThrowIfNull(arch);
        var random = new Random(seed);
        var weights = new Dictionary<string, HostTensor>();
        foreach (ExpectedParameter p in ParameterTable.Expected(arch))
        {
            int count = 1;
            foreach (int d in p.Shape) count *= d;
            var values = new float[count];
            Fill(p.Name, p.Shape, values, random, arch);
            weights[p.Name] = HostTensor.FromFloat32(p.Shape, values);
        }
        Calibrate(arch, weights, SeededImage(calibrationSize, calibrationSize, seed));
        return weights;
    }

    /// <summary>A seeded RGB test image: smooth gradients plus coloured rectangles and noise, so activations vary like a photo's.</summary>
    public static RgbImage SeededImage(int width, int height, int seed)
    {
        var random = new Random(seed ^ 0x5EED);
        var px = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int o = ((y * width) + x) * 3;
                px[o] = (byte)(255 * x / Math.Max(1, width - 1));
                px[o + 1] = (byte)(255 * y / Math.Max(1, height - 1));
                px[o + 2] = (byte)random.Next(256);
            }
        for (int r = 0; r < 24; r++)
        {
            int x0 = random.Next(width), y0 = random.Next(height);
            int w = random.Next(8, Math.Max(9, width / 3)), h = random.Next(8, Math.Max(9, height / 3));
            byte cr = (byte)random.Next(256), cg = (byte)random.Next(256), cb = (byte)random.Next(256);
            for (int y = y0; y < Math.Min(height, y0 + h); y++)
                for (int x = x0; x < Math.Min(width, x0 + w); x++)
                {
                    int o = ((y * width) + x) * 3;
                    px[o] = cr;
                    px[o + 1] = cg;
                    px[o + 2] = cb;
                }
        }
        return new RgbImage(width, height, px);
    }

    private static void Fill(string name, IReadOnlyList<int> shape, float[] values, Random random, ArchitectureSpec arch)
    {
        if (name.EndsWith(".norm.weight", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal))
        {
            Array.Fill(values, 1f);
            return;
        }
        if (name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith(".running_mean", StringComparison.Ordinal))
        {
            // RetinaNetHead initialises cls_score's bias to -log((1 - prior) / prior) with prior 0.01.
            float bias = name == "head.cls_score.bias" && arch.RetinaNet is not null ? -MathF.Log((1 - 0.01f) / 0.01f) : 0f;
            Array.Fill(values, bias);
            return;
        }
        // Detectron2's own initialisers, as normal distributions of the same standard deviation: StandardRPNHead and RetinaNetHead
        // convs normal(0.01); predictors normal(0.01) for scores, normal(0.001) for box deltas and mask logits; FPN convs and box-head
        // FCs c2_xavier_fill (std 1 / sqrt(fan_in)); ResNet and mask-head convs He (c2_msra_fill, std sqrt(2 / fan)).
        double std;
        if (name.Contains("objectness_logits", StringComparison.Ordinal) || name.Contains("cls_score", StringComparison.Ordinal)
            || name.StartsWith("proposal_generator.rpn_head.conv", StringComparison.Ordinal)
            || name.StartsWith("head.cls_subnet", StringComparison.Ordinal) || name.StartsWith("head.bbox_subnet", StringComparison.Ordinal))
            std = 0.01;
        else if (name.Contains("bbox_pred", StringComparison.Ordinal) || name.Contains("anchor_deltas", StringComparison.Ordinal)
            || name.Contains("mask_head.predictor", StringComparison.Ordinal))
            std = 0.001;
        else
        {
            // Fan-in of a conv's [out, in, kh, kw] or a linear's [out, in]; a transposed conv's [in, out, kh, kw] uses out * kh * kw.
            long fanIn = 1;
            for (int i = 1; i < shape.Count; i++) fanIn *= shape[i];
            bool xavier = name.StartsWith("backbone.fpn_", StringComparison.Ordinal) || name.StartsWith("backbone.top_block", StringComparison.Ordinal)
                || name.StartsWith("roi_heads.box_head.fc", StringComparison.Ordinal);
            std = Math.Sqrt((xavier ? 1.0 : 2.0) / Math.Max(1, fanIn));
        }
        for (int i = 0; i < values.Length; i++) values[i] = (float)(std * Gaussian(random));
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller.
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static void Calibrate(ArchitectureSpec arch, Dictionary<string, HostTensor> weights, RgbImage image)
    {
        ModelGraph model = ModelGraphBuilder.Build(arch, weights, out _);
        var runner = new NetworkRunner(model.Dense);
        FeatureMap input = ImagePreprocessor.Batch([image], arch.Input, arch.SizeDivisibility);
        using var ctx = new CpuContext();
        runner.Run(ctx, new Dictionary<string, FeatureMap> { ["image"] = input }, (node, x) =>
        {
            var bn = (FrozenBatchNormAttributes)node.Attributes;
            int plane = x.Height * x.Width;
            var mean = new float[x.Channels];
            var variance = new float[x.Channels];
            for (int c = 0; c < x.Channels; c++)
            {
                double s = 0, s2 = 0;
                for (int n = 0; n < x.Batch; n++)
                {
                    ReadOnlySpan<float> v = x.Data.AsSpan(((n * x.Channels) + c) * plane, plane);
                    foreach (float f in v)
                    {
                        s += f;
                        s2 += (double)f * f;
                    }
                }
                double count = (double)plane * x.Batch;
                double m = s / count;
                mean[c] = (float)m;
                variance[c] = (float)Math.Max(s2 / count - (m * m), 0);
            }
            // A channel that is (nearly) constant on the calibration image would get a huge scale and blow up on any other image:
            // floor every variance at 1 % of the layer's mean variance.
            float floor = Math.Max(variance.Average() * 0.01f, 1e-6f);
            for (int c = 0; c < variance.Length; c++) variance[c] = Math.Max(variance[c], floor);
            int[] shape = [x.Channels];
            weights[node.Name + ".running_mean"] = HostTensor.FromFloat32(shape, mean);
            weights[node.Name + ".running_var"] = HostTensor.FromFloat32(shape, variance);
            return bn with { RunningMean = mean, RunningVar = variance };
        }, CancellationToken.None);
    }
}
