using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Detserve.Eval.Tests;

/// <summary>Random binary masks for property tests: empty, full, noise of any density, and blobs (rectangles).</summary>
internal static class MaskGen
{
    public static Config Seeded(int maxTest, ulong seed) =>
        Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));

    /// <summary>A column-major mask (height, width, bytes 0/1).</summary>
    public static Gen<(int Height, int Width, byte[] ColumnMajor)> Masks(int maxSide = 24) =>
        from h in Gen.Choose(0, maxSide)
        from w in Gen.Choose(0, maxSide)
        from style in Gen.Choose(0, 4)
        from seed in Gen.Choose(0, int.MaxValue)
        select (h, w, Make(h, w, style, seed));

    /// <summary>Two masks of one size.</summary>
    public static Gen<(int Height, int Width, byte[] A, byte[] B)> Pairs(int maxSide = 24) =>
        from h in Gen.Choose(1, maxSide)
        from w in Gen.Choose(1, maxSide)
        from styleA in Gen.Choose(0, 4)
        from styleB in Gen.Choose(0, 4)
        from seed in Gen.Choose(0, int.MaxValue)
        select (h, w, Make(h, w, styleA, seed), Make(h, w, styleB, seed ^ 0x5bd1e995));

    public static byte[] Make(int h, int w, int style, int seed)
    {
        var random = new Random(seed);
        var mask = new byte[h * w];
        switch (style)
        {
            case 0:
                break;
            case 1:
                Array.Fill(mask, (byte)1);
                break;
            case 2:
            {
                double density = random.NextDouble();
                for (int i = 0; i < mask.Length; i++)
                {
                    mask[i] = random.NextDouble() < density ? (byte)1 : (byte)0;
                }

                break;
            }

            default:
            {
                int blobs = random.Next(1, 4);
                for (int b = 0; b < blobs && h > 0 && w > 0; b++)
                {
                    int x0 = random.Next(w), y0 = random.Next(h);
                    int x1 = random.Next(x0, w), y1 = random.Next(y0, h);
                    for (int x = x0; x <= x1; x++)
                    {
                        for (int y = y0; y <= y1; y++)
                        {
                            mask[(x * h) + y] = 1;
                        }
                    }
                }

                break;
            }
        }

        return mask;
    }
}
