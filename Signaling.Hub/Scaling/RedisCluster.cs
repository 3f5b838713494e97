using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Http;
using ConnectionInfo = Signaling.Contracts.Http.ConnectionInfo;
using Signaling.Hub.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;
using Signaling.Hub.Rooms;
using Signaling.Hub.Storage;
using StackExchange.Redis;

namespace Signaling.Hub.Scaling;

/// <summary>
/// Instance liveness in Redis. Every instance writes a heartbeat; a survivor that finds one
/// silent for longer than <see cref="RedisOptions.InstanceTimeout"/> marks its members inactive
/// and its clients offline, tells the rooms and admins, and removes it from the counts.
/// Connection listings are gathered by asking every live instance over pub/sub, so opening a
/// connection costs no Redis write.
/// </summary>
public sealed partial class RedisCluster(
    RedisConnection redis,
    InstanceIdentity instance,
    SignalingTelemetry telemetry,
    ConnectionRegistry connections,
    RoomDirectory directory,
    IRoomStore rooms,
    IClientStore clients,
    IAdminInboxStore admins,
    IServiceProvider services,
    IOptions<RedisOptions> options,
    TimeProvider time,
    ILogger<RedisCluster> logger) : BackgroundService, ICluster
{
    private const string ClaimIfUnchanged = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
            redis.call('HDEL', KEYS[1], ARGV[1])
            return 1
        end
        return 0
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan GatherTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisKey _instancesKey = redis.Key("cluster:instances");
    private readonly RedisChannel _requests = RedisConnection.Channel("cluster:requests");
    private readonly RedisChannel _replies = RedisConnection.Channel($"cluster:replies:{instance.Id}");
    private readonly RedisChannel _replaced = RedisConnection.Channel("cluster:replaced");
    private readonly ConcurrentDictionary<string, Gathering> _gatherings = new(StringComparer.Ordinal);
    private readonly long _startedAt = time.NowMs();
    private RedisOptions Options => options.Value;
    private bool _subscribed;
    private int _deregistered;

    /// <summary>Since when heartbeats have succeeded without a gap; null while Redis is unreachable.</summary>
    private long? _healthySince;

    public async Task<IReadOnlyList<InstanceStatus>> InstancesAsync(CancellationToken cancellationToken = default)
    {
        var self = Self();
        try
        {
            var live = (await ReadInstancesAsync()).Where(i => i.Status.LastBeat >= time.NowMs() - (long)Options.InstanceTimeout.TotalMilliseconds)
                .Select(i => i.Status).Where(s => s.InstanceId != instance.Id);
            return [self, .. live];
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // During an outage this instance still answers for itself rather than failing the request.
            LogClusterUnreachable(ex.GetType().Name);
            return [self];
        }
    }

    public async Task<IReadOnlyList<ConnectionInfo>> ConnectionsAsync(string? org, CancellationToken cancellationToken = default)
    {
        var result = connections.Describe(instance.Id, org);
        var others = (await InstancesAsync(cancellationToken)).Count - 1;
        if (others == 0)
        {
            return result;
        }

        var gathering = new Gathering(others);
        var requestId = Guid.NewGuid().ToString("N");
        _gatherings[requestId] = gathering;
        try
        {
            await redis.Subscriber.PublishAsync(_requests, JsonSerializer.Serialize(new ConnectionsRequest(requestId, instance.Id, org), Json));
            await gathering.Done.Task.WaitAsync(GatherTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogGatherIncomplete(gathering.Received, others);
        }
        catch (RedisException ex)
        {
            LogClusterUnreachable(ex.GetType().Name);
        }
        finally
        {
            _gatherings.TryRemove(requestId, out _);
        }

        lock (gathering)
        {
            result.AddRange(gathering.Connections);
        }

        return result;
    }

    public async Task SessionReplacedAsync(string roomId, string peerId, string connectionId)
    {
        try
        {
            await redis.Subscriber.PublishAsync(_replaced, JsonSerializer.Serialize(new Replaced(roomId, peerId, connectionId), Json));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The old session keeps its local view until it disconnects; the store already moved the membership.
            LogClusterUnreachable(ex.GetType().Name);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Options.HeartbeatInterval, time);
        do
        {
            try
            {
                await EnsureSubscribedAsync();
                var beat = time.GetTimestamp();
                await redis.Database.HashSetAsync(_instancesKey, instance.Id, JsonSerializer.Serialize(Self(), Json));
                // A beat that took longer than the interval met a Redis that stalled: the others'
                // beats were held up as long as ours, so their records are no evidence of death yet.
                _healthySince = time.GetElapsedTime(beat) > Options.HeartbeatInterval ? time.NowMs() : _healthySince ?? time.NowMs();
                await ReapAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (_healthySince is not null)
                {
                    LogHeartbeatFailed(ex.GetType().Name, ex.Message);
                }

                _healthySince = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReapFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // A host can be stopped twice at once (WebApplicationFactory does), and whichever stop ends
        // first may dispose the container, the multiplexer with it, while the other is still here.
        if (!Options.Enabled || Interlocked.Exchange(ref _deregistered, 1) == 1)
        {
            return;
        }

        try
        {
            // A clean stop leaves no record for survivors to time out on.
            await redis.Database.HashDeleteAsync(_instancesKey, instance.Id);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The record then ages out like a crashed instance's: survivors reap it after the timeout.
            LogClusterUnreachable(ex.GetType().Name);
        }
    }

    private InstanceStatus Self() => new(instance.Id, _startedAt, time.NowMs(), telemetry.Load);

    private async Task ReapAsync(CancellationToken cancellationToken)
    {
        var now = time.NowMs();
        var timeout = (long)Options.InstanceTimeout.TotalMilliseconds;

        // After an outage every instance's beat is old, ours included: only an instance that has
        // beaten for a full timeout may judge the others, or the first one back would reap the rest.
        if (_healthySince is not { } since || now - since < timeout)
        {
            return;
        }

        foreach (var (raw, status) in await ReadInstancesAsync())
        {
            if (status.InstanceId == instance.Id || status.LastBeat >= now - timeout)
            {
                continue;
            }

            // Store clean-up is idempotent (it only touches what the dead instance still holds),
            // so survivors racing here each report disjoint members; the record goes last so a
            // failure midway is retried at the next tick.
            var members = await rooms.DeactivateInstanceAsync(status.InstanceId, now, cancellationToken);
            var offline = await clients.RemoveInstanceConnectionsAsync(status.InstanceId, now, cancellationToken);
            await admins.RemoveInstanceConnectionsAsync(status.InstanceId, cancellationToken);
            await services.GetRequiredService<RoomService>().InstanceLostAsync(members);
            await services.GetRequiredService<PresenceService>().InstanceLostAsync(offline);
            var claimed = (long)await redis.Database.ScriptEvaluateAsync(ClaimIfUnchanged, [_instancesKey], [status.InstanceId, raw]) == 1;
            LogInstanceLost(status.InstanceId, now - status.LastBeat, members.Count, offline.Count, claimed);
        }
    }

    private async Task<List<(string Raw, InstanceStatus Status)>> ReadInstancesAsync()
    {
        var entries = await redis.Database.HashGetAllAsync(_instancesKey);
        var list = new List<(string, InstanceStatus)>(entries.Length);
        foreach (var entry in entries)
        {
            var raw = (string)entry.Value!;
            if (JsonSerializer.Deserialize<InstanceStatus>(raw, Json) is { } status)
            {
                list.Add((raw, status));
            }
        }

        return list;
    }

    private async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        // The multiplexer re-subscribes by itself after a reconnect; this covers a start while Redis was down.
        await redis.Subscriber.SubscribeAsync(_requests, (_, message) => OnRequest(message));
        await redis.Subscriber.SubscribeAsync(_replies, (_, message) => OnReply(message));
        await redis.Subscriber.SubscribeAsync(_replaced, (_, message) => OnReplaced(message));
        _subscribed = true;
    }

    private void OnRequest(RedisValue message)
    {
        var request = JsonSerializer.Deserialize<ConnectionsRequest>((string)message!, Json);
        if (request is null || request.ReplyTo == instance.Id)
        {
            return;
        }

        var reply = new ConnectionsReply(request.RequestId, instance.Id, connections.Describe(instance.Id, request.Org));
        redis.Subscriber.Publish(RedisConnection.Channel($"cluster:replies:{request.ReplyTo}"), JsonSerializer.Serialize(reply, Json), CommandFlags.FireAndForget);
    }

    private void OnReply(RedisValue message)
    {
        var reply = JsonSerializer.Deserialize<ConnectionsReply>((string)message!, Json);
        if (reply is not null && _gatherings.TryGetValue(reply.RequestId, out var gathering))
        {
            gathering.Add(reply.Connections);
        }
    }

    private void OnReplaced(RedisValue message)
    {
        if (JsonSerializer.Deserialize<Replaced>((string)message!, Json) is { } replaced
            && connections.Find(replaced.ConnectionId) is { } session)
        {
            session.Rooms.TryRemove(replaced.RoomId, out _);
            directory.Remove(replaced.RoomId, replaced.PeerId, replaced.ConnectionId);
        }
    }

    private sealed record Replaced(string RoomId, string PeerId, string ConnectionId);

    private sealed record ConnectionsRequest(string RequestId, string ReplyTo, string? Org);

    private sealed record ConnectionsReply(string RequestId, string InstanceId, List<ConnectionInfo> Connections);

    private sealed class Gathering(int expected)
    {
        public List<ConnectionInfo> Connections { get; } = [];

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Received { get; private set; }

        public void Add(List<ConnectionInfo> connections)
        {
            lock (this)
            {
                Connections.AddRange(connections);
                if (++Received >= expected)
                {
                    Done.TrySetResult();
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Instance {InstanceId} missed heartbeats for {SilentMs} ms: marked {Members} members inactive and {Clients} clients offline (record removed: {Removed})")]
    private partial void LogInstanceLost(string instanceId, long silentMs, int members, int clients, bool removed);

    [LoggerMessage(LogLevel.Warning, "Heartbeat to Redis failed ({Error}: {Message}); this instance serves its own connections until Redis is back")]
    private partial void LogHeartbeatFailed(string error, string message);

    [LoggerMessage(LogLevel.Error, "Cleaning up after a lost instance failed; retrying at the next heartbeat")]
    private partial void LogReapFailed(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Redis unreachable ({Error}); answering for this instance only")]
    private partial void LogClusterUnreachable(string error);

    [LoggerMessage(LogLevel.Warning, "Connection listing incomplete: {Received} of {Expected} instances answered in time")]
    private partial void LogGatherIncomplete(int received, int expected);
}
