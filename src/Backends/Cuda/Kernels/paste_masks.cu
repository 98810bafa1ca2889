// paste_masks.cu: detectron2 layers/mask_ops.py paste_masks_in_image (_do_paste_mask + threshold).
//
// Layout: masks [count, maskHeight, maskWidth] float32 probabilities (sigmoid of the predicted class's logits),
//         boxes [count, 4] float32 (x1, y1, x2, y2) in output-image pixels, output [count, imageHeight, imageWidth]
//         uint8 0/1.
// Mapping: one thread per output pixel; grid.x covers imageHeight * imageWidth, grid.y = count (<= 65535).
// Semantics: pixel centre (i + 0.5) mapped to grid coordinate g = (c - x0) / (x1 - x0) * 2 - 1 (float32, this
//   order), then F.grid_sample(bilinear, padding zeros, align_corners=False): ix = ((g + 1) * W - 1) / 2, four
//   neighbours weighted as ATen's grid_sampler_2d (nw, ne, sw, se; out-of-range taps contribute nothing), and
//   pred_masks = value >= threshold (0.5).
// CPU reference: Detserve.Backends.Cpu.PasteMasks.PasteMask.

__device__ __forceinline__ bool inside(int x, int y, int w, int h) { return x >= 0 && x < w && y >= 0 && y < h; }

extern "C" __global__ void paste_masks(
    const float* __restrict__ masks, int maskHeight, int maskWidth,
    const float* __restrict__ boxes, int imageHeight, int imageWidth, float threshold,
    unsigned char* __restrict__ output)
{
    const long long n = blockIdx.y;
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long plane = (long long)imageHeight * imageWidth;
    if (i >= plane) return;
    const int py = (int)(i / imageWidth);
    const int px = (int)(i - (long long)py * imageWidth);
    const float x0 = boxes[n * 4 + 0], y0 = boxes[n * 4 + 1], x1 = boxes[n * 4 + 2], y1 = boxes[n * 4 + 3];
    const float gx = ((float)px + 0.5f - x0) / (x1 - x0) * 2.0f - 1.0f;
    const float gy = ((float)py + 0.5f - y0) / (y1 - y0) * 2.0f - 1.0f;
    const float ix = ((gx + 1.0f) * maskWidth - 1.0f) / 2.0f;
    const float iy = ((gy + 1.0f) * maskHeight - 1.0f) / 2.0f;
    const int ixNw = (int)floorf(ix), iyNw = (int)floorf(iy);
    const int ixNe = ixNw + 1, iyNe = iyNw;
    const int ixSw = ixNw, iySw = iyNw + 1;
    const int ixSe = ixNw + 1, iySe = iyNw + 1;
    const float nw = ((float)ixSe - ix) * ((float)iySe - iy);
    const float ne = (ix - (float)ixSw) * ((float)iySw - iy);
    const float sw = ((float)ixNe - ix) * (iy - (float)iyNe);
    const float se = (ix - (float)ixNw) * (iy - (float)iyNw);
    const float* m = masks + n * maskHeight * maskWidth;
    float value = 0.0f;
    if (inside(ixNw, iyNw, maskWidth, maskHeight)) value += m[iyNw * maskWidth + ixNw] * nw;
    if (inside(ixNe, iyNe, maskWidth, maskHeight)) value += m[iyNe * maskWidth + ixNe] * ne;
    if (inside(ixSw, iySw, maskWidth, maskHeight)) value += m[iySw * maskWidth + ixSw] * sw;
    if (inside(ixSe, iySe, maskWidth, maskHeight)) value += m[iySe * maskWidth + ixSe] * se;
    output[n * plane + i] = value >= threshold ? 1 : 0;
}
