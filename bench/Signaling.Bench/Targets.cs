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

    /// <summary>
    /// A room broadcast of another member's media state (our hub's <c>PeerUpdated</c>). The hub's
    /// media state is three booleans and cannot carry a timestamp, so the state itself is passed
    /// on (audio = bit 0, video = bit 1, screen = bit 2) for the scenario to match against what was sent.
    /// Targets that carry a timestamp verbatim report the same change through <see cref="OnRelayAsync"/>.
    /// </summary>
    ValueTask OnPeerUpdatedAsync(int stateBits) => ValueTask.CompletedTask;
}

/// <summary>
/// A system under test. Scenarios see only this, so another server (PeerJS, spreed, a raw
/// WebSocket echo floor) is one more adapter, not another load generator.
/// </summary>
public interface ITargetAdapter
{
    string Name { get; }

    Task<IBenchPeer> ConnectAsync(Uri baseUrl, string peerId, IRelayHandler handler, RunCounters counters, CancellationToken cancellationToken);

    /// <summary>Path polled to tell whether the server stays healthy under many connections; null when it has none.</summary>
    string? HealthPath => null;
}

public interface IBenchPeer : IAsyncDisposable
{
    string PeerId { get; }

    Task JoinAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>Sends one relay message carrying <paramref name="timestamp"/> (Stopwatch ticks) to another member of the room.</summary>
    ValueTask SendAsync(RelayKind kind, string roomId, string toPeerId, long timestamp, CancellationToken cancellationToken);

    /// <summary>
    /// Tells every other member that this peer's media state is now <paramref name="stateBits"/>.
    /// Targets without rooms have no broadcast: the default is what an app on them would do, one
    /// relayed message per member, each carrying <paramref name="timestamp"/>.
    /// </summary>
    async ValueTask BroadcastMediaStateAsync(string roomId, IReadOnlyList<string> otherPeerIds, int stateBits, long timestamp, CancellationToken cancellationToken)
    {
        foreach (var other in otherPeerIds)
        {
            await SendAsync(RelayKind.IceCandidate, roomId, other, timestamp, cancellationToken);
        }
    }
}

/// <summary>A scenario that Shard can split over processes: each process sets up a share of its units (pairs, rooms).</summary>
public interface IShardScenario
{
    int Units { get; }

    long Delivered { get; }

    /// <summary>Broadcasts started inside the window (fan-out); relay counts only deliveries.</summary>
    long Updates => 0;

    Task SetUpAsync(int first, int count, CancellationToken cancellationToken);

    Task RunAsync(CancellationToken cancellationToken);

    Task TearDownAsync();
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
