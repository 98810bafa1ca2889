// roi_batch.cu: the glue between per-image fixed-capacity outputs and the batched ROI stages.
//
// make_rois: rois [batch * perImage, 5] = (image index, x1, y1, x2, y2) from boxes [batch * perImage, 4]; as ROIPooler's
//   convert_boxes_to_pooler_format (detectron2/modeling/poolers.py), but over every fixed-capacity slot: slots after an
//   image's count hold zero boxes and their pooled rows are ignored downstream.
// rescale_boxes: detector_postprocess's box step for one image (detectron2/modeling/postprocessing.py): x *= scaleX,
//   y *= scaleY in float32 (Boxes.scale), then Boxes.clip to [0, width] x [0, height].
// Layout: float32, contiguous (boxes xyxy).
// Mapping: one thread per row; grid.x covers the rows.
// CPU reference: RoiPooler's roi rows and DetectorPostprocess.Run (Detserve.Runtime), spelled out in RoiBatchTests.

extern "C" __global__ void make_rois(const float* __restrict__ boxes, int perImage, int rows, float* __restrict__ rois)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= rows) return;
    rois[5 * i] = (float)(i / perImage);
    rois[5 * i + 1] = boxes[4 * i];
    rois[5 * i + 2] = boxes[4 * i + 1];
    rois[5 * i + 3] = boxes[4 * i + 2];
    rois[5 * i + 4] = boxes[4 * i + 3];
}

extern "C" __global__ void rescale_boxes(
    const float* __restrict__ boxes, int rows, float scaleX, float scaleY, float height, float width, float* __restrict__ output)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= rows) return;
    const float x1 = boxes[4 * i] * scaleX, y1 = boxes[4 * i + 1] * scaleY;
    const float x2 = boxes[4 * i + 2] * scaleX, y2 = boxes[4 * i + 3] * scaleY;
    output[4 * i] = fminf(fmaxf(x1, 0.0f), width);
    output[4 * i + 1] = fminf(fmaxf(y1, 0.0f), height);
    output[4 * i + 2] = fminf(fmaxf(x2, 0.0f), width);
    output[4 * i + 3] = fminf(fmaxf(y2, 0.0f), height);
}
