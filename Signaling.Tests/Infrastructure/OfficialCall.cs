using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;

namespace Signaling.Tests.Infrastructure;

/// <summary>What a WebRTC call needs from signaling, done by two official clients: join, offer, answer, trickled candidates.</summary>
public static class OfficialCall
{
    private const int Candidates = 5;

    /// <summary>
    /// Both join <paramref name="roomId"/>; the caller offers, the callee answers, then both trickle candidates
    /// at once, ending with null (end of candidates). Asserts each side receives exactly what the other sent, in order.
    /// </summary>
    public static async Task CompleteAsync(OfficialClient caller, OfficialClient callee, string roomId)
    {
        var callerId = (await caller.Invoke<JoinRoomResult>(nameof(ISignalingHub.JoinRoom), new JoinRoomRequest(roomId))).PeerId;
        var callerSeesCallee = caller.Expect<PeerInfo>(nameof(ISignalingClient.PeerJoined), 1);
        var calleeJoined = await callee.Invoke<JoinRoomResult>(nameof(ISignalingHub.JoinRoom), new JoinRoomRequest(roomId));
        var calleeId = calleeJoined.PeerId;
        Assert.Contains(calleeJoined.Peers, p => p.PeerId == callerId && p.IsActive);
        Assert.Equal(calleeId, Assert.Single(await callerSeesCallee).PeerId);

        var offers = callee.Expect<RelayedSdp>(nameof(ISignalingClient.Offer), 1);
        var answers = caller.Expect<RelayedSdp>(nameof(ISignalingClient.Answer), 1);
        var toCallee = callee.Expect<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), Candidates + 1);
        var toCaller = caller.Expect<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), Candidates + 1);

        await caller.Invoke(nameof(ISignalingHub.Offer), new SdpMessage(roomId, calleeId, $"v=0 offer from {callerId}"));
        Assert.Equal(new RelayedSdp(roomId, callerId, $"v=0 offer from {callerId}"), Assert.Single(await offers));
        await callee.Invoke(nameof(ISignalingHub.Answer), new SdpMessage(roomId, callerId, $"v=0 answer from {calleeId}"));
        Assert.Equal(new RelayedSdp(roomId, calleeId, $"v=0 answer from {calleeId}"), Assert.Single(await answers));

        await Task.WhenAll(TrickleAsync(caller, roomId, callerId, calleeId), TrickleAsync(callee, roomId, calleeId, callerId));
        Assert.Equal(CandidatesOf(callerId).Select(c => new RelayedIceCandidate(roomId, callerId, c)), await toCallee);
        Assert.Equal(CandidatesOf(calleeId).Select(c => new RelayedIceCandidate(roomId, calleeId, c)), await toCaller);
    }

    private static async Task TrickleAsync(OfficialClient sender, string roomId, string from, string to)
    {
        foreach (var candidate in CandidatesOf(from))
        {
            await sender.Invoke(nameof(ISignalingHub.IceCandidate), new IceCandidateMessage(roomId, to, candidate));
        }
    }

    /// <summary>A peer's candidates in the order it gathers them; null is end of candidates.</summary>
    private static IEnumerable<IceCandidateInit?> CandidatesOf(string peer) =>
        Enumerable.Range(0, Candidates)
            .Select(i => new IceCandidateInit($"candidate:{i} 1 udp {2122260223 - i} 192.0.2.{i + 1} {50000 + i} typ host", "0", 0, $"{peer}-ufrag"))
            .Append(null);
}
