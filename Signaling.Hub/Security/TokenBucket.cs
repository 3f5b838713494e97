namespace Signaling.Hub.Security;

/// <summary>
/// A per-connection token bucket refilled lazily from the clock, so thousands of idle
/// connections cost no timers. Calls of one connection run one at a time, but the lock keeps
/// it correct if that setting ever changes.
/// </summary>
public sealed class TokenBucket(int capacity, double tokensPerSecond, TimeProvider time)
{
    private readonly Lock _lock = new();
    private double _tokens = capacity;
    private long _last = time.GetTimestamp();

    public bool TryTake()
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(capacity, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * tokensPerSecond));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
