using Signaling.Contracts;
using Signaling.Contracts.Admin;

namespace Signaling.Client;

/// <content>Admin and connect-request events, one registration method each.</content>
public sealed partial class SignalingClient
{
    /// <summary>Registers a handler of <see cref="ISignalingClient.ConnectRequest"/>. To a client device: an admin asks it to connect.</summary>
    /// <param name="handler">Called with the request.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnConnectRequest(Func<ConnectRequestEvent, Task> handler) =>
        Register(nameof(ISignalingClient.ConnectRequest), handler);

    /// <inheritdoc cref="OnConnectRequest(Func{ConnectRequestEvent, Task})"/>
    public IDisposable OnConnectRequest(Action<ConnectRequestEvent> handler) =>
        Register(nameof(ISignalingClient.ConnectRequest), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.ConnectRequestUpdated"/>. To an admin: one of its requests changed state.</summary>
    /// <param name="handler">Called with the request's new state.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnConnectRequestUpdated(Func<ConnectRequestUpdatedEvent, Task> handler) =>
        Register(nameof(ISignalingClient.ConnectRequestUpdated), handler);

    /// <inheritdoc cref="OnConnectRequestUpdated(Func{ConnectRequestUpdatedEvent, Task})"/>
    public IDisposable OnConnectRequestUpdated(Action<ConnectRequestUpdatedEvent> handler) =>
        Register(nameof(ISignalingClient.ConnectRequestUpdated), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.ClientStatusChanged"/>. To admins: a client of their organization came online or went offline.</summary>
    /// <param name="handler">Called with the client and its state.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnClientStatusChanged(Func<ClientStatusChangedEvent, Task> handler) =>
        Register(nameof(ISignalingClient.ClientStatusChanged), handler);

    /// <inheritdoc cref="OnClientStatusChanged(Func{ClientStatusChangedEvent, Task})"/>
    public IDisposable OnClientStatusChanged(Action<ClientStatusChangedEvent> handler) =>
        Register(nameof(ISignalingClient.ClientStatusChanged), handler);

    /// <summary>Registers a handler of <see cref="ISignalingClient.PendingNotifications"/>. To an admin right after it connects: what happened while it was away.</summary>
    /// <param name="handler">Called with the notifications, oldest first.</param>
    /// <returns>Removes the handler when disposed.</returns>
    public IDisposable OnPendingNotifications(Func<IReadOnlyList<Notification>, Task> handler) =>
        Register(nameof(ISignalingClient.PendingNotifications), handler);

    /// <inheritdoc cref="OnPendingNotifications(Func{IReadOnlyList{Notification}, Task})"/>
    public IDisposable OnPendingNotifications(Action<IReadOnlyList<Notification>> handler) =>
        Register(nameof(ISignalingClient.PendingNotifications), handler);
}
