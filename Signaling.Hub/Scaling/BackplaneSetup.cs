using StackExchange.Redis;
using BackplaneOptions = Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions;

namespace Signaling.Hub.Scaling;

public static class BackplaneSetup
{
    /// <summary>
    /// With <c>Signaling:Redis:ConnectionString</c> set, SignalR fans out through Microsoft's Redis
    /// backplane on the process's one <see cref="RedisConnection"/> (channels under the key
    /// prefix); without it, SignalR's own single-process manager serves the hub.
    /// </summary>
    public static WebApplicationBuilder AddSignalingBackplane(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.RedisEnabled())
        {
            return builder;
        }

        builder.Services.AddSignalR().AddStackExchangeRedis();
        builder.Services.AddOptions<BackplaneOptions>().Configure<RedisConnection>((options, redis) =>
            options.ConnectionFactory = _ => Task.FromResult<IConnectionMultiplexer>(redis.Multiplexer));
        return builder;
    }
}
