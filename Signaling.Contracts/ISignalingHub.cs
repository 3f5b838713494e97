using Signaling.Contracts.Admin;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;

namespace Signaling.Contracts;

/// <summary>
/// Room and relay methods of the hub at <see cref="SignalingRoutes.Hub"/>. Method names are the
/// wire names: invoke them with <c>nameof(IRoomHub.JoinRoom)</c> rather than string literals.
/// </summary>
public interface IRoomHub
{
    /// <summary>Joins a room (creating it on first join unless the server requires rooms to be created first).</summary>
    /// <param name="request">The room and the joiner's initial state.</param>
    /// <returns>The other members, ICE servers, connection mode and the room's description.</returns>
    Task<JoinRoomResult> JoinRoom(JoinRoomRequest request);

    /// <summary>Leaves a room. The caller stays listed as an inactive member.</summary>
    /// <param name="roomId">The room.</param>
    Task LeaveRoom(string roomId);

    /// <summary>Relays an SDP offer to one peer of a room (event <c>Offer</c>).</summary>
    /// <param name="message">The room, the target peer and the SDP.</param>
    Task Offer(SdpMessage message);

    /// <summary>Relays an SDP answer to one peer of a room (event <c>Answer</c>).</summary>
    /// <param name="message">The room, the target peer and the SDP.</param>
    Task Answer(SdpMessage message);

    /// <summary>Relays an ICE candidate, or end of candidates, to one peer of a room (event <c>IceCandidate</c>).</summary>
    /// <param name="message">The room, the target peer and the candidate.</param>
    Task IceCandidate(IceCandidateMessage message);

    /// <summary>Sets the caller's media state in a room; the others get <c>PeerUpdated</c>.</summary>
    /// <param name="request">The room and the new state.</param>
    Task UpdateMediaState(UpdateMediaStateRequest request);

    /// <summary>Merges keys into the caller's user data in a room; the others get <c>PeerUpdated</c>.</summary>
    /// <param name="request">The room and the keys to set.</param>
    /// <returns>The caller's member record after the merge.</returns>
    Task<PeerInfo> UpdateUserData(UpdateUserDataRequest request);

    /// <summary>Returns the server's clock.</summary>
    Task<PingResult> Ping();
}

/// <summary>Admin methods of the hub: callers need the <c>admin</c> role and act within their own organization.</summary>
public interface IAdminHub
{
    /// <summary>Asks a client device to connect; queued when the client is offline.</summary>
    /// <param name="args">The client, the offer data, the priority and the time to live.</param>
    Task<ConnectRequestResult> AdminConnectRequest(AdminConnectRequestArgs args);

    /// <summary>Cancels one of the caller's requests.</summary>
    /// <param name="requestId">The request.</param>
    Task CancelConnectRequest(string requestId);

    /// <summary>Answers a connect request addressed to the caller (a client device).</summary>
    /// <param name="args">The request and the answer.</param>
    Task RespondToConnectRequest(RespondToConnectRequestArgs args);

    /// <summary>Lists the clients of the caller's organization.</summary>
    Task<IReadOnlyList<ClientSummary>> GetClients();

    /// <summary>Returns one client's history.</summary>
    /// <param name="clientId">The client.</param>
    Task<ClientHistory> GetClientHistory(string clientId);
}

/// <summary>Every method of the hub at <see cref="SignalingRoutes.Hub"/>.</summary>
public interface ISignalingHub : IRoomHub, IAdminHub;
