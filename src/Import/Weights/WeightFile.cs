using Detserve.Graph;

namespace Detserve.Import.Weights;

/// <summary>
/// A checkpoint as Detectron2's DetectionCheckpointer._load_file sees it: the state dict ("model") and the two facts
/// that decide name matching (author and matching_heuristics). Tensors hold exactly the file's values.
/// </summary>
public sealed class WeightFile
{
    /// <summary>Wraps a loaded checkpoint.</summary>
    public WeightFile(string path, string format, string? author, bool matchingHeuristics, IReadOnlyDictionary<string, HostTensor> tensors)
    {
        Path = path;
        Format = format;
        Author = author;
        MatchingHeuristics = matchingHeuristics;
        Tensors = tensors;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>"pkl" (pickle of numpy arrays) or "pth" (torch zip archive).</summary>
    public string Format { get; }

    /// <summary>The "__author__" entry ("Caffe2" for Detectron1/Caffe2 blobs, as _load_file sets it), or null.</summary>
    public string? Author { get; }

    /// <summary>The "matching_heuristics" flag: names must be aligned to the model by suffix matching (align_and_update_state_dicts).</summary>
    public bool MatchingHeuristics { get; }

    /// <summary>State-dict name to tensor, in the file's order.</summary>
    public IReadOnlyDictionary<string, HostTensor> Tensors { get; }

    /// <summary>True when names are Caffe2 blob names to be converted (author "Caffe2").</summary>
    public bool IsCaffe2 => Author == "Caffe2";
}
