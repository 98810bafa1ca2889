using Detserve.Backends.Cuda.Dnn;

namespace Detserve.Backends.Cuda.Tests;

public sealed class ConvLayoutTests
{
    [Fact]
    public void KcrsToKrsc_MovesChannelsInnermost()
    {
        const int k = 2, c = 3, r = 2, s = 2;
        var kcrs = new float[k * c * r * s];
        for (int i = 0; i < kcrs.Length; i++) kcrs[i] = i;
        var krsc = new float[kcrs.Length];
        CudnnConv2d.KcrsToKrsc(kcrs, k, c, r, s, krsc);
        for (int ki = 0; ki < k; ki++)
            for (int ci = 0; ci < c; ci++)
                for (int ri = 0; ri < r; ri++)
                    for (int si = 0; si < s; si++)
                        Assert.Equal(kcrs[((ki * c + ci) * r + ri) * s + si], krsc[((ki * r + ri) * s + si) * c + ci]);
    }

    [Fact]
    public void KcrsToKrsc_WrongLength_ThrowsShapeException()
    {
        var e = Assert.Throws<Cpu.ShapeException>(() => CudnnConv2d.KcrsToKrsc(new float[5], 1, 2, 1, 3, new float[6]));
        Assert.Equal("kcrs", e.Argument);
    }
}
