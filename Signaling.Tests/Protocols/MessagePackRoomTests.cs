using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Protocols;

/// <summary>
/// Room and relay payloads over the MessagePack hub protocol, with Microsoft's .NET client: what a
/// MessagePack client sends arrives with the same meaning at JSON and MessagePack peers alike, and
/// what the server sends decodes to the same values as the same message over JSON.
/// </summary>
public sealed class MessagePackRoomTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    private static readonly JsonElement Profile = JsonSerializer.Deserialize<JsonElement>(
        """{"name":"Mia","langs":["en","fr"],"age":31,"score":1.5,"verified":true,"none":null,"deep":[{"x":[1,[2,{"y":-3}]]}],"big":12345678901234}""");

    [Fact]
    public async Task Members_and_their_user_data_mean_the_same_over_MessagePack_as_over_JSON()
    {
        await using var jay = await Connect("jay", messagePack: false);
        await jay.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("r"));
        var jaySeesMia = jay.Expect<PeerInfo>(nameof(ISignalingClient.PeerJoined), 1);

        await using var mia = await Connect("mia", messagePack: true);
        var userData = new Dictionary<string, JsonElement> { ["profile"] = Profile, ["note"] = JsonSerializer.SerializeToElement("hé 🎉\n") };
        var joined = await mia.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("r", "Mia M", new MediaState(Audio: true), userData));

        Assert.Equal(("r", "mia", false, ConnectionMode.P2p), (joined.RoomId, joined.PeerId, joined.Reconnected, joined.ConnectionMode));
        Assert.Equal(("r", RoomType.Video, "jay"), (joined.Room.RoomId, joined.Room.Type, joined.Room.CreatedBy));
        Assert.True(joined.Room.CreatedAt > 0 && joined.Room.MaxParticipants > 0, AsJson(joined.Room));
        Assert.NotEmpty(joined.IceServers.SelectMany(s => s.Urls));
        var jayAsMiaSeesHim = Assert.Single(joined.Peers);
        Assert.Equal(("jay", true), (jayAsMiaSeesHim.PeerId, jayAsMiaSeesHim.IsActive));

        var announced = Assert.Single(await jaySeesMia);
        Assert.Equal(("Mia M", new MediaState(Audio: true)), (announced.DisplayName, announced.MediaState));
        AssertSameJson(userData, announced.UserData);

        // A JSON and a MessagePack client joining after Mia are told the same about her and the room.
        await using var kim = await Connect("kim", messagePack: false);
        var kimJoined = await kim.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("r"));
        await using var max = await Connect("max", messagePack: true);
        var maxJoined = await max.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("r"));
        Assert.Equal(AsJson(kimJoined.Room), AsJson(maxJoined.Room));
        Assert.Equal(AsJson(kimJoined.IceServers), AsJson(maxJoined.IceServers));
        Assert.Equal(AsJson(kimJoined.Peers.Single(p => p.PeerId == "mia")), AsJson(maxJoined.Peers.Single(p => p.PeerId == "mia")));
        AssertSameJson(userData, maxJoined.Peers.Single(p => p.PeerId == "mia").UserData);

        // UpdateUserData's result and the PeerUpdated both kinds of peer get are one and the same member.
        var jayUpdate = jay.Expect<PeerInfo>(nameof(ISignalingClient.PeerUpdated), 1);
        var maxUpdate = max.Expect<PeerInfo>(nameof(ISignalingClient.PeerUpdated), 1);
        var patch = new Dictionary<string, JsonElement> { ["note"] = JsonSerializer.SerializeToElement<object?>(null), ["seat"] = JsonSerializer.SerializeToElement(new { row = 3, tags = new[] { "aisle" } }) };
        var updated = await mia.Invoke<PeerInfo>(nameof(IRoomHub.UpdateUserData), new UpdateUserDataRequest("r", patch));
        Assert.Equal(["profile", "seat"], updated.UserData.Keys.Order());
        AssertSameJson(new Dictionary<string, JsonElement> { ["profile"] = Profile, ["seat"] = patch["seat"] }, updated.UserData);
        Assert.Equal(AsJson(updated), AsJson(Assert.Single(await jayUpdate)));
        Assert.Equal(AsJson(updated), AsJson(Assert.Single(await maxUpdate)));

        var jayMedia = jay.Expect<PeerInfo>(nameof(ISignalingClient.PeerUpdated), 1);
        var maxMedia = max.Expect<PeerInfo>(nameof(ISignalingClient.PeerUpdated), 1);
        await mia.Invoke(nameof(IRoomHub.UpdateMediaState), new UpdateMediaStateRequest("r", new MediaState(Audio: false, Video: true, Screen: true)));
        Assert.Equal(new MediaState(false, true, true), Assert.Single(await maxMedia).MediaState);
        Assert.Equal(AsJson(Assert.Single(await jayMedia)), AsJson(Assert.Single(await maxMedia)));
    }

    [Fact]
    public async Task Offers_answers_and_candidates_including_the_end_of_candidates_arrive_unchanged()
    {
        await using var alice = await Connect("alice", messagePack: true);
        await using var bob = await Connect("bob", messagePack: true);
        await using var carol = await Connect("carol", messagePack: false);
        foreach (var peer in new[] { alice, bob, carol })
        {
            await peer.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("call"));
        }

        const string Sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=é 🎉\r\na=group:BUNDLE 0\r\n";
        var candidate = new IceCandidateInit("candidate:842163049 1 udp 1677729535 192.0.2.3 46154 typ srflx", "0", 0, "EsAw");
        var received = new List<(string Kind, string Json)>[2];
        for (var i = 0; i < 2; i++)
        {
            var (to, receiver) = i == 0 ? ("bob", bob) : ("carol", carol);
            var offers = receiver.Expect<RelayedSdp>(nameof(ISignalingClient.Offer), 1);
            var answers = receiver.Expect<RelayedSdp>(nameof(ISignalingClient.Answer), 1);
            var candidates = receiver.Expect<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), 3);
            await alice.Invoke(nameof(IRoomHub.Offer), new SdpMessage("call", to, Sdp));
            await alice.Invoke(nameof(IRoomHub.Answer), new SdpMessage("call", to, Sdp + "a=answer\r\n"));
            await alice.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage("call", to, candidate));
            await alice.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage("call", to, new IceCandidateInit("")));
            await alice.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage("call", to, null));

            var offer = Assert.Single(await offers);
            var answer = Assert.Single(await answers);
            var ice = await candidates;
            Assert.Equal(new RelayedSdp("call", "alice", Sdp), offer);
            Assert.Equal(new RelayedSdp("call", "alice", Sdp + "a=answer\r\n"), answer);
            Assert.Equal([candidate, new IceCandidateInit(""), null], ice.Select(e => e.Candidate));
            Assert.All(ice, e => Assert.Equal(("call", "alice"), (e.RoomId, e.FromPeerId)));
            received[i] = [("offer", AsJson(offer)), ("answer", AsJson(answer)), .. ice.Select(e => ("ice", AsJson(e)))];
        }

        Assert.Equal(received[1], received[0]);
    }

    [Fact]
    public async Task Ping_leave_session_replaced_and_room_closed_arrive_as_over_JSON()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var owner = await Connect("owner", messagePack: false);
        var ping = await owner.Invoke<PingResult>(nameof(IRoomHub.Ping));
        await using var mia = await Connect("mia", messagePack: true);
        var miaPing = await mia.Invoke<PingResult>(nameof(IRoomHub.Ping));
        Assert.InRange(miaPing.ServerTime, Math.Max(before, ping.ServerTime), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        await owner.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("closing"));
        await using var max = await Connect("max", messagePack: true);
        await max.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("closing"));
        await mia.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("closing"));

        // Mia joins again from a second connection: the first is told, and the others see her replaced.
        var replaced = mia.Expect<SessionReplacedEvent>(nameof(ISignalingClient.SessionReplaced), 1);
        var ownerSees = owner.Expect<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft), 1);
        var maxSees = max.Expect<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft), 1);
        await using var mia2 = await Connect("mia", messagePack: true);
        await mia2.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("closing"));
        Assert.Equal(new SessionReplacedEvent("closing"), Assert.Single(await replaced));
        Assert.Equal(new PeerLeftEvent("closing", "mia", PeerLeftReason.Replaced), Assert.Single(await maxSees));
        Assert.Equal(AsJson(Assert.Single(await ownerSees)), AsJson(Assert.Single(await maxSees)));

        var maxLeft = max.Expect<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft), 1);
        await mia2.Invoke(nameof(IRoomHub.LeaveRoom), "closing");
        Assert.Equal(new PeerLeftEvent("closing", "mia", PeerLeftReason.Left), Assert.Single(await maxLeft));

        var ownerClosed = owner.Expect<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed), 1);
        var maxClosed = max.Expect<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed), 1);
        using var http = _app.CreateHttpClient(Tokens.Create("owner"));
        (await http.DeleteAsync("/api/rooms/closing")).EnsureSuccessStatusCode();
        Assert.Equal(new RoomClosedEvent("closing", RoomClosedReason.Deleted), Assert.Single(await maxClosed));
        Assert.Equal(AsJson(Assert.Single(await ownerClosed)), AsJson(Assert.Single(await maxClosed)));
    }

    private Task<OfficialClient> Connect(string sub, bool messagePack) =>
        OfficialClient.ConnectAsync(_app, Tokens.Create(sub), protocol: messagePack ? OfficialClient.MessagePack : null);

    /// <summary>The JSON protocol's own rendering: equal strings mean the same names, enums, nulls and values.</summary>
    internal static string AsJson<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    internal static void AssertSameJson(IReadOnlyDictionary<string, JsonElement> expected, IReadOnlyDictionary<string, JsonElement> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, value) in expected)
        {
            Assert.True(JsonElement.DeepEquals(value, actual[key]), $"{key}: sent {value}, got {actual[key]}");
        }
    }

    public void Dispose() => _app.Dispose();
}
