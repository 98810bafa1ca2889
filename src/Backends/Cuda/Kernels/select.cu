// select.cu: order-preserving compaction and gathers for fixed-capacity stages (counts stay on the device).
//
// Layout: compact_candidates: boxes [capacity, 4], scores [capacity], groups [capacity] (int32), flags [capacity]
//         (int32, nonzero = keep) -> dense outBoxes / outScores / outGroups and *outCount.
//         gather_kept: index [maxOutput] (int32) and *count -> outBoxes [maxOutput, 4], outScores [maxOutput]
//         (and outGroups when given); slots at and after *count are zero-filled so a graph replay leaves no stale data.
// Mapping: compact_candidates: one block walks the candidates in index order with a block-wide prefix sum, so the
//          dense order is the input order (what boolean-mask indexing in PyTorch gives). gather_kept: one thread per slot.
// Semantics: tensor[mask] and tensor[index] of PyTorch.
// CPU reference: the plain loops in Backends.Cuda.Tests (RpnProposals / FastRcnn golden tests feed them).

__device__ int select_block_scan(int v, int* warpSums, int* total)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    int x = v;
    for (int o = 1; o < 32; o <<= 1)
    {
        const int y = __shfl_up_sync(0xffffffffu, x, o);
        if (lane >= o) x += y;
    }
    if (lane == 31) warpSums[warp] = x;
    __syncthreads();
    if (warp == 0)
    {
        int s = lane < warps ? warpSums[lane] : 0;
        for (int o = 1; o < 32; o <<= 1)
        {
            const int y = __shfl_up_sync(0xffffffffu, s, o);
            if (lane >= o) s += y;
        }
        warpSums[lane] = s;
    }
    __syncthreads();
    const int result = (warp > 0 ? warpSums[warp - 1] : 0) + x - v;
    *total = warpSums[warps - 1];
    __syncthreads();
    return result;
}

extern "C" __global__ void __launch_bounds__(1024) compact_candidates(
    const float* __restrict__ boxes, const float* __restrict__ scores, const int* __restrict__ groups,
    const int* __restrict__ flags, int capacity,
    float* __restrict__ outBoxes, float* __restrict__ outScores, int* __restrict__ outGroups, int* __restrict__ outCount)
{
    __shared__ int warpSums[32];
    int written = 0;
    for (int start = 0; start < capacity; start += blockDim.x)
    {
        const int i = start + threadIdx.x;
        const int keep = (i < capacity && flags[i] != 0) ? 1 : 0;
        int total;
        const int pos = written + select_block_scan(keep, warpSums, &total);
        if (keep)
        {
            outBoxes[pos * 4 + 0] = boxes[i * 4 + 0];
            outBoxes[pos * 4 + 1] = boxes[i * 4 + 1];
            outBoxes[pos * 4 + 2] = boxes[i * 4 + 2];
            outBoxes[pos * 4 + 3] = boxes[i * 4 + 3];
            outScores[pos] = scores[i];
            outGroups[pos] = groups[i];
        }
        written += total;
    }
    if (threadIdx.x == 0) *outCount = written;
}

extern "C" __global__ void gather_kept(
    const float* __restrict__ boxes, const float* __restrict__ scores, const int* __restrict__ groups,
    const int* __restrict__ index, const int* __restrict__ count, int maxOutput,
    float* __restrict__ outBoxes, float* __restrict__ outScores, int* __restrict__ outGroups)
{
    const int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= maxOutput) return;
    if (p < *count)
    {
        const int i = index[p];
        outBoxes[p * 4 + 0] = boxes[i * 4 + 0];
        outBoxes[p * 4 + 1] = boxes[i * 4 + 1];
        outBoxes[p * 4 + 2] = boxes[i * 4 + 2];
        outBoxes[p * 4 + 3] = boxes[i * 4 + 3];
        outScores[p] = scores[i];
        if (outGroups) outGroups[p] = groups[i];
    }
    else
    {
        outBoxes[p * 4 + 0] = 0.0f; outBoxes[p * 4 + 1] = 0.0f; outBoxes[p * 4 + 2] = 0.0f; outBoxes[p * 4 + 3] = 0.0f;
        outScores[p] = 0.0f;
        if (outGroups) outGroups[p] = -1;
    }
}
