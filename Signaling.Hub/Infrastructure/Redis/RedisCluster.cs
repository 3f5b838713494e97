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
    /// One UNSUBSCRIBE for every channel of this process (the backplane's per-connection, group and
    /// user channels, and the cluster's own): the backplane's unsubscribe for each closing connection
    /// then finds nothing to do, where it was a round trip each (4 s for 5,000 connections at a stop).
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
