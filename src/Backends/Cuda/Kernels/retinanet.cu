// retinanet.cu: detectron2 RetinaNet inference after the per-level candidates, for a batch of images
// (modeling/meta_arch/retinanet.py inference_single_image + dense_detector.py _decode_per_level_predictions), and the
// stand-alone ReLU of LastLevelP6P7.
//
// Layout: deltas per image: levels concatenated, level l at levelOffsets[l] * 4 floats, NCHW [4 * A, H_l * W_l] as the head's
//         conv writes it (channel = anchor * 4 + coordinate); anchors [sum of H_l * W_l * A, 4] in (y, x, anchor) order, level
//         l at levelOffsets[l] boxes (DefaultAnchorGenerator). topIndex / topScore [batch * numLevels, k] and
//         topCount[batch * numLevels] come from retinanet_select.cu (index within the level's NCHW [A * K, H * W] scores).
//         Candidates per image: perImage = numLevels * k slots in (level, rank) order. Class rows [batch * K, perImage];
//         class top-k [batch * K, groupCapacity] (topk.cu); dense per image [perImage] (boxes, scores, classes).
// Mapping: one thread per candidate slot (decode, class rows, class scatter) or element (relu); retina_class_offsets: one
//          block per image, one thread per class with a block-wide prefix sum.
// Semantics: NCHW position (a * K + c) * H * W + y * W + x is flattened index ((y * W + x) * A + a) * K + c of
//   permute_to_N_HWA_K, i.e. anchor (y * W + x) * A + a of the level and class c. Boxes: Box2BoxTransform.apply_deltas with
//   the given weights and clamp, no clipping. Before batched_nms each class keeps at most its groupCapacity best candidates
//   (the shared-memory NMS bound, nms.cu); with the zoo's 1000 candidates per level that bound is reached only when one class
//   has more than groupCapacity candidates above the threshold in one image. The dense list holds class 0's candidates by
//   score, then class 1's, ... (what the former flag-and-compact pass gave), so batched_nms sees the same order.
// CPU reference: Detserve.Runtime.RetinaNetInference (Box2BoxTransform.ApplyDeltas, Nms.BatchedNms).

#define RETINA_NEG_INF (-__int_as_float(0x7f800000))

// Slot t = (n * numLevels + l) * k + p of image n, level l, rank p: the decoded box, its score, its class, and whether it
// passes the threshold (compared in double, as the CPU RetinaNetInference; PyTorch compares in float32, which differs
// only for a score exactly equal to (float)SCORE_THRESH_TEST).
extern "C" __global__ void retina_decode_candidates(
    const float* __restrict__ deltas, long long deltasPerImage, const float* __restrict__ anchors,
    const long long* __restrict__ levelOffsets, const int* __restrict__ levelPlanes,
    int anchorsPerCell, int numClasses, int numLevels, int k, int batch,
    const int* __restrict__ topIndex, const float* __restrict__ topScore, const int* __restrict__ topCount,
    float wx, float wy, float ww, float wh, float scaleClamp, double scoreThresh,
    float* __restrict__ boxes, float* __restrict__ scores, int* __restrict__ classes, int* __restrict__ flags)
{
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long)batch * numLevels * k) return;
    const int row = (int)(t / k), p = (int)(t - (long long)row * k);
    const int n = row / numLevels, l = row - n * numLevels;
    const float score = topScore[t];
    if (p >= topCount[row] || !((double)score > scoreThresh))
    {
        boxes[t * 4 + 0] = 0.0f; boxes[t * 4 + 1] = 0.0f; boxes[t * 4 + 2] = 0.0f; boxes[t * 4 + 3] = 0.0f;
        scores[t] = 0.0f;
        classes[t] = -1;
        flags[t] = 0;
        return;
    }
    const long long hw = levelPlanes[l];
    const int K = numClasses, A = anchorsPerCell;
    const long long i = topIndex[t];
    const int ak = (int)(i / hw);
    const long long yx = i - (long long)ak * hw;
    const int a = ak / K, c = ak - a * K;
    const long long levelOffset = levelOffsets[l];
    const float* anchor = anchors + (levelOffset + yx * A + a) * 4;
    const float* d = deltas + (long long)n * deltasPerImage + levelOffset * 4 + (long long)(a * 4) * hw + yx;

    const float x0 = anchor[0], y0 = anchor[1];
    const float widths = anchor[2] - x0, heights = anchor[3] - y0;
    const float ctrX = x0 + 0.5f * widths, ctrY = y0 + 0.5f * heights;
    const float dx = d[0] / wx, dy = d[hw] / wy;
    float dw = d[2 * hw] / ww, dh = d[3 * hw] / wh;
    dw = dw > scaleClamp ? scaleClamp : dw;
    dh = dh > scaleClamp ? scaleClamp : dh;
    const float predCtrX = dx * widths + ctrX, predCtrY = dy * heights + ctrY;
    const float predW = expf(dw) * widths, predH = expf(dh) * heights;
    boxes[t * 4 + 0] = predCtrX - 0.5f * predW;
    boxes[t * 4 + 1] = predCtrY - 0.5f * predH;
    boxes[t * 4 + 2] = predCtrX + 0.5f * predW;
    boxes[t * 4 + 3] = predCtrY + 0.5f * predH;
    scores[t] = score;
    classes[t] = c;
    flags[t] = 1;
}

// classRows[(n * numClasses + c) * perImage + j] = score of image n's candidate j when it is kept and of class c, else -inf
// (one row per image and class for the per-class top-k; -inf never outranks a real score).
extern "C" __global__ void retina_class_rows(
    const float* __restrict__ scores, const int* __restrict__ classes, const int* __restrict__ flags,
    int perImage, int numClasses, int batch, float* __restrict__ classRows)
{
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long)batch * numClasses * perImage) return;
    const int j = (int)(t % perImage);
    const long long nc = t / perImage;
    const int c = (int)(nc % numClasses), n = (int)(nc / numClasses);
    const long long i = (long long)n * perImage + j;
    classRows[t] = (flags[i] != 0 && classes[i] == c) ? scores[i] : RETINA_NEG_INF;
}

// Per image n: m_c = the real candidates among class c's top-k slots (the scores above -inf; the slots are sorted
// descending, so a binary search finds the first -inf), classOffset[n * K + c] = m_0 + ... + m_(c-1) and denseCount[n] the sum.
extern "C" __global__ void __launch_bounds__(1024) retina_class_offsets(
    const float* __restrict__ classScore, const int* __restrict__ classCount, int numClasses, int groupCapacity,
    int* __restrict__ classOffset, int* __restrict__ denseCount)
{
    __shared__ int warpSums[32];
    __shared__ int running;
    const int n = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (threadIdx.x == 0) running = 0;
    __syncthreads();
    for (int c0 = 0; c0 < numClasses; c0 += blockDim.x)
    {
        const int c = c0 + threadIdx.x;
        int m = 0;
        if (c < numClasses)
        {
            const long long row = (long long)n * numClasses + c;
            const float* s = classScore + row * groupCapacity;
            int lo = 0, hi = min(max(classCount[row], 0), groupCapacity);
            while (lo < hi)
            {
                const int mid = (lo + hi) >> 1;
                if (s[mid] > RETINA_NEG_INF) lo = mid + 1; else hi = mid;
            }
            m = lo;
        }
        int x = m;
        for (int o = 1; o < 32; o <<= 1)
        {
            const int y = __shfl_up_sync(0xffffffffu, x, o);
            if (lane >= o) x += y;
        }
        if (lane == 31) warpSums[warp] = x;
        __syncthreads();
        if (warp == 0)
        {
            int w = lane < warps ? warpSums[lane] : 0;
            for (int o = 1; o < 32; o <<= 1)
            {
                const int y = __shfl_up_sync(0xffffffffu, w, o);
                if (lane >= o) w += y;
            }
            warpSums[lane] = w;
        }
        __syncthreads();
        const int exclusive = running + (warp > 0 ? warpSums[warp - 1] : 0) + x - m;
        if (c < numClasses) classOffset[(long long)n * numClasses + c] = exclusive;
        const int total = warpSums[warps - 1];
        __syncthreads();
        if (threadIdx.x == 0) running += total;
        __syncthreads();
    }
    if (threadIdx.x == 0) denseCount[n] = running;
}

// Slot s = (n * numClasses + c) * groupCapacity + p: image n's p-th best candidate of class c (topk.cu over the class rows)
// goes to dense position classOffset[n * K + c] + p of image n when it is a real candidate; the index is within image n's
// candidates.
extern "C" __global__ void retina_class_scatter(
    const float* __restrict__ boxes, const int* __restrict__ classIndex, const float* __restrict__ classScore,
    const int* __restrict__ classCount, const int* __restrict__ classOffset, int perImage, int numClasses, int groupCapacity,
    int batch, float* __restrict__ denseBoxes, float* __restrict__ denseScores, int* __restrict__ denseGroups)
{
    const long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= (long long)batch * numClasses * groupCapacity) return;
    const long long row = s / groupCapacity;
    const int p = (int)(s - row * groupCapacity);
    const int c = (int)(row % numClasses), n = (int)(row / numClasses);
    const float score = classScore[s];
    if (p >= classCount[row] || !(score > RETINA_NEG_INF)) return;
    const long long d = (long long)n * perImage + classOffset[row] + p;
    const float* b = boxes + ((long long)n * perImage + classIndex[s]) * 4;
    denseBoxes[d * 4 + 0] = b[0]; denseBoxes[d * 4 + 1] = b[1]; denseBoxes[d * 4 + 2] = b[2]; denseBoxes[d * 4 + 3] = b[3];
    denseScores[d] = score;
    denseGroups[d] = c;
}

// F.relu as a node of its own (LastLevelP6P7: p7 = conv(relu(p6)), p6 also feeds the head so the compiler cannot fuse it).
// NaN stays NaN, as torch.relu.
extern "C" __global__ void retina_relu_f32(const float* __restrict__ x, long long count, float* __restrict__ y)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const float v = x[i];
    y[i] = (v > 0.0f || v != v) ? v : 0.0f;
}

// The float16 twin on raw bits: a set sign bit (negative or -0) gives +0 unless the value is a NaN.
extern "C" __global__ void retina_relu_f16(const unsigned short* __restrict__ x, long long count, unsigned short* __restrict__ y)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const unsigned short v = x[i];
    const bool isNan = (v & 0x7fffu) > 0x7c00u;
    y[i] = ((v & 0x8000u) != 0u && !isNan) ? (unsigned short)0u : v;
}
