using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Signaling.Contracts;
using Signaling.Contracts.Serialization;

namespace Signaling.Client;

/// <content>Building the connection with Microsoft's <c>HubConnectionBuilder</c>.</content>
public sealed partial class SignalingClient
{
    /// <summary>
    /// Creates a client for the hub at <see cref="SignalingRoutes.Hub"/> of a server, with Microsoft's
    /// <c>HubConnectionBuilder().WithUrl(...)</c>: it negotiates, then connects over WebSockets, falling back to
    /// Server-Sent Events and Long Polling (behind a load balancer, that needs sticky sessions; see
    /// <see cref="SignalingClientOptions.SkipNegotiation"/> for a client that does not).
    /// </summary>
    /// <param name="serverBaseUri">The server's base address, e.g. <c>https://signal.example.com/</c>; a path base is kept.</param>
    /// <param name="accessTokenProvider">
    /// Returns the JWT to connect with, sent as <c>Authorization: Bearer</c>; called before every connect and
    /// reconnect, with <see cref="CancellationToken.None"/> (Microsoft's client has no token to pass).
    /// </param>
    /// <param name="configure">Adjusts transports, protocol, reconnect, timeouts, the HTTP connection and logging.</param>
    /// <returns>A client that is not started yet: call <see cref="StartAsync"/> after registering event handlers.</returns>
    /// <exception cref="ArgumentException">
    /// <see cref="SignalingClientOptions.SkipNegotiation"/> is set with transports other than WebSockets or with
    /// <see cref="SignalingClientOptions.StatefulReconnect"/>.
    /// </exception>
    public static SignalingClient Create(
        Uri serverBaseUri,
        Func<CancellationToken, ValueTask<string?>> accessTokenProvider,
        Action<SignalingClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(serverBaseUri);
        ArgumentNullException.ThrowIfNull(accessTokenProvider);
        var options = new SignalingClientOptions();
        configure?.Invoke(options);
        options.Validate(nameof(configure));
        var hubUri = HubUri(serverBaseUri);
        var tokens = new IssuedTokens(accessTokenProvider);
        var builder = new HubConnectionBuilder().WithUrl(hubUri, http =>
        {
            http.AccessTokenProvider = tokens.NextAsync;
            http.SkipNegotiation = options.SkipNegotiation;
            http.Transports = options.SkipNegotiation ? HttpTransportType.WebSockets : options.Transports;
            options.ConfigureHttpConnection?.Invoke(http);
        });

        if (options.Protocol == SignalingProtocol.MessagePack)
        {
            // The contract's formatters: its names, lower-case enums and free-form JSON data, as the hub writes them.
            builder.AddMessagePackProtocol(o => o.SerializerOptions = SignalingMessagePack.SerializerOptions);
        }

        if (options.AutomaticReconnect)
        {
            builder.WithAutomaticReconnect();
        }

        if (options.StatefulReconnect)
        {
            builder.WithStatefulReconnect();
        }

        if (options.ServerTimeout is { } serverTimeout)
        {
            builder.WithServerTimeout(serverTimeout);
        }

        if (options.KeepAliveInterval is { } keepAliveInterval)
        {
            builder.WithKeepAliveInterval(keepAliveInterval);
        }

        if (options.ConfigureLogging is { } configureLogging)
        {
            builder.ConfigureLogging(configureLogging);
        }

        options.ConfigureBuilder?.Invoke(builder);
        return new SignalingClient(builder.Build()) { _hubUri = hubUri, _tokens = tokens };
    }

    /// <summary>The hub's address: <see cref="SignalingRoutes.Hub"/> below the base address, keeping any path base.</summary>
    internal static Uri HubUri(Uri serverBaseUri)
    {
        if (!serverBaseUri.IsAbsoluteUri)
        {
            throw new ArgumentException($"The server address must be absolute: '{serverBaseUri}'.", nameof(serverBaseUri));
        }

        // A relative path resolves below the last '/': without it, a path base such as /signaling would be dropped.
        var baseUri = new UriBuilder(serverBaseUri);
        if (!baseUri.Path.EndsWith('/'))
        {
            baseUri.Path += "/";
        }

        return new Uri(baseUri.Uri, SignalingRoutes.Hub.TrimStart('/'));
    }
}
