using System.Text.Json;
using Detserve.Eval.Json;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// A COCO instances file (<c>images</c>, <c>categories</c>, <c>annotations</c>), pycocotools' <c>COCO</c> index:
/// read as a stream, checked (unique ids, every annotation's image and category known), then immutable.
/// </summary>
public sealed class CocoGroundTruth
{
    private readonly Dictionary<long, int> _imageIndex;
    private readonly Dictionary<long, int> _categoryIndex;
    private readonly Dictionary<string, int> _fileNameIndex = new(StringComparer.Ordinal);

    /// <summary>Builds the index from records already in memory (checked like a file, source "in-memory ground truth").</summary>
    public CocoGroundTruth(IReadOnlyList<CocoImage> images, IReadOnlyList<CocoCategory> categories, IReadOnlyList<CocoAnnotation> annotations)
        : this(images, categories, annotations, "in-memory ground truth")
    {
    }

    private CocoGroundTruth(IReadOnlyList<CocoImage> images, IReadOnlyList<CocoCategory> categories, IReadOnlyList<CocoAnnotation> annotations, string source)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(annotations);
        Images = images;
        Categories = categories;
        Annotations = annotations;
        SourceName = source;
        _imageIndex = new Dictionary<long, int>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            if (!_imageIndex.TryAdd(images[i].Id, i))
            {
                throw new RecordContext(source, "image", i, Id: images[i].Id).Error("the image id appears twice in images");
            }
        }

        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].FileName is string fileName)
            {
                _fileNameIndex.TryAdd(fileName, i);
            }
        }

        _categoryIndex = new Dictionary<long, int>(categories.Count);
        for (int i = 0; i < categories.Count; i++)
        {
            if (!_categoryIndex.TryAdd(categories[i].Id, i))
            {
                throw new RecordContext(source, "category", i, Id: categories[i].Id).Error("the category id appears twice in categories");
            }
        }

        ThingDatasetIds = [.. categories.Select(c => c.Id).Order()];
        var annotationIds = new HashSet<long>(annotations.Count);
        for (int i = 0; i < annotations.Count; i++)
        {
            CocoAnnotation a = annotations[i];
            var context = new RecordContext(source, "annotation", i, a.ImageId, a.Id);
            if (!_imageIndex.ContainsKey(a.ImageId))
            {
                throw context.Error($"image_id {a.ImageId} is not in images");
            }

            if (!_categoryIndex.ContainsKey(a.CategoryId))
            {
                throw context.Error($"category_id {a.CategoryId} is not in categories");
            }

            if (!annotationIds.Add(a.Id))
            {
                throw context.Error("the annotation id appears twice");
            }
        }
    }

    /// <summary>Where the records came from (file path or a name), used in error messages.</summary>
    public string SourceName { get; }

    public IReadOnlyList<CocoImage> Images { get; }

    public IReadOnlyList<CocoCategory> Categories { get; }

    public IReadOnlyList<CocoAnnotation> Annotations { get; }

    /// <summary>
    /// Category ids sorted ascending: index i is Detectron2's contiguous class id i (the
    /// <c>thing_dataset_id_to_contiguous_id</c> that <c>load_coco_json</c> builds), so a model's class c is reported as
    /// category <c>ThingDatasetIds[c]</c>, as <c>COCOEvaluator._eval_predictions</c> maps it back.
    /// </summary>
    public IReadOnlyList<long> ThingDatasetIds { get; }

    /// <summary>The image whose <c>file_name</c> is <paramref name="fileName"/> (exact match; the first if repeated), or null.</summary>
    public CocoImage? FindImageByFileName(string fileName) => _fileNameIndex.TryGetValue(fileName, out int i) ? Images[i] : null;

    /// <summary>The image with this id, or null.</summary>
    public CocoImage? FindImage(long id) => _imageIndex.TryGetValue(id, out int i) ? Images[i] : null;

    /// <summary>The category with this id, or null.</summary>
    public CocoCategory? FindCategory(long id) => _categoryIndex.TryGetValue(id, out int i) ? Categories[i] : null;

    /// <summary>Reads a COCO instances JSON file.</summary>
    public static CocoGroundTruth Load(string path, CocoReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = OpenRead(path);
        return Read(stream, path, limits);
    }

    /// <summary>Reads COCO instances JSON from a stream; <paramref name="sourceName"/> names it in errors.</summary>
    public static CocoGroundTruth Read(Stream stream, string sourceName, CocoReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        var json = new JsonRecordStream(stream, sourceName, (limits ?? CocoReadLimits.Default).MaxRecordBytes);
        var images = new List<CocoImage>();
        var categories = new List<CocoCategory>();
        var annotations = new List<CocoAnnotation>();
        Utf8JsonReader reader = json.Start();
        json.ReadRequired(ref reader, "the top-level object");
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new CocoFormatException($"{sourceName}: a COCO instances file is a JSON object, found {reader.TokenType} at byte {json.Offset(reader)}.");
        }

        while (true)
        {
            json.ReadRequired(ref reader, "the end of the top-level object");
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string section = JsonRecordStream.PropertyName(reader, sourceName);
            json.ReadRequired(ref reader, $"the value of \"{section}\"");
            if (section is "images" or "annotations" or "categories")
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw new CocoFormatException($"{sourceName}: \"{section}\" must be an array, found {reader.TokenType} at byte {json.Offset(reader)}.");
                }

                long index = 0;
                while (json.TryReadElement(ref reader, out Utf8JsonReader element))
                {
                    switch (section)
                    {
                        case "images":
                            images.Add(ParseImage(ref element, new RecordContext(sourceName, "image", index)));
                            break;
                        case "categories":
                            categories.Add(ParseCategory(ref element, new RecordContext(sourceName, "category", index)));
                            break;
                        default:
                            annotations.Add(ParseAnnotation(ref element, new RecordContext(sourceName, "annotation", index)));
                            break;
                    }

                    index++;
                }
            }
            else
            {
                json.SkipValue(ref reader);
            }
        }

        if (json.Read(ref reader))
        {
            throw new CocoFormatException($"{sourceName}: unexpected data after the top-level object at byte {json.Offset(reader)}.");
        }

        return new CocoGroundTruth(images, categories, annotations, sourceName);
    }

    internal static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CocoFormatException($"{path}: cannot open: {e.Message}", e);
        }
    }

    private static CocoImage ParseImage(ref Utf8JsonReader element, RecordContext context)
    {
        long? id = null;
        int? width = null, height = null;
        string? fileName = null;
        try
        {
            ExpectObject(ref element, context);
            while (element.Read() && element.TokenType == JsonTokenType.PropertyName)
            {
                if (element.ValueTextEquals("id"u8))
                {
                    id = JsonFields.Int64(ref element, context, "id");
                    context = context with { Id = id };
                }
                else if (element.ValueTextEquals("width"u8))
                {
                    width = JsonFields.NonNegativeInt(ref element, context, "width");
                }
                else if (element.ValueTextEquals("height"u8))
                {
                    height = JsonFields.NonNegativeInt(ref element, context, "height");
                }
                else if (element.ValueTextEquals("file_name"u8))
                {
                    fileName = JsonFields.String(ref element, context, "file_name");
                }
                else
                {
                    JsonFields.Skip(ref element, context, "?");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw context.Error("invalid JSON value", e);
        }

        return new CocoImage(
            id ?? throw context.Error("missing field id"),
            width ?? throw context.Error("missing field width"),
            height ?? throw context.Error("missing field height"),
            fileName);
    }

    private static CocoCategory ParseCategory(ref Utf8JsonReader element, RecordContext context)
    {
        long? id = null;
        string? name = null, supercategory = null;
        try
        {
            ExpectObject(ref element, context);
            while (element.Read() && element.TokenType == JsonTokenType.PropertyName)
            {
                if (element.ValueTextEquals("id"u8))
                {
                    id = JsonFields.Int64(ref element, context, "id");
                    context = context with { Id = id };
                }
                else if (element.ValueTextEquals("name"u8))
                {
                    name = JsonFields.String(ref element, context, "name");
                }
                else if (element.ValueTextEquals("supercategory"u8))
                {
                    supercategory = JsonFields.String(ref element, context, "supercategory");
                }
                else
                {
                    JsonFields.Skip(ref element, context, "?");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw context.Error("invalid JSON value", e);
        }

        return new CocoCategory(id ?? throw context.Error("missing field id"), name ?? throw context.Error("missing field name"), supercategory);
    }

    private static CocoAnnotation ParseAnnotation(ref Utf8JsonReader element, RecordContext context)
    {
        long? id = null, imageId = null, categoryId = null;
        double? area = null;
        BoxXywh? bbox = null;
        bool isCrowd = false;
        CocoSegmentation? segmentation = null;
        try
        {
            ExpectObject(ref element, context);
            while (element.Read() && element.TokenType == JsonTokenType.PropertyName)
            {
                if (element.ValueTextEquals("id"u8))
                {
                    id = JsonFields.Int64(ref element, context, "id");
                    context = context with { Id = id };
                }
                else if (element.ValueTextEquals("image_id"u8))
                {
                    imageId = JsonFields.Int64(ref element, context, "image_id");
                    context = context with { ImageId = imageId };
                }
                else if (element.ValueTextEquals("category_id"u8))
                {
                    categoryId = JsonFields.Int64(ref element, context, "category_id");
                }
                else if (element.ValueTextEquals("area"u8))
                {
                    area = JsonFields.Double(ref element, context, "area");
                }
                else if (element.ValueTextEquals("bbox"u8))
                {
                    bbox = JsonFields.Box(ref element, context, "bbox");
                }
                else if (element.ValueTextEquals("iscrowd"u8))
                {
                    // pycocotools uses int(iscrowd) and its truth value: anything but 0 is a crowd region.
                    JsonFields.Next(ref element, context, "iscrowd");
                    isCrowd = element.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False => false,
                        JsonTokenType.Number when element.TryGetDouble(out double v) => v != 0,
                        _ => throw context.Error("field iscrowd must be 0 or 1"),
                    };
                }
                else if (element.ValueTextEquals("segmentation"u8))
                {
                    segmentation = JsonFields.Segmentation(ref element, context, "segmentation");
                }
                else
                {
                    JsonFields.Skip(ref element, context, "?");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw context.Error("invalid JSON value", e);
        }

        return new CocoAnnotation(
            id ?? throw context.Error("missing field id"),
            imageId ?? throw context.Error("missing field image_id"),
            categoryId ?? throw context.Error("missing field category_id"),
            area ?? throw context.Error("missing field area (pycocotools needs it for the area ranges)"),
            bbox,
            isCrowd,
            segmentation);
    }

    private static void ExpectObject(ref Utf8JsonReader element, in RecordContext context)
    {
        if (element.TokenType != JsonTokenType.StartObject)
        {
            throw context.Error($"must be a JSON object, found {element.TokenType}");
        }
    }
}
