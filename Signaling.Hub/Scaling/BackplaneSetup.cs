using Microsoft.AspNetCore.SignalR;
using Signaling.Hub.Hubs;

namespace Signaling.Hub.Scaling;

public static class BackplaneSetup
{
    /// <summary>
    /// With <c>Signaling:Redis:ConnectionString</c> set, <see cref="SignalingHub"/> fans out through
    /// Redis; without it, SignalR's own single-process manager serves it as before. Code that needs
    /// <see cref="RedisHubLifetimeManager{THub}.SendConnectionOnInstanceAsync"/> resolves
    /// <c>HubLifetimeManager&lt;SignalingHub&gt;</c> and tests for the Redis type.
    /// </summary>
    /// <remarks>
    /// The choice is made when the manager is first resolved, from the final configuration, not
    /// from <c>builder.Configuration</c> here: hosts such as <c>WebApplicationFactory</c> add their
    /// configuration only when the app is built, after these registrations ran. A closed
    /// registration for the app's one hub takes precedence over SignalR's open generic one.
    /// </remarks>
    public static WebApplicationBuilder AddSignalingBackplane(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HubLifetimeManager<SignalingHub>>(sp => sp.GetRequiredService<IConfiguration>().RedisEnabled()
            ? ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<SignalingHub>>(sp)
            : ActivatorUtilities.CreateInstance<DefaultHubLifetimeManager<SignalingHub>>(sp));
        return builder;
    }
}
