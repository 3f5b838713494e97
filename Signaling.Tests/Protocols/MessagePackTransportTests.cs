using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Protocols;

/// <summary>
/// Microsoft's .NET client with the MessagePack protocol over each transport that carries binary
/// frames; Server-Sent Events carry text only, and the client refuses that pairing itself.
/// </summary>
public sealed class MessagePackTransportTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    public static TheoryData<string, HttpTransportType, bool> Transports => new()
    {
        { "WebSockets after negotiation", HttpTransportType.WebSockets, false },
        { "WebSockets without negotiation", HttpTransportType.WebSockets, true },
        { "Long Polling", HttpTransportType.LongPolling, false },
    };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Offer_answer_and_candidates_are_exchanged_and_a_refusal_carries_its_code(string name, HttpTransportType transport, bool skipNegotiation)
    {
        var room = $"call-{transport}-{skipNegotiation}";
        await using var alice = await Connect("alice", transport, skipNegotiation);
        await using var bob = await Connect("bob", transport, skipNegotiation);
        await alice.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest(room));
        await bob.Invoke<JoinRoomResult>(nameof(IRoomHub.JoinRoom), new JoinRoomRequest(room));

        var offers = bob.Expect<RelayedSdp>(nameof(ISignalingClient.Offer), 1);
        var bobCandidates = bob.Expect<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), 2);
        await alice.Invoke(nameof(IRoomHub.Offer), new SdpMessage(room, "bob", "offer-sdp"));
        await alice.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage(room, "bob", new IceCandidateInit("candidate:a", "0", 0)));
        await alice.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage(room, "bob", null));
        Assert.Equal(new RelayedSdp(room, "alice", "offer-sdp"), Assert.Single(await offers));
        Assert.Equal([new IceCandidateInit("candidate:a", "0", 0), null], (await bobCandidates).Select(e => e.Candidate));

        var answers = alice.Expect<RelayedSdp>(nameof(ISignalingClient.Answer), 1);
        var aliceCandidates = alice.Expect<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), 1);
        await bob.Invoke(nameof(IRoomHub.Answer), new SdpMessage(room, "alice", "answer-sdp"));
        await bob.Invoke(nameof(IRoomHub.IceCandidate), new IceCandidateMessage(room, "alice", new IceCandidateInit("candidate:b", "0", 0)));
        Assert.Equal(new RelayedSdp(room, "bob", "answer-sdp"), Assert.Single(await answers));
        Assert.Equal("candidate:b", Assert.Single(await aliceCandidates).Candidate!.Candidate);

        var refused = await Assert.ThrowsAsync<HubException>(() => alice.Invoke(nameof(IRoomHub.Offer), new SdpMessage(room, "nobody", "v=0")));
        Assert.True(ErrorCodes.Parse(refused.Message) == ErrorCodes.PeerNotFound && refused.Message.StartsWith(ErrorCodes.PeerNotFound + ": ", StringComparison.Ordinal), $"{name}: {refused.Message}");
        Assert.True((await alice.Invoke<PingResult>(nameof(IRoomHub.Ping))).ServerTime > 0);
    }

    [Fact]
    public async Task Server_sent_events_are_refused_by_the_client_for_MessagePack()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Connect("alice", HttpTransportType.ServerSentEvents, skipNegotiation: false));
        Assert.Contains("ServerSentEvents", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Binary", ex.Message, StringComparison.Ordinal);
    }

    private Task<OfficialClient> Connect(string sub, HttpTransportType transport, bool skipNegotiation) =>
        OfficialClient.ConnectAsync(_app, Tokens.Create(sub), transport, o => o.SkipNegotiation = skipNegotiation, OfficialClient.MessagePack);

    public void Dispose() => _app.Dispose();
}
