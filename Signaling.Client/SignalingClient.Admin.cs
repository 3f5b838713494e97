using Signaling.Contracts;
using Signaling.Contracts.Admin;

namespace Signaling.Client;

/// <content>Admin and connect-request methods (<see cref="IAdminHub"/>).</content>
public sealed partial class SignalingClient
{
    /// <inheritdoc cref="IAdminHub.AdminConnectRequest"/>
    /// <param name="args">The client, the offer data, the priority and the time to live.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.QueueFull"/>.</exception>
    public Task<ConnectRequestResult> AdminConnectRequest(AdminConnectRequestArgs args, CancellationToken cancellationToken = default) =>
        InvokeAsync<ConnectRequestResult>(nameof(IAdminHub.AdminConnectRequest), [args], cancellationToken);

    /// <inheritdoc cref="IAdminHub.CancelConnectRequest"/>
    /// <param name="requestId">The request.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.RequestNotFound"/>.</exception>
    public Task CancelConnectRequest(string requestId, CancellationToken cancellationToken = default) =>
        InvokeAsync(nameof(IAdminHub.CancelConnectRequest), [requestId], cancellationToken);

    /// <inheritdoc cref="IAdminHub.RespondToConnectRequest"/>
    /// <param name="args">The request and the answer.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.RequestNotFound"/>.</exception>
    public Task RespondToConnectRequest(RespondToConnectRequestArgs args, CancellationToken cancellationToken = default) =>
        InvokeAsync(nameof(IAdminHub.RespondToConnectRequest), [args], cancellationToken);

    /// <inheritdoc cref="IAdminHub.GetClients"/>
    /// <param name="cancellationToken">Stops waiting for the result.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.Forbidden"/>.</exception>
    public Task<IReadOnlyList<ClientSummary>> GetClients(CancellationToken cancellationToken = default) =>
        InvokeAsync<IReadOnlyList<ClientSummary>>(nameof(IAdminHub.GetClients), [], cancellationToken);

    /// <inheritdoc cref="IAdminHub.GetClientHistory"/>
    /// <param name="clientId">The client.</param>
    /// <param name="cancellationToken">Stops waiting for the result.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.ClientNotFound"/>.</exception>
    public Task<ClientHistory> GetClientHistory(string clientId, CancellationToken cancellationToken = default) =>
        InvokeAsync<ClientHistory>(nameof(IAdminHub.GetClientHistory), [clientId], cancellationToken);

    // The interface methods have no token; callers of the class get the overloads above instead.
    Task<ConnectRequestResult> IAdminHub.AdminConnectRequest(AdminConnectRequestArgs args) => AdminConnectRequest(args);

    Task IAdminHub.CancelConnectRequest(string requestId) => CancelConnectRequest(requestId);

    Task IAdminHub.RespondToConnectRequest(RespondToConnectRequestArgs args) => RespondToConnectRequest(args);

    Task<IReadOnlyList<ClientSummary>> IAdminHub.GetClients() => GetClients();

    Task<ClientHistory> IAdminHub.GetClientHistory(string clientId) => GetClientHistory(clientId);
}
