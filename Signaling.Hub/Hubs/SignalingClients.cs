using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;
using Signaling.Hub.Connections;

namespace Signaling.Hub.Hubs;

/// <summary>The features' way to reach clients: SignalR's context of <see cref="SignalingHub"/>, whatever backplane carries it.</summary>
internal sealed class SignalingClients(IHubContext<SignalingHub, ISignalingClient> hub) : ISignalingClients
{
    public IHubClients<ISignalingClient> Clients => hub.Clients;

    public IGroupManager Groups => hub.Groups;
}
