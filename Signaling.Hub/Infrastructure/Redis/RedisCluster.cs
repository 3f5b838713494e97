using Signaling.Hub.Cluster;
using StackExchange.Redis;
using ConnectionInfo = Signaling.Contracts.Http.ConnectionInfo;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>The cluster as Redis sees it: this instance and every other that beat within the timeout.</summary>
public sealed partial class RedisCluster(RedisInstances instances, RedisConnectionListing listing, RedisConnection redis, ILogger<RedisCluster> logger) : ICluster
{
    public async Task<IReadOnlyList<InstanceStatus>> InstancesAsync(CancellationToken cancellationToken = default)
    {
        var self = instances.Self;
        try
        {
            return [self, .. await instances.OthersAliveAsync()];
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // During an outage this instance still answers for itself rather than failing the request.
            LogUnreachable(ex.GetType().Name);
            return [self];
        }
    }

    public async Task<IReadOnlyList<ConnectionInfo>> ConnectionsAsync(string? org, CancellationToken cancellationToken = default) =>
        await listing.GatherAsync(org, (await InstancesAsync(cancellationToken)).Count - 1, cancellationToken);

    /// <summary>
    /// Every channel of this process at once (the backplane's per-connection, group and user channels,
    /// and the cluster's own), pipelined. The backplane unsubscribes a closing connection's channels
    /// while holding one lock for all connections, a round trip each in turn: 4 s for 5,000 at a stop.
    /// With the subscriptions gone first, each of those finds nothing to do.
    /// </summary>
    public async Task DetachAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.Subscriber.UnsubscribeAllAsync().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Unreachable: each connection's own unsubscribe fails fast the same way; nothing is lost.
            LogDetachFailed(ex.GetType().Name);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not unsubscribe from Redis at stop ({Error}); each connection unsubscribes as it closes")]
    private partial void LogDetachFailed(string error);

    [LoggerMessage(LogLevel.Warning, "Redis unreachable ({Error}); answering for this instance only")]
    private partial void LogUnreachable(string error);
}
