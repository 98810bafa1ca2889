// paste_masks.cu: detectron2 layers/mask_ops.py paste_masks_in_image (_do_paste_mask + threshold).
//
// Layout: masks [count, maskSize, maskSize] float32 probabilities (sigmoid of the predicted class's logits),
//         boxes [count, 4] float32 (x1, y1, x2, y2) in output-image pixels, output [count, imageHeight, imageWidth]
//         uint8 0/1.
// Mapping: paste_masks: one thread per output pixel; grid.x covers imageHeight * imageWidth, grid.y = count (<= 65535).
//          paste_masks_region (version 2): grid.y = count, grid.x blocks stride over that box's region only; the caller
//          zeroes the output first (cuMemsetD8Async), so the work is the boxes' areas instead of count full images.
// Semantics: only the box's region is sampled (skip_empty: x from max(floor(x1) - 1, 0) to min(ceil(x2) + 1, W),
//   same for y; every other pixel is 0, which the full-image GPU paste also gives since an outside tap weighs
//   < 0.5). Pixel centre c maps to g = ((c + 0.5 - x1) / (x2 - x1)) * 2 - 1, then F.grid_sample(bilinear, zeros,
//   align_corners=False) as PyTorch's CPU kernel computes it (GridSamplerKernel.cpp): i = (g + 1) * (size / 2) - 0.5,
//   weights from the floor distances n, s = 1 - n, w, e = 1 - w, sum nw*(s*e) + ne*(s*w) + sw*(n*e) + se*(n*w)
//   in that order, out-of-range taps 0; pred_masks = value >= threshold.
// CPU reference: Detserve.Backends.Cpu.PasteMasks.PasteMask (definition: Reference/PasteMasksReference).

__device__ __forceinline__ float tap(const float* m, int size, int y, int x)
{
    return (y > -1 && y < size && x > -1 && x < size) ? m[y * size + x] : 0.0f;
}

// One output pixel of mask n: 0 outside the region, else the bilinear sample of the mask thresholded.
__device__ __forceinline__ unsigned char paste_pixel(const float* m, int maskSize, float x1, float y1, float x2, float y2,
    int px, int py, float threshold)
{
    const float scaling = (float)maskSize / 2.0f;
    const float gy = ((((float)py + 0.5f) - y1) / (y2 - y1)) * 2.0f - 1.0f;
    const float iy = ((gy + 1.0f) * scaling) - 0.5f;
    const float yN = floorf(iy);
    const float nn = iy - yN, s = 1.0f - nn;
    const float gx = ((((float)px + 0.5f) - x1) / (x2 - x1)) * 2.0f - 1.0f;
    const float ix = ((gx + 1.0f) * scaling) - 0.5f;
    const float xW = floorf(ix);
    const float w = ix - xW, e = 1.0f - w;
    const int yNorth = (int)yN, xWest = (int)xW;
    const float value = tap(m, maskSize, yNorth, xWest) * (s * e) + tap(m, maskSize, yNorth, xWest + 1) * (s * w)
        + tap(m, maskSize, yNorth + 1, xWest) * (nn * e) + tap(m, maskSize, yNorth + 1, xWest + 1) * (nn * w);
    return value >= threshold ? 1 : 0;
}

// The region _do_paste_mask samples (skip_empty): [x0, x1) x [y0, y1), clamped to the image.
__device__ __forceinline__ void paste_region(float x1, float y1, float x2, float y2, int imageHeight, int imageWidth,
    int* x0Int, int* y0Int, int* x1Int, int* y1Int)
{
    *x0Int = (int)fmaxf(floorf(x1) - 1.0f, 0.0f);
    *y0Int = (int)fmaxf(floorf(y1) - 1.0f, 0.0f);
    *x1Int = (int)fminf(ceilf(x2) + 1.0f, (float)imageWidth);
    *y1Int = (int)fminf(ceilf(y2) + 1.0f, (float)imageHeight);
}

extern "C" __global__ void paste_masks(
    const float* __restrict__ masks, int maskSize,
    const float* __restrict__ boxes, int imageHeight, int imageWidth, float threshold,
    unsigned char* __restrict__ output)
{
    const long long n = blockIdx.y;
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long plane = (long long)imageHeight * imageWidth;
    if (i >= plane) return;
    const int py = (int)(i / imageWidth);
    const int px = (int)(i - (long long)py * imageWidth);
    const float x1 = boxes[n * 4 + 0], y1 = boxes[n * 4 + 1], x2 = boxes[n * 4 + 2], y2 = boxes[n * 4 + 3];
    int x0Int, y0Int, x1Int, y1Int;
    paste_region(x1, y1, x2, y2, imageHeight, imageWidth, &x0Int, &y0Int, &x1Int, &y1Int);
    unsigned char result = 0;
    if (px >= x0Int && px < x1Int && py >= y0Int && py < y1Int)
        result = paste_pixel(masks + n * maskSize * maskSize, maskSize, x1, y1, x2, y2, px, py, threshold);
    output[n * plane + i] = result;
}

extern "C" __global__ void paste_masks_region(
    const float* __restrict__ masks, int maskSize,
    const float* __restrict__ boxes, int imageHeight, int imageWidth, float threshold,
    unsigned char* __restrict__ output)
{
    const long long n = blockIdx.y;
    const float x1 = boxes[n * 4 + 0], y1 = boxes[n * 4 + 1], x2 = boxes[n * 4 + 2], y2 = boxes[n * 4 + 3];
    int x0Int, y0Int, x1Int, y1Int;
    paste_region(x1, y1, x2, y2, imageHeight, imageWidth, &x0Int, &y0Int, &x1Int, &y1Int);
    const int regionWidth = x1Int - x0Int, regionHeight = y1Int - y0Int;
    if (regionWidth <= 0 || regionHeight <= 0) return;
    const long long area = (long long)regionWidth * regionHeight;
    const float* m = masks + n * maskSize * maskSize;
    unsigned char* out = output + n * (long long)imageHeight * imageWidth;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < area; i += (long long)gridDim.x * blockDim.x)
    {
        const int py = y0Int + (int)(i / regionWidth);
        const int px = x0Int + (int)(i - (long long)(py - y0Int) * regionWidth);
        out[(long long)py * imageWidth + px] = paste_pixel(m, maskSize, x1, y1, x2, y2, px, py, threshold);
    }
}
