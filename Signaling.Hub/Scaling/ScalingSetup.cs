using Microsoft.Extensions.Options;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;

namespace Signaling.Hub.Scaling;

public static class ScalingSetup
{
    /// <summary>Binds <c>Signaling:Redis</c> and, when a connection string is set, registers the shared Redis connection.</summary>
    public static WebApplicationBuilder AddSignalingRedis(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RedisOptions>>(new OptionsRule<RedisOptions>(RedisOptions.Check));
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddSingleton<IOutageClassifier, RedisOutageClassifier>();
        if (builder.Configuration.RedisEnabled())
        {
            builder.Services.AddHealthChecks().AddCheck<RedisReadinessCheck>("redis", tags: [HealthSetup.ReadyTag]);
        }

        return builder;
    }

    /// <summary>
    /// Registers the cluster view: this process alone, or every instance heartbeating in Redis.
    /// Chosen when first resolved, from the final configuration (test hosts add theirs at Build).
    /// </summary>
    public static WebApplicationBuilder AddSignalingCluster(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LocalCluster>();
        builder.Services.AddSingleton<RedisCluster>();
        builder.Services.AddSingleton<ICluster>(sp => sp.GetRequiredService<IConfiguration>().RedisEnabled()
            ? sp.GetRequiredService<RedisCluster>()
            : sp.GetRequiredService<LocalCluster>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisCluster>());
        return builder;
    }

    public static bool RedisEnabled(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}"]);
}
