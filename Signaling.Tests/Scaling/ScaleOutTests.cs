using System.Net;
using System.Net.Http.Json;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>Two real service processes behind one real Redis: peers on different instances talk as if on one.</summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private RedisTestCluster _cluster = null!;

    private SignalingProcess A => _cluster.Instances[0];

    private SignalingProcess B => _cluster.Instances[1];

    public async Task InitializeAsync() => _cluster = await RedisTestCluster.StartAsync(2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Peers_on_different_instances_complete_a_negotiation_and_500_messages_arrive_in_order()
    {
        await using var alice = await A.JoinAsync("alice", "cross-call");
        await using var bob = await B.JoinAsync("bob", "cross-call");
        Assert.Contains(bob.LastJoin!.Peers, p => p.PeerId == "alice" && p.IsActive);

        await alice.Client.Offer(new SdpMessage("cross-call", "bob", "v=0 offer"));
        Assert.Equal(("alice", "v=0 offer"), await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer)).ContinueWith(t => (t.Result.FromPeerId, t.Result.Sdp)));
        await bob.Client.Answer(new SdpMessage("cross-call", "alice", "v=0 answer"));
        Assert.Equal("v=0 answer", (await alice.Next<RelayedSdp>(nameof(ISignalingClient.Answer))).Sdp);
        await bob.Client.IceCandidate(new IceCandidateMessage("cross-call", "alice", new IceCandidateInit("candidate:1 1 udp 1 127.0.0.1 5000 typ host", "0", 0)));
        Assert.Equal("0", (await alice.Next<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate))).Candidate!.SdpMid);

        const int Count = 500;
        for (var i = 0; i < Count; i++)
        {
            await alice.Client.IceCandidate(new IceCandidateMessage("cross-call", "bob", new IceCandidateInit($"candidate:{i} 1 udp 1 127.0.0.1 {i} typ host", "0", 0)));
        }

        for (var i = 0; i < Count; i++)
        {
            var received = await bob.Next<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate));
            Assert.Equal($"candidate:{i} 1 udp 1 127.0.0.1 {i} typ host", received.Candidate!.Candidate);
        }
    }

    [Fact]
    public async Task Joins_and_leaves_are_announced_to_members_on_the_other_instance()
    {
        await using var alice = await A.JoinAsync("alice", "cross-presence");
        var bob = await B.JoinAsync("bob", "cross-presence");
        Assert.Equal("bob", (await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined))).PeerId);

        await bob.Client.LeaveRoom("cross-presence");
        var left = await alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        Assert.Equal(("bob", PeerLeftReason.Left), (left.PeerId, left.Reason));

        await bob.Client.JoinRoom(new JoinRoomRequest("cross-presence"));
        Assert.Equal("bob", (await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined))).PeerId);
        await bob.DisposeAsync();
        var gone = await alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        Assert.Equal(("bob", PeerLeftReason.Disconnected), (gone.PeerId, gone.Reason));
    }

    [Fact]
    public async Task A_room_of_two_admits_exactly_two_of_ten_peers_joining_at_once_on_both_instances()
    {
        var owner = A.CreateHttpClient(Tokens.Create("owner"));
        var created = await owner.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Pair", RoomType.Voice, 2), RedisTestCluster.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var roomId = (await created.Content.ReadFromJsonAsync<CreateRoomResponse>(RedisTestCluster.Json))!.RoomId;

        var peers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? A : B).ConnectAsync(Tokens.Create($"peer-{i}"))));
        try
        {
            var outcomes = await Task.WhenAll(peers.Select(async p =>
            {
                try
                {
                    await p.Client.JoinRoom(new JoinRoomRequest(roomId));
                    return "joined";
                }
                catch (Signaling.Client.SignalingException ex)
                {
                    return ex.Code;
                }
            }));

            Assert.Equal(2, outcomes.Count(o => o == "joined"));
            Assert.Equal(8, outcomes.Count(o => o == ErrorCodes.RoomFull));
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_peer_cannot_reach_a_peer_of_another_room_on_the_other_instance()
    {
        await using var alice = await A.JoinAsync("alice", "room-one");
        await using var mallory = await B.JoinAsync("mallory", "room-two");
        await using var friend = await B.JoinAsync("friend", "room-two");

        await ErrorAssert.Code(ErrorCodes.PeerNotFound, () => alice.Client.Offer(new SdpMessage("room-one", "mallory", "v=0 leak")));
        await ErrorAssert.Code(ErrorCodes.NotInRoom, () => alice.Client.Offer(new SdpMessage("room-two", "mallory", "v=0 leak")));

        // Delivery per sender is ordered: once the friend's later offer is in, an earlier leak would be too.
        await friend.Client.Offer(new SdpMessage("room-two", "mallory", "v=0 control"));
        Assert.Equal("v=0 control", (await mallory.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
        Assert.Empty(mallory.Pending(nameof(ISignalingClient.Offer)));
    }

    [Fact]
    public async Task A_session_replaced_from_another_instance_can_no_longer_relay_in_the_room()
    {
        await using var bob = await B.JoinAsync("bob", "handover");
        await using var oldAlice = await A.JoinAsync("alice", "handover");
        await using var newAlice = await B.JoinAsync("alice", "handover");
        Assert.Equal("handover", (await oldAlice.Next<SessionReplacedEvent>(nameof(ISignalingClient.SessionReplaced))).RoomId);

        // The replacement reaches instance A asynchronously: wait until A has applied it.
        await Eventually.Until(async () =>
        {
            try
            {
                await oldAlice.Client.Offer(new SdpMessage("handover", "bob", "v=0 stale"));
                return false;
            }
            catch (Signaling.Client.SignalingException ex) when (ex.Code == ErrorCodes.NotInRoom)
            {
                return true;
            }
        }, what: "the replaced session refused");

        await newAlice.Client.Offer(new SdpMessage("handover", "bob", "v=0 current"));
        var offers = new List<string>();
        string sdp;
        while ((sdp = (await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp) != "v=0 current")
        {
            offers.Add(sdp);
        }

        // Stale offers can only have slipped through in the moment before A applied the replacement.
        Assert.All(offers, o => Assert.Equal("v=0 stale", o));
    }

    [Fact]
    public async Task Every_member_hears_its_room_closed_even_when_it_is_the_last_one_on_its_instance()
    {
        // Each member is alone on its instance, so closing the room also takes that instance out of
        // the room's channel: the closing notice must not depend on that channel.
        using var creator = A.CreateHttpClient(Tokens.Create("alice"));
        for (var i = 0; i < 20; i++)
        {
            var roomId = $"closing-{i}";
            await using var alice = await A.JoinAsync("alice", roomId);
            await using var bob = await B.JoinAsync("bob", roomId);
            using var deleted = await creator.DeleteAsync(new Uri($"/api/rooms/{roomId}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            Assert.Equal(RoomClosedReason.Deleted, (await alice.Next<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed))).Reason);
            Assert.Equal(RoomClosedReason.Deleted, (await bob.Next<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed))).Reason);
        }
    }

    [Fact]
    public async Task Stopping_one_instance_says_goodbye_to_its_own_clients_only()
    {
        await using var alice = await A.JoinAsync("alice", "goodbye");
        await using var bob = await B.JoinAsync("bob", "goodbye");

        await A.TerminateAsync();
        Assert.Equal("alice", alice.LastJoin!.PeerId);
        await alice.Next<ServerShutdownEvent>(nameof(ISignalingClient.ServerShutdown));
        await A.WaitForExitAsync(Timeouts.Default);

        // Anything A published before it exited reached B before this join, published later on the same Redis.
        await using var carol = await B.JoinAsync("carol", "goodbye");
        Assert.Equal("carol", (await bob.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined), p => p.PeerId == "carol")).PeerId);
        await bob.Client.Ping().WaitAsync(Timeouts.Default);
        Assert.Empty(bob.Pending(nameof(ISignalingClient.ServerShutdown)));
    }

    [Fact]
    public async Task Stats_and_connections_count_every_instance()
    {
        var admin = Tokens.Create("ops", roles: ["admin"], org: "acme");
        await using var alice = await A.JoinAsync("alice", "stats-room", org: "acme");
        await using var bob = await B.JoinAsync("bob", "stats-room", org: "acme");
        await using var carol = await B.JoinAsync("carol", "other-room", org: "acme");

        // Heartbeats carry each instance's load: the first one after these connections settles it.
        var stats = await Eventually.Until(() => RedisTestCluster.StatsAsync(A), s => s.Connections.Active == 3, what: "three connections counted");

        Assert.Equal(2, stats.Instances);
        Assert.Equal(3, stats.Connections.Active);
        Assert.Equal(3, stats.Peers.Active);
        Assert.Equal(2, stats.Rooms.Active);

        var listed = (await A.CreateHttpClient(admin).GetFromJsonAsync<List<Signaling.Contracts.Http.ConnectionInfo>>(
            new Uri("/api/connections", UriKind.Relative), RedisTestCluster.Json))!;
        Assert.Equal(["alice", "bob", "carol"], listed.Select(c => c.UserId).Order(StringComparer.Ordinal));
        Assert.Equal(2, listed.Select(c => c.InstanceId).Distinct().Count());
        Assert.Equal("stats-room", Assert.Single(listed, c => c.UserId == "bob").Rooms.Single());
    }
}
