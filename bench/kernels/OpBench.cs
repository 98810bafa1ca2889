using System.Diagnostics;
using System.Globalization;
using Detserve.Backends.Cpu;

namespace Detserve.Bench.Kernels;

/// <summary>Times the non-convolution ops of one Mask R-CNN R50-FPN image (800 x 1088 padded, 1000 proposals, 100 detections).</summary>
internal static class OpBench
{
    public static void Run(CpuContext ctx, int reps)
    {
        var rng = new Random(3);
        float[] Rand(int n) { float[] v = new float[n]; for (int i = 0; i < n; i++) v[i] = rng.NextSingle(); return v; }
        float[] Boxes(int n, float w, float h)
        {
            float[] b = new float[n * 4];
            for (int i = 0; i < n; i++)
            {
                float x = rng.NextSingle() * w * 0.8f, y = rng.NextSingle() * h * 0.8f;
                b[i * 4] = x; b[(i * 4) + 1] = y; b[(i * 4) + 2] = x + 4 + (rng.NextSingle() * w * 0.2f); b[(i * 4) + 3] = y + 4 + (rng.NextSingle() * h * 0.2f);
            }
            return b;
        }
        void Time(string name, Action action)
        {
            action();
            double best = double.MaxValue;
            for (int r = 0; r < reps; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                action();
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-50} {best,9:F2} ms"));
        }

        float[] stem = Rand(64 * 400 * 544), pooled = new float[64 * 200 * 272];
        Time("MaxPool2d stem 64x400x544 k3 s2 p1", () => MaxPool2d.Forward(ctx, stem, 1, 64, 400, 544, 3, 2, 1, pooled));
        float[] top = Rand(256 * 100 * 136), lateral = Rand(256 * 200 * 272), fused = new float[lateral.Length];
        Time("UpsampleNearest 2x + add 256x100x136", () => UpsampleNearest.Forward2xAdd(ctx, top, lateral, 1, 256, 100, 136, fused));

        float[] logits = Rand(200 * 272 * 3);
        int[] topIdx = new int[1000];
        Time("TopK 1000 of 163200 (RPN p2)", () => TopK.Indices(logits, 1000, topIdx));

        float[] proposals = Boxes(4700, 1066, 800), scores = Rand(4700);
        int[] levels = Enumerable.Range(0, 4700).Select(i => i % 5).ToArray(), keep = new int[4700];
        Time("BatchedNms 4700 boxes, 5 levels, 0.7", () => Nms.BatchedNms(proposals, scores, levels, 4700, 0.7, keep));
        float[] dets = Boxes(3000, 1066, 800), detScores = Rand(3000);
        int[] classes = Enumerable.Range(0, 3000).Select(i => i % 80).ToArray();
        Time("BatchedNms 3000 boxes, 80 classes, 0.5", () => Nms.BatchedNms(dets, detScores, classes, 3000, 0.5, keep));
        // SCORE_THRESH_TEST 0.0 (the bench spec): every one of 1000 proposals is a candidate in each of 80 classes.
        float[] perProposal = Boxes(1000, 1066, 800), allScores = Rand(80_000), allBoxes = new float[80_000 * 4];
        for (int i = 0; i < 80_000; i++) perProposal.AsSpan((i / 80) * 4, 4).CopyTo(allBoxes.AsSpan(i * 4, 4));
        int[] allClasses = Enumerable.Range(0, 80_000).Select(i => i % 80).ToArray(), allKeep = new int[80_000];
        Time("BatchedNms 80000 boxes (1000 x 80 classes), 0.5", () => Nms.BatchedNms(allBoxes, allScores, allClasses, 80_000, 0.5, allKeep));

        var p2 = new FeatureLevel(Rand(256 * 200 * 272), 1, 256, 200, 272, 0.25f);
        var p3 = new FeatureLevel(Rand(256 * 100 * 136), 1, 256, 100, 136, 0.125f);
        var p4 = new FeatureLevel(Rand(256 * 50 * 68), 1, 256, 50, 68, 0.0625f);
        var p5 = new FeatureLevel(Rand(256 * 25 * 34), 1, 256, 25, 34, 0.03125f);
        FeatureLevel[] fpn = [p2, p3, p4, p5];
        float[] roiBoxes = Boxes(1000, 1066, 800);
        float[] rois = new float[5000];
        for (int i = 0; i < 1000; i++) roiBoxes.AsSpan(i * 4, 4).CopyTo(rois.AsSpan((i * 5) + 1));
        int[] roiLevel = new int[1000];
        RoiLevels.AssignLevels(roiBoxes, 1000, 2, 5, roiLevel);
        float[] pooledBox = new float[1000 * 256 * 49];
        Time("RoiAlign 1000 rois 256ch 7x7 multi-level", () => RoiAlign.ForwardMultiLevel(ctx, fpn, new RoiAlignParams(7, 0, true), rois, roiLevel, 1000, pooledBox));
        float[] pooledMask = new float[100 * 256 * 196];
        Time("RoiAlign 100 rois 256ch 14x14 multi-level", () => RoiAlign.ForwardMultiLevel(ctx, fpn, new RoiAlignParams(14, 0, true), rois, roiLevel, 100, pooledMask));

        var fc1 = new Linear(12544, 1024, Rand(12544 * 1024), Rand(1024), true);
        var fc2 = new Linear(1024, 1024, Rand(1024 * 1024), Rand(1024), true);
        float[] h1 = new float[1000 * 1024], h2 = new float[1000 * 1024];
        Time("Linear fc1 1000x12544 -> 1024", () => fc1.Forward(ctx, pooledBox.AsSpan(0, 1000 * 12544), 1000, h1));
        Time("Linear fc2 1000x1024 -> 1024", () => fc2.Forward(ctx, h1, 1000, h2));
        float[] cls = Rand(1000 * 81);
        Time("Softmax 1000 x 81", () => Activations.SoftmaxRows(cls, 1000, 81, cls));
        float[] deltas = Rand(1000 * 320), decoded = new float[1000 * 320];
        Time("Box2BoxTransform.ApplyDeltas 1000 x 80 classes", () => Box2BoxTransform.ApplyDeltas(roiBoxes, deltas, 1000, 80, [10, 10, 5, 5], Box2BoxTransform.DefaultScaleClamp, decoded));

        var deconv = new ConvTranspose2d(new ConvTranspose2dSpec(256, 256, 2, 2, 2, 2, Relu: true), Rand(256 * 256 * 4), Rand(256));
        float[] maskIn = Rand(100 * 256 * 196), maskUp = new float[100 * 256 * 784];
        Time("ConvTranspose2d 100 x 256 -> 256 2x2/2 at 14x14", () => deconv.Forward(ctx, maskIn, 100, 14, 14, maskUp));

        float[] maskProbs = Rand(28 * 28);
        byte[] crop = new byte[1066 * 800];
        float[] detBoxes = Boxes(100, 1066, 800);
        Time("PasteMaskRegion x100 at 800x1066", () =>
        {
            for (int i = 0; i < 100; i++)
                PasteMasks.PasteMaskRegion(maskProbs, 28, detBoxes[i * 4], detBoxes[(i * 4) + 1], detBoxes[(i * 4) + 2], detBoxes[(i * 4) + 3], 800, 1066, 0.5f, crop);
        });
    }
}
