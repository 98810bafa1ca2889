using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>
/// The float32 seams of the FP16 network (bench/gpu/NOTES.md, "FP16 accuracy"): the RPN head's 1x1 output convs in float32 from
/// half NHWC input (RpnHeadOutputsOp), and ROIAlign from half NHWC levels into a float32 NCHW head input.
/// </summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class Fp16SeamOpTests(GpuFixture gpu)
{
    [Theory]
    [InlineData(1, 3, 5, 256, 3, 0)]
    [InlineData(2, 17, 9, 256, 3, 0)]
    [InlineData(3, 4, 4, 40, 1, 0)]
    [InlineData(2, 7, 3, 8, 6, 0)]
    // More positions than one block (128) with a partial last block, at the zoo's shape (256 channels, 3 anchors).
    [InlineData(2, 37, 29, 256, 3, 0)]
    [InlineData(1, 16, 16, 256, 3, 0)]
    // 6 anchors at the widest the kernel's shared weights take (32 x 256), and an input not 16-byte aligned (scalar staging).
    [InlineData(1, 11, 13, 256, 6, 0)]
    [InlineData(2, 9, 31, 72, 2, 3)]
    public void RpnHeadOutputs_MatchFloat32OneByOneConvsAtTheirOffsets(int batch, int height, int width, int channels, int anchors, int featureOffsetHalves)
    {
        int plane = height * width, outputs = 5 * anchors;
        float[] x = Parity.RoundToHalf(Parity.Random(batch * 7 + channels, (long)batch * plane * channels, 0f, 4f)); // NHWC, post-ReLU
        float[] w = Parity.Random(anchors + 11, (long)outputs * channels, -0.05f, 0.05f);
        float[] b = Parity.Random(anchors + 12, outputs, -1f, 1f);
        // This level sits after 10 other anchors per image, and each image's row is longer than the level (other levels around it).
        long objOffset = 10, objStride = objOffset + (long)anchors * plane + 6, delOffset = 40, delStride = delOffset + 4L * anchors * plane + 3;
        var expectedObj = new float[batch * objStride];
        var expectedDel = new float[batch * delStride];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < outputs; o++)
                for (int p = 0; p < plane; p++)
                {
                    double sum = b[o];
                    for (int c = 0; c < channels; c++) sum += (double)w[(long)o * channels + c] * x[((long)n * plane + p) * channels + c];
                    if (o < anchors) expectedObj[n * objStride + objOffset + (long)o * plane + p] = (float)sum;
                    else expectedDel[n * delStride + delOffset + (long)(o - anchors) * plane + p] = (float)sum;
                }
        using var dx = gpu.Upload<Half>([.. new Half[featureOffsetHalves], .. Parity.ToHalf(x)]);
        using var dw = gpu.Upload<float>(w);
        using var db = gpu.Upload<float>(b);
        using var dObj = gpu.Upload<float>(new float[expectedObj.Length]);
        using var dDel = gpu.Upload<float>(new float[expectedDel.Length]);
        new RpnHeadOutputsOp(gpu.Kernels).Enqueue(dx.Slice(featureOffsetHalves * 2L, (long)x.Length * 2), batch, plane, channels, dw, db, anchors, dObj, objStride, objOffset, dDel, delStride, delOffset, gpu.Stream);
        string parameters = $"batch {batch}, {height}x{width}, {channels} channels, {anchors} anchors, input at +{featureOffsetHalves} halves";
        Parity.AssertClose("RpnHeadOutputs objectness", parameters, expectedObj, gpu.Download(dObj, expectedObj.Length), 1e-5f, 1e-5f);
        Parity.AssertClose("RpnHeadOutputs deltas", parameters, expectedDel, gpu.Download(dDel, expectedDel.Length), 1e-5f, 1e-5f);
    }

    [Theory]
    [InlineData(1, 7, 0, 256)]
    [InlineData(300, 7, 0, 32)]
    [InlineData(33, 14, 2, 3)]
    public void RoiAlignNhwcHalfToNchwFloat_EqualsTheFloatKernelOnHalfValues(int count, int pooled, int samplingRatio, int channels)
    {
        const int batch = 2, imageH = 200, imageW = 264;
        int[] strides = [4, 8, 16, 32];
        var floatLevels = new List<DeviceFeatureLevel>();
        var halfLevels = new List<DeviceFeatureLevel>();
        var owned = new List<DeviceBuffer>();
        try
        {
            for (int l = 0; l < strides.Length; l++)
            {
                int h = imageH / strides[l], w = imageW / strides[l];
                float[] data = Parity.RoundToHalf(Parity.Random(80 + l, (long)batch * channels * h * w, -3f, 3f));
                var nchw = gpu.Upload<float>(data);
                owned.Add(nchw);
                floatLevels.Add(new DeviceFeatureLevel(nchw, h, w, 1f / strides[l]));
                var nhwc = gpu.Upload<Half>(Parity.ToHalf(ToNhwc(data, batch, channels, h * w)));
                owned.Add(nhwc);
                halfLevels.Add(new DeviceFeatureLevel(nhwc, h, w, 1f / strides[l]));
            }
            var rng = new Random(count + channels);
            var rois = new float[count * 5];
            for (int i = 0; i < count; i++)
            {
                float size = (float)Math.Exp(rng.NextDouble() * Math.Log(600));
                float x = (float)rng.NextDouble() * imageW - (size / 4), y = (float)rng.NextDouble() * imageH - (size / 4);
                rois[i * 5] = rng.Next(batch);
                rois[i * 5 + 1] = x; rois[i * 5 + 2] = y; rois[i * 5 + 3] = x + size * 0.8f; rois[i * 5 + 4] = y + size * 1.2f;
            }
            using var dRois = gpu.Upload<float>(rois);
            long outputs = (long)count * channels * pooled * pooled;
            using var dFloat = gpu.Poisoned(outputs);
            using var dMixed = gpu.Poisoned(outputs);
            var op = new RoiAlignOp(gpu.Kernels);
            op.Enqueue(floatLevels, batch, channels, 2, dRois, count, pooled, samplingRatio, aligned: true, dFloat, gpu.Stream);
            op.EnqueueNhwcHalfToNchwFloat(halfLevels, batch, channels, 2, dRois, count, pooled, samplingRatio, aligned: true, dMixed, gpu.Stream);
            Parity.AssertClose("RoiAlignNhwcHalfToNchwFloat", $"{count} rois, {channels} channels, {pooled}x{pooled}, sampling {samplingRatio}",
                gpu.Download(dFloat, outputs), gpu.Download(dMixed, outputs), 1e-6f, 1e-6f);
        }
        finally
        {
            foreach (var b in owned) b.Dispose();
        }
    }

    private static float[] ToNhwc(float[] nchw, int batch, int channels, int plane)
    {
        var r = new float[nchw.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++) r[((long)n * plane + p) * channels + c] = nchw[((long)n * channels + c) * plane + p];
        return r;
    }
}
