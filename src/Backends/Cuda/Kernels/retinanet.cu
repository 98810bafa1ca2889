// retinanet.cu: detectron2 RetinaNet inference after the head, for a batch of images (modeling/meta_arch/retinanet.py
// inference_single_image + dense_detector.py _decode_per_level_predictions), and the stand-alone ReLU of LastLevelP6P7.
//
// Layout: logits per image: levels concatenated, level l at levelOffsets[l] * K floats, NCHW [A * K, H_l * W_l] as the
//         head's conv writes it (channel = anchor * K + class); deltas per image likewise at levelOffsets[l] * 4 floats,
//         [4 * A, H_l * W_l] (channel = anchor * 4 + coordinate); anchors [sum of H_l * W_l * A, 4] in (y, x, anchor)
//         order, level l at levelOffsets[l] boxes (DefaultAnchorGenerator). topIndex / topScore [batch * numLevels, k]
//         and topCount[batch * numLevels] come from topk.cu run on the sigmoid rows (index within the level, NCHW).
// Mapping: one thread per element (sigmoid, relu) or per candidate slot (decode, class rows, class select).
// Semantics: the NCHW position (a * K + c) * H * W + y * W + x is flattened index ((y * W + x) * A + a) * K + c of
//   permute_to_N_HWA_K, i.e. anchor (y * W + x) * A + a of the level and class c. Top-k over every sigmoid score of a
//   level followed by "score > SCORE_THRESH_TEST" keeps exactly the top min(k, kept) of the kept scores, which is what
//   Detectron2 computes (threshold first, then topk). Boxes: Box2BoxTransform.apply_deltas with the given weights and
//   clamp, no clipping. Before batched_nms each class keeps at most its groupCapacity best candidates (the shared-memory
//   NMS bound, nms.cu); with the zoo's 1000 candidates per level that bound is reached only when one class has more than
//   groupCapacity candidates above the threshold in one image.
// CPU reference: Detserve.Runtime.RetinaNetInference (Activations.Sigmoid, TopK.Indices, Box2BoxTransform.ApplyDeltas,
//   Nms.BatchedNms).

#define RETINA_NEG_INF (-__int_as_float(0x7f800000))

extern "C" __global__ void retina_sigmoid(float* __restrict__ values, long long count)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const float x = values[i];
    values[i] = 1.0f / (1.0f + expf(-x));
}

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

// Slot s = (n * numClasses + c) * groupCapacity + p: image n's p-th best candidate of class c (from topk.cu over the class
// rows), flagged when it is a real candidate; the index is within image n's candidates.
extern "C" __global__ void retina_class_select(
    const float* __restrict__ boxes, const int* __restrict__ classIndex, const float* __restrict__ classScore,
    const int* __restrict__ classCount, int perImage, int numClasses, int groupCapacity, int batch,
    float* __restrict__ outBoxes, float* __restrict__ outScores, int* __restrict__ outGroups, int* __restrict__ outFlags)
{
    const long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= (long long)batch * numClasses * groupCapacity) return;
    const long long row = s / groupCapacity;
    const int p = (int)(s - row * groupCapacity);
    const int c = (int)(row % numClasses), n = (int)(row / numClasses);
    const float score = classScore[s];
    if (p >= classCount[row] || !(score > RETINA_NEG_INF))
    {
        outBoxes[s * 4 + 0] = 0.0f; outBoxes[s * 4 + 1] = 0.0f; outBoxes[s * 4 + 2] = 0.0f; outBoxes[s * 4 + 3] = 0.0f;
        outScores[s] = 0.0f;
        outGroups[s] = -1;
        outFlags[s] = 0;
        return;
    }
    const float* b = boxes + ((long long)n * perImage + classIndex[s]) * 4;
    outBoxes[s * 4 + 0] = b[0]; outBoxes[s * 4 + 1] = b[1]; outBoxes[s * 4 + 2] = b[2]; outBoxes[s * 4 + 3] = b[3];
    outScores[s] = score;
    outGroups[s] = c;
    outFlags[s] = 1;
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
