using Microsoft.AspNetCore.SignalR.Client;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class RelayTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    [Fact]
    public async Task Two_peers_complete_offer_answer_and_candidates_with_server_set_sender()
    {
        await using var alice = await _app.JoinAsync("alice", "call");
        await using var bob = await _app.JoinAsync("bob", "call");

        await alice.Client.Offer(new SdpMessage("call", "bob", "v=0 offer"));
        var offer = await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer));
        Assert.Equal(new RelayedSdp("call", "alice", "v=0 offer"), offer);

        await bob.Client.Answer(new SdpMessage("call", "alice", "v=0 answer"));
        var answer = await alice.Next<RelayedSdp>(nameof(ISignalingClient.Answer));
        Assert.Equal(new RelayedSdp("call", "bob", "v=0 answer"), answer);

        var candidate = new IceCandidateInit("candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host", "0", 0, "abcd");
        await alice.Client.IceCandidate(new IceCandidateMessage("call", "bob", candidate));
        await alice.Client.IceCandidate(new IceCandidateMessage("call", "bob", null));
        Assert.Equal(new RelayedIceCandidate("call", "alice", candidate), await bob.Next<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate)));
        var end = await bob.Next<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate));
        Assert.Null(end.Candidate);
        Assert.Equal("alice", end.FromPeerId);
    }

    [Fact]
    public async Task Five_hundred_messages_from_one_sender_arrive_in_order()
    {
        await using var alice = await _app.JoinAsync("alice", "order");
        await using var bob = await _app.JoinAsync("bob", "order");

        // Sent without waiting for each completion, as a client streaming candidates would.
        var sends = Enumerable.Range(0, 500)
            .Select(i => alice.Client.Connection.SendAsync(nameof(IRoomHub.IceCandidate), new IceCandidateMessage("order", "bob", new IceCandidateInit($"candidate:{i}"))))
            .ToList();
        await Task.WhenAll(sends).WaitAsync(Timeouts.Default);

        for (var i = 0; i < 500; i++)
        {
            var received = await bob.Next<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate));
            Assert.Equal($"candidate:{i}", received.Candidate!.Candidate);
        }
    }

    [Fact]
    public async Task A_peer_cannot_reach_a_peer_of_another_room()
    {
        await using var alice = await _app.JoinAsync("alice", "room-a");
        await using var bob = await _app.JoinAsync("bob", "room-b");
        await using var carol = await _app.JoinAsync("carol", "room-b");

        await ErrorAssert.Code(ErrorCodes.PeerNotFound, () => alice.Client.Offer(new SdpMessage("room-a", "bob", "sneaky")));
        await ErrorAssert.Code(ErrorCodes.NotInRoom, () => alice.Client.Offer(new SdpMessage("room-b", "bob", "sneaky")));

        // Carol's offer is sent after the refused ones: if either had leaked, Bob would see it first.
        await carol.Client.Offer(new SdpMessage("room-b", "bob", "legit"));
        var first = await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer));
        Assert.Equal("legit", first.Sdp);
        Assert.Equal("carol", first.FromPeerId);
    }

    [Fact]
    public async Task A_peer_cannot_send_before_joining_or_after_leaving()
    {
        await using var bob = await _app.JoinAsync("bob", "room");
        await using var alice = await _app.ConnectAsync(Tokens.Create("alice"));

        await ErrorAssert.Code(ErrorCodes.NotInRoom, () => alice.Client.Offer(new SdpMessage("room", "bob", "early")));

        await alice.Client.JoinRoom(new JoinRoomRequest("room"));
        await alice.Client.LeaveRoom("room");
        await ErrorAssert.Code(ErrorCodes.NotInRoom, () => alice.Client.Offer(new SdpMessage("room", "bob", "late")));
        await ErrorAssert.Code(ErrorCodes.PeerNotFound, () => bob.Client.Offer(new SdpMessage("room", "alice", "to a leaver")));

        // Once Alice is back, the first offer she sees must be the one sent after her return.
        await alice.Client.JoinRoom(new JoinRoomRequest("room"));
        await bob.Client.Offer(new SdpMessage("room", "alice", "welcome back"));
        Assert.Equal("welcome back", (await alice.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
    }

    public void Dispose() => _app.Dispose();
}
