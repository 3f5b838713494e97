using System.Collections.Concurrent;
using Signaling.Hub.Scaling;
using StackExchange.Redis;

namespace Signaling.Hub.Storage.Redis;

/// <summary>
/// Where active members are held (connection and instance), remembered from Redis so that a relay
/// to a peer on another instance does not read Redis for every message. The room store's scripts
/// publish on <see cref="ChannelSuffix"/> in the same atomic step as every write that moves, ends or
/// removes a membership; each instance drops what it remembered when it hears that.
/// </summary>
/// <remarks>
/// <para>Pub/sub is at most once: while the subscription is down nothing is remembered (every
/// lookup reads Redis), and everything is forgotten when it comes back. A read that raced with a
/// change is not kept (<see cref="_generation"/>). As a last guard an entry is read again after
/// <see cref="MaxAge"/>, so a change missed in a way not foreseen here is wrong for that long at most.</para>
/// <para>A stale route costs a message sent to a connection that is gone (dropped by the instance
/// that no longer holds it), never a message to someone else: connection ids are unique.</para>
/// </remarks>
internal sealed class MemberRouteCache
{
    /// <summary>The channel (under the key prefix) the room store's scripts publish changes on.</summary>
    public const string ChannelSuffix = "members:changed";

    /// <summary>More remembered routes than this and the cache starts over; each is a few hundred bytes.</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<(string Room, string Peer), Entry> _routes = new();
    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly RedisChannel _channel;
    private long _generation;
    private int _subscribing;
    private volatile bool _live;

    public MemberRouteCache(RedisConnection redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
        _channel = redis.Channel(ChannelSuffix);
    }

    /// <summary>How long an entry is trusted without hearing of a change.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The channel's full name, for the scripts that publish on it.</summary>
    public string ChannelName => (string)_channel!;

    /// <summary>For tests: whether a route is remembered and trusted.</summary>
    internal bool Remembers(string roomId, string peerId) => _live && _routes.ContainsKey((roomId, peerId));

    /// <summary>The route of an active member, remembered or read with <paramref name="read"/>; null when it is not active.</summary>
    public async Task<MemberRoute?> FindAsync(string roomId, string peerId, Func<Task<MemberRecord?>> read)
    {
        EnsureSubscribed();
        var key = (roomId, peerId);
        var now = _time.GetTimestamp();
        if (_live && _routes.TryGetValue(key, out var known) && _time.GetElapsedTime(known.ReadAt, now) < MaxAge)
        {
            return known.Route;
        }

        var generation = Volatile.Read(ref _generation);
        var member = await read();
        if (member is not { IsActive: true, ConnectionId: { } connectionId, InstanceId: { } instanceId })
        {
            return null;
        }

        var route = new MemberRoute(connectionId, instanceId);
        if (_live && Volatile.Read(ref _generation) == generation)
        {
            if (_routes.Count >= Capacity)
            {
                _routes.Clear();
            }

            var entry = new Entry(route, now);
            _routes[key] = entry;
            // A change heard between the check above and this write would otherwise be undone by it.
            if (Volatile.Read(ref _generation) != generation)
            {
                _routes.TryRemove(new KeyValuePair<(string, string), Entry>(key, entry));
            }
        }

        return route;
    }

    /// <summary>The message the scripts publish when one member changes.</summary>
    public static string MemberChanged(string roomId, string peerId) => RedisStore.Compose(roomId, peerId);

    /// <summary>The message the scripts publish when a whole room goes (peer ids are never empty).</summary>
    public static string RoomChanged(string roomId) => RedisStore.Compose(roomId, "");

    private void EnsureSubscribed()
    {
        if (Interlocked.Exchange(ref _subscribing, 1) == 1)
        {
            return;
        }

        var multiplexer = _redis.Multiplexer;
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                Reset(live: false);
            }
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            // The multiplexer subscribes again on the restored subscription connection; what was
            // published while it was down never arrives, so nothing remembered before is trusted.
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                Reset(live: true);
            }
        };
        _ = SubscribeAsync();
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await _redis.Subscriber.SubscribeAsync(_channel, (_, value) => OnChanged((string)value!));
            Reset(live: true);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not live: lookups read Redis. The multiplexer keeps the handler and subscribes it on reconnect.
        }
    }

    /// <summary>
    /// Forgets the route of one member (<paramref name="peerId"/> null: of every member of the room).
    /// The writer calls it at once, so its own instance reads its writes; others hear the script's publish.
    /// </summary>
    public void Forget(string roomId, string? peerId)
    {
        Interlocked.Increment(ref _generation);
        if (peerId is not null)
        {
            _routes.TryRemove((roomId, peerId), out _);
            return;
        }

        foreach (var key in _routes.Keys)
        {
            if (key.Room == roomId)
            {
                _routes.TryRemove(key, out _);
            }
        }
    }

    private void OnChanged(string message)
    {
        var parts = RedisStore.Decompose(message, 2);
        Forget(parts[0], parts[1].Length > 0 ? parts[1] : null);
    }

    private void Reset(bool live)
    {
        _live = live;
        Interlocked.Increment(ref _generation);
        _routes.Clear();
    }

    private sealed record Entry(MemberRoute Route, long ReadAt);
}
