using Microsoft.Extensions.Diagnostics.HealthChecks;
using Signaling.Hub.Common;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Ready only while this instance can reach the cluster both ways: Redis answers, and a message
/// published to a channel this instance listens on reaches it. The second half matters after an
/// outage: the commands connection comes back before the subscriptions are restored, and until
/// they are, messages from other instances would be lost.
/// </summary>
internal sealed class RedisReadinessCheck(RedisConnection redis, InstanceIdentity instance) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private const int Unsubscribed = 0;
    private const int Subscribing = 1;
    private const int Subscribed = 2;

    private readonly RedisChannel _probe = RedisConnection.Channel($"cluster:probe:{instance.Id}");
    private int _state;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable: cross-instance delivery is suspended");
        }

        try
        {
            await EnsureSubscribedAsync(cancellationToken);
            var listeners = await redis.Subscriber.PublishAsync(_probe, "").WaitAsync(Timeout, cancellationToken);
            return listeners > 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("Redis answers, but this instance's subscriptions are not restored yet");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer", ex);
        }
    }

    /// <summary>
    /// Subscribes once: the multiplexer subscribes again by itself after every reconnect, and each
    /// further subscribe would add another handler. Only a subscribe that failed is tried again.
    /// </summary>
    private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) == Subscribed || Interlocked.CompareExchange(ref _state, Subscribing, Unsubscribed) != Unsubscribed)
        {
            return;
        }

        try
        {
            await redis.Subscriber.SubscribeAsync(_probe, static (_, _) => { }).WaitAsync(Timeout, cancellationToken);
            Volatile.Write(ref _state, Subscribed);
        }
        catch
        {
            Volatile.Write(ref _state, Unsubscribed);
            throw;
        }
    }
}
