// mask_head_select.cu: detectron2 mask_rcnn_inference: the predicted class's mask logits, through a sigmoid.
//
// Layout: maskLogits [capacity, numClasses, M, M] float32 (the mask predictor's output), classes [capacity] int32
//         (0-based, from the box head; -1 for empty slots), output [capacity, M, M] float32 probabilities.
// Mapping: one thread per output element; grid.x covers capacity * M * M.
// mask_head_select_nhwc_half: the same from the FP16 network's NHWC logits [capacity, M, M, numClasses] float16 (the value
//   converted to float32 exactly, then the same sigmoid).
// Semantics (modeling/roi_heads/mask_head.py mask_rcnn_inference): mask_probs_pred = mask_logits[indices, classes]
//   .sigmoid() (class-specific masks; with CLS_AGNOSTIC_MASK numClasses is 1 and class 0 is read);
//   sigmoid(x) = 1 / (1 + exp(-x)) in float32. Slots whose class is -1 get 0.
// CPU reference: Detserve.Backends.Cpu.Reference.ActivationsReference.Sigmoid on the gathered channel.

extern "C" __global__ void mask_head_select(
    const float* __restrict__ maskLogits, const int* __restrict__ classes, int capacity, int numClasses, int maskSize,
    float* __restrict__ output)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long plane = (long long)maskSize * maskSize;
    if (i >= (long long)capacity * plane) return;
    const long long n = i / plane, pixel = i - n * plane;
    const int c = numClasses == 1 ? 0 : classes[n];
    if (c < 0)
    {
        output[i] = 0.0f;
        return;
    }
    const float x = maskLogits[(n * numClasses + c) * plane + pixel];
    output[i] = 1.0f / (1.0f + expf(-x));
}

extern "C" __global__ void mask_head_select_nhwc_half(
    const unsigned short* __restrict__ maskLogits, const int* __restrict__ classes, int capacity, int numClasses, int maskSize,
    float* __restrict__ output)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long plane = (long long)maskSize * maskSize;
    if (i >= (long long)capacity * plane) return;
    const long long n = i / plane, pixel = i - n * plane;
    const int c = numClasses == 1 ? 0 : classes[n];
    if (c < 0)
    {
        output[i] = 0.0f;
        return;
    }
    float x;
    asm("cvt.f32.f16 %0, %1;" : "=f"(x) : "h"(maskLogits[(n * plane + pixel) * numClasses + c]));
    output[i] = 1.0f / (1.0f + expf(-x));
}
