using System.Diagnostics;

namespace Signaling.Bench;

/// <summary>
/// The measured window of a relay or fan-out run: it opens after the warm-up and closes after the
/// duration; deliveries that land in it are counted and their latency recorded, the others ignored.
/// </summary>
internal sealed class MeasuredWindow(BenchOptions options, LatencyHistogram latency)
{
    private long start = long.MaxValue;
    private long end = long.MaxValue;
    private long delivered;

    public long Delivered => Interlocked.Read(ref delivered);

    /// <summary>Starts the warm-up now; the returned source cancels when the window closes.</summary>
    public CancellationTokenSource Open(CancellationToken cancellationToken)
    {
        start = Stopwatch.GetTimestamp() + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        end = start + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Warmup + options.Duration);
        return deadline;
    }

    public bool Contains(long timestamp) => timestamp >= start && timestamp < end;

    /// <summary>One message delivered now that was sent at <paramref name="sentTimestamp"/> (Stopwatch ticks).</summary>
    public void Delivered1(long sentTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        if (!Contains(now))
        {
            return;
        }

        Interlocked.Increment(ref delivered);
        latency.Record((now - sentTimestamp) * 1_000_000 / Stopwatch.Frequency);
    }
}
