using System.Buffers;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Protocols;

/// <summary>
/// The error contract over MessagePack is the JSON one: a refused call, arguments that do not bind
/// and an unknown method come back with the same code, the sender stays connected and nothing
/// reaches anybody else, including for bytes only a hand-made MessagePack frame can carry.
/// </summary>
public sealed class MessagePackErrorTests : IAsyncLifetime
{
    private readonly SignalingApplication _app = new();
    private OfficialClient _json = null!;
    private OfficialClient _messagePack = null!;
    private OfficialClient _bob = null!;

    public async Task InitializeAsync()
    {
        _json = await OfficialClient.ConnectAsync(_app, Tokens.Create("jay"));
        _messagePack = await OfficialClient.ConnectAsync(_app, Tokens.Create("mia"), protocol: OfficialClient.MessagePack);
        _bob = await OfficialClient.ConnectAsync(_app, Tokens.Create("bob"), protocol: OfficialClient.MessagePack);
        foreach (var client in new[] { _json, _messagePack, _bob })
        {
            await client.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("room"));
        }
    }

    /// <summary>Calls the server refuses after binding: the whole text is the same as over JSON.</summary>
    public static TheoryData<string, string, object[]> Refusals => new()
    {
        { ErrorCodes.PeerNotFound, nameof(IRoomHub.Offer), [new SdpMessage("room", "nobody", "v=0")] },
        { ErrorCodes.NotInRoom, nameof(IRoomHub.Answer), [new SdpMessage("elsewhere", "bob", "v=0")] },
        { ErrorCodes.Forbidden, nameof(IAdminHub.GetClients), [] },
        { ErrorCodes.InvalidArgument, nameof(IRoomHub.JoinRoom), [new JoinRoomRequest("two words")] },
        { ErrorCodes.PayloadTooLarge, nameof(IRoomHub.IceCandidate), [new IceCandidateMessage("room", "bob", new IceCandidateInit(new string('c', ProtocolLimits.MaxCandidateBytes + 1)))] },
        { ErrorCodes.InvalidArgument, "NoSuchMethod", [] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_call_reads_as_over_JSON(string code, string method, object[] arguments)
    {
        var overJson = await Refused(_json, method, arguments);
        var overMessagePack = await Refused(_messagePack, method, arguments);
        Assert.StartsWith(code + ": ", overMessagePack, StringComparison.Ordinal);
        Assert.Equal(overJson.Replace("jay", "mia", StringComparison.Ordinal), overMessagePack);
        await StillConnected();
    }

    /// <summary>What the official client can send that does not bind: the code is the one JSON gives.</summary>
    public static TheoryData<string, object?[]> NotBinding => new()
    {
        { nameof(IRoomHub.JoinRoom), [42] },
        { nameof(IRoomHub.JoinRoom), [] },
        { nameof(IRoomHub.JoinRoom), [null] },
        { nameof(IRoomHub.JoinRoom), [new { displayName = "no room id" }] },
        { nameof(IRoomHub.LeaveRoom), ["room", "extra"] },
        { nameof(IRoomHub.Offer), [new { roomId = "room", toPeerId = "bob", sdp = 5 }] },
        { nameof(IRoomHub.Offer), [new { roomId = "room", toPeerId = "bob" }] },
        { nameof(IRoomHub.UpdateMediaState), [new { roomId = "room", mediaState = "loud" }] },
        { nameof(IRoomHub.UpdateUserData), [new { roomId = "room", userData = new[] { 1, 2 } }] },
        { nameof(IAdminHub.AdminConnectRequest), [new { clientId = "device", offerData = "o", priority = "sky-high" }] },
    };

    [Theory]
    [MemberData(nameof(NotBinding))]
    public async Task Arguments_that_do_not_bind_get_invalid_argument_as_over_JSON(string method, object?[] arguments)
    {
        Assert.StartsWith(ErrorCodes.InvalidArgument + ": ", await Refused(_json, method, arguments), StringComparison.Ordinal);
        Assert.StartsWith(ErrorCodes.InvalidArgument + ": ", await Refused(_messagePack, method, arguments), StringComparison.Ordinal);
        await StillConnected();
    }

    private delegate void Write(ref MessagePackWriter writer);

    /// <summary>Arguments only a hand-made frame carries; each is one <c>JoinRoom</c> or <c>Offer</c> argument.</summary>
    public static TheoryData<string, string, byte[]> HandMade => new()
    {
        { "invalid UTF-8 in a string", nameof(IRoomHub.Offer), Bytes((ref MessagePackWriter w) =>
            {
                w.WriteMapHeader(3);
                w.Write("roomId");
                w.Write("room");
                w.Write("toPeerId");
                w.Write("bob");
                w.Write("sdp");
                w.WriteString([0xC3, 0x28]);
            }) },
        { "binary in user data", nameof(IRoomHub.JoinRoom), UserData((ref MessagePackWriter w) => w.Write([1, 2, 3])) },
        { "a timestamp extension (a JavaScript Date) in user data", nameof(IRoomHub.JoinRoom), UserData((ref MessagePackWriter w) => w.Write(DateTime.UtcNow)) },
        { "a map key that is not a string in user data", nameof(IRoomHub.JoinRoom), UserData((ref MessagePackWriter w) => { w.WriteMapHeader(1); w.Write(1); w.Write("one"); }) },
        { "NaN in user data", nameof(IRoomHub.JoinRoom), UserData((ref MessagePackWriter w) => w.Write(double.NaN)) },
        { "user data nested beyond the JSON reader's depth", nameof(IRoomHub.JoinRoom), UserData((ref MessagePackWriter w) => Nested(ref w, 100)) },
        { "user data nested beyond MessagePack's depth limit", nameof(IRoomHub.JoinRoom), UserData((ref MessagePackWriter w) => Nested(ref w, 1000)) },
        { "a member name that is not a string", nameof(IRoomHub.JoinRoom), Bytes((ref MessagePackWriter w) => { w.WriteMapHeader(1); w.Write(7); w.Write("room"); }) },
    };

    [Theory]
    [MemberData(nameof(HandMade))]
    public async Task Values_with_no_JSON_meaning_get_invalid_argument_and_reach_nobody(string kind, string method, byte[] argument)
    {
        using var raw = await RawHubClient.ConnectAsync(_app, Tokens.Create("raw"), "messagepack");
        await raw.SendFramesAsync(RawHubClient.MessagePackInvocation("1", nameof(IRoomHub.JoinRoom), Bytes((ref MessagePackWriter w) => Map(ref w, ("roomId", "room")))));
        Assert.Null(Completion(await raw.ReceiveFrameAsync()).Error);

        await raw.SendFramesAsync(RawHubClient.MessagePackInvocation("2", method, argument));
        var (id, error) = Completion(await raw.ReceiveFrameAsync());
        Assert.True(id == "2" && error?.StartsWith(ErrorCodes.InvalidArgument + ": ", StringComparison.Ordinal) == true, $"{kind}: {error}");
        await raw.SendFramesAsync(RawHubClient.MessagePackInvocation("3", nameof(IRoomHub.Ping)));
        Assert.Equal(("3", null), Completion(await raw.ReceiveFrameAsync()));
        await StillConnected();
    }

    [Fact]
    public async Task Nil_for_a_boolean_means_not_given_as_a_JavaScript_undefined_does_in_JSON()
    {
        var joined = _bob.Expect<PeerInfo>(nameof(ISignalingClient.PeerJoined), 1);
        using var raw = await RawHubClient.ConnectAsync(_app, Tokens.Create("raw"), "messagepack");
        await raw.SendFramesAsync(RawHubClient.MessagePackInvocation("1", nameof(IRoomHub.JoinRoom), Bytes((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(3);
            w.Write("roomId");
            w.Write("room");
            w.Write("displayName");
            w.WriteNil();
            w.Write("mediaState");
            w.WriteMapHeader(2);
            w.Write("audio");
            w.Write(true);
            w.Write("video");
            w.WriteNil();
        })));
        Assert.Equal(("1", null), Completion(await raw.ReceiveFrameAsync()));
        Assert.Equal(new MediaState(Audio: true), Assert.Single(await joined).MediaState);
    }

    /// <summary>JSON can spell a number no double holds; a MessagePack peer could not be sent it, so nobody gets it.</summary>
    [Theory]
    [InlineData(nameof(IRoomHub.UpdateUserData), """[{"roomId":"room","userData":{"big":{"n":[1e400]}}}]""")]
    [InlineData(nameof(IAdminHub.AdminConnectRequest), """[{"clientId":"device","offerData":{"n":-1e400}}]""")]
    public async Task A_number_beyond_a_double_from_a_JSON_client_is_refused_and_MessagePack_peers_can_still_join(string method, string arguments)
    {
        using var raw = await RawHubClient.ConnectAsync(_app, Tokens.Create("kim", roles: ["admin"]));
        Assert.False((await raw.InvokeRawAsync(nameof(IRoomHub.JoinRoom), """[{"roomId":"room"}]""")).TryGetProperty("error", out _));
        var answer = await raw.InvokeRawAsync(method, arguments);
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCodes.Parse(answer.GetProperty("error").GetString()));

        await using var max = await OfficialClient.ConnectAsync(_app, Tokens.Create("max"), protocol: OfficialClient.MessagePack);
        var joined = await max.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest("room"));
        Assert.Contains(joined.Peers, p => p.PeerId == "kim");
    }

    public static TheoryData<string, byte[]> Unreadable => new()
    {
        { "a target that is not a string", Bytes((ref MessagePackWriter w) => { w.WriteArrayHeader(5); w.Write(1); w.WriteMapHeader(0); w.Write("7"); w.Write(42); w.WriteArrayHeader(0); }) },
        { "a frame shorter than its array", Bytes((ref MessagePackWriter w) => { w.WriteArrayHeader(5); w.Write(1); w.WriteMapHeader(0); w.Write("7"); }) },
        { "headers that are not a map", Bytes((ref MessagePackWriter w) => { w.WriteArrayHeader(5); w.Write(1); w.Write("headers"); w.Write("7"); w.Write(nameof(IRoomHub.Ping)); w.WriteArrayHeader(0); }) },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public async Task An_unreadable_invocation_gets_invalid_argument_and_the_connection_stays(string kind, byte[] frame)
    {
        using var raw = await RawHubClient.ConnectAsync(_app, Tokens.Create("raw"), "messagepack");
        await raw.SendFramesAsync(frame);
        var (id, error) = Completion(await raw.ReceiveFrameAsync());
        Assert.True(id == "7" && ErrorCodes.Parse(error) == ErrorCodes.InvalidArgument, $"{kind}: {id} {error}");
        await raw.SendFramesAsync(RawHubClient.MessagePackInvocation("8", nameof(IRoomHub.Ping)));
        Assert.Equal(("8", null), Completion(await raw.ReceiveFrameAsync()));
    }

    [Fact]
    public async Task A_frame_that_is_not_an_invocation_is_skipped_and_the_next_one_in_the_same_read_is_served()
    {
        using var raw = await RawHubClient.ConnectAsync(_app, Tokens.Create("raw"), "messagepack");
        await raw.SendFramesAsync([0xC1, 0xC1], RawHubClient.MessagePackInvocation("9", nameof(IRoomHub.Ping)));
        Assert.Equal(("9", null), Completion(await raw.ReceiveFrameAsync()));
    }

    private static async Task<string> Refused(OfficialClient client, string method, object?[] arguments)
    {
        var ex = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeCoreAsync<object>(method, arguments).WaitAsync(Timeouts.Default));
        return ex.Message;
    }

    /// <summary>The MessagePack caller still relays, and Bob gets that message and nothing before it.</summary>
    private async Task StillConnected()
    {
        var offers = _bob.Expect<RelayedSdp>(nameof(ISignalingClient.Offer), 1);
        await _messagePack.Invoke(nameof(IRoomHub.Offer), new SdpMessage("room", "bob", "still connected"));
        Assert.Equal("still connected", Assert.Single(await offers).Sdp);
    }

    private static byte[] Bytes(Write write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A <c>JoinRoom</c> argument whose user data has one key holding the given value.</summary>
    private static byte[] UserData(Write value) => Bytes((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(2);
        w.Write("roomId");
        w.Write("room");
        w.Write("userData");
        w.WriteMapHeader(1);
        w.Write("k");
        value(ref w);
    });

    private static void Map(ref MessagePackWriter w, params (string Key, string Value)[] entries)
    {
        w.WriteMapHeader(entries.Length);
        foreach (var (key, value) in entries)
        {
            w.Write(key);
            w.Write(value);
        }
    }

    private static void Nested(ref MessagePackWriter w, int depth)
    {
        for (var i = 0; i < depth; i++)
        {
            w.WriteArrayHeader(1);
        }

        w.Write(0);
    }

    /// <summary>A completion message: <c>[3, headers, invocationId, resultKind, error?]</c>.</summary>
    private static (string? Id, string? Error) Completion(byte[] payload)
    {
        var reader = new MessagePackReader(payload);
        reader.ReadArrayHeader();
        Assert.Equal(3, reader.ReadInt32());
        reader.Skip();
        var id = reader.ReadString();
        return (id, reader.ReadInt32() == 1 ? reader.ReadString() : null);
    }

    public async Task DisposeAsync()
    {
        await _json.DisposeAsync();
        await _messagePack.DisposeAsync();
        await _bob.DisposeAsync();
        _app.Dispose();
    }
}
