using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Admin;

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

    /// <summary>
    /// Connects the device <paramref name="clientId"/> of <paramref name="org"/> once and takes it
    /// offline again, as a device that was seen before: admin requests to it are queued.
    /// </summary>
    public static async Task RegisterOfflineDeviceAsync(this ISignalingHost host, TestPeer admin, string clientId, string org = "acme")
    {
        var device = await host.ConnectAsync(Tokens.Create(clientId, roles: ["client"], org: org));
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.ClientId == clientId && e.Status == ClientStatus.Online);
        await device.DisposeAsync();
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.ClientId == clientId && e.Status == ClientStatus.Offline);
    }

    /// <summary>Connects as <paramref name="sub"/> with a fresh token and joins <paramref name="roomId"/>.</summary>
    public static async Task<TestPeer> JoinAsync(this ISignalingHost host, string sub, string roomId, string? org = null)
    {
        var peer = await host.ConnectAsync(Tokens.Create(sub, org: org));
        peer.LastJoin = await peer.Client.JoinRoom(new(roomId)).WaitAsync(Timeouts.Default);
        return peer;
    }
}
