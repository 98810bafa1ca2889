// preprocess.cu: uint8 HWC image -> normalised, zero-padded NCHW network input (one image of a batch).
//
// Layout: image [height, width, 3] uint8 interleaved, channel order as decoded (RGB for Detserve.Vision);
//         output [3, paddedHeight, paddedWidth] at `output` (the caller offsets to the image's slot in the batch),
//         float32, or float16 bits when compiled with -DOUT_HALF=1.
// Mapping: one thread per output element; grid.x covers paddedHeight * paddedWidth, grid.y = 3 channels.
// Semantics (must match): detectron2 DefaultPredictor + GeneralizedRCNN.preprocess_image + ImageList.from_tensors:
//   channel c of the network input takes source channel srcChannel[c] (BGR models read RGB images reversed),
//   value = (float(pixel) - mean[c]) / std[c] in float32 (IEEE division), padding bottom/right = 0 after normalising.
// CPU reference: the same formula, spelled out in Backends.Cuda.Tests PreprocessTests (the CPU engine normalises inline).

#ifndef OUT_HALF
#define OUT_HALF 0
#endif

__device__ __forceinline__ unsigned short f32_to_f16_bits(float f)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

extern "C" __global__ void preprocess_normalize_pad(
    const unsigned char* __restrict__ image, int height, int width,
    void* __restrict__ output, int paddedHeight, int paddedWidth,
    int src0, int src1, int src2,
    float mean0, float mean1, float mean2,
    float std0, float std1, float std2)
{
    const int c = blockIdx.y;
    const long long plane = (long long)paddedHeight * paddedWidth;
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= plane) return;
    const int y = (int)(i / paddedWidth);
    const int x = (int)(i - (long long)y * paddedWidth);
    const int src = c == 0 ? src0 : (c == 1 ? src1 : src2);
    const float mean = c == 0 ? mean0 : (c == 1 ? mean1 : mean2);
    const float stdv = c == 0 ? std0 : (c == 1 ? std1 : std2);
    float v = 0.0f;
    if (y < height && x < width)
    {
        const float pixel = (float)image[((long long)y * width + x) * 3 + src];
        v = (pixel - mean) / stdv;
    }
#if OUT_HALF
    ((unsigned short*)output)[c * plane + i] = f32_to_f16_bits(v);
#else
    ((float*)output)[c * plane + i] = v;
#endif
}
