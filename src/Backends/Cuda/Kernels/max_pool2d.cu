// max_pool2d.cu: torch.nn.functional.max_pool2d, NCHW float32, floor mode, dilation 1, implicit -inf padding.
//
// Layout: input [planes = N*C, height, width], output [planes, outHeight, outWidth], both contiguous.
// Mapping: one thread per output element; grid.x covers outHeight*outWidth, grid.y = planes (<= 65535; the
//          caller splits larger batches).
// Semantics: a NaN in the window wins (aten MaxPoolKernel: `val > maxval || isnan(val)`), windows are clipped to
//            the input (padding never wins). Used for the ResNet stem (3x3 s2 p1) and FPN's LastLevelMaxPool (1x1 s2).
// CPU reference: Detserve.Backends.Cpu.MaxPool2d.Forward.

extern "C" __global__ void max_pool2d_forward(
    const float* __restrict__ input, int height, int width,
    float* __restrict__ output, int outHeight, int outWidth,
    int kernel, int stride, int pad)
{
    const long long plane = blockIdx.y;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= outHeight * outWidth) return;
    const int oy = i / outWidth;
    const int ox = i - oy * outWidth;
    const int y0 = oy * stride - pad;
    const int x0 = ox * stride - pad;
    const int yStart = max(y0, 0), yEnd = min(y0 + kernel, height);
    const int xStart = max(x0, 0), xEnd = min(x0 + kernel, width);
    const float* in = input + plane * height * width;
    float best = -__int_as_float(0x7f800000);
    for (int y = yStart; y < yEnd; y++)
        for (int x = xStart; x < xEnd; x++)
        {
            const float v = in[y * width + x];
            if (v > best || isnan(v)) best = v;
        }
    output[plane * outHeight * outWidth + i] = best;
}
