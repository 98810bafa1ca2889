// fast_rcnn.cu: detectron2 FastRCNNOutputLayers inference up to NMS, for one image
// (modeling/roi_heads/fast_rcnn.py predict_probs, predict_boxes, fast_rcnn_inference_single_image).
//
// Layout: clsLogits [rows, numClasses + 1] float32 (background last), boxDeltas [rows, numClasses * 4]
//         (class-specific, dx dy dw dh), proposals [rows, 4]; *rowCount (device) rows are valid.
//         Output per candidate slot t = r * numClasses + c: boxes [4], scores, groups (= c), flags (1 = keep).
// Mapping: one thread per (row, class) slot; grid.x covers capacityRows * numClasses.
// Semantics: probabilities = softmax over the row (max, exp(x - max), sum in float32, times 1 / sum); boxes
//   decoded with weights (wx, wy, ww, wh) and the default clamp, then clipped to the unpadded image; a row whose
//   decoded boxes or probabilities are not all finite is dropped (valid_mask); a slot is kept when its probability
//   > scoreThresh (strict). Slots come in (row, class) row-major order, the order of filter_mask.nonzero().
// CPU reference: Activations.SoftmaxRows + Box2BoxTransform.ApplyDeltas + Boxes.Clip (checked end to end against
//   Detectron2's detections in ../shared/golden).

__device__ __forceinline__ float clip_box(float v, float hi) { return isnan(v) ? v : fminf(fmaxf(v, 0.0f), hi); }

__device__ __forceinline__ void decode(const float* box, const float* d, float wx, float wy, float ww, float wh, float scaleClamp, float* out)
{
    const float x0 = box[0], y0 = box[1];
    const float widths = box[2] - x0, heights = box[3] - y0;
    const float ctrX = x0 + 0.5f * widths, ctrY = y0 + 0.5f * heights;
    const float dx = d[0] / wx, dy = d[1] / wy;
    float dw = d[2] / ww, dh = d[3] / wh;
    dw = dw > scaleClamp ? scaleClamp : dw;
    dh = dh > scaleClamp ? scaleClamp : dh;
    const float predCtrX = dx * widths + ctrX, predCtrY = dy * heights + ctrY;
    const float predW = expf(dw) * widths, predH = expf(dh) * heights;
    out[0] = predCtrX - 0.5f * predW;
    out[1] = predCtrY - 0.5f * predH;
    out[2] = predCtrX + 0.5f * predW;
    out[3] = predCtrY + 0.5f * predH;
}

extern "C" __global__ void fast_rcnn_candidates(
    const float* __restrict__ clsLogits, const float* __restrict__ boxDeltas, const float* __restrict__ proposals,
    const int* __restrict__ rowCount, int capacityRows, int numClasses,
    float wx, float wy, float ww, float wh, float scaleClamp, float imageHeight, float imageWidth, float scoreThresh,
    float* __restrict__ boxes, float* __restrict__ scores, int* __restrict__ groups, int* __restrict__ flags)
{
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long)capacityRows * numClasses) return;
    const int r = (int)(t / numClasses), c = (int)(t - (long long)r * numClasses);
    const int rows = min(max(*rowCount, 0), capacityRows);
    if (r >= rows)
    {
        flags[t] = 0;
        groups[t] = -1;
        return;
    }
    const int cols = numClasses + 1;
    const float* logits = clsLogits + (long long)r * cols;
    float maxLogit = logits[0];
    for (int j = 1; j < cols; j++) maxLogit = fmaxf(maxLogit, logits[j]);
    float sum = 0.0f, mine = 0.0f;
    bool rowFinite = true;
    for (int j = 0; j < cols; j++)
    {
        const float e = expf(logits[j] - maxLogit);
        sum += e;
        if (j == c) mine = e;
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j < cols; j++) rowFinite = rowFinite && isfinite(expf(logits[j] - maxLogit) * inv);
    const float prob = mine * inv;

    // valid_mask looks at every class's decoded box of the row.
    const float* proposal = proposals + (long long)r * 4;
    const float* rowDeltas = boxDeltas + (long long)r * numClasses * 4;
    float box[4];
    for (int j = 0; j < numClasses && rowFinite; j++)
    {
        decode(proposal, rowDeltas + j * 4, wx, wy, ww, wh, scaleClamp, box);
        rowFinite = isfinite(box[0]) && isfinite(box[1]) && isfinite(box[2]) && isfinite(box[3]);
    }
    decode(proposal, rowDeltas + c * 4, wx, wy, ww, wh, scaleClamp, box);
    boxes[t * 4 + 0] = clip_box(box[0], imageWidth);
    boxes[t * 4 + 1] = clip_box(box[1], imageHeight);
    boxes[t * 4 + 2] = clip_box(box[2], imageWidth);
    boxes[t * 4 + 3] = clip_box(box[3], imageHeight);
    scores[t] = prob;
    const int keep = rowFinite && prob > scoreThresh;
    groups[t] = keep ? c : -1;
    flags[t] = keep;
}
