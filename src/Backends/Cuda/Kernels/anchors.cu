// anchors.cu: detectron2 DefaultAnchorGenerator._grid_anchors for one feature level.
//
// Layout: cellAnchors [A, 4] float32 (x1, y1, x2, y2 around 0, from AnchorGenerator.CellAnchors on the host);
//         output [featureHeight * featureWidth * A, 4] float32 in (y, x, anchor) order.
// Mapping: one thread per anchor; grid.x covers featureHeight * featureWidth * A.
// Semantics: shifts are torch.arange(offset*stride, size*stride, stride, dtype=float32): element i is computed in
//            double (the CPU accumulate type) as start + i*stride and rounded to float; anchor = shift + cell, one
//            float add per coordinate.
// CPU reference: Detserve.Backends.Cpu.AnchorGenerator.GridAnchors.

extern "C" __global__ void grid_anchors(
    const float* __restrict__ cellAnchors, int anchorsPerCell, int featureHeight, int featureWidth,
    int stride, double offset, float* __restrict__ output)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long total = (long long)featureHeight * featureWidth * anchorsPerCell;
    if (i >= total) return;
    const int a = (int)(i % anchorsPerCell);
    const long long cell = i / anchorsPerCell;
    const int y = (int)(cell / featureWidth);
    const int x = (int)(cell - (long long)y * featureWidth);
    const double start = offset * stride;
    const float sx = (float)(start + (double)stride * x);
    const float sy = (float)(start + (double)stride * y);
    output[i * 4 + 0] = sx + cellAnchors[a * 4 + 0];
    output[i * 4 + 1] = sy + cellAnchors[a * 4 + 1];
    output[i * 4 + 2] = sx + cellAnchors[a * 4 + 2];
    output[i * 4 + 3] = sy + cellAnchors[a * 4 + 3];
}
