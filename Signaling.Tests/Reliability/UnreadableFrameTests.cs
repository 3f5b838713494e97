using System.Net.WebSockets;
using System.Text;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Reliability;

/// <summary>
/// Frames SignalR's JSON reader gives up on: the caller is answered or the frame skipped, and the connection stays.
/// Invalid UTF-8 in a text frame is the exception: the WebSocket layer must fail the connection (see below).
/// </summary>
public sealed class UnreadableFrameTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    public static TheoryData<string, string> Frames => new()
    {
        { "nesting beyond the reader's depth", $$"""{"type":1,"invocationId":"7","target":"JoinRoom","arguments":[{{new string('[', 300)}}{{new string(']', 300)}}]}""" },
        { "lone surrogate", """{"type":1,"invocationId":"7","target":"JoinRoom","arguments":[{"roomId":"\ud800"}]}""" },
        { "unknown target with deep nesting", $$"""{"type":1,"invocationId":"7","target":"Nope","arguments":[{{new string('[', 300)}}{{new string(']', 300)}}]}""" },
        { "truncated JSON", """{"type":1,"invocationId":"7","target":"JoinRoom","arguments":[{"roomId":""" },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public async Task An_unreadable_invocation_gets_invalid_argument_and_the_connection_stays(string kind, string frame)
    {
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        await client.SendRawAsync(frame + "\u001e");
        var answer = await client.ReceiveMessageAsync();
        Assert.True(answer.GetProperty("type").GetInt32() == 3, $"{kind}: {answer}");
        Assert.Equal("7", answer.GetProperty("invocationId").GetString());
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCodes.Parse(answer.GetProperty("error").GetString()));
        Assert.False((await client.InvokeRawAsync("Ping", "[]")).TryGetProperty("error", out _));
    }

    [Theory]
    [InlineData("JoinRoom", """[{"roomId":"r","userData":{"k":["\ud800"]}}]""")]
    [InlineData("JoinRoom", """[{"roomId":"r","userData":{"k":{"\udfff":1}}}]""")]
    public async Task Free_form_json_with_a_lone_surrogate_is_refused_up_front(string method, string arguments)
    {
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        var answer = await client.InvokeRawAsync(method, arguments);
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCodes.Parse(answer.GetProperty("error").GetString()));
        Assert.False((await client.InvokeRawAsync("Ping", "[]")).TryGetProperty("error", out _));
    }

    [Fact]
    public async Task A_frame_that_is_not_json_is_skipped_and_the_next_one_in_the_same_read_is_served()
    {
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        await client.SendRawAsync("this is not json\u001e" + """{"type":1,"invocationId":"9","target":"Ping","arguments":[]}""" + "\u001e");
        var answer = await client.ReceiveMessageAsync();
        Assert.Equal(("9", false), (answer.GetProperty("invocationId").GetString(), answer.TryGetProperty("error", out _)));
    }

    public static TheoryData<string, byte[]> InvalidUtf8 => new()
    {
        { "C3 28: a lead byte without its continuation", [0xC3, 0x28] },
        { "FF: a byte UTF-8 never uses", [0xFF] },
        { "C0 AF: an overlong '/'", [0xC0, 0xAF] },
        { "ED A0 80: an encoded surrogate", [0xED, 0xA0, 0x80] },
        { "E2 82: a sequence cut short by the closing quote", [0xE2, 0x82] },
    };

    /// <summary>
    /// Binary frames carry bytes the WebSocket layer does not check (as do the HTTP bodies of the
    /// long-polling and SSE transports), so the invalid bytes reach the hub protocol's JSON reader.
    /// </summary>
    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task Invalid_utf8_in_a_string_argument_gets_invalid_argument_and_reaches_nobody(string kind, byte[] bad)
    {
        await using var bob = await _app.JoinAsync("bob", "utf8-room");
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        Assert.False((await client.InvokeRawAsync("JoinRoom", """[{"roomId":"utf8-room"}]""")).TryGetProperty("error", out _));

        await client.SendRawAsync(OfferWith(bad), WebSocketMessageType.Binary);
        var answer = await client.ReceiveMessageAsync();
        Assert.True(answer.GetProperty("type").GetInt32() == 3, $"{kind}: {answer}");
        Assert.Equal("7", answer.GetProperty("invocationId").GetString());
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCodes.Parse(answer.GetProperty("error").GetString()));

        await AliceStillReachesBob(client, bob);
    }

    /// <summary>
    /// In a text frame the same bytes never reach the hub: RFC 6455 (8.1) requires failing the
    /// WebSocket on invalid UTF-8 in text, and the server's WebSocket does (close code 1007, though
    /// the abort that follows can overtake the close frame, so the client may see a reset). Like the hub's
    /// message size limit, a transport rule: only that connection goes, and nothing is relayed.
    /// </summary>
    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task Invalid_utf8_in_a_text_frame_closes_only_that_websocket(string kind, byte[] bad)
    {
        await using var bob = await _app.JoinAsync("bob", "utf8-room");
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        Assert.False((await client.InvokeRawAsync("JoinRoom", """[{"roomId":"utf8-room"}]""")).TryGetProperty("error", out _));

        await client.SendRawAsync(OfferWith(bad), WebSocketMessageType.Text);
        await Assert.ThrowsAsync<WebSocketException>(client.ReceiveMessageAsync);
        Assert.True(client.CloseStatus is null or WebSocketCloseStatus.InvalidPayloadData, $"{kind}: closed with {client.CloseStatus}");

        var left = await bob.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));
        Assert.Equal(("alice", PeerLeftReason.Disconnected), (left.PeerId, left.Reason));
        Assert.Empty(bob.Pending(nameof(ISignalingClient.Offer)));
        using var again = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        Assert.False((await again.InvokeRawAsync("JoinRoom", """[{"roomId":"utf8-room"}]""")).TryGetProperty("error", out _));
        await AliceStillReachesBob(again, bob);
    }

    private static byte[] OfferWith(byte[] bad) =>
    [
        .. Encoding.UTF8.GetBytes("""{"type":1,"invocationId":"7","target":"Offer","arguments":[{"roomId":"utf8-room","toPeerId":"bob","sdp":"v=0 """),
        .. bad,
        .. Encoding.UTF8.GetBytes("\"}]}\u001e"),
    ];

    /// <summary>The first offer Bob gets is this control one: nothing of the bad frame reached him.</summary>
    private static async Task AliceStillReachesBob(RawHubClient alice, TestPeer bob)
    {
        Assert.False((await alice.InvokeRawAsync("Offer", """[{"roomId":"utf8-room","toPeerId":"bob","sdp":"control"}]""")).TryGetProperty("error", out _));
        Assert.Equal("control", (await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
    }

    public void Dispose() => _app.Dispose();
}
