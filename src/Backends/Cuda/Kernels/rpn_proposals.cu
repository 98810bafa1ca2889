// rpn_proposals.cu: detectron2 RPN inference between the head and NMS, for one image
// (modeling/proposal_generator/rpn.py predict_proposals + proposal_utils.py find_top_rpn_proposals).
//
// Layout: objectness [sum over levels of A * H_l * W_l] float32, level l at levelOffsets[l], NCHW (anchor, y, x)
//         as the head's conv writes it; deltas likewise with 4 * A channels (channel = anchor * 4 + coordinate);
//         anchors [sum of H_l * W_l * A, 4] in (y, x, anchor) order, level l at levelOffsets[l] boxes;
//         topIndex / topLogit [numLevels, k] from topk.cu run on the objectness rows (index within the level, NCHW),
//         topCount[numLevels]. Output per candidate slot t = l * k + p: boxes [4], scores (the logit), groups (= l),
//         flags (1 = keep).
// Mapping: one thread per candidate slot; grid.x covers numLevels * k.
// Semantics: the NCHW position a * H * W + y * W + x is anchor (y * W + x) * A + a of the level (the head output is
//   permuted to (N, H, W, A) before flattening); the anchor is decoded with Box2BoxTransform weights (1, 1, 1, 1) and
//   the default clamp; a candidate is kept when its 4 coordinates and its logit are finite; the box is then clipped
//   to the unpadded image and dropped unless width > minSize and height > minSize (Boxes.nonempty, MIN_SIZE 0).
// CPU reference: TopK.Indices per level + Box2BoxTransform.ApplyDeltas + Boxes.Clip + Boxes.NonEmpty (checked
//   end to end against Detectron2's rpn_proposals in ../shared/golden).

__device__ __forceinline__ bool finite4(float a, float b, float c, float d)
{
    return isfinite(a) && isfinite(b) && isfinite(c) && isfinite(d);
}

__device__ __forceinline__ float clip_to(float v, float hi) { return isnan(v) ? v : fminf(fmaxf(v, 0.0f), hi); }

extern "C" __global__ void rpn_decode_candidates(
    const float* __restrict__ deltas, const float* __restrict__ anchors,
    const long long* __restrict__ levelOffsets, const int* __restrict__ levelHeights, const int* __restrict__ levelWidths,
    int anchorsPerCell, int numLevels, int k,
    const int* __restrict__ topIndex, const float* __restrict__ topLogit, const int* __restrict__ topCount,
    float scaleClamp, float imageHeight, float imageWidth, float minSize,
    float* __restrict__ boxes, float* __restrict__ scores, int* __restrict__ groups, int* __restrict__ flags)
{
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= numLevels * k) return;
    const int l = t / k, p = t - l * k;
    if (p >= topCount[l])
    {
        flags[t] = 0;
        groups[t] = -1;
        return;
    }
    const int H = levelHeights[l], W = levelWidths[l], A = anchorsPerCell;
    const long long hw = (long long)H * W;
    const int i = topIndex[l * k + p];
    const int a = (int)(i / hw);
    const long long yx = i - (long long)a * hw;
    const long long anchorIndex = yx * A + a;
    const long long levelOffset = levelOffsets[l];
    const float* anchor = anchors + (levelOffset + anchorIndex) * 4;
    const float* d = deltas + levelOffset * 4 + (long long)(a * 4) * hw + yx;

    const float x0 = anchor[0], y0 = anchor[1];
    const float widths = anchor[2] - x0, heights = anchor[3] - y0;
    const float ctrX = x0 + 0.5f * widths, ctrY = y0 + 0.5f * heights;
    const float dx = d[0] / 1.0f, dy = d[hw] / 1.0f;
    float dw = d[2 * hw] / 1.0f, dh = d[3 * hw] / 1.0f;
    dw = dw > scaleClamp ? scaleClamp : dw;
    dh = dh > scaleClamp ? scaleClamp : dh;
    const float predCtrX = dx * widths + ctrX, predCtrY = dy * heights + ctrY;
    const float predW = expf(dw) * widths, predH = expf(dh) * heights;
    float bx0 = predCtrX - 0.5f * predW, by0 = predCtrY - 0.5f * predH;
    float bx1 = predCtrX + 0.5f * predW, by1 = predCtrY + 0.5f * predH;
    const float logit = topLogit[l * k + p];
    int keep = finite4(bx0, by0, bx1, by1) && isfinite(logit);
    bx0 = clip_to(bx0, imageWidth); by0 = clip_to(by0, imageHeight);
    bx1 = clip_to(bx1, imageWidth); by1 = clip_to(by1, imageHeight);
    keep = keep && (bx1 - bx0) > minSize && (by1 - by0) > minSize;
    boxes[t * 4 + 0] = bx0; boxes[t * 4 + 1] = by0; boxes[t * 4 + 2] = bx1; boxes[t * 4 + 3] = by1;
    scores[t] = logit;
    groups[t] = keep ? l : -1;
    flags[t] = keep;
}
