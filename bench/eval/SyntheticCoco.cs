using System.Text.Json;
using Detserve.Eval.Masks;

namespace Detserve.Bench.Eval;

/// <summary>
/// Writes a deterministic COCO-val2017-sized set: images of COCO-like sizes, 80 categories, ground truth with polygon
/// masks (areas spread over small/medium/large like COCO) and a few uncompressed-RLE crowd regions, and a results file
/// with exactly <c>detectionsPerImage</c> detections per image (box + compressed RLE mask): jittered copies of the
/// ground truth with the right or a wrong class, plus background boxes.
/// </summary>
internal sealed class SyntheticCoco(int seed, int images, int categories, double gtPerImage, int detectionsPerImage)
{
    private readonly Random _random = new(seed);

    public int GroundTruthCount { get; private set; }

    public int DetectionCount { get; private set; }

    public void Write(string gtPath, string resultsPath)
    {
        var objects = new List<(long ImageId, int Category, double[] Polygon, int H, int W)>();
        using (FileStream gtFile = File.Create(gtPath))
        using (var gt = new Utf8JsonWriter(gtFile))
        using (FileStream resultsFile = File.Create(resultsPath))
        using (var results = new Utf8JsonWriter(resultsFile))
        {
            gt.WriteStartObject();
            gt.WriteStartArray("images");
            var sizes = new (int W, int H)[images];
            for (int i = 0; i < images; i++)
            {
                sizes[i] = _random.Next(3) switch { 0 => (640, 480), 1 => (480, 640), _ => (640, 360 + _random.Next(240)) };
                gt.WriteStartObject();
                gt.WriteNumber("id", i + 1);
                gt.WriteNumber("width", sizes[i].W);
                gt.WriteNumber("height", sizes[i].H);
                gt.WriteString("file_name", $"{i + 1:D12}.jpg");
                gt.WriteEndObject();
            }

            gt.WriteEndArray();
            gt.WriteStartArray("categories");
            for (int c = 1; c <= categories; c++)
            {
                gt.WriteStartObject();
                gt.WriteNumber("id", c);
                gt.WriteString("name", $"class{c}");
                gt.WriteEndObject();
            }

            gt.WriteEndArray();
            gt.WriteStartArray("annotations");
            results.WriteStartArray();
            long annotationId = 1;
            for (int i = 0; i < images; i++)
            {
                (int w, int h) = sizes[i];
                objects.Clear();
                int count = Poisson(gtPerImage);
                for (int o = 0; o < count; o++)
                {
                    int category = 1 + _random.Next(categories);
                    double[] polygon = RandomPolygon(w, h);
                    Rle rle = Rle.FromPolygon(polygon, h, w);
                    bool crowd = _random.NextDouble() < 0.01;
                    gt.WriteStartObject();
                    gt.WriteNumber("id", annotationId++);
                    gt.WriteNumber("image_id", i + 1);
                    gt.WriteNumber("category_id", category);
                    gt.WriteNumber("iscrowd", crowd ? 1 : 0);
                    gt.WriteNumber("area", rle.Area());
                    BoxXywh box = rle.ToBbox();
                    gt.WriteStartArray("bbox");
                    gt.WriteNumberValue(box.X);
                    gt.WriteNumberValue(box.Y);
                    gt.WriteNumberValue(box.Width);
                    gt.WriteNumberValue(box.Height);
                    gt.WriteEndArray();
                    if (crowd)
                    {
                        gt.WriteStartObject("segmentation");
                        gt.WriteStartArray("size");
                        gt.WriteNumberValue(h);
                        gt.WriteNumberValue(w);
                        gt.WriteEndArray();
                        gt.WriteStartArray("counts");
                        foreach (uint run in rle.Counts)
                        {
                            gt.WriteNumberValue(run);
                        }

                        gt.WriteEndArray();
                        gt.WriteEndObject();
                    }
                    else
                    {
                        gt.WriteStartArray("segmentation");
                        gt.WriteStartArray();
                        foreach (double v in polygon)
                        {
                            gt.WriteNumberValue(Math.Round(v, 2));
                        }

                        gt.WriteEndArray();
                        gt.WriteEndArray();
                    }

                    gt.WriteEndObject();
                    GroundTruthCount++;
                    objects.Add((i + 1, category, polygon, h, w));
                }

                WriteDetections(results, i + 1, w, h, objects);
            }

            results.WriteEndArray();
            gt.WriteEndArray();
            gt.WriteEndObject();
        }
    }

    private void WriteDetections(Utf8JsonWriter results, long imageId, int w, int h, List<(long ImageId, int Category, double[] Polygon, int H, int W)> objects)
    {
        for (int d = 0; d < detectionsPerImage; d++)
        {
            double[] polygon;
            int category;
            if (objects.Count > 0 && d < objects.Count * 4)
            {
                var o = objects[d % objects.Count];
                double shift = _random.NextDouble() < 0.5 ? 2 : 12;
                double dx = (_random.NextDouble() - 0.5) * shift, dy = (_random.NextDouble() - 0.5) * shift;
                double scale = 0.85 + (_random.NextDouble() * 0.3);
                double cx = 0, cy = 0;
                int k = o.Polygon.Length / 2;
                for (int j = 0; j < k; j++)
                {
                    cx += o.Polygon[2 * j] / k;
                    cy += o.Polygon[(2 * j) + 1] / k;
                }

                polygon = new double[o.Polygon.Length];
                for (int j = 0; j < k; j++)
                {
                    polygon[2 * j] = Math.Clamp(cx + ((o.Polygon[2 * j] - cx) * scale) + dx, 0, w);
                    polygon[(2 * j) + 1] = Math.Clamp(cy + ((o.Polygon[(2 * j) + 1] - cy) * scale) + dy, 0, h);
                }

                category = _random.NextDouble() < 0.8 ? o.Category : 1 + _random.Next(categories);
            }
            else
            {
                polygon = RandomPolygon(w, h);
                category = 1 + _random.Next(categories);
            }

            Rle rle = Rle.FromPolygon(polygon, h, w);
            BoxXywh box = rle.ToBbox();
            results.WriteStartObject();
            results.WriteNumber("image_id", imageId);
            results.WriteNumber("category_id", category);
            results.WriteStartArray("bbox");
            results.WriteNumberValue((float)box.X);
            results.WriteNumberValue((float)box.Y);
            results.WriteNumberValue((float)(box.Width + (_random.NextDouble() - 0.5)));
            results.WriteNumberValue((float)(box.Height + (_random.NextDouble() - 0.5)));
            results.WriteEndArray();
            results.WriteNumber("score", (float)_random.NextDouble());
            results.WriteStartObject("segmentation");
            results.WriteStartArray("size");
            results.WriteNumberValue(h);
            results.WriteNumberValue(w);
            results.WriteEndArray();
            results.WriteString("counts", rle.ToCompressedString());
            results.WriteEndObject();
            results.WriteEndObject();
            DetectionCount++;
        }
    }

    // An irregular star-shaped polygon; sqrt(area) log-uniform in [6, 400] px, so about 40 % small, 35 % medium,
    // 25 % large objects as in COCO.
    private double[] RandomPolygon(int w, int h)
    {
        double side = Math.Exp(Math.Log(6) + (_random.NextDouble() * (Math.Log(400) - Math.Log(6))));
        double rx = side * (0.4 + (_random.NextDouble() * 0.4)), ry = side * side / 4 / rx;
        double cx = _random.NextDouble() * w, cy = _random.NextDouble() * h;
        int vertices = 8 + _random.Next(17);
        var polygon = new double[2 * vertices];
        for (int j = 0; j < vertices; j++)
        {
            double angle = 2 * Math.PI * j / vertices;
            double r = 0.7 + (_random.NextDouble() * 0.3);
            polygon[2 * j] = Math.Clamp(cx + (rx * r * Math.Cos(angle)), 0, w);
            polygon[(2 * j) + 1] = Math.Clamp(cy + (ry * r * Math.Sin(angle)), 0, h);
        }

        return polygon;
    }

    private int Poisson(double mean)
    {
        double l = Math.Exp(-mean), p = 1;
        int k = 0;
        do
        {
            k++;
            p *= _random.NextDouble();
        }
        while (p > l);
        return k - 1;
    }
}
