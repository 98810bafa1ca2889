namespace Detserve.Cli.Commands;

/// <summary>Expands an --input argument (one file or a folder) into the image files to process.</summary>
public static class InputImages
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>The file itself, or the folder's image files (by extension, not recursive) in ordinal name order.</summary>
    /// <exception cref="CliException">the path does not exist, or the folder holds no image.</exception>
    public static IReadOnlyList<string> Expand(string input)
    {
        if (File.Exists(input)) return [input];
        if (!Directory.Exists(input)) throw new CliException($"--input {input}: no such file or folder");
        var files = Directory.EnumerateFiles(input)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
            throw new CliException($"--input {input}: the folder holds no .png, .jpg, .jpeg or .bmp file");
        return files;
    }

    /// <summary>
    /// Decodes one input image; an unreadable or undecodable file gives null and its error message, so that a run
    /// can report it by name and go on with the other images.
    /// </summary>
    public static Vision.RgbImage? TryDecode(string path, out string? error)
    {
        try
        {
            error = null;
            return Vision.ImageDecoder.DecodeFile(path);
        }
        catch (Exception e) when (e is Vision.ImageDecodeException or IOException or UnauthorizedAccessException)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>
    /// Runs <paramref name="predictor"/> on one image file: decoded on the host (Detectron2's read_image pixels) and run, or with
    /// <see cref="Runtime.JpegDecoding.Gpu"/> handed over encoded so that nvJPEG decodes a JPEG on the predictor's GPU. An image that
    /// cannot be read or decoded gives null and its error (naming the file), so the run reports it and goes on.
    /// <paramref name="image"/> is the host-decoded image when the caller needs its pixels (<paramref name="needPixels"/>, to draw on),
    /// else null; <see cref="Runtime.Instances.ImageHeight"/>/<see cref="Runtime.Instances.ImageWidth"/> give its size either way.
    /// </summary>
    public static Runtime.Instances? TryRun(Runtime.Predictor predictor, string path, Runtime.JpegDecoding decoding, bool needPixels,
        out Vision.RgbImage? image, out string? error, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        image = null;
        if (decoding == Runtime.JpegDecoding.Cpu)
        {
            image = TryDecode(path, out error);
            return image is null ? null : predictor.Run([image], ct)[0];
        }
        Runtime.EncodedImage encoded;
        try
        {
            encoded = Runtime.EncodedImage.ReadFile(path);
        }
        catch (Vision.ImageDecodeException e)
        {
            error = e.Message;
            return null;
        }
        Runtime.EncodedImageResult result = predictor.RunEncoded([encoded], decoding, ct)[0];
        if (!result.Succeeded)
        {
            error = result.Error!.Message;
            return null;
        }
        error = null;
        if (needPixels) image = TryDecode(path, out _);
        return result.Instances;
    }

    /// <summary>
    /// COCO image id for an input file: its name's stem when that is an integer (COCO's own 000000397133.jpg),
    /// else its 1-based position in the run.
    /// </summary>
    public static long ImageId(string path, int index)
    {
        string stem = Path.GetFileNameWithoutExtension(path);
        return long.TryParse(stem, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id) ? id : index + 1;
    }
}
