using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// Microsoft's .NET client (<c>HubConnectionBuilder().WithUrl</c>, raw and under <see cref="SignalingClient"/>) over
/// every transport the hub serves: a call goes through, a refused call reads its code, and the connection stays up.
/// </summary>
public sealed class OfficialClientTransportTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    public enum Transport
    {
        WebSockets,
        WebSocketsWithoutNegotiation,
        ServerSentEvents,
        LongPolling,
    }

    /// <summary>The hub protocols to run every transport with; Server-Sent Events carry text only.</summary>
    private static readonly SignalingProtocol[] Protocols = [SignalingProtocol.Json, SignalingProtocol.MessagePack];

    public static TheoryData<Transport, SignalingProtocol> Cases()
    {
        var cases = new TheoryData<Transport, SignalingProtocol>();
        foreach (var protocol in Protocols)
        {
            foreach (var transport in Enum.GetValues<Transport>())
            {
                if (!(transport == Transport.ServerSentEvents && protocol == SignalingProtocol.MessagePack))
                {
                    cases.Add(transport, protocol);
                }
            }
        }

        return cases;
    }

    public void Dispose() => _app.Dispose();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_official_client_completes_a_call_and_reads_a_refusal_without_losing_its_connection(Transport transport, SignalingProtocol protocol)
    {
        await using var alice = await ConnectOfficialAsync("alice", transport, protocol);
        await using var bob = await ConnectOfficialAsync("bob", transport, protocol);

        await OfficialCall.CompleteAsync(alice, bob, "transports");

        var refused = await Assert.ThrowsAsync<HubException>(() =>
            alice.Invoke(nameof(ISignalingHub.Offer), new SdpMessage("transports", "nobody", "v=0")));
        Assert.StartsWith(ErrorCodes.PeerNotFound + ": ", refused.Message, StringComparison.Ordinal);
        await AssertStillRelaysAsync(alice, bob);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_signaling_client_completes_a_call_and_reads_a_refusal_without_losing_its_connection(Transport transport, SignalingProtocol protocol)
    {
        await using var alice = await ConnectSignalingAsync("alice", transport, protocol);
        await using var bob = await ConnectSignalingAsync("bob", transport, protocol);
        await using var aliceCall = new OfficialClient(alice.Connection);
        await using var bobCall = new OfficialClient(bob.Connection);

        await OfficialCall.CompleteAsync(aliceCall, bobCall, "transports");

        await ErrorAssert.Code(ErrorCodes.PeerNotFound, () => alice.Offer(new SdpMessage("transports", "nobody", "v=0")));
        await AssertStillRelaysAsync(aliceCall, bobCall);
    }

    private Task<OfficialClient> ConnectOfficialAsync(string sub, Transport transport, SignalingProtocol protocol)
    {
        Action<IHubConnectionBuilder>? addProtocol = protocol == SignalingProtocol.MessagePack ? OfficialClient.MessagePack : null;
        return transport == Transport.WebSocketsWithoutNegotiation
            ? OfficialClient.ConnectAsync(_app, Tokens.Create(sub), HttpTransportType.WebSockets, options => options.SkipNegotiation = true, addProtocol)
            : OfficialClient.ConnectAsync(_app, Tokens.Create(sub), TransportType(transport), protocol: addProtocol);
    }

    private async Task<SignalingClient> ConnectSignalingAsync(string sub, Transport transport, SignalingProtocol protocol)
    {
        var client = SignalingClient.Create(_app.BaseAddress, _ => ValueTask.FromResult<string?>(Tokens.Create(sub)), options =>
        {
            options.Protocol = protocol;
            options.SkipNegotiation = transport == Transport.WebSocketsWithoutNegotiation;
            options.Transports = TransportType(transport);
        });
        await client.StartAsync().WaitAsync(Timeouts.Default);
        return client;
    }

    private static HttpTransportType TransportType(Transport transport) => transport switch
    {
        Transport.ServerSentEvents => HttpTransportType.ServerSentEvents,
        Transport.LongPolling => HttpTransportType.LongPolling,
        _ => HttpTransportType.WebSockets,
    };

    /// <summary>After a refusal the sender's connection is up and still relays.</summary>
    private static async Task AssertStillRelaysAsync(OfficialClient alice, OfficialClient bob)
    {
        Assert.Equal(HubConnectionState.Connected, alice.Connection.State);
        var offers = bob.Expect<RelayedSdp>(nameof(ISignalingClient.Offer), 1);
        await alice.Invoke(nameof(ISignalingHub.Offer), new SdpMessage("transports", "bob", "v=0 after the refusal"));
        Assert.Equal("v=0 after the refusal", Assert.Single(await offers).Sdp);
    }
}
