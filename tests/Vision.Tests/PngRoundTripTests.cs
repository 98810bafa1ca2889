using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Detserve.Vision.Tests;

/// <summary>PngEncoder output decodes back to the same pixels, for random sizes and contents (FsCheck, fixed seed).</summary>
public sealed class PngRoundTripTests
{
    private static Config Seeded(int maxTest) =>
        Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x5EED_1234UL, 0x9E37_79B9UL), FSharpOption<int>.None)));

    private static Gen<RgbImage> Images =>
        from w in Gen.Choose(1, 40)
        from h in Gen.Choose(1, 24)
        from style in Gen.Choose(0, 2)
        from seed in Gen.Choose(0, int.MaxValue)
        select MakeImage(w, h, style, seed);

    /// <summary>Noise, smooth gradients (so every filter type wins somewhere) or flat colour.</summary>
    private static RgbImage MakeImage(int w, int h, int style, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = ((y * w) + x) * 3;
                for (int c = 0; c < 3; c++)
                {
                    pixels[i + c] = style switch
                    {
                        0 => (byte)random.Next(256),
                        1 => (byte)((x * (c + 3)) + (y * (5 - c)) + random.Next(3)),
                        _ => (byte)(seed >> (c * 8)),
                    };
                }
            }
        }
        return new RgbImage(w, h, pixels);
    }

    [Fact]
    public void Encode_then_decode_is_identity()
    {
        Check.One(Seeded(150), Prop.ForAll(Arb.From(Images), image =>
        {
            byte[] png = PngEncoder.Encode(image);
            RgbImage back = ImageDecoder.Decode(png, "roundtrip.png");
            return back.Width == image.Width && back.Height == image.Height && back.Pixels.AsSpan().SequenceEqual(image.Pixels);
        }));
    }

    [Fact]
    public void Encoded_file_is_valid_PNG_structure()
    {
        var image = new RgbImage(3, 2, [255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        byte[] png = PngEncoder.Encode(image);
        Assert.Equal(ImageFormat.Png, ImageDecoder.Sniff(png));
        // IHDR right after the signature: length 13, 3 x 2, depth 8, colour type 2, no interlace
        Assert.Equal(new byte[] { 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0 }, png[8..29]);
        Assert.Equal("IEND"u8.ToArray(), png[^8..^4]);
    }
}
