using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Signaling.Hub.Hubs;

namespace Signaling.Hub.Scaling;

public static class BackplaneSetup
{
    /// <summary>
    /// With <c>Signaling:Redis:ConnectionString</c> set, hubs fan out through Redis instead of
    /// SignalR's single-process manager. Must run after <c>AddSignalR</c>, whose registration it replaces.
    /// </summary>
    public static WebApplicationBuilder AddSignalingBackplane(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.RedisEnabled())
        {
            return builder;
        }

        var services = builder.Services;
        services.RemoveAll(typeof(HubLifetimeManager<>));
        services.AddSingleton(typeof(HubLifetimeManager<>), typeof(RedisHubLifetimeManager<>));
        // The relay path needs SendConnectionOnInstanceAsync: the same instance under its own type.
        services.AddSingleton(sp => (RedisHubLifetimeManager<SignalingHub>)sp.GetRequiredService<HubLifetimeManager<SignalingHub>>());
        return builder;
    }
}
