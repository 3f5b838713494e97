using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace Signaling.Client;

/// <summary>Options of <see cref="SignalingClient.Create"/>.</summary>
public sealed class SignalingClientOptions
{
    /// <summary>
    /// The transports the client may use, tried in the order WebSockets, Server-Sent Events, Long Polling
    /// after a negotiate request: all three by default, as Microsoft's client does. Server-Sent Events
    /// carry text only, so a <see cref="SignalingProtocol.MessagePack"/> client never picks them.
    /// </summary>
    public HttpTransportType Transports { get; set; } = HttpTransports.All;

    /// <summary>
    /// Open the WebSocket straight away, without the negotiate request: one round trip less, no need for
    /// sticky sessions behind a load balancer, but WebSockets only and no connection id. Leave
    /// <see cref="Transports"/> at its default or set it to <see cref="HttpTransportType.WebSockets"/>.
    /// </summary>
    public bool SkipNegotiation { get; set; }

    /// <summary>The hub protocol: <see cref="SignalingProtocol.Json"/> unless set.</summary>
    public SignalingProtocol Protocol { get; set; } = SignalingProtocol.Json;

    /// <summary>
    /// Reconnect after a lost connection, waiting 0, 2, 10 and 30 seconds between attempts, then give up.
    /// Off by default: room memberships do not survive a new connection, so an application that turns this
    /// on rejoins its rooms in <see cref="SignalingClient.Reconnected"/>.
    /// </summary>
    public bool AutomaticReconnect { get; set; }

    /// <summary>
    /// Resume the same connection after a short network drop, replaying the messages either side missed,
    /// so rooms and pending calls survive it (the server allows it). Off by default, as in Microsoft's client;
    /// when the resume fails, the connection closes or, with <see cref="AutomaticReconnect"/>, reconnects anew.
    /// It is agreed during negotiation, so it cannot be combined with <see cref="SkipNegotiation"/>.
    /// </summary>
    public bool StatefulReconnect { get; set; }

    /// <summary>
    /// How long without any message from the server before the connection counts as lost; the
    /// SignalR default (30 s) when <see langword="null"/>. Keep it at least twice the server's keep-alive interval.
    /// </summary>
    public TimeSpan? ServerTimeout { get; set; }

    /// <summary>How often to ping the server when idle; the SignalR default (15 s) when <see langword="null"/>.</summary>
    public TimeSpan? KeepAliveInterval { get; set; }

    /// <summary>
    /// Adjusts the HTTP connection last, after the options above are applied: request headers, cookies,
    /// proxy, client certificates, <see cref="HttpConnectionOptions.WebSocketConfiguration"/>,
    /// <see cref="HttpConnectionOptions.HttpMessageHandlerFactory"/>, or an
    /// <see cref="HttpConnectionOptions.AccessTokenProvider"/> that replaces the one given to <see cref="SignalingClient.Create"/>.
    /// </summary>
    public Action<HttpConnectionOptions>? ConfigureHttpConnection { get; set; }

    /// <summary>
    /// Adjusts the connection builder last, for what the options above do not cover: a custom
    /// <see cref="IRetryPolicy"/> (<c>WithAutomaticReconnect(policy)</c>), the stateful-reconnect buffer size
    /// (<c>Services.Configure&lt;HubConnectionOptions&gt;</c>), MessagePack serializer options.
    /// </summary>
    public Action<IHubConnectionBuilder>? ConfigureBuilder { get; set; }

    /// <summary>Configures logging of the underlying <c>HubConnection</c> (providers, levels).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Refuses combinations Microsoft's client would only reject when connecting, or silently ignore.</summary>
    internal void Validate(string parameterName)
    {
        if (SkipNegotiation && Transports != HttpTransportType.WebSockets && Transports != HttpTransports.All)
        {
            throw new ArgumentException(
                $"{nameof(SignalingClientOptions.SkipNegotiation)} works over WebSockets only: set {nameof(SignalingClientOptions.Transports)} to {nameof(HttpTransportType.WebSockets)}, not {Transports}.",
                parameterName);
        }

        if (SkipNegotiation && StatefulReconnect)
        {
            throw new ArgumentException(
                $"{nameof(SignalingClientOptions.StatefulReconnect)} is agreed during negotiation: set {nameof(SignalingClientOptions.SkipNegotiation)} to false to use it.",
                parameterName);
        }
    }
}
