using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;

namespace Signaling.Hub.Connections;

/// <summary>
/// The hub's clients and groups, for features that push events: they depend on this, and the hub
/// (which calls the features) provides it, so no feature depends on the hub.
/// </summary>
public interface ISignalingClients
{
    IHubClients<ISignalingClient> Clients { get; }

    IGroupManager Groups { get; }
}
