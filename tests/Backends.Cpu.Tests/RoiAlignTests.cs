using Detserve.Backends.Cpu.Reference;

namespace Detserve.Backends.Cpu.Tests;

public class RoiAlignTests
{
    [Fact]
    public void RoiAlign_HandComputedValues_MatchDetectron2Test()
    {
        // detectron2 tests/layers/test_roi_align.py test_forward_output: 5x5 arange, box (1, 1, 3, 3), 4x4 output.
        using var ctx = new CpuContext(1);
        float[] input = Enumerable.Range(0, 25).Select(i => (float)i).ToArray();
        float[] roi = [0, 1, 1, 3, 3];
        float[] aligned = new float[16], legacy = new float[16];
        RoiAlign.Forward(ctx, input, 1, 1, 5, 5, 1f, new RoiAlignParams(4, 0, true), roi, 1, aligned);
        RoiAlign.Forward(ctx, input, 1, 1, 5, 5, 1f, new RoiAlignParams(4, 0, false), roi, 1, legacy);
        float[] correct = [4.5f, 5.0f, 5.5f, 6.0f, 7.0f, 7.5f, 8.0f, 8.5f, 9.5f, 10.0f, 10.5f, 11.0f, 12.0f, 12.5f, 13.0f, 13.5f];
        float[] old = [7.5f, 8, 8.5f, 9, 10, 10.5f, 11, 11.5f, 12.5f, 13, 13.5f, 14, 15, 15.5f, 16, 16.5f];
        TestData.AssertClose(correct, aligned, 1e-6f, 0, "RoiAlign aligned=True hand values");
        TestData.AssertClose(old, legacy, 1e-6f, 0, "RoiAlign aligned=False hand values");
    }

    [Theory]
    [InlineData(0, 7, 0, true)]
    [InlineData(1, 7, 0, true)]
    [InlineData(37, 7, 0, true)]
    [InlineData(20, 14, 0, true)]
    [InlineData(20, 3, 2, false)]
    public void RoiAlign_MatchesReference(int rois, int outSize, int sampling, bool aligned)
    {
        using var ctx = new CpuContext(2);
        const int batch = 2, channels = 19, height = 13, width = 17; // 19: two SIMD blocks + a scalar tail
        const float scale = 0.25f;
        float[] features = TestData.Uniform(rois + 1, batch * channels * height * width);
        float[] roiData = MakeRois(rois + 2, rois, batch, width / scale, height / scale);
        var p = new RoiAlignParams(outSize, sampling, aligned);
        float[] expected = new float[rois * channels * outSize * outSize], actual = new float[expected.Length];
        RoiAlignReference.Forward(features, batch, channels, height, width, scale, p, roiData, rois, expected);
        RoiAlign.Forward(ctx, features, batch, channels, height, width, scale, p, roiData, rois, actual);
        TestData.AssertClose(expected, actual, 0f, 0f, $"RoiAlign rois={rois} {p}");
    }

    [Fact]
    public void RoiAlign_MultiLevel_EqualsPerLevelCalls()
    {
        using var ctx = new CpuContext(2);
        var p = new RoiAlignParams(7, 0, true);
        int[] strides = [4, 8, 16, 32];
        var levels = strides.Select((s, i) => new FeatureLevel(TestData.Uniform(50 + i, 11 * (128 / s) * (96 / s)), 1, 11, 96 / s, 128 / s, 1f / s)).ToList();
        const int count = 30;
        float[] rois = MakeRois(9, count, 1, 128, 96);
        float[] boxes = Enumerable.Range(0, count).SelectMany(i => rois.Skip((i * 5) + 1).Take(4)).ToArray();
        int[] level = new int[count];
        RoiLevels.AssignLevels(boxes, count, 2, 5, level);
        float[] actual = new float[count * 11 * 49];
        RoiAlign.ForwardMultiLevel(ctx, levels, p, rois, level, count, actual);
        for (int i = 0; i < count; i++)
        {
            FeatureLevel l = levels[level[i]];
            float[] one = new float[11 * 49];
            RoiAlignReference.Forward(l.Data.Span, 1, 11, l.Height, l.Width, l.SpatialScale, p, rois.AsSpan(i * 5, 5), 1, one);
            TestData.AssertClose(one, actual.AsSpan(i * 11 * 49, 11 * 49), 0f, 0f, $"RoiAlign multi-level roi {i} level {level[i]}");
        }
    }

    [Fact]
    public void RoiAlign_RejectsBatchIndexOutOfRange()
    {
        using var ctx = new CpuContext(1);
        var ex = Assert.Throws<ShapeException>(() => RoiAlign.Forward(ctx, new float[16], 1, 1, 4, 4, 1f, new RoiAlignParams(2, 0, true), [1, 0, 0, 2, 2], 1, new float[4]));
        Assert.Equal("rois", ex.Argument);
    }

    [Fact]
    public void RoiLevels_MatchesReference_AndCanonicalBoxIsLevel4()
    {
        float[] boxes = [0, 0, 224, 224, 0, 0, 111.9f, 112, 0, 0, 10, 10, 0, 0, 2000, 2000, 5, 5, 5, 5];
        int[] levels = new int[5], expected = new int[5];
        RoiLevels.AssignLevels(boxes, 5, 2, 5, levels);
        RoiLevelsReference.AssignLevels(boxes, 5, 2, 5, 224, 4, expected);
        Assert.Equal(expected, levels);
        Assert.Equal(new[] { 2, 0, 0, 3, 0 }, levels);
        float[] random = TestData.Boxes(3, 500, 1300f, 0.01f);
        int[] a = new int[500], b = new int[500];
        RoiLevels.AssignLevels(random, 500, 2, 5, a);
        RoiLevelsReference.AssignLevels(random, 500, 2, 5, 224, 4, b);
        Assert.Equal(b, a);
    }

    private static float[] MakeRois(int seed, int count, int batch, float imageW, float imageH)
    {
        var rng = new Random(seed);
        float[] r = new float[count * 5];
        for (int i = 0; i < count; i++)
        {
            // Some rois reach past the image and some are degenerate, to exercise the boundary rules.
            float x1 = (rng.NextSingle() * 1.2f * imageW) - (0.1f * imageW), y1 = (rng.NextSingle() * 1.2f * imageH) - (0.1f * imageH);
            float w = i % 7 == 0 ? 0f : rng.NextSingle() * imageW * 0.6f, h = i % 5 == 0 ? 0.3f : rng.NextSingle() * imageH * 0.6f;
            r[i * 5] = rng.Next(batch);
            r[(i * 5) + 1] = x1;
            r[(i * 5) + 2] = y1;
            r[(i * 5) + 3] = x1 + w;
            r[(i * 5) + 4] = y1 + h;
        }
        return r;
    }
}
