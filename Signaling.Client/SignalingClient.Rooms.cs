using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;

namespace Signaling.Client;

/// <content>Room and relay methods (<see cref="IRoomHub"/>).</content>
public sealed partial class SignalingClient
{
    /// <inheritdoc cref="IRoomHub.JoinRoom"/>
    /// <param name="request">The room and the joiner's initial state.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.RoomFull"/>.</exception>
    public Task<JoinRoomResult> JoinRoom(JoinRoomRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<JoinRoomResult>(nameof(IRoomHub.JoinRoom), [request], cancellationToken);

    /// <inheritdoc cref="IRoomHub.LeaveRoom"/>
    /// <param name="roomId">The room.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.NotInRoom"/>.</exception>
    public Task LeaveRoom(string roomId, CancellationToken cancellationToken = default) =>
        InvokeAsync(nameof(IRoomHub.LeaveRoom), [roomId], cancellationToken);

    /// <inheritdoc cref="IRoomHub.Offer"/>
    /// <param name="message">The room, the target peer and the SDP.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.PeerNotFound"/>.</exception>
    public Task Offer(SdpMessage message, CancellationToken cancellationToken = default) =>
        InvokeAsync(nameof(IRoomHub.Offer), [message], cancellationToken);

    /// <inheritdoc cref="IRoomHub.Answer"/>
    /// <param name="message">The room, the target peer and the SDP.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.PeerNotFound"/>.</exception>
    public Task Answer(SdpMessage message, CancellationToken cancellationToken = default) =>
        InvokeAsync(nameof(IRoomHub.Answer), [message], cancellationToken);

    /// <inheritdoc cref="IRoomHub.IceCandidate"/>
    /// <param name="message">The room, the target peer and the candidate.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.PeerNotFound"/>.</exception>
    public Task IceCandidate(IceCandidateMessage message, CancellationToken cancellationToken = default) =>
        InvokeAsync(nameof(IRoomHub.IceCandidate), [message], cancellationToken);

    /// <inheritdoc cref="IRoomHub.UpdateMediaState"/>
    /// <param name="request">The room and the new state.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.NotInRoom"/>.</exception>
    public Task UpdateMediaState(UpdateMediaStateRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync(nameof(IRoomHub.UpdateMediaState), [request], cancellationToken);

    /// <inheritdoc cref="IRoomHub.UpdateUserData"/>
    /// <param name="request">The room and the keys to set.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the server may still carry out the call.</param>
    /// <exception cref="SignalingException">The server refused, e.g. <see cref="ErrorCodes.PayloadTooLarge"/>.</exception>
    public Task<PeerInfo> UpdateUserData(UpdateUserDataRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<PeerInfo>(nameof(IRoomHub.UpdateUserData), [request], cancellationToken);

    /// <inheritdoc cref="IRoomHub.Ping"/>
    /// <param name="cancellationToken">Stops waiting for the result.</param>
    public Task<PingResult> Ping(CancellationToken cancellationToken = default) =>
        InvokeAsync<PingResult>(nameof(IRoomHub.Ping), [], cancellationToken);

    // The interface methods have no token; callers of the class get the overloads above instead.
    Task<JoinRoomResult> IRoomHub.JoinRoom(JoinRoomRequest request) => JoinRoom(request);

    Task IRoomHub.LeaveRoom(string roomId) => LeaveRoom(roomId);

    Task IRoomHub.Offer(SdpMessage message) => Offer(message);

    Task IRoomHub.Answer(SdpMessage message) => Answer(message);

    Task IRoomHub.IceCandidate(IceCandidateMessage message) => IceCandidate(message);

    Task IRoomHub.UpdateMediaState(UpdateMediaStateRequest request) => UpdateMediaState(request);

    Task<PeerInfo> IRoomHub.UpdateUserData(UpdateUserDataRequest request) => UpdateUserData(request);

    Task<PingResult> IRoomHub.Ping() => Ping();
}
