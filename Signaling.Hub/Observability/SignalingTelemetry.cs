using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Signaling.Hub.Observability;

/// <summary>
/// The service's own meter and activity source. Instruments are created once; recording on the
/// relay path is a counter add and a histogram record, with no allocation beyond the tag.
/// </summary>
public sealed class SignalingTelemetry : IDisposable
{
    public const string Name = "Signaling";

    public static readonly ActivitySource Activities = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _relayed;
    private readonly Histogram<double> _relayDuration;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _rateLimited;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _connectionsOpened;
    private long _relayedTotal;
    private long _activeConnections;
    private long _openedConnections;

    public SignalingTelemetry(IMeterFactory meters, IRoomGauges rooms)
    {
        _meter = meters.Create(Name);
        _relayed = _meter.CreateCounter<long>("signaling.messages.relayed", "{message}", "Offers, answers and ICE candidates delivered, by kind");
        _relayDuration = _meter.CreateHistogram<double>("signaling.relay.duration", "ms", "Time to authorize and hand a relayed message to the transport",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50] });
        _errors = _meter.CreateCounter<long>("signaling.errors", "{error}", "Refused hub calls and HTTP requests, by error code");
        _rateLimited = _meter.CreateCounter<long>("signaling.rate_limited", "{call}", "Calls refused by a rate limit");
        _connections = _meter.CreateUpDownCounter<long>("signaling.connections.active", "{connection}", "Open hub connections on this instance");
        _connectionsOpened = _meter.CreateCounter<long>("signaling.connections.opened", "{connection}", "Hub connections opened since start");
        _meter.CreateObservableGauge("signaling.rooms.active", () => (long)rooms.RoomCount, "{room}", "Rooms with an active member on this instance");
        _meter.CreateObservableGauge("signaling.members.active", () => (long)rooms.MemberCount, "{member}", "Active room members on this instance");
    }

    public void Relayed(string kind, long startTimestamp)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind);
        _relayed.Add(1, tag);
        Interlocked.Increment(ref _relayedTotal);
        _relayDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, tag);
    }

    public void Refused(string code) => _errors.Add(1, new KeyValuePair<string, object?>("code", code));

    public void RateLimited() => _rateLimited.Add(1);

    public void ConnectionOpened()
    {
        _connections.Add(1);
        _connectionsOpened.Add(1);
        Interlocked.Increment(ref _activeConnections);
        Interlocked.Increment(ref _openedConnections);
    }

    public void ConnectionClosed()
    {
        _connections.Add(-1);
        Interlocked.Decrement(ref _activeConnections);
    }

    /// <summary>This instance's figures, read by the heartbeat and <c>GET /api/stats</c>.</summary>
    public InstanceLoad Load => new(
        Interlocked.Read(ref _activeConnections), Interlocked.Read(ref _openedConnections), Interlocked.Read(ref _relayedTotal));

    public void Dispose() => _meter.Dispose();
}

/// <summary>What the rooms feature reports to the <c>signaling.rooms.active</c> and <c>signaling.members.active</c> gauges.</summary>
public interface IRoomGauges
{
    /// <summary>Rooms with an active member on this instance.</summary>
    int RoomCount { get; }

    /// <summary>Active room members on this instance.</summary>
    int MemberCount { get; }
}

/// <summary>One instance's own figures.</summary>
/// <param name="Connections">Hub connections open now.</param>
/// <param name="ConnectionsOpened">Hub connections opened since start.</param>
/// <param name="Relayed">Offers, answers and candidates relayed since start.</param>
public sealed record InstanceLoad(long Connections, long ConnectionsOpened, long Relayed);
