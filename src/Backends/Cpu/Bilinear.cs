namespace Detserve.Backends.Cpu;

/// <summary>
/// The bilinear sample of torchvision's roi_align (pre_calc_for_bilinear_interpolate / bilinear_interpolate): a point
/// outside [−1, size] contributes 0; coordinates ≤ 0 snap to 0; at or past the last row/column both taps use it.
/// </summary>
internal static class Bilinear
{
    internal static void Weights(int height, int width, float y, float x, Span<int> pos, Span<float> w)
    {
        if (y < -1.0f || y > height || x < -1.0f || x > width)
        {
            pos.Clear();
            w.Clear();
            return;
        }
        if (y <= 0) y = 0;
        if (x <= 0) x = 0;
        int yLow = (int)y, xLow = (int)x;
        int yHigh, xHigh;
        if (yLow >= height - 1)
        {
            yHigh = yLow = height - 1;
            y = yLow;
        }
        else
        {
            yHigh = yLow + 1;
        }
        if (xLow >= width - 1)
        {
            xHigh = xLow = width - 1;
            x = xLow;
        }
        else
        {
            xHigh = xLow + 1;
        }
        float ly = y - yLow, lx = x - xLow;
        float hy = 1f - ly, hx = 1f - lx;
        w[0] = hy * hx;
        w[1] = hy * lx;
        w[2] = ly * hx;
        w[3] = ly * lx;
        pos[0] = (yLow * width) + xLow;
        pos[1] = (yLow * width) + xHigh;
        pos[2] = (yHigh * width) + xLow;
        pos[3] = (yHigh * width) + xHigh;
    }
}
