using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Signaling.Client;

/// <summary>Options of <see cref="SignalingClient.Create"/>.</summary>
public sealed class SignalingClientOptions
{
    /// <summary>
    /// Reconnect after a lost connection, waiting 0, 2, 10 and 30 seconds between attempts, then give up.
    /// Off by default: room memberships do not survive a new connection, so an application that turns this
    /// on rejoins its rooms in <see cref="SignalingClient.Reconnected"/>.
    /// </summary>
    public bool AutomaticReconnect { get; set; }

    /// <summary>
    /// How long without any message from the server before the connection counts as lost; the
    /// SignalR default (30 s) when <see langword="null"/>. Keep it at least twice the server's keep-alive interval.
    /// </summary>
    public TimeSpan? ServerTimeout { get; set; }

    /// <summary>How often to ping the server when idle; the SignalR default (15 s) when <see langword="null"/>.</summary>
    public TimeSpan? KeepAliveInterval { get; set; }

    /// <summary>Adjusts the WebSocket's options: request headers, proxy, client certificates, WebSocket keep-alive.</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }

    /// <summary>Configures logging of the underlying <c>HubConnection</c> (providers, levels).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}
