using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Hub.Common;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;

namespace Signaling.Hub.Hubs;

public static class SignalingHubSetup
{
    public static WebApplicationBuilder AddSignalingHub(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<InstanceIdentity>();
        services.AddOptions<RoomOptions>().BindConfiguration(RoomOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IceOptions>().BindConfiguration(IceOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IceOptions>>(new OptionsRule<IceOptions>(IceOptions.Check));
        services.AddSingleton<IceServerProvider>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<RoomLocks>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<RoomService>();
        services.AddSingleton<RelayService>();
        services.AddSingleton<RoomCatalog>();
        services.AddSingleton<Admin.PresenceService>();
        services.AddSingleton<Admin.ConnectRequestService>();
        services.AddSingleton<Admin.AnalyticsService>();
        services.AddHostedService<Admin.RequestJanitor>();
        services.AddOptions<Admin.QueueOptions>().BindConfiguration(Admin.QueueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Admin.QueueOptions>>(new OptionsRule<Admin.QueueOptions>(Admin.QueueOptions.Check));
        services.AddSingleton<RoomJanitor>();
        services.AddHostedService(sp => sp.GetRequiredService<RoomJanitor>());

        services.AddSignalR(options =>
        {
            options.MaximumReceiveMessageSize = ProtocolLimits.MaxHubMessageBytes;
            // Outermost first: the error filter maps what the rate limiter refuses.
            options.AddFilter<HubErrorFilter>();
            options.AddFilter<HubRateLimitFilter>();
            options.StatefulReconnectBufferSize = 256 * 1024;
        });
        // The JSON protocol that reports binding failures as INVALID_ARGUMENT. SignalR's resolver keeps
        // the last protocol registered under a name, and AddSignalR (called again by the Redis
        // backplane's setup) adds its own JSON protocol only once, ahead of this one.
        services.AddSingleton<IHubProtocol, BindingFailureProtocol>();
        return builder;
    }

    public static IEndpointRouteBuilder MapSignalingHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<SignalingHub>(SignalingRoutes.Hub, options =>
        {
            options.AllowStatefulReconnects = true;
            // Bounded per-connection buffers: a client that stops reading cannot grow server memory.
            options.TransportMaxBufferSize = 512 * 1024;
            options.ApplicationMaxBufferSize = ProtocolLimits.MaxHubMessageBytes;
        });
        return app;
    }
}
