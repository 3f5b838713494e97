using System.Threading.Channels;

namespace Signaling.Hub.Common;

/// <summary>
/// One timer for every pending deadline of one kind (connect-request TTLs, room expiries), set to
/// the earliest. The store keeps the deadlines in order and is asked for the next one after each
/// sweep, so this holds a single time however many are pending: a deadline this instance creates
/// re-arms the timer when it comes sooner, and deadlines created by other instances, or before a
/// restart, are learned from the store at the next sweep (at the latest after the safety interval).
/// </summary>
/// <typeparam name="TKind">The sweeper that acts on these deadlines; one timer per kind.</typeparam>
public sealed partial class DeadlineTimer<TKind>(TimeProvider time, ILogger<DeadlineTimer<TKind>> logger)
{
    /// <summary>
    /// After a sweep that acted, deadlines within this much share the next sweep, so sweeps per
    /// second stay bounded however densely items fall due.
    /// </summary>
    private static readonly TimeSpan Batching = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    /// <summary>Longest single wait handed to the timer (whose limit is about 49 days); a longer one is re-armed when it rings.</summary>
    private const long MaxWaitMs = 24 * 3600 * 1000;

    private readonly Lock _gate = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _due = long.MaxValue;

    /// <summary>Something falls due at <paramref name="dueMs"/> (unix milliseconds): a sweep runs then, unless one is due sooner.</summary>
    public void Schedule(long dueMs)
    {
        lock (_gate)
        {
            if (dueMs >= _due)
            {
                return;
            }

            _due = dueMs;
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Sweeps once at start (what fell due while the service was down), then whenever the earliest
    /// deadline arrives. <paramref name="sweep"/> acts on everything due at the time it is given
    /// and returns how many items it acted on and the store's earliest deadline after that time
    /// (null: none pending).
    /// </summary>
    public async Task RunAsync(Func<long, CancellationToken, Task<(int Handled, long? Next)>> sweep, Func<TimeSpan> safetyInterval, CancellationToken stoppingToken)
    {
        ITimer? timer = null;
        try
        {
            Schedule(time.NowMs());
            long? lastActed = null;
            while (true)
            {
                long at;
                lock (_gate)
                {
                    at = _due;
                }

                if (lastActed is { } last)
                {
                    at = Math.Max(at, last + (long)Batching.TotalMilliseconds);
                }

                if (!HasCome(ref timer, at))
                {
                    await _wake.Reader.ReadAsync(stoppingToken);
                    continue;
                }

                var now = time.NowMs();
                lock (_gate)
                {
                    // Taken: a deadline scheduled while the sweep runs lowers it again.
                    _due = long.MaxValue;
                }

                long next;
                try
                {
                    var (handled, found) = await sweep(now, stoppingToken);
                    lastActed = handled > 0 ? now : lastActed;
                    next = Math.Min(found ?? long.MaxValue, now + (long)safetyInterval().TotalMilliseconds);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSweepFailed(ex, typeof(TKind).Name, RetryAfterFailure);
                    next = now + (long)RetryAfterFailure.TotalMilliseconds;
                }

                Schedule(next);
            }
        }
        finally
        {
            timer?.Dispose();
        }
    }

    /// <summary>True when <paramref name="at"/> has come; otherwise a timer is set to ring then.</summary>
    private bool HasCome(ref ITimer? timer, long at)
    {
        while (true)
        {
            var now = time.NowMs();
            if (at <= now)
            {
                return true;
            }

            // A fresh one-shot timer each time rather than Change on the last one: the loop can
            // set it again while its last ring is still finishing, and a clock that then disarms
            // the ringing timer (FakeTimeProvider does) would drop the new setting.
            timer?.Dispose();
            timer = time.CreateTimer(static wake => ((ChannelWriter<bool>)wake!).TryWrite(true), _wake.Writer,
                TimeSpan.FromMilliseconds(Math.Min(at - now, MaxWaitMs)), Timeout.InfiniteTimeSpan);
            // The timer counts from the clock's reading when it is made: had the clock moved on
            // since 'now' was read, it would ring late, so it is made again from the new reading.
            if (time.NowMs() == now)
            {
                return false;
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Sweep of {Kind} deadlines failed; retrying in {Delay}")]
    private partial void LogSweepFailed(Exception exception, string kind, TimeSpan delay);
}
