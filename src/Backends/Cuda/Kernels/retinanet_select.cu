// retinanet_select.cu: the per-level candidates of detectron2's RetinaNet inference for a batch of images
// (modeling/meta_arch/retinanet.py inference_single_image -> dense_detector.py _decode_per_level_predictions): the sigmoid of
// every class logit of a level, those > SCORE_THRESH_TEST kept, then torch.topk(min(TOPK_CANDIDATES_TEST, kept)) of them.
//
// Layout: a row is one (image, level): values[rowBase[r] .. + rowCount[r]) float32, the level's NCHW [A * K, H * W] logits
//         (channel = anchor * K + class; plane = rowPlane[r] = H * W), turned into sigmoid scores in place by phase 0.
//         The flattened index of element i = ak * plane + yx is flat = yx * A * K + ak (permute_to_N_HWA_K order).
//         Work is cut into tiles of one row each (tileRow[t], tileStart[t], at most tileSize elements), fixed by the plan.
//         state[r * SELECT_STATE + field] (int32, zeroed before a run) carries the selection between launches;
//         hist[r * SELECT_BINS] (uint32) the digit histogram of the current phase (re-zeroed by retina_select_choose).
//         Output per row at r * k: outIndex (int32, NCHW index within the row), outScore (float32), outCount[r] = min(k, kept).
// Mapping: retina_select_hist: one block per tile (a multiple of 32 threads): shared-memory histogram of the phase's digit
//          (lanes with the same digit add once through __match_any_sync, since float keys crowd into a few bins), flushed
//          to the row's global histogram; phase 0 also applies the sigmoid and counts the kept scores.
//          retina_select_choose: one warp per row: finds the digit bin that holds the k-th largest key (lane l sums bins
//          l * 64 .. l * 64 + 63, suffix sums across lanes, then one lane walks its bins), narrows the row's prefix, zeroes
//          the histogram.
//          retina_select_collect: one block per tile: every selected element claims a slot of its row (warp-aggregated atomic).
//          retina_select_sort: one block per row: bitonic sort of the row's winners in shared memory (SELECT_MAX, a -D
//          power of two >= k).
//          Phases 0-2 are a radix select on order-preserving 32-bit score keys (11, 11 and 10 bits); they give the k-th
//          largest kept score T and how many scores equal to T are taken. When fewer than all of those ties are taken,
//          phases 3-5 select them by the same radix select on 0xffffffff - flat (lowest flattened index first); otherwise
//          those launches return at once. Every launch is fixed, so the stage is captured in a CUDA graph.
// Semantics: threshold first, then topk (Detectron2's order): a row keeps min(k, kept) scores, largest first. NaN logits give
//   NaN scores, which fail "> SCORE_THRESH_TEST" as in PyTorch. The threshold is compared in double (as the CPU
//   RetinaNetInference; PyTorch compares in float32, which differs only for a score equal to (float)SCORE_THRESH_TEST).
//   Exactly equal scores are taken and ordered lowest flattened index first: the kept-index order of the level's
//   nonzero() list, and what a stable sort of that list by score gives. The CPU TopK reproduces libstdc++'s unstable
//   partial_sort / nth_element on the kept list, whose order of exactly equal scores depends on its heap moves; it agrees
//   with this order whenever the scores at the top-k boundary and within the top k are distinct.
// CPU reference: Detserve.Runtime.RetinaNetInference (Activations.Sigmoid, the kept list, TopK.Indices).

#ifndef SELECT_MAX
#define SELECT_MAX 1024
#endif
#define SELECT_BINS 2048
#define SELECT_STATE 16

// state fields
#define ST_KEPT 0
#define ST_KEFF 1
#define ST_NEED 2
#define ST_PREFIX 3
#define ST_MASK 4
#define ST_MODE 5
#define ST_IDX_PREFIX 6
#define ST_IDX_MASK 7
#define ST_IDX_NEED 8
#define ST_TAKEN 9

// ST_MODE values
#define MODE_SELECT 0     // kept > k: radix select by score under way
#define MODE_TAKE_ALL 1   // kept <= k: every kept score is a candidate
#define MODE_ALL_TIES 2   // T found; every score equal to T is taken
#define MODE_TIE_INDEX 3  // T found; only some scores equal to T are taken: select them by flattened index

__device__ __forceinline__ unsigned int select_order_key(float f)
{
    const unsigned int u = __float_as_uint(f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

__device__ __forceinline__ float select_key_value(unsigned int key)
{
    return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// Digit position of phase p (0-2 score key, 3-5 index key): 11, 11, 10 bits from the top.
__device__ __forceinline__ int select_shift(int phase) { const int q = phase % 3; return q == 0 ? 21 : (q == 1 ? 10 : 0); }
__device__ __forceinline__ unsigned int select_digit_mask(int phase) { return (phase % 3) == 2 ? 0x3ffu : 0x7ffu; }

__device__ __forceinline__ int select_flat(int i, int plane, int anchorsTimesClasses)
{
    const int ak = i / plane;
    return (i - ak * plane) * anchorsTimesClasses + ak;
}

extern "C" __global__ void __launch_bounds__(256) retina_select_hist(
    float* __restrict__ values, const long long* __restrict__ rowBase, const int* __restrict__ rowPlane,
    const int* __restrict__ tileRow, const int* __restrict__ tileStart, const int* __restrict__ tileLength,
    int anchorsTimesClasses, int phase, double scoreThresh,
    int* __restrict__ state, unsigned int* __restrict__ hist)
{
    __shared__ unsigned int sHist[SELECT_BINS];
    __shared__ int sKept;
    const int tile = blockIdx.x;
    const int row = tileRow[tile];
    int* st = state + (long long)row * SELECT_STATE;
    const int mode = st[ST_MODE];
    if (phase > 0 && phase < 3 && mode != MODE_SELECT) return;
    if (phase >= 3 && mode != MODE_TIE_INDEX) return;
    const unsigned int prefix = (unsigned int)st[ST_PREFIX], mask = (unsigned int)st[ST_MASK];
    const unsigned int idxPrefix = (unsigned int)st[ST_IDX_PREFIX], idxMask = (unsigned int)st[ST_IDX_MASK];
    for (int b = threadIdx.x; b < SELECT_BINS; b += blockDim.x) sHist[b] = 0u;
    if (threadIdx.x == 0) sKept = 0;
    __syncthreads();

    const int shift = select_shift(phase);
    const unsigned int digitMask = select_digit_mask(phase);
    const int start = tileStart[tile], length = tileLength[tile], plane = rowPlane[row];
    float* v = values + rowBase[row] + start;
    const int lane = threadIdx.x & 31;
    int keptCount = 0;
    for (int j = threadIdx.x; j - (int)threadIdx.x < length; j += blockDim.x)
    {
        const bool inside = j < length;
        float s = 0.0f;
        if (inside)
        {
            if (phase == 0)
            {
                // retinanet.py: pred_logits.sigmoid_() (as the former retina_sigmoid kernel: IEEE division, expf).
                s = 1.0f / (1.0f + expf(-v[j]));
                v[j] = s;
            }
            else
            {
                s = v[j];
            }
        }
        const bool kept = inside && (double)s > scoreThresh;
        keptCount += kept ? 1 : 0;
        const unsigned int key = select_order_key(s);
        bool active;
        unsigned int digit;
        if (phase < 3)
        {
            active = kept && (key & mask) == prefix;
            digit = (key >> shift) & digitMask;
        }
        else
        {
            active = kept && key == prefix;
            unsigned int ikey = 0u;
            if (active) ikey = 0xffffffffu - (unsigned int)select_flat(start + j, plane, anchorsTimesClasses);
            active = active && (ikey & idxMask) == idxPrefix;
            digit = (ikey >> shift) & digitMask;
        }
        const unsigned int any = __ballot_sync(0xffffffffu, active);
        if (any != 0u)
        {
            const unsigned int peers = __match_any_sync(0xffffffffu, active ? digit : 0xffffffffu);
            if (active && (__ffs(peers) - 1) == lane) atomicAdd(&sHist[digit], (unsigned int)__popc(peers));
        }
    }
    if (phase == 0)
    {
        for (int o = 16; o > 0; o >>= 1) keptCount += __shfl_xor_sync(0xffffffffu, keptCount, o);
        if (lane == 0 && keptCount != 0) atomicAdd(&sKept, keptCount);
    }
    __syncthreads();
    unsigned int* h = hist + (long long)row * SELECT_BINS;
    for (int b = threadIdx.x; b < SELECT_BINS; b += blockDim.x)
        if (sHist[b] != 0u) atomicAdd(&h[b], sHist[b]);
    if (phase == 0 && threadIdx.x == 0 && sKept != 0) atomicAdd(&st[ST_KEPT], sKept);
}

// One warp per row (blockDim 32).
extern "C" __global__ void retina_select_choose(int k, int phase, int* __restrict__ state, unsigned int* __restrict__ hist)
{
    const int row = blockIdx.x, lane = threadIdx.x;
    int* st = state + (long long)row * SELECT_STATE;
    unsigned int* h = hist + (long long)row * SELECT_BINS;
    const int binsPerLane = SELECT_BINS / 32;
    // Every lane derives the mode and the count still needed from what earlier launches wrote; lane 0 alone writes the state.
    // (A first version had lane 0 write the phase-0 mode and the other lanes read it back after __syncwarp; it hung on an H100
    // exactly when a row had kept <= k, the one case where that read-back differs from the zeroed state, so the warp must have
    // split at the full-mask shuffles below. Nothing here now reads another lane's global write.)
    int mode, need;
    if (phase == 0)
    {
        const int kept = st[ST_KEPT];
        need = min(k, kept);
        mode = kept <= k ? MODE_TAKE_ALL : MODE_SELECT;
        if (lane == 0)
        {
            st[ST_KEFF] = need;
            st[ST_NEED] = need;
            st[ST_MODE] = mode;
        }
    }
    else
    {
        mode = st[ST_MODE];
        need = phase < 3 ? st[ST_NEED] : st[ST_IDX_NEED];
    }
    const bool scorePhase = phase < 3;
    if ((scorePhase && mode == MODE_SELECT) || (!scorePhase && mode == MODE_TIE_INDEX))
    {
        unsigned int laneSum = 0u;
        for (int b = 0; b < binsPerLane; b++) laneSum += h[lane * binsPerLane + b];
        // Inclusive suffix sums over lanes: suffix[l] = sum of lanes l..31 (larger digits sit in higher lanes).
        unsigned int suffix = laneSum;
        for (int o = 1; o < 32; o <<= 1)
        {
            const unsigned int y = __shfl_down_sync(0xffffffffu, suffix, o);
            if (lane + o < 32) suffix += y;
        }
        const unsigned int above = __shfl_down_sync(0xffffffffu, suffix, 1);
        const unsigned int aboveLane = lane == 31 ? 0u : above;
        // The lane whose bins hold the need-th largest key: suffix >= need and the lanes above hold fewer.
        const bool holds = suffix >= (unsigned int)need && aboveLane < (unsigned int)need;
        const unsigned int holder = __ballot_sync(0xffffffffu, holds);
        const int src = holder != 0u ? __ffs(holder) - 1 : 0;
        int digit = 0;
        unsigned int taken = 0u, equal = 0u;
        if (lane == src)
        {
            unsigned int acc = aboveLane;
            digit = lane * binsPerLane;
            for (int b = binsPerLane - 1; b >= 0; b--)
            {
                const unsigned int c = h[lane * binsPerLane + b];
                if (acc + c >= (unsigned int)need)
                {
                    digit = lane * binsPerLane + b;
                    equal = c;
                    break;
                }
                acc += c;
            }
            taken = acc;
        }
        digit = __shfl_sync(0xffffffffu, digit, src);
        taken = __shfl_sync(0xffffffffu, taken, src);
        equal = __shfl_sync(0xffffffffu, equal, src);
        if (lane == 0)
        {
            const int shift = select_shift(phase);
            const unsigned int digitMask = select_digit_mask(phase);
            const int rest = need - (int)taken;
            if (scorePhase)
            {
                st[ST_NEED] = rest;
                st[ST_PREFIX] = (int)((unsigned int)st[ST_PREFIX] | ((unsigned int)digit << shift));
                st[ST_MASK] = (int)((unsigned int)st[ST_MASK] | (digitMask << shift));
                if (phase == 2)
                {
                    // prefix is now T, the k-th largest kept key; `equal` keys equal it, of which `rest` are taken.
                    if ((unsigned int)rest == equal) st[ST_MODE] = MODE_ALL_TIES;
                    else
                    {
                        st[ST_MODE] = MODE_TIE_INDEX;
                        st[ST_IDX_NEED] = rest;
                    }
                }
            }
            else
            {
                st[ST_IDX_NEED] = rest;
                st[ST_IDX_PREFIX] = (int)((unsigned int)st[ST_IDX_PREFIX] | ((unsigned int)digit << shift));
                st[ST_IDX_MASK] = (int)((unsigned int)st[ST_IDX_MASK] | (digitMask << shift));
            }
        }
    }
    __syncwarp();
    for (int b = 0; b < binsPerLane; b++) h[lane * binsPerLane + b] = 0u;
}

extern "C" __global__ void __launch_bounds__(256) retina_select_collect(
    const float* __restrict__ values, const long long* __restrict__ rowBase, const int* __restrict__ rowPlane,
    const int* __restrict__ tileRow, const int* __restrict__ tileStart, const int* __restrict__ tileLength,
    int anchorsTimesClasses, double scoreThresh, int k,
    int* __restrict__ state, unsigned int* __restrict__ selKey, int* __restrict__ selFlat)
{
    const int tile = blockIdx.x;
    const int row = tileRow[tile];
    int* st = state + (long long)row * SELECT_STATE;
    if (st[ST_KEFF] == 0) return;
    const int mode = st[ST_MODE];
    const unsigned int threshold = (unsigned int)st[ST_PREFIX], idxThreshold = (unsigned int)st[ST_IDX_PREFIX];
    const int start = tileStart[tile], length = tileLength[tile], plane = rowPlane[row];
    const float* v = values + rowBase[row] + start;
    const int lane = threadIdx.x & 31;
    for (int j = threadIdx.x; j - (int)threadIdx.x < length; j += blockDim.x)
    {
        const bool inside = j < length;
        const float s = inside ? v[j] : 0.0f;
        const bool kept = inside && (double)s > scoreThresh;
        const unsigned int key = select_order_key(s);
        bool take;
        if (mode == MODE_TAKE_ALL) take = kept;
        else if (mode == MODE_ALL_TIES) take = kept && key >= threshold;
        else if (kept && key == threshold)
            take = 0xffffffffu - (unsigned int)select_flat(start + j, plane, anchorsTimesClasses) >= idxThreshold;
        else take = kept && key > threshold;
        const unsigned int ballot = __ballot_sync(0xffffffffu, take);
        if (ballot == 0u) continue;
        int slot = 0;
        if (lane == __ffs(ballot) - 1) slot = atomicAdd(&st[ST_TAKEN], __popc(ballot));
        slot = __shfl_sync(0xffffffffu, slot, __ffs(ballot) - 1) + __popc(ballot & ((1u << lane) - 1u));
        if (take && slot < k)
        {
            selKey[(long long)row * k + slot] = key;
            selFlat[(long long)row * k + slot] = select_flat(start + j, plane, anchorsTimesClasses);
        }
    }
}

// "a comes before b": larger score key first, then lower flattened index.
__device__ __forceinline__ bool select_before(unsigned int ka, int fa, unsigned int kb, int fb)
{
    return ka > kb || (ka == kb && fa < fb);
}

extern "C" __global__ void __launch_bounds__(1024) retina_select_sort(
    const int* __restrict__ rowPlane, int anchorsTimesClasses, int k, const int* __restrict__ state,
    const unsigned int* __restrict__ selKey, const int* __restrict__ selFlat,
    int* __restrict__ outIndex, float* __restrict__ outScore, int* __restrict__ outCount)
{
    __shared__ unsigned int sKey[SELECT_MAX];
    __shared__ int sFlat[SELECT_MAX];
    const int row = blockIdx.x;
    const int keff = min(state[(long long)row * SELECT_STATE + ST_KEFF], k);
    if (threadIdx.x == 0) outCount[row] = keff;
    if (keff == 0) return;
    int size = 1;
    while (size < keff) size <<= 1;
    for (int i = threadIdx.x; i < size; i += blockDim.x)
    {
        sKey[i] = i < keff ? selKey[(long long)row * k + i] : 0u;
        sFlat[i] = i < keff ? selFlat[(long long)row * k + i] : 0x7fffffff;
    }
    __syncthreads();
    for (int span = 2; span <= size; span <<= 1)
    {
        for (int stride = span >> 1; stride > 0; stride >>= 1)
        {
            for (int t = threadIdx.x; t < size / 2; t += blockDim.x)
            {
                const int i = 2 * t - (t & (stride - 1));
                const int j = i + stride;
                const bool descendingRun = (i & span) == 0;
                if (descendingRun != select_before(sKey[i], sFlat[i], sKey[j], sFlat[j]))
                {
                    const unsigned int tk = sKey[i]; sKey[i] = sKey[j]; sKey[j] = tk;
                    const int tf = sFlat[i]; sFlat[i] = sFlat[j]; sFlat[j] = tf;
                }
            }
            __syncthreads();
        }
    }
    const int plane = rowPlane[row];
    for (int p = threadIdx.x; p < keff; p += blockDim.x)
    {
        const int flat = sFlat[p];
        const int yx = flat / anchorsTimesClasses, ak = flat - yx * anchorsTimesClasses;
        outIndex[(long long)row * k + p] = ak * plane + yx;
        outScore[(long long)row * k + p] = select_key_value(sKey[p]);
    }
}
