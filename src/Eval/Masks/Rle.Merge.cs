namespace Detserve.Eval.Masks;

// Union and intersection: maskApi.c rleMerge.
public sealed partial class Rle
{
    /// <summary>
    /// rleMerge: the union (or intersection) of masks of one size, as <c>pycocotools.mask.merge</c>. No masks gives an
    /// empty 0x0 mask; masks of different sizes give the 0x0 mask with no runs, as maskApi.c does.
    /// </summary>
    public static Rle Merge(IReadOnlyList<Rle> masks, bool intersect = false)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0)
        {
            return new Rle(0, 0, []);
        }

        Rle first = masks[0];
        if (masks.Count == 1)
        {
            return new Rle(first.Height, first.Width, (uint[])first._counts.Clone());
        }

        int h = first.Height, w = first.Width;
        var current = new List<uint>(first._counts);
        var next = new List<uint>(current.Count);
        for (int i = 1; i < masks.Count; i++)
        {
            Rle b = masks[i];
            if (b.Height != h || b.Width != w)
            {
                return new Rle(0, 0, []);
            }

            next.Clear();
            MergeTwo(current, b._counts, intersect, next);
            (current, next) = (next, current);
        }

        return new Rle(h, w, [.. current]);
    }

    // One step of rleMerge's loop: walks both run lists, emitting a run whenever the combined value changes.
    private static void MergeTwo(List<uint> a, uint[] b, bool intersect, List<uint> output)
    {
        uint ca = a.Count > 0 ? a[0] : 0, cb = b.Length > 0 ? b[0] : 0;
        bool v = false, va = false, vb = false;
        int ia = 1, ib = 1;
        uint cc = 0, ct = 1;
        while (ct > 0)
        {
            uint c = Math.Min(ca, cb);
            cc += c;
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < a.Count)
            {
                ca = a[ia++];
                va = !va;
            }

            ct += ca;
            cb -= c;
            if (cb == 0 && ib < b.Length)
            {
                cb = b[ib++];
                vb = !vb;
            }

            ct += cb;
            bool vp = v;
            v = intersect ? va && vb : va || vb;
            if (v != vp || ct == 0)
            {
                output.Add(cc);
                cc = 0;
            }
        }
    }
}
