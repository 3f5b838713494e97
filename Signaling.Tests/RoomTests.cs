using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class RoomTests : IDisposable
{
    private readonly SignalingApplication _app = new(new Dictionary<string, string?>
    {
        ["Signaling:Rooms:MeshLimit"] = "2",
        ["Signaling:Ice:StunUrls:0"] = "stun:stun.example.test:3478",
    });

    [Fact]
    public async Task Joining_returns_the_other_members_ice_servers_room_and_connection_mode()
    {
        await using var alice = await _app.JoinAsync("alice", "standup");
        Assert.False(alice.LastJoin!.Reconnected);
        Assert.Empty(alice.LastJoin.Peers);
        Assert.Equal(ConnectionMode.P2p, alice.LastJoin.ConnectionMode);
        Assert.Equal(["stun:stun.example.test:3478"], alice.LastJoin.IceServers.Single().Urls);
        Assert.Equal("standup", alice.LastJoin.Room.RoomId);
        Assert.Equal("alice", alice.LastJoin.Room.CreatedBy);
        Assert.Equal(10, alice.LastJoin.Room.MaxParticipants);

        await using var bob = await _app.JoinAsync("bob", "standup");
        Assert.Equal(ConnectionMode.P2p, bob.LastJoin!.ConnectionMode);
        Assert.Equal("alice", Assert.Single(bob.LastJoin.Peers).PeerId);
        Assert.Equal("bob", (await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined))).PeerId);

        // MeshLimit is 2 here: a third active member tips the hint to an SFU.
        await using var carol = await _app.JoinAsync("carol", "standup");
        Assert.Equal(ConnectionMode.Sfu, carol.LastJoin!.ConnectionMode);
        Assert.Equal(["alice", "bob"], carol.LastJoin.Peers.Select(p => p.PeerId).Order());
    }

    [Fact]
    public async Task A_full_room_refuses_the_next_joiner()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Rooms:MaxParticipants"] = "2" });
        await using var a = await app.JoinAsync("a", "small");
        await using var b = await app.JoinAsync("b", "small");
        await using var c = await app.ConnectAsync(Tokens.Create("c"));

        var ex = await ErrorAssert.Code(ErrorCodes.RoomFull, () => c.Client.JoinRoom(new JoinRoomRequest("small")));
        Assert.Contains("2 of 2", ex.Message, StringComparison.Ordinal);

        // A member leaving frees a place; the refused joiner's connection still works.
        await b.Client.LeaveRoom("small");
        await c.Client.JoinRoom(new JoinRoomRequest("small"));
    }

    [Fact]
    public async Task Members_who_leave_or_disconnect_stay_listed_as_inactive_and_rejoin_as_reconnected()
    {
        await using var alice = await _app.JoinAsync("alice", "room");
        var bob = await _app.JoinAsync("bob", "room");
        await using var carol = await _app.JoinAsync("carol", "room");

        await carol.Client.LeaveRoom("room");
        var left = await alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        Assert.Equal(new PeerLeftEvent("room", "carol", PeerLeftReason.Left), left);

        await bob.DisposeAsync();
        var gone = await alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        Assert.Equal(new PeerLeftEvent("room", "bob", PeerLeftReason.Disconnected), gone);

        await using var dave = await _app.JoinAsync("dave", "room");
        var peers = dave.LastJoin!.Peers.ToDictionary(p => p.PeerId);
        Assert.True(peers["alice"].IsActive);
        Assert.False(peers["bob"].IsActive);
        Assert.False(peers["carol"].IsActive);
        Assert.True(peers["bob"].LastSeen >= peers["bob"].JoinedAt);

        var back = await carol.Client.JoinRoom(new JoinRoomRequest("room"));
        Assert.True(back.Reconnected);
        Assert.Equal("carol", (await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined), p => p.PeerId == "carol")).PeerId);
    }

    [Fact]
    public async Task The_same_identity_joining_again_replaces_its_first_connection()
    {
        await using var alice = await _app.JoinAsync("alice", "room");
        await using var first = await _app.JoinAsync("bob", "room");
        await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined));

        await using var second = await _app.JoinAsync("bob", "room");
        Assert.True(second.LastJoin!.Reconnected);
        Assert.Equal(new SessionReplacedEvent("room"), await first.Next<SessionReplacedEvent>(nameof(ISignalingClient.SessionReplaced)));
        Assert.Equal(PeerLeftReason.Replaced, (await alice.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft))).Reason);
        Assert.Equal("bob", (await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined))).PeerId);

        // Relays now reach the new connection only; the old one lost its membership.
        await alice.Client.Offer(new SdpMessage("room", "bob", "to the new session"));
        Assert.Equal("to the new session", (await second.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
        await ErrorAssert.Code(ErrorCodes.NotInRoom, () => first.Client.Offer(new SdpMessage("room", "alice", "stale")));

        // The old connection closing must not deactivate the session that replaced it.
        await first.Client.StopAsync();
        await alice.Client.Offer(new SdpMessage("room", "bob", "still there"));
        Assert.Equal("still there", (await second.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
    }

    [Fact]
    public async Task Media_state_and_user_data_updates_reach_the_other_members()
    {
        await using var alice = await _app.JoinAsync("alice", "room");
        await using var bob = await _app.JoinAsync("bob", "room");

        await bob.Client.UpdateMediaState(new UpdateMediaStateRequest("room", new MediaState(Audio: true, Video: false, Screen: true)));
        var media = await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerUpdated));
        Assert.Equal(new MediaState(true, false, true), media.MediaState);

        await bob.Client.UpdateUserData(new UpdateUserDataRequest("room", Json("""{"hand":"raised","color":"blue"}""")));
        var merged = await bob.Client.UpdateUserData(new UpdateUserDataRequest("room", Json("""{"hand":null,"lang":"fr"}""")));
        Assert.Equal(["color", "lang"], merged.UserData.Keys.Order());
        Assert.Equal("blue", merged.UserData["color"].GetString());
        await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerUpdated));
        var seen = await alice.Next<PeerInfo>(nameof(ISignalingClient.PeerUpdated));
        Assert.Equal(["color", "lang"], seen.UserData.Keys.Order());
        Assert.Equal(new MediaState(true, false, true), seen.MediaState);
    }

    [Fact]
    public async Task User_data_over_its_limits_is_refused_and_the_member_keeps_its_data()
    {
        await using var alice = await _app.JoinAsync("alice", "room");
        await alice.Client.UpdateUserData(new UpdateUserDataRequest("room", Json("""{"keep":1}""")));

        var big = new string('x', ProtocolLimits.MaxUserDataBytes);
        await ErrorAssert.Code(ErrorCodes.PayloadTooLarge,
            () => alice.Client.UpdateUserData(new UpdateUserDataRequest("room", Json($$"""{"big":"{{big}}"}"""))));
        var deep = string.Concat(Enumerable.Repeat("""{"a":""", 9)) + "1" + new string('}', 9);
        await ErrorAssert.Code(ErrorCodes.InvalidArgument,
            () => alice.Client.UpdateUserData(new UpdateUserDataRequest("room", Json($$"""{"deep":{{deep}}}"""))));

        var after = await alice.Client.UpdateUserData(new UpdateUserDataRequest("room", Json("{}")));
        Assert.Equal(["keep"], after.UserData.Keys);
    }

    [Fact]
    public async Task Joining_an_unknown_room_is_refused_when_rooms_must_be_created_first()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Rooms:CreateOnJoin"] = "false" });
        await using var alice = await app.ConnectAsync(Tokens.Create("alice"));
        await ErrorAssert.Code(ErrorCodes.RoomNotFound, () => alice.Client.JoinRoom(new JoinRoomRequest("nowhere")));
    }

    [Fact]
    public async Task Ping_returns_the_server_clock()
    {
        await using var alice = await _app.ConnectAsync(Tokens.Create("alice"));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var pong = await alice.Client.Ping();
        Assert.InRange(pong.ServerTime, before - 5_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5_000);
    }

    private static Dictionary<string, JsonElement> Json(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    public void Dispose() => _app.Dispose();
}
