// topk.cu: torch.topk(values, k, largest=True, sorted=True) on many rows at once (RPN per-level top-k, NMS merge).
//
// Layout: row r is values[rowOffsets[r] .. rowOffsets[r] + rowCounts[r]) (float32; offsets int64, counts int32,
//         both on the device so fixed-capacity stages can feed their own counts); outputs for row r at r * k:
//         outIndices (int32, index within the row, or indexMap[rowOffset + index] when indexMap is given),
//         outValues (float32), and outCounts[r] = min(k, rowCounts[r]).
// Mapping: one block per row (blockDim a multiple of 32, at most 1024). Radix select on order-preserving 32-bit keys
//          (4 passes of warp-aggregated 8-bit digit histograms in shared memory) finds the k-th largest key T; one
//          pass takes every key > T and the lowest-index keys == T (unordered when every key == T is taken); a bitonic sort of the k winners in shared memory
//          (TOPK_MAX = a power of two >= k, a -D constant) orders them.
// Semantics: largest first; NaN counts as the largest value (as torch.topk); ties are ordered by lower index first
//            (PyTorch's CPU order of exactly equal values is an artefact of std::partial_sort and is not reproduced).
// CPU reference: Detserve.Backends.Cpu.TopK.Indices.

#ifndef TOPK_MAX
#define TOPK_MAX 1024
#endif
#define TOPK_UNROLL 8

__device__ __forceinline__ unsigned int order_key(float f)
{
    unsigned int u = __float_as_uint(f);
    if (f != f) u = 0x7fc00000u;  // every NaN sorts as the largest value
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// Exclusive prefix sum of v over the block; *total receives the block's sum. Every thread must call it.
__device__ int block_exclusive_scan(int v, int* warpSums, int* total)
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

// "a comes before b": larger key first, then lower index.
__device__ __forceinline__ bool before(unsigned int ka, int ia, unsigned int kb, int ib)
{
    return ka > kb || (ka == kb && ia < ib);
}

// Sorts keys/idx[0 .. size) (size a power of two) into "before" order.
__device__ void bitonic_sort(unsigned int* keys, int* idx, int size)
{
    for (int span = 2; span <= size; span <<= 1)
    {
        for (int stride = span >> 1; stride > 0; stride >>= 1)
        {
            for (int t = threadIdx.x; t < size / 2; t += blockDim.x)
            {
                const int i = 2 * t - (t & (stride - 1));
                const int j = i + stride;
                const bool ascendingRun = (i & span) == 0;
                const bool inOrder = before(keys[i], idx[i], keys[j], idx[j]);
                if (ascendingRun != inOrder)
                {
                    const unsigned int tk = keys[i]; keys[i] = keys[j]; keys[j] = tk;
                    const int ti = idx[i]; idx[i] = idx[j]; idx[j] = ti;
                }
            }
            __syncthreads();
        }
    }
}

extern "C" __global__ void __launch_bounds__(1024) topk_rows(
    const float* __restrict__ values, const long long* __restrict__ rowOffsets, const int* __restrict__ rowCounts,
    int k, const int* __restrict__ indexMap,
    int* __restrict__ outIndices, float* __restrict__ outValues, int* __restrict__ outCounts)
{
    __shared__ unsigned int sKeys[TOPK_MAX];
    __shared__ int sIdx[TOPK_MAX];
    __shared__ int hist[256];
    __shared__ int warpSums[32];
    __shared__ int sDigit, sAbove, sEqual, sTaken;

    const int row = blockIdx.x;
    const long long base = rowOffsets[row];
    const int n = max(rowCounts[row], 0);
    const int keff = min(k, n);
    const float* v = values + base;
    if (threadIdx.x == 0) outCounts[row] = keff;
    if (keff == 0) return;

    // Radix select: after the 4 passes, prefix is the k-th largest key and need is how many keys equal to it are taken.
    unsigned int prefix = 0, prefixMask = 0;
    int need = keff;
    for (int pass = 0; pass < 4; pass++)
    {
        const int shift = 24 - 8 * pass;
        for (int i = threadIdx.x; i < 256; i += blockDim.x) hist[i] = 0;
        __syncthreads();
        // Warp-aggregated histogram: float keys share their top bytes, so plain shared atomics would serialise on a
        // few bins; lanes with the same digit add once through their leader (__match_any_sync).
        // TOPK_UNROLL independent loads per thread are issued before any is used: one block streams a whole row, so
        // it is bound by load latency, not bandwidth.
        for (int start = 0; start < n; start += blockDim.x * TOPK_UNROLL)
        {
            unsigned int keys[TOPK_UNROLL];
#pragma unroll
            for (int j = 0; j < TOPK_UNROLL; j++)
            {
                const int i = start + j * blockDim.x + threadIdx.x;
                keys[j] = i < n ? order_key(v[i]) : 0u;
            }
#pragma unroll
            for (int j = 0; j < TOPK_UNROLL; j++)
            {
                const int i = start + j * blockDim.x + threadIdx.x;
                const bool active = i < n && (keys[j] & prefixMask) == prefix;
                const unsigned int digit = active ? ((keys[j] >> shift) & 255u) : 0xffffffffu;
                const unsigned int peers = __match_any_sync(0xffffffffu, digit);
                if (active && (__ffs(peers) - 1) == (int)(threadIdx.x & 31)) atomicAdd(&hist[digit], __popc(peers));
            }
        }
        __syncthreads();
        if (threadIdx.x == 0)
        {
            int above = 0, d = 255;
            for (; d > 0; d--)
            {
                if (above + hist[d] >= need) break;
                above += hist[d];
            }
            sDigit = d;
            sAbove = above;
            sEqual = hist[d];
        }
        __syncthreads();
        prefix |= (unsigned int)sDigit << shift;
        prefixMask |= 255u << shift;
        need -= sAbove;
        __syncthreads();
    }
    const unsigned int threshold = prefix;

    // After the last pass sEqual counts the keys equal to the threshold. When all of them are taken the winners are
    // exactly the keys >= threshold and may be gathered in any order (the sort below fixes it); otherwise take, in
    // index order, every key above the threshold and the first `need` keys equal to it.
    if (sEqual == need)
    {
        if (threadIdx.x == 0) sTaken = 0;
        __syncthreads();
        const int lane = threadIdx.x & 31;
        for (int start = 0; start < n; start += blockDim.x * TOPK_UNROLL)
        {
            unsigned int keys[TOPK_UNROLL];
#pragma unroll
            for (int j = 0; j < TOPK_UNROLL; j++)
            {
                const int i = start + j * blockDim.x + threadIdx.x;
                keys[j] = i < n ? order_key(v[i]) : 0u;
            }
#pragma unroll
            for (int j = 0; j < TOPK_UNROLL; j++)
            {
                const int i = start + j * blockDim.x + threadIdx.x;
                const bool take = i < n && keys[j] >= threshold;
                const unsigned int ballot = __ballot_sync(0xffffffffu, take);
                int slot = 0;
                if (lane == 0 && ballot != 0u) slot = atomicAdd(&sTaken, __popc(ballot));
                slot = __shfl_sync(0xffffffffu, slot, 0);
                if (take)
                {
                    const int pos = slot + __popc(ballot & ((1u << lane) - 1u));
                    sKeys[pos] = keys[j];
                    sIdx[pos] = i;
                }
            }
        }
        __syncthreads();
    }
    else
    {
        int taken = 0, tiesSeen = 0;
        for (int start = 0; start < n; start += blockDim.x)
        {
            const int i = start + threadIdx.x;
            const unsigned int key = i < n ? order_key(v[i]) : 0u;
            const int isTie = (i < n && key == threshold) ? 1 : 0;
            int tiesTotal;
            const int tieRank = block_exclusive_scan(isTie, warpSums, &tiesTotal);
            const int take = (i < n && key > threshold) || (isTie && tiesSeen + tieRank < need) ? 1 : 0;
            int takeTotal;
            const int pos = block_exclusive_scan(take, warpSums, &takeTotal);
            if (take)
            {
                sKeys[taken + pos] = key;
                sIdx[taken + pos] = i;
            }
            taken += takeTotal;
            tiesSeen += tiesTotal;
        }
    }
    int size = 1;
    while (size < keff) size <<= 1;
    for (int i = keff + threadIdx.x; i < size; i += blockDim.x)
    {
        sKeys[i] = 0u;
        sIdx[i] = 0x7fffffff;
    }
    __syncthreads();
    bitonic_sort(sKeys, sIdx, size);
    for (int p = threadIdx.x; p < keff; p += blockDim.x)
    {
        const int i = sIdx[p];
        outIndices[(long long)row * k + p] = indexMap ? indexMap[base + i] : i;
        outValues[(long long)row * k + p] = v[i];
    }
}
