using Detserve.Backends.Cpu;

namespace Detserve.Bench.Kernels;

/// <summary>
/// The convolutions of Mask R-CNN R50-FPN (zoo widths: stem 64, res2..res5 256..2048 with bottlenecks 64..512, FPN 256,
/// STRIDE_IN_1X1) for one padded input of the given size, e.g. 800 x 1088 (800 x 1066 padded to a multiple of 32),
/// plus the RPN head on every level and the mask head on 100 detections.
/// </summary>
internal static class R50FpnLayers
{
    public static IReadOnlyList<LayerCase> Build(int height, int width, int detections)
    {
        var list = new List<LayerCase>();
        static Conv2dSpec C(int cin, int cout, int k, int s = 1) => new(cin, cout, k, k, s, s, k / 2, k / 2, Relu: true);
        list.Add(new LayerCase("stem 7x7/2 3->64", C(3, 64, 7, 2), 1, height, width, 1));
        int h = height / 4, w = width / 4;
        int[] blocks = [3, 4, 6, 3];
        int inC = 64;
        for (int stage = 0; stage < 4; stage++)
        {
            int bottleneck = 64 << stage, outC = 256 << stage, stride = stage == 0 ? 1 : 2;
            string name = $"res{stage + 2}";
            int ho = h / stride, wo = w / stride;
            list.Add(new LayerCase($"{name}.0.conv1 1x1/{stride} {inC}->{bottleneck}", C(inC, bottleneck, 1, stride), 1, h, w, 1));
            list.Add(new LayerCase($"{name}.0.shortcut 1x1/{stride} {inC}->{outC}", C(inC, outC, 1, stride), 1, h, w, 1));
            list.Add(new LayerCase($"{name}.x.conv2 3x3 {bottleneck}", C(bottleneck, bottleneck, 3), 1, ho, wo, blocks[stage]));
            list.Add(new LayerCase($"{name}.x.conv3 1x1 {bottleneck}->{outC}", C(bottleneck, outC, 1), 1, ho, wo, blocks[stage]));
            list.Add(new LayerCase($"{name}.x.conv1 1x1 {outC}->{bottleneck}", C(outC, bottleneck, 1), 1, ho, wo, blocks[stage] - 1));
            list.Add(new LayerCase($"fpn_lateral{stage + 2} 1x1 {outC}->256", C(outC, 256, 1), 1, ho, wo, 1));
            list.Add(new LayerCase($"fpn_output{stage + 2} 3x3 256", C(256, 256, 3), 1, ho, wo, 1));
            list.Add(new LayerCase($"rpn conv p{stage + 2} 3x3 256", C(256, 256, 3), 1, ho, wo, 1));
            inC = outC;
            h = ho;
            w = wo;
        }
        list.Add(new LayerCase("rpn conv p6 3x3 256", C(256, 256, 3), 1, (h + 1) / 2, (w + 1) / 2, 1));
        list.Add(new LayerCase($"mask_fcn 3x3 256 x{detections}", C(256, 256, 3), detections, 14, 14, 4));
        list.Add(new LayerCase($"mask predictor 1x1 256->80 x{detections}", new Conv2dSpec(256, 80, 1, 1), detections, 28, 28, 1));
        return list;
    }
}
