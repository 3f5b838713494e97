using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// What <see cref="SignalingClient"/> adds to Microsoft's client: a refused connect as a
/// <see cref="SignalingConnectionException"/> with its status and without the token, options checked at
/// <see cref="SignalingClient.Create"/>, and stateful reconnect across a real connection reset.
/// </summary>
public sealed class SignalingClientConnectionTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    public enum Refusal
    {
        AtNegotiate,
        AtTransportRequest,
        WithoutNegotiation,
    }

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData(Refusal.AtNegotiate)]
    [InlineData(Refusal.AtTransportRequest)]
    [InlineData(Refusal.WithoutNegotiation)]
    public async Task A_refused_connect_carries_the_status_and_never_the_token(Refusal where)
    {
        var expired = Tokens.Create("mallory", expires: DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddMinutes(-10));
        // A token that expires between the negotiate and the WebSocket request: the first call gets a valid one.
        var issued = 0;
        string Next() => where == Refusal.AtTransportRequest && Interlocked.Increment(ref issued) == 1 ? Tokens.Create("mallory") : expired;
        await using var client = SignalingClient.Create(_app.BaseAddress, _ => ValueTask.FromResult<string?>(Next()), options =>
        {
            options.SkipNegotiation = where == Refusal.WithoutNegotiation;
            options.Transports = HttpTransportType.WebSockets;
        });

        var ex = await Assert.ThrowsAsync<SignalingConnectionException>(() => client.StartAsync().WaitAsync(Timeouts.Default));

        Assert.True(ex.StatusCode == 401, $"expected 401, got {ex.StatusCode}: {ex}");
        Assert.Contains("HTTP 401", ex.Message, StringComparison.Ordinal);
        // The whole chain, inner exceptions included, as a log line would show it.
        Assert.DoesNotContain(expired, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(expired.Split('.')[2], ex.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpTransportType.LongPolling, false, "Transports")]
    [InlineData(HttpTransportType.WebSockets, true, "StatefulReconnect")]
    public void Options_the_official_client_cannot_honour_without_negotiation_fail_at_create(HttpTransportType transports, bool stateful, string named)
    {
        var ex = Assert.Throws<ArgumentException>(() => SignalingClient.Create(_app.BaseAddress, _ => ValueTask.FromResult<string?>(null), options =>
        {
            options.SkipNegotiation = true;
            options.Transports = transports;
            options.StatefulReconnect = stateful;
        }));
        Assert.Contains(nameof(SignalingClientOptions.SkipNegotiation), ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_stateful_reconnect_a_dropped_connection_resumes_in_its_room_and_misses_nothing()
    {
        await using var proxy = TcpProxy.Start(_app.BaseAddress);
        await using var alice = await _app.JoinAsync("alice", "drop");
        await using var bob = await ConnectThroughAsync(proxy, "bob", statefulReconnect: true);
        var connectionId = bob.Client.Connection.ConnectionId;
        var closed = ClosedOf(bob.Client);
        var accepted = proxy.Accepted;

        Assert.True(proxy.CutAll() >= 1, "bob had no open connection through the proxy");
        await alice.Client.Offer(new SdpMessage("drop", "bob", "v=0 sent across the drop")).WaitAsync(Timeouts.Default);

        Assert.Equal("v=0 sent across the drop", (await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
        Assert.True(proxy.Accepted > accepted, "bob never reconnected through the proxy");
        Assert.Equal(connectionId, bob.Client.Connection.ConnectionId);
        await bob.Client.Answer(new SdpMessage("drop", "alice", "v=0 still in the room")).WaitAsync(Timeouts.Default);
        Assert.Equal("v=0 still in the room", (await alice.Next<RelayedSdp>(nameof(ISignalingClient.Answer))).Sdp);
        Assert.False(closed.IsCompleted, "bob's connection closed");
    }

    /// <summary>The control: the same cut closes a connection that did not opt in, so the test above passes because of the option.</summary>
    [Fact]
    public async Task Without_stateful_reconnect_the_same_drop_closes_the_connection()
    {
        await using var proxy = TcpProxy.Start(_app.BaseAddress);
        await using var bob = await ConnectThroughAsync(proxy, "bob", statefulReconnect: false);
        var closed = ClosedOf(bob.Client);

        Assert.True(proxy.CutAll() >= 1, "bob had no open connection through the proxy");

        await closed.WaitAsync(Timeouts.Default);
        Assert.Equal(HubConnectionState.Disconnected, bob.Client.State);
    }

    private static async Task<TestPeer> ConnectThroughAsync(TcpProxy proxy, string sub, bool statefulReconnect)
    {
        var peer = new TestPeer(SignalingClient.Create(proxy.BaseAddress, _ => ValueTask.FromResult<string?>(Tokens.Create(sub)), options =>
        {
            options.StatefulReconnect = statefulReconnect;
            options.Transports = HttpTransportType.WebSockets;
        }));
        await peer.Client.StartAsync().WaitAsync(Timeouts.Default);
        peer.LastJoin = await peer.Client.JoinRoom(new("drop")).WaitAsync(Timeouts.Default);
        return peer;
    }

    private static Task ClosedOf(SignalingClient client)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }
}
