using Microsoft.Extensions.Options;
using Signaling.Hub.Common;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Every <see cref="RedisOptions.HeartbeatInterval"/>: keeps the cluster's channels subscribed,
/// renews this instance's record, and has the reaper clean up after instances silent for longer
/// than <see cref="RedisOptions.InstanceTimeout"/>. A clean stop removes the record at once.
/// </summary>
public sealed partial class RedisHeartbeat(
    RedisInstances instances,
    InstanceReaper reaper,
    RedisConnectionListing listing,
    RedisSessionHandover handover,
    InstanceIdentity instance,
    IOptions<RedisOptions> options,
    TimeProvider time,
    ILogger<RedisHeartbeat> logger) : BackgroundService
{
    private RedisOptions Options => options.Value;
    private int _deregistered;

    /// <summary>Since when heartbeats have gone through without a gap or a stall; null while Redis is unreachable.</summary>
    private long? _healthySince;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Options.HeartbeatInterval, time);
        do
        {
            try
            {
                // The multiplexer subscribes again by itself after a reconnect; this covers a start while Redis was down.
                await listing.EnsureSubscribedAsync();
                await handover.EnsureSubscribedAsync();
                var beat = time.GetTimestamp();
                await instances.BeatAsync();
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
        if (Interlocked.Exchange(ref _deregistered, 1) == 1)
        {
            return;
        }

        try
        {
            await instances.DeregisterAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The record then ages out like a crashed instance's: survivors reap it after the timeout.
            LogDeregisterFailed(ex.GetType().Name);
        }
    }

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

        foreach (var (raw, status) in await instances.ReadAsync())
        {
            if (status.InstanceId != instance.Id && status.LastBeat < now - timeout)
            {
                await reaper.ReapAsync(status, raw, cancellationToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Heartbeat to Redis failed ({Error}: {Message}); this instance serves its own connections until Redis is back")]
    private partial void LogHeartbeatFailed(string error, string message);

    [LoggerMessage(LogLevel.Error, "Cleaning up after a lost instance failed; retrying at the next heartbeat")]
    private partial void LogReapFailed(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Redis unreachable at stop ({Error}): this instance's record will age out")]
    private partial void LogDeregisterFailed(string error);
}
