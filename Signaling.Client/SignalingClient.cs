using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
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
    // Set by Create, so that a refused connect names the hub and leaves the token out of its message.
    private Uri? _hubUri;
    private IssuedTokens? _tokens;

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
    /// Raised when automatic reconnect succeeded, with the new connection's id (<see langword="null"/> when
    /// <see cref="SignalingClientOptions.SkipNegotiation"/> is set). Room memberships did not survive: rejoin the rooms here.
    /// </summary>
    public event Func<string?, Task>? Reconnected
    {
        add => Connection.Reconnected += value;
        remove => Connection.Reconnected -= value;
    }

    /// <summary>Connects to the hub and completes the SignalR handshake.</summary>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="SignalingConnectionException">
    /// The server refused the connection (<see cref="SignalingConnectionException.StatusCode"/>, e.g. 401 for a bad
    /// token, whether at the negotiate request or at the transport's) or could not be reached.
    /// </exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Connection.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConnectFailure.Applies(ex, cancellationToken))
        {
            throw ConnectFailure.Describe(ex, _hubUri, _tokens?.Issued);
        }
    }

    /// <summary>
    /// Closes the connection. It returns once the close is sent: the server then sees the caller leave its
    /// rooms, a moment later, so a peer learns it from <see cref="ISignalingClient.PeerLeft"/>, not from this returning.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the close.</param>
    public Task StopAsync(CancellationToken cancellationToken = default) => Connection.StopAsync(cancellationToken);

    /// <summary>Closes the connection and releases it.</summary>
    public ValueTask DisposeAsync() => Connection.DisposeAsync();

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
