using Signaling.Client;

namespace Signaling.Tests.Infrastructure;

/// <summary>A running Signaling service that tests reach over real sockets: in-process on Kestrel, or its own process.</summary>
public interface ISignalingHost
{
    Uri BaseAddress { get; }
}

public static class SignalingHostExtensions
{
    public static HttpClient CreateHttpClient(this ISignalingHost host, string? token = null)
    {
        var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    /// <summary>Opens a real hub connection through <see cref="SignalingClient"/> (negotiate, then WebSockets) with the given token.</summary>
    public static async Task<TestPeer> ConnectAsync(this ISignalingHost host, string? token, Action<SignalingClientOptions>? configure = null)
    {
        var client = SignalingClient.Create(host.BaseAddress, _ => ValueTask.FromResult(token), configure);
        var peer = new TestPeer(client);
        await client.StartAsync().WaitAsync(Timeouts.Default);
        // SignalR answers the handshake before it runs OnConnectedAsync, but it runs a connection's
        // invocations only after it: a round trip means the server has registered this connection.
        await client.Ping().WaitAsync(Timeouts.Default);
        return peer;
    }

    /// <summary>Connects as <paramref name="sub"/> with a fresh token and joins <paramref name="roomId"/>.</summary>
    public static async Task<TestPeer> JoinAsync(this ISignalingHost host, string sub, string roomId, string? org = null)
    {
        var peer = await host.ConnectAsync(Tokens.Create(sub, org: org));
        peer.LastJoin = await peer.Client.JoinRoom(new(roomId)).WaitAsync(Timeouts.Default);
        return peer;
    }
}
