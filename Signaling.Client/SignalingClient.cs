using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Signaling.Contracts;

namespace Signaling.Client;

/// <summary>
/// Typed client of the Signaling hub: the methods of <see cref="ISignalingHub"/>, server events as
/// <c>OnXxx</c> registrations or one <see cref="ISignalingClient"/> handler, and refused calls as
/// <see cref="SignalingException"/> carrying an <see cref="ErrorCodes"/> code.
/// </summary>
/// <param name="connection">The connection to the hub. The client owns it and disposes it.</param>
public sealed partial class SignalingClient(HubConnection connection) : ISignalingHub, IAsyncDisposable
{
    /// <summary>The underlying connection, for anything this client does not wrap.</summary>
    public HubConnection Connection { get; } = connection ?? throw new ArgumentNullException(nameof(connection));

    /// <summary>Whether the client is disconnected, connecting, connected or reconnecting.</summary>
    public HubConnectionState State => Connection.State;

    /// <summary>Raised when the connection closes for good, with the error that closed it, if any.</summary>
    public event Func<Exception?, Task>? Closed
    {
        add => Connection.Closed += value;
        remove => Connection.Closed -= value;
    }

    /// <summary>Raised when the connection was lost and automatic reconnect starts, with the error that lost it.</summary>
    public event Func<Exception?, Task>? Reconnecting
    {
        add => Connection.Reconnecting += value;
        remove => Connection.Reconnecting -= value;
    }

    /// <summary>
    /// Raised when automatic reconnect succeeded. Room memberships did not survive: rejoin the rooms here.
    /// The argument is always <see langword="null"/> (the connection skips negotiation, so it has no id).
    /// </summary>
    public event Func<string?, Task>? Reconnected
    {
        add => Connection.Reconnected += value;
        remove => Connection.Reconnected -= value;
    }

    /// <summary>Creates a client for the hub at <see cref="SignalingRoutes.Hub"/> of a server, over WebSockets.</summary>
    /// <param name="serverBaseUri">The server's base address, e.g. <c>https://signal.example.com/</c>; a path base is kept.</param>
    /// <param name="accessTokenProvider">Returns the JWT to connect with; called before every connect and reconnect.</param>
    /// <param name="configure">Adjusts reconnect, timeouts, the WebSocket and logging.</param>
    /// <returns>A client that is not started yet: call <see cref="StartAsync"/> after registering event handlers.</returns>
    public static SignalingClient Create(
        Uri serverBaseUri,
        Func<CancellationToken, ValueTask<string?>> accessTokenProvider,
        Action<SignalingClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(serverBaseUri);
        ArgumentNullException.ThrowIfNull(accessTokenProvider);
        var options = new SignalingClientOptions();
        configure?.Invoke(options);

        var builder = new HubConnectionBuilder();
        builder.Services.AddSingleton<IConnectionFactory>(new WebSocketConnectionFactory(accessTokenProvider, options.ConfigureWebSocket));
        builder.Services.AddSingleton<EndPoint>(new UriEndPoint(HubUri(serverBaseUri)));
        // The builder registers JSON already; saying so keeps the choice visible (the server has no MessagePack).
        builder.AddJsonProtocol();
        if (options.AutomaticReconnect)
        {
            builder.WithAutomaticReconnect();
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

        return new SignalingClient(builder.Build());
    }

    /// <summary>Connects to the hub and completes the SignalR handshake.</summary>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="SignalingConnectionException">The server refused the connection (e.g. HTTP 401) or could not be reached.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default) => Connection.StartAsync(cancellationToken);

    /// <summary>Closes the connection; the server sees the caller leave its rooms.</summary>
    /// <param name="cancellationToken">Cancels waiting for the close.</param>
    public Task StopAsync(CancellationToken cancellationToken = default) => Connection.StopAsync(cancellationToken);

    /// <summary>Closes the connection and releases it.</summary>
    public ValueTask DisposeAsync() => Connection.DisposeAsync();

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

    private async Task InvokeAsync(string methodName, object?[] args, CancellationToken cancellationToken)
    {
        try
        {
            await Connection.InvokeCoreAsync(methodName, args, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException ex) when (ex is not SignalingException)
        {
            throw SignalingException.From(ex);
        }
    }

    private async Task<T> InvokeAsync<T>(string methodName, object?[] args, CancellationToken cancellationToken)
    {
        try
        {
            return await Connection.InvokeCoreAsync<T>(methodName, args, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException ex) when (ex is not SignalingException)
        {
            throw SignalingException.From(ex);
        }
    }
}
