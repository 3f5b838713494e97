namespace Signaling.Bench;

public enum RelayKind
{
    Offer,
    Answer,
    IceCandidate,
}

/// <summary>What a peer does with a relayed message; runs on the peer's receive loop, one message at a time.</summary>
public interface IRelayHandler
{
    ValueTask OnRelayAsync(RelayKind kind, long sentTimestamp);
}

/// <summary>
/// A system under test. Scenarios see only this, so another server (PeerJS, spreed, a raw
/// WebSocket echo floor) is one more adapter, not another load generator.
/// </summary>
public interface ITargetAdapter
{
    string Name { get; }

    Task<IBenchPeer> ConnectAsync(Uri baseUrl, string peerId, IRelayHandler handler, RunCounters counters, CancellationToken cancellationToken);
}

public interface IBenchPeer : IAsyncDisposable
{
    string PeerId { get; }

    Task JoinAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>Sends one relay message carrying <paramref name="timestamp"/> (Stopwatch ticks) to another member of the room.</summary>
    ValueTask SendAsync(RelayKind kind, string roomId, string toPeerId, long timestamp, CancellationToken cancellationToken);
}

/// <summary>Counters shared by every peer of one process.</summary>
public sealed class RunCounters
{
    private long errors;
    private long timeouts;
    private long sent;
    private string? lastError;

    public long Errors => Interlocked.Read(ref errors);

    public long Timeouts => Interlocked.Read(ref timeouts);

    public long Sent => Interlocked.Read(ref sent);

    public string? LastError => Volatile.Read(ref lastError);

    public void Error(string detail)
    {
        Interlocked.Increment(ref errors);
        Volatile.Write(ref lastError, detail);
    }

    public void Timeout() => Interlocked.Increment(ref timeouts);

    public void Sent1() => Interlocked.Increment(ref sent);
}
