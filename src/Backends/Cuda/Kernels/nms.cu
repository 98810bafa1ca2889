// nms.cu: torchvision batched_nms for one image, fixed capacity, count on the device (RPN per level, per-class NMS).
//
// Layout: boxes [capacity, 4] float32 (x1, y1, x2, y2), scores [capacity], groups [capacity] int32 in [0, numGroups),
//         *count (device int32) valid entries. Per-group results at g * NMS_MAX_GROUP: keptIndex (int32, input index),
//         keptScores (float32), keptCount[g]; *overflow counts members dropped because a group held more than
//         NMS_MAX_GROUP (a -D constant, a power of two <= 1024): the caller sizes it so that this stays 0.
// Mapping: nms_per_group: one block per group (blockDim a multiple of 32). The block gathers its group's members,
//          bitonic-sorts them by score (descending, lower index first on ties), computes the suppression bit matrix
//          (bit j of row i: IoU(i, j) > threshold, j > i) into dynamic shared memory (NMS_MAX_GROUP^2 / 8 bytes), and
//          warp 0 walks the rows in score order keeping each box no kept box suppressed (torchvision nms_kernel).
//          nms_merge: one block concatenates the per-group lists (in group order) into a dense list and its count,
//          which topk.cu then orders by score and truncates.
// Semantics (torchvision/ops/boxes.py batched_nms as detectron2/layers/nms.py calls it, CPU): when count * 4 <=
//   offsetThresholdElements (4000 on CPU) boxes are shifted by group * (max coordinate + 1) before NMS
//   (the coordinate trick, which changes the float arithmetic), else NMS runs per group on the raw boxes
//   (_batched_nms_vanilla). IoU in float32: area = (x2 - x1) * (y2 - y1), inter = max(0, min - max) products,
//   ovr = inter / (area_i + area_j - inter), suppressed when (double)ovr > iouThreshold.
// CPU reference: Detserve.Backends.Cpu.Nms.BatchedNms.

#ifndef NMS_MAX_GROUP
#define NMS_MAX_GROUP 1024
#endif
#define NMS_WORDS ((NMS_MAX_GROUP + 63) / 64)

__device__ __forceinline__ unsigned int score_key(float f)
{
    unsigned int u = __float_as_uint(f);
    if (f != f) u = 0x7fc00000u;
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

__device__ __forceinline__ bool nms_before(unsigned int ka, int ia, unsigned int kb, int ib)
{
    return ka > kb || (ka == kb && ia < ib);
}

extern "C" __global__ void __launch_bounds__(256) nms_per_group(
    const float* __restrict__ boxes, const float* __restrict__ scores, const int* __restrict__ groups,
    const int* __restrict__ countPtr, int capacity, double iouThreshold, int offsetThresholdElements,
    int* __restrict__ keptIndex, float* __restrict__ keptScores, int* __restrict__ keptCount, int* __restrict__ overflow)
{
    extern __shared__ unsigned long long mask[];  // [NMS_MAX_GROUP][NMS_WORDS]
    __shared__ unsigned int sKeys[NMS_MAX_GROUP];
    __shared__ int sIdx[NMS_MAX_GROUP];
    __shared__ float sBox[NMS_MAX_GROUP * 4];
    __shared__ int sKeep[NMS_MAX_GROUP];
    __shared__ int sMembers, sKept;
    __shared__ float sMax[32];

    const int g = blockIdx.x;
    const int count = min(max(*countPtr, 0), capacity);
    const bool useOffsets = (long long)count * 4 <= (long long)offsetThresholdElements;
    if (threadIdx.x == 0) { sMembers = 0; sKept = 0; }

    // boxes.max() over every coordinate (only needed for the coordinate trick).
    float localMax = -__int_as_float(0x7f800000);
    if (useOffsets)
        for (int i = threadIdx.x; i < count * 4; i += blockDim.x) localMax = fmaxf(localMax, boxes[i]);
    for (int o = 16; o > 0; o >>= 1) localMax = fmaxf(localMax, __shfl_xor_sync(0xffffffffu, localMax, o));
    if ((threadIdx.x & 31) == 0) sMax[threadIdx.x >> 5] = localMax;
    __syncthreads();
    float maxCoordinate = sMax[0];
    for (int w = 1; w < (int)((blockDim.x + 31) >> 5); w++) maxCoordinate = fmaxf(maxCoordinate, sMax[w]);
    const float offset = useOffsets ? (float)g * (maxCoordinate + 1.0f) : 0.0f;

    // Every block reads all group ids; 8 independent loads per thread keep that from being latency-bound.
    for (int start = 0; start < count; start += blockDim.x * 8)
    {
        int ids[8];
#pragma unroll
        for (int j = 0; j < 8; j++)
        {
            const int i = start + j * blockDim.x + threadIdx.x;
            ids[j] = i < count ? groups[i] : -1;
        }
#pragma unroll
        for (int j = 0; j < 8; j++)
        {
            if (ids[j] != g) continue;
            const int i = start + j * blockDim.x + threadIdx.x;
            const int slot = atomicAdd(&sMembers, 1);
            if (slot < NMS_MAX_GROUP)
            {
                sKeys[slot] = score_key(scores[i]);
                sIdx[slot] = i;
            }
            else
            {
                atomicAdd(overflow, 1);
            }
        }
    }
    __syncthreads();
    const int n = min(sMembers, NMS_MAX_GROUP);
    int size = 1;
    while (size < n) size <<= 1;
    for (int i = n + threadIdx.x; i < size; i += blockDim.x) { sKeys[i] = 0u; sIdx[i] = 0x7fffffff; }
    __syncthreads();
    for (int span = 2; span <= size; span <<= 1)
    {
        for (int stride = span >> 1; stride > 0; stride >>= 1)
        {
            for (int t = threadIdx.x; t < size / 2; t += blockDim.x)
            {
                const int i = 2 * t - (t & (stride - 1));
                const int j = i + stride;
                const bool ascendingRun = (i & span) == 0;
                if (ascendingRun != nms_before(sKeys[i], sIdx[i], sKeys[j], sIdx[j]))
                {
                    const unsigned int tk = sKeys[i]; sKeys[i] = sKeys[j]; sKeys[j] = tk;
                    const int ti = sIdx[i]; sIdx[i] = sIdx[j]; sIdx[j] = ti;
                }
            }
            __syncthreads();
        }
    }
    for (int i = threadIdx.x; i < n; i += blockDim.x)
    {
        const int src = sIdx[i];
        sBox[i * 4 + 0] = boxes[src * 4 + 0] + offset;
        sBox[i * 4 + 1] = boxes[src * 4 + 1] + offset;
        sBox[i * 4 + 2] = boxes[src * 4 + 2] + offset;
        sBox[i * 4 + 3] = boxes[src * 4 + 3] + offset;
    }
    __syncthreads();

    const int words = (n + 63) / 64;
    // Consecutive threads take consecutive rows i of the same word w, so a warp reads the same column box j at each
    // step (a shared-memory broadcast); with w varying fastest every lane hit the same bank (a 32-way conflict).
    for (int t = threadIdx.x; t < n * words; t += blockDim.x)
    {
        const int w = t / n, i = t - w * n;
        const float ix1 = sBox[i * 4 + 0], iy1 = sBox[i * 4 + 1], ix2 = sBox[i * 4 + 2], iy2 = sBox[i * 4 + 3];
        const float iarea = (ix2 - ix1) * (iy2 - iy1);
        unsigned long long bits = 0ull;
        const int jEnd = min(n, (w + 1) * 64);
        for (int j = max(i + 1, w * 64); j < jEnd; j++)
        {
            const float jx1 = sBox[j * 4 + 0], jy1 = sBox[j * 4 + 1], jx2 = sBox[j * 4 + 2], jy2 = sBox[j * 4 + 3];
            const float jarea = (jx2 - jx1) * (jy2 - jy1);
            const float xx1 = fmaxf(ix1, jx1), yy1 = fmaxf(iy1, jy1);
            const float xx2 = fminf(ix2, jx2), yy2 = fminf(iy2, jy2);
            const float wdt = fmaxf(0.0f, xx2 - xx1), hgt = fmaxf(0.0f, yy2 - yy1);
            const float inter = wdt * hgt;
            const float ovr = inter / (iarea + jarea - inter);
            if ((double)ovr > iouThreshold) bits |= 1ull << (j - w * 64);
        }
        mask[i * NMS_WORDS + w] = bits;
    }
    __syncthreads();

    if (threadIdx.x < 32)
    {
        const int lane = threadIdx.x;
        unsigned long long removed = 0ull;  // lane l holds word l of the removed set (NMS_WORDS <= 16 <= 32)
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            const unsigned long long word = __shfl_sync(0xffffffffu, removed, i >> 6);
            if ((word >> (i & 63)) & 1ull) continue;
            if (lane == 0) sKeep[kept] = i;
            kept++;
            if (lane < words) removed |= mask[i * NMS_WORDS + lane];
        }
        if (lane == 0) sKept = kept;
    }
    __syncthreads();
    const int kept = sKept;
    for (int p = threadIdx.x; p < kept; p += blockDim.x)
    {
        const int src = sIdx[sKeep[p]];
        keptIndex[(long long)g * NMS_MAX_GROUP + p] = src;
        keptScores[(long long)g * NMS_MAX_GROUP + p] = scores[src];
    }
    if (threadIdx.x == 0) keptCount[g] = kept;
}

// Concatenates the per-group lists, in group order, into dense arrays; *mergedCount receives the total.
extern "C" __global__ void nms_merge(
    const int* __restrict__ keptIndex, const float* __restrict__ keptScores, const int* __restrict__ keptCount, int numGroups,
    int* __restrict__ mergedIndex, float* __restrict__ mergedScores, int* __restrict__ mergedCount)
{
    __shared__ int start;
    if (threadIdx.x == 0) start = 0;
    __syncthreads();
    for (int g = 0; g < numGroups; g++)
    {
        const int c = keptCount[g];
        for (int p = threadIdx.x; p < c; p += blockDim.x)
        {
            mergedIndex[start + p] = keptIndex[(long long)g * NMS_MAX_GROUP + p];
            mergedScores[start + p] = keptScores[(long long)g * NMS_MAX_GROUP + p];
        }
        __syncthreads();
        if (threadIdx.x == 0) start += c;
        __syncthreads();
    }
    if (threadIdx.x == 0) *mergedCount = start;
}
