using System.Numerics;

namespace Signaling.Bench;

/// <summary>
/// Log-linear buckets (128 per power of two, so under 1 % error) over microseconds. Fixed size,
/// lock-free recording and trivially mergeable, which lets shards in other processes report it.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    // 2^37 µs is about 38 hours: nothing a bounded run can exceed.
    public const int BucketCount = (38 - SubBucketBits + 1) * SubBuckets;

    private readonly long[] counts = new long[BucketCount];

    public void Record(long micros)
    {
        Interlocked.Increment(ref counts[Index(Math.Max(0, micros))]);
    }

    public long Count => counts.Sum();

    public void Merge(IEnumerable<long[]> sparse)
    {
        foreach (var pair in sparse)
        {
            counts[pair[0]] += pair[1];
        }
    }

    public List<long[]> ToSparse()
    {
        var list = new List<long[]>();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                list.Add([i, counts[i]]);
            }
        }

        return list;
    }

    /// <summary>The value at quantile q (0..1), as the upper edge of its bucket; -1 when empty.</summary>
    public double Percentile(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return -1;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= Math.Max(rank, 1))
            {
                return UpperEdge(i);
            }
        }

        return UpperEdge(counts.Length - 1);
    }

    private static int Index(long v)
    {
        if (v < SubBuckets)
        {
            return (int)v;
        }

        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)v) - SubBucketBits + 1;
        // Above the first band, v >> magnitude lies in [64, 128): each band adds 64 buckets of width 2^magnitude.
        var index = (magnitude * (SubBuckets / 2)) + (int)(v >> magnitude);
        return Math.Min(index, BucketCount - 1);
    }

    private static double UpperEdge(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var magnitude = (index - (SubBuckets / 2)) / (SubBuckets / 2);
        var sub = index - (magnitude * (SubBuckets / 2));
        return ((sub + 1L) << magnitude) - 1;
    }
}
