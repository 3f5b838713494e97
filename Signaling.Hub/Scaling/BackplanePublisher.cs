using System.Buffers.Binary;
using StackExchange.Redis;

namespace Signaling.Hub.Scaling;

/// <summary>
/// Publishes backplane envelopes in call order, coalescing what queues up while a publish is in
/// flight. The first envelope goes out at once; envelopes sent before Redis has answered it wait,
/// and when it answers they leave together: consecutive ones for the same channel as one
/// <see cref="BackplaneKind.Batch"/>. Under load that turns many PUBLISH commands (each a Redis
/// command, a fan-out in Redis and a subscription callback on every receiver) into a few; at light
/// load nothing waits.
/// </summary>
/// <remarks>
/// One queue for every channel, not one per channel: a receiver hears the broadcast channel and its
/// own over one subscription connection in publish order, and a per-channel queue would let a later
/// message on one channel overtake an earlier one on the other.
/// </remarks>
internal sealed class BackplanePublisher(RedisConnection redis, ISubscriber subscriber, byte[] senderField, ILogger logger)
{
    /// <summary>
    /// Envelopes that may wait behind a publish Redis has not answered. Normally a few dozen wait
    /// (rate × round trip); beyond the limit Redis is hung, and later ones are dropped and logged
    /// rather than held in memory without bound.
    /// </summary>
    internal int BacklogLimit { get; set; } = 10_000;

    /// <summary>A batch closes at this size so one PUBLISH does not hold up a receiver for long.</summary>
    private const int MaxBatchBytes = 256 * 1024;

    private readonly Lock _lock = new();
    private readonly List<(Task<long> Publish, int Start, int Count)> _runs = [];
    private List<Outgoing> _queue = [];
    private List<Outgoing> _taken = [];
    private bool _inFlight;
    private readonly DropLog _drops = new(logger);

    /// <summary>
    /// Queues <paramref name="envelope"/> behind everything published before it. The task tells
    /// whether Redis took it; callers that do not need to know pass <paramref name="track"/> false
    /// and get a completed task.
    /// </summary>
    public Task<bool> Publish(RedisChannel channel, byte[] envelope, BackplaneKind kind, object? target, string? detail, bool track = false)
    {
        var done = track ? new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        var item = new Outgoing(channel, envelope, kind, target, detail, done);
        if (!redis.IsConnected)
        {
            Drop(item, "Redis is not connected", null);
            return done?.Task ?? Task.FromResult(false);
        }

        bool pump, full;
        lock (_lock)
        {
            full = _queue.Count >= BacklogLimit;
            pump = !full && !_inFlight;
            if (!full)
            {
                _queue.Add(item);
                _inFlight = true;
            }
        }

        if (full)
        {
            Drop(item, $"{BacklogLimit} messages are already waiting for Redis to answer", null);
            return done?.Task ?? Task.FromResult(false);
        }

        if (pump)
        {
            // Runs synchronously up to its first wait, so an idle publisher sends this one right away.
            _ = PumpAsync();
        }

        return done?.Task ?? Task.FromResult(true);
    }

    /// <summary>The only place that publishes, one at a time: what it takes from the queue leaves in queue order.</summary>
    private async Task PumpAsync()
    {
        while (true)
        {
            List<Outgoing> items;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _inFlight = false;
                    return;
                }

                (items, _queue, _taken) = (_queue, _taken, _queue);
            }

#pragma warning disable CA1031 // The pump must survive anything, or every later message would wait forever.
            try
            {
                if (redis.IsConnected)
                {
                    StartRuns(items);
                    await SettleRunsAsync(items);
                }
                else
                {
                    Fail(items, 0, items.Count, "Redis is not connected", null);
                }
            }
            catch (Exception ex)
            {
                Fail(items, 0, items.Count, ex.Message, ex);
            }
#pragma warning restore CA1031

            items.Clear();
            _runs.Clear();
        }
    }

    private void StartRuns(List<Outgoing> items)
    {
        var i = 0;
        while (i < items.Count)
        {
            // Consecutive envelopes for one channel, up to the batch size.
            var channel = items[i].Channel;
            var end = i + 1;
            var bytes = items[i].Envelope.Length;
            while (end < items.Count && items[end].Channel == channel && bytes + items[end].Envelope.Length <= MaxBatchBytes)
            {
                bytes += items[end].Envelope.Length;
                end++;
            }

            var payload = end - i == 1 ? items[i].Envelope : Batch(items, i, end, bytes);
            try
            {
                _runs.Add((subscriber.PublishAsync(channel, payload), i, end - i));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                Fail(items, i, end - i, ex.Message, ex);
            }

            i = end;
        }
    }

    private async Task SettleRunsAsync(List<Outgoing> items)
    {
        foreach (var (publish, start, count) in _runs)
        {
            if (!publish.IsCompleted)
            {
                // Resumed on a pool thread: the Redis client's thread that completes the publish
                // serves every other reply and message too, and must not be held up building our next batch.
                await ((Task)publish).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
            }

            if (publish.IsCompletedSuccessfully)
            {
                _drops.Delivered();
                for (var i = start; i < start + count; i++)
                {
                    items[i].Done?.TrySetResult(true);
                }
            }
            else
            {
                var ex = publish.Exception?.InnerException;
                Fail(items, start, count, ex?.Message ?? "the publish was cancelled", ex);
            }
        }
    }

    /// <summary>version, <see cref="BackplaneKind.Batch"/>, sender, count, then each envelope as a payload.</summary>
    private byte[] Batch(List<Outgoing> items, int start, int end, int envelopeBytes)
    {
        Span<byte> count = stackalloc byte[10];
        var countLength = BackplaneEnvelope.WriteVarint(count, (ulong)(end - start));
        var result = new byte[2 + senderField.Length + countLength + (4 * (end - start)) + envelopeBytes];
        result[0] = BackplaneEnvelope.Version;
        result[1] = (byte)BackplaneKind.Batch;
        var at = 2;
        senderField.CopyTo(result.AsSpan(at));
        at += senderField.Length;
        count[..countLength].CopyTo(result.AsSpan(at));
        at += countLength;
        for (var i = start; i < end; i++)
        {
            var item = items[i];
            BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(at), item.Envelope.Length);
            item.Envelope.CopyTo(result.AsSpan(at + 4));
            at += 4 + item.Envelope.Length;
        }

        return result;
    }

    private void Fail(List<Outgoing> items, int start, int count, string reason, Exception? exception)
    {
        for (var i = start; i < start + count; i++)
        {
            Drop(items[i], reason, exception);
        }
    }

    private void Drop(in Outgoing item, string reason, Exception? exception)
    {
        if (_drops.TakeDetailed(reason))
        {
            BackplaneLog.Dropped(logger, item.Kind, Describe(item.Target), item.Detail, reason, exception);
        }

        item.Done?.TrySetResult(false);
    }

    private static string Describe(object? target) => target switch
    {
        null => "*",
        string one => one,
        IReadOnlyList<string> many => string.Join(',', many),
        _ => target.ToString() ?? "",
    };

    /// <summary>
    /// Keeps an outage from flooding the log: a Redis that is down or hung under load drops every
    /// message sent meanwhile. The first <see cref="Detailed"/> drops of an outage are logged one by
    /// one, with their targets; the rest are counted, and the count is logged when a publish goes
    /// through again, and every <see cref="CountEvery"/> while none does.
    /// </summary>
    private sealed class DropLog(ILogger logger)
    {
        internal const int Detailed = 10;
        private static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(10);

        private readonly Lock _lock = new();
        private int _logged;
        private long _counted;
        private string _reason = "";
        private long _countSince;

        /// <summary>True when this drop is one to log in full; otherwise it is counted.</summary>
        public bool TakeDetailed(string reason)
        {
            long flush = 0;
            lock (_lock)
            {
                if (_logged < Detailed)
                {
                    _logged++;
                    return true;
                }

                _counted++;
                _reason = reason;
                var now = Environment.TickCount64;
                if (_counted == 1)
                {
                    _countSince = now;
                }
                else if (now - _countSince >= (long)CountEvery.TotalMilliseconds)
                {
                    (flush, _counted, _countSince) = (_counted, 0, now);
                }
            }

            if (flush > 0)
            {
                BackplaneLog.DroppedMore(logger, flush, reason);
            }

            return false;
        }

        /// <summary>A publish went through: the outage, if there was one, is over.</summary>
        public void Delivered()
        {
            if (Volatile.Read(ref _logged) == 0)
            {
                return;
            }

            long count;
            string reason;
            lock (_lock)
            {
                (count, reason) = (_counted, _reason);
                (_logged, _counted) = (0, 0);
            }

            if (count > 0)
            {
                BackplaneLog.DroppedMore(logger, count, reason);
            }
        }
    }

    private readonly record struct Outgoing(RedisChannel Channel, byte[] Envelope, BackplaneKind Kind, object? Target, string? Detail, TaskCompletionSource<bool>? Done);
}
