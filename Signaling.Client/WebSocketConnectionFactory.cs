using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Signaling.Contracts;

namespace Signaling.Client;

/// <summary>
/// Opens <see cref="ConnectionContext"/>s over a <see cref="ClientWebSocket"/> for a
/// <c>HubConnection</c>. It connects straight to the WebSocket endpoint of the hub and skips
/// SignalR negotiation, which ASP.NET Core accepts for the WebSockets transport; this stands in for
/// <c>Microsoft.AspNetCore.Http.Connections.Client</c> (<c>WithUrl</c>).
/// </summary>
/// <param name="accessTokenProvider">
/// Called on every connect (so reconnects pick up a fresh token); a non-empty result is sent as the
/// <c>access_token</c> query parameter. <see langword="null"/> connects anonymously.
/// </param>
/// <param name="configureWebSocket">Adjusts the socket's options (headers, keep-alive, proxy, certificates).</param>
public sealed class WebSocketConnectionFactory(
    Func<CancellationToken, ValueTask<string?>>? accessTokenProvider = null,
    Action<ClientWebSocketOptions>? configureWebSocket = null) : IConnectionFactory
{
    /// <summary>
    /// Connects to the hub at <paramref name="endpoint"/>, a <see cref="UriEndPoint"/> with an
    /// <c>http</c>, <c>https</c>, <c>ws</c> or <c>wss</c> address such as <c>http://127.0.0.1:5000/hubs/signaling</c>.
    /// </summary>
    /// <param name="endpoint">The hub's address.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>A connection whose <see cref="ConnectionContext.Transport"/> carries the socket's messages.</returns>
    /// <exception cref="SignalingConnectionException">The upgrade was refused or the server could not be reached.</exception>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint is not UriEndPoint { Uri: var hubUri })
        {
            throw new NotSupportedException($"{nameof(WebSocketConnectionFactory)} needs a {nameof(UriEndPoint)}, not {endpoint.GetType().Name}.");
        }

        var token = accessTokenProvider is null ? null : await accessTokenProvider(cancellationToken).ConfigureAwait(false);
        var socketUri = ToWebSocketUri(hubUri, token);

        var socket = new ClientWebSocket();
        try
        {
            // Without this, a refused upgrade surfaces as a bare "status code '101' expected" error.
            socket.Options.CollectHttpResponseDetails = true;
            configureWebSocket?.Invoke(socket.Options);
            await socket.ConnectAsync(socketUri, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();

            // The URI in the message leaves out the query: it holds the access token.
            var where = hubUri.GetLeftPart(UriPartial.Path);
            throw status is 0 or HttpStatusCode.SwitchingProtocols
                ? new SignalingConnectionException($"Could not connect to the signaling hub at {where}: {ex.Message}", ex)
                : new SignalingConnectionException(
                    $"The signaling hub at {where} refused the WebSocket upgrade with HTTP {(int)status} ({status}).", (int)status, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new WebSocketConnection(socket);
    }

    /// <summary>Maps http(s) to ws(s) and appends the access token to the query.</summary>
    internal static Uri ToWebSocketUri(Uri hubUri, string? accessToken)
    {
        if (!hubUri.IsAbsoluteUri)
        {
            throw new ArgumentException($"The hub address must be absolute: '{hubUri}'.", nameof(hubUri));
        }

        var builder = new UriBuilder(hubUri)
        {
            Scheme = hubUri.Scheme.ToUpperInvariant() switch
            {
                "HTTP" or "WS" => "ws",
                "HTTPS" or "WSS" => "wss",
                _ => throw new ArgumentException($"Unsupported scheme '{hubUri.Scheme}' in '{hubUri}'.", nameof(hubUri)),
            },
        };

        if (!string.IsNullOrEmpty(accessToken))
        {
            var query = builder.Query.TrimStart('?');
            var parameter = $"{SignalingRoutes.AccessTokenQueryParameter}={Uri.EscapeDataString(accessToken)}";
            builder.Query = query.Length == 0 ? parameter : $"{query}&{parameter}";
        }

        return builder.Uri;
    }
}
