using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Contracts.Serialization;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;

namespace Signaling.Hub.Hubs;

public static class SignalingHubSetup
{
    public static WebApplicationBuilder AddSignalingHub(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<InstanceIdentity>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<ISignalingClients, SignalingClients>();

        services.AddOptions<SignalingHubOptions>().BindConfiguration(SignalingHubOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SignalingHubOptions>>(new OptionsRule<SignalingHubOptions>(SignalingHubOptions.Check));
        services.AddSignalR(options =>
        {
            options.MaximumReceiveMessageSize = ProtocolLimits.MaxHubMessageBytes;
            // Outermost first: the error filter maps what the rate limiter refuses.
            options.AddFilter<HubErrorFilter>();
            options.AddFilter<HubRateLimitFilter>();
            options.StatefulReconnectBufferSize = 256 * 1024;
        })
        .AddMessagePackProtocol(options => options.SerializerOptions = SignalingMessagePack.SerializerOptions);
        services.AddOptions<HubOptions>().Configure<IOptions<SignalingHubOptions>>((options, configured) =>
        {
            options.KeepAliveInterval = configured.Value.KeepAliveInterval;
            options.ClientTimeoutInterval = configured.Value.ClientTimeoutInterval;
        });
        // Both protocols report binding failures as INVALID_ARGUMENT. SignalR's resolver keeps the last
        // protocol registered under a name, and AddSignalR (called again by the Redis backplane's
        // setup) and AddMessagePackProtocol add theirs only once, ahead of these.
        services.AddSingleton<IHubProtocol>(sp => new BindingFailureProtocol(
            new JsonHubProtocol(sp.GetRequiredService<IOptions<JsonHubProtocolOptions>>()), JsonFrames.Instance));
        services.AddSingleton<IHubProtocol>(sp => new BindingFailureProtocol(
            new MessagePackHubProtocol(sp.GetRequiredService<IOptions<MessagePackHubProtocolOptions>>()), MessagePackFrames.Instance));
        return builder;
    }

    public static IEndpointRouteBuilder MapSignalingHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<SignalingHub>(SignalingRoutes.Hub, options =>
        {
            options.AllowStatefulReconnects = true;
            // Which connections this applies to is decided per token when it is validated (Signaling:Jwt:CloseOnExpiration).
            options.CloseOnAuthenticationExpiration = true;
            // Bounded per-connection buffers: a client that stops reading cannot grow server memory.
            options.TransportMaxBufferSize = 512 * 1024;
            options.ApplicationMaxBufferSize = ProtocolLimits.MaxHubMessageBytes;
        });
        return app;
    }
}
