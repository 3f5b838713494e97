using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using Signaling.Hub.Observability;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;

namespace Signaling.Hub.Hubs;

/// <summary>
/// The hub is a thin adapter: it finds the caller's session, hands the call to a feature
/// service and returns. Errors become protocol codes in <see cref="HubErrorFilter"/>.
/// </summary>
[Authorize]
public sealed class SignalingHub(
    ConnectionRegistry connections,
    RoomService rooms,
    RelayService relay,
    PresenceService presence,
    ConnectRequestService connectRequests,
    SignalingTelemetry telemetry,
    TimeProvider time) : Hub<ISignalingClient>, ISignalingHub
{
    /// <summary>Target of invocations whose arguments did not bind (see <see cref="BindingFailureProtocol"/>).</summary>
    public const string InvalidInvocationMethod = "$invalidInvocation";

    private ConnectionSession Session => (ConnectionSession)Context.Items[typeof(ConnectionSession)]!;

    public override async Task OnConnectedAsync()
    {
        var session = new ConnectionSession(Context.ConnectionId, CallerIdentity.From(Context.User!), time.NowMs(), Context.Abort);
        Context.Items[typeof(ConnectionSession)] = session;
        connections.Add(session);
        telemetry.ConnectionOpened();
        await presence.ConnectedAsync(session);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (connections.Remove(Context.ConnectionId) is { } session)
        {
            telemetry.ConnectionClosed();
            // Presence first: once a room sees this peer leave, its admin and client state is settled too.
            await presence.DisconnectedAsync(session);
            await rooms.DisconnectAsync(session);
        }
    }

    public Task<JoinRoomResult> JoinRoom(JoinRoomRequest request) =>
        rooms.JoinAsync(Session, Validate.NotNull(request, "request"));

    public Task LeaveRoom(string roomId) => rooms.LeaveAsync(Session, roomId);

    public Task Offer(SdpMessage message) => relay.OfferAsync(Session, message);

    public Task Answer(SdpMessage message) => relay.AnswerAsync(Session, message);

    public Task IceCandidate(IceCandidateMessage message) => relay.IceCandidateAsync(Session, message);

    public async Task UpdateMediaState(UpdateMediaStateRequest request)
    {
        Validate.NotNull(request, "request");
        await rooms.UpdateAsync(Session, request.RoomId, Validate.NotNull(request.MediaState, "mediaState"), null);
    }

    public Task<PeerInfo> UpdateUserData(UpdateUserDataRequest request)
    {
        Validate.NotNull(request, "request");
        return rooms.UpdateAsync(Session, request.RoomId, null, Validate.NotNull(request.UserData, "userData"));
    }

    public Task<ConnectRequestResult> AdminConnectRequest(AdminConnectRequestArgs args) => connectRequests.CreateAsync(Session.Caller, args);

    public Task CancelConnectRequest(string requestId) => connectRequests.CancelAsync(Session.Caller, requestId);

    public Task RespondToConnectRequest(RespondToConnectRequestArgs args) => connectRequests.RespondAsync(Session.Caller, args);

    public Task<IReadOnlyList<ClientSummary>> GetClients() => presence.ListAsync(Session.Caller);

    public Task<ClientHistory> GetClientHistory(string clientId) => presence.HistoryAsync(Session.Caller, clientId);

    public Task<PingResult> Ping() => Task.FromResult(new PingResult(time.NowMs()));

    [HubMethodName(InvalidInvocationMethod)]
    public Task InvalidInvocation(string target, bool unknownMethod, string detail) =>
        throw RefusalException.InvalidArgument(unknownMethod
            ? $"unknown method '{target}'"
            : $"arguments of '{target}' do not match its parameters: {detail}");
}
