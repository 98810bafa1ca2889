using Detserve.Backends.Cpu.Reference;

namespace Detserve.Backends.Cpu.Tests;

public class PasteMasksTests
{
    [Fact]
    public void PasteMask_MatchesReference_AndRegionVariantEqualsFullImage()
    {
        var rng = new Random(5);
        const int imageH = 61, imageW = 83;
        for (int t = 0; t < 40; t++)
        {
            float[] mask = TestData.Uniform(t, 28 * 28, 0f, 1f);
            float x1 = (rng.NextSingle() * 90f) - 10f, y1 = (rng.NextSingle() * 70f) - 10f;
            float x2 = x1 + 0.2f + (rng.NextSingle() * 50f), y2 = y1 + 0.2f + (rng.NextSingle() * 40f);
            // Detectron2 clips boxes to the image before pasting.
            x1 = Math.Clamp(x1, 0, imageW); x2 = Math.Clamp(x2, 0, imageW); y1 = Math.Clamp(y1, 0, imageH); y2 = Math.Clamp(y2, 0, imageH);
            if (x2 <= x1 || y2 <= y1) continue;
            byte[] full = new byte[imageH * imageW];
            PasteMasks.PasteMask(mask, 28, x1, y1, x2, y2, imageH, imageW, 0.5f, full);
            byte[] expected = PasteMasksReference.PasteMask(mask, 28, x1, y1, x2, y2, imageH, imageW, 0.5f);
            Assert.True(expected.SequenceEqual(full), $"PasteMask box ({x1}, {y1}, {x2}, {y2}) differs from the reference");

            MaskRegion r = PasteMasks.Region(x1, y1, x2, y2, imageH, imageW);
            byte[] crop = new byte[r.Width * r.Height];
            Assert.Equal(r, PasteMasks.PasteMaskRegion(mask, 28, x1, y1, x2, y2, imageH, imageW, 0.5f, crop));
            byte[] rebuilt = new byte[imageH * imageW];
            for (int y = 0; y < r.Height; y++) crop.AsSpan(y * r.Width, r.Width).CopyTo(rebuilt.AsSpan(((r.Y0 + y) * imageW) + r.X0));
            Assert.True(full.SequenceEqual(rebuilt), $"region paste of box ({x1}, {y1}, {x2}, {y2}) differs from the full paste");
        }
    }

    [Fact]
    public void PasteMask_UniformMask_FillsExactlyTheBoxPixels()
    {
        // A constant-1 mask: grid_sample with zero padding gives 1 inside, fading to 0 half a mask cell outside the box.
        // At threshold 0.5 the pasted pixels are those whose centres fall inside the box.
        float[] mask = Enumerable.Repeat(1f, 28 * 28).ToArray();
        byte[] output = new byte[20 * 30];
        PasteMasks.PasteMask(mask, 28, 5f, 4f, 15f, 12f, 20, 30, 0.5f, output);
        for (int y = 0; y < 20; y++)
        for (int x = 0; x < 30; x++)
            Assert.Equal(x >= 5 && x < 15 && y >= 4 && y < 12 ? 1 : 0, output[(y * 30) + x]);
    }
}
