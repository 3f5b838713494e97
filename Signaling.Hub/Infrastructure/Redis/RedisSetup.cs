using Microsoft.Extensions.Options;
using Signaling.Hub.Cluster;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;
using Signaling.Hub.Rooms;
using BackplaneOptions = Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions;

namespace Signaling.Hub.Infrastructure.Redis;

public static class RedisSetup
{
    /// <summary>
    /// Binds <c>Signaling:Redis</c>. With a connection string set, this instance joins a cluster:
    /// one shared multiplexer, Microsoft's Redis backplane on it (channels under the key prefix),
    /// instance liveness, the cluster-wide view and readiness that reflects the link to Redis.
    /// </summary>
    public static WebApplicationBuilder AddSignalingRedis(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>>(new OptionsRule<RedisOptions>(RedisOptions.Check));
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<IOutageClassifier, RedisOutageClassifier>();
        if (!builder.Configuration.RedisEnabled())
        {
            return builder;
        }

        services.AddSignalR().AddStackExchangeRedis();
        // The backplane subscribes its cluster-wide channels (all, group commands, acks) once, right
        // after its factory returns, and never again if that fails: started while Redis is down, an
        // instance would ignore other instances' group commands for good. So it gets the shared
        // connection only once Redis answers; until then (a bounded wait, then a refusal it retries
        // at the next connection) no hub connection is accepted, which a Redis outage means anyway.
        services.AddOptions<BackplaneOptions>().Configure<RedisConnection>((options, redis) =>
            options.ConnectionFactory = async _ =>
            {
                await redis.WhenConnectedAsync(TimeSpan.FromSeconds(5));
                return redis.Multiplexer;
            });

        services.AddSingleton<RedisInstances>();
        services.AddSingleton<InstanceReaper>();
        services.AddSingleton<RedisConnectionListing>();
        services.AddSingleton<RedisSessionHandover>();
        services.AddSingleton<ISessionHandover>(sp => sp.GetRequiredService<RedisSessionHandover>());
        services.AddSingleton<ICluster, RedisCluster>();
        services.AddHostedService<RedisHeartbeat>();
        services.AddHealthChecks().AddCheck<RedisReadinessCheck>("redis", tags: [HealthSetup.ReadyTag]);
        return builder;
    }

    public static bool RedisEnabled(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}"]);
}
