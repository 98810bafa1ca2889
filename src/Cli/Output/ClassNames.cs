namespace Detserve.Cli.Output;

/// <summary>
/// Names and dataset category ids for a model's contiguous classes: from a file (one name per line), COCO's
/// when the model has 80 classes, else "class N". Category ids are COCO's for the 80-class case, else class + 1.
/// </summary>
public sealed class ClassNames
{
    private readonly IReadOnlyList<string> _names;
    private readonly IReadOnlyList<int> _categoryIds;

    private ClassNames(IReadOnlyList<string> names, IReadOnlyList<int> categoryIds)
    {
        _names = names;
        _categoryIds = categoryIds;
    }

    /// <summary>Number of classes.</summary>
    public int Count => _names.Count;

    /// <summary>Resolves names for a model of <paramref name="numClasses"/> classes.</summary>
    /// <exception cref="CliException">the file is unreadable or its line count does not match the model.</exception>
    public static ClassNames Resolve(int numClasses, string? namesFile)
    {
        if (namesFile is not null)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(namesFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            }
            catch (IOException e)
            {
                throw new CliException($"{namesFile}: cannot read class names: {e.Message}", e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new CliException($"{namesFile}: cannot read class names: {e.Message}", e);
            }
            if (lines.Length != numClasses)
                throw new CliException($"{namesFile}: has {lines.Length} class names but the model has {numClasses} classes (MODEL.ROI_HEADS.NUM_CLASSES / MODEL.RETINANET.NUM_CLASSES)");
            return new ClassNames(lines, Enumerable.Range(1, numClasses).ToArray());
        }
        if (numClasses == CocoCategories.Names.Count)
            return new ClassNames(CocoCategories.Names, CocoCategories.DatasetIds);
        return new ClassNames(
            Enumerable.Range(0, numClasses).Select(i => $"class {i}").ToArray(),
            Enumerable.Range(1, numClasses).ToArray());
    }

    /// <summary>Name of contiguous class <paramref name="classId"/>.</summary>
    public string Name(int classId) => (uint)classId < (uint)_names.Count ? _names[classId] : $"class {classId}";

    /// <summary>Dataset category id of contiguous class <paramref name="classId"/> (what COCO JSON carries).</summary>
    public int CategoryId(int classId) => (uint)classId < (uint)_categoryIds.Count ? _categoryIds[classId] : classId + 1;
}
