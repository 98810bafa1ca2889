namespace Detserve.Eval.Evaluation;

/// <summary>
/// A detection's score with its position, ordered by descending score and then ascending position: sorting these is
/// <c>np.argsort(-scores, kind='mergesort')</c>, numpy's stable sort, which pycocotools relies on to break score ties
/// by file order. Scores are finite (checked when results are read).
/// </summary>
internal readonly record struct ScoreKey(double Score, int Index) : IComparable<ScoreKey>
{
    public int CompareTo(ScoreKey other)
    {
        int c = other.Score.CompareTo(Score);
        return c != 0 ? c : Index.CompareTo(other.Index);
    }

    /// <summary>Sorts in place; insertion sort for the short per-image lists, introsort (total order, so stable in effect) otherwise.</summary>
    public static void SortStable(Span<ScoreKey> keys)
    {
        if (keys.Length <= 24)
        {
            for (int i = 1; i < keys.Length; i++)
            {
                ScoreKey key = keys[i];
                int j = i - 1;
                while (j >= 0 && keys[j].CompareTo(key) > 0)
                {
                    keys[j + 1] = keys[j];
                    j--;
                }

                keys[j + 1] = key;
            }

            return;
        }

        keys.Sort();
    }
}
