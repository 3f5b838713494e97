using Signaling.Hub.Cluster;
using StackExchange.Redis;
using ConnectionInfo = Signaling.Contracts.Http.ConnectionInfo;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>The cluster as Redis sees it: this instance and every other that beat within the timeout.</summary>
public sealed partial class RedisCluster(RedisInstances instances, RedisConnectionListing listing, ILogger<RedisCluster> logger) : ICluster
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

    [LoggerMessage(LogLevel.Warning, "Redis unreachable ({Error}); answering for this instance only")]
    private partial void LogUnreachable(string error);
}
