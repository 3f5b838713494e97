using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>The real service as its own process, stopped the way an orchestrator stops it: SIGTERM.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_tells_every_client_before_the_socket_closes_and_the_process_exits_cleanly()
    {
        await using var server = await SignalingProcess.StartAsync(new Dictionary<string, string?> { ["Signaling:Shutdown:ReconnectAfterMs"] = "1234" });

        var peers = new List<(TestPeer Peer, TaskCompletionSource<bool> Closed)>();
        foreach (var sub in new[] { "alice", "bob" })
        {
            var client = SignalingClient.Create(server.BaseAddress, _ => ValueTask.FromResult<string?>(Tokens.Create(sub)));
            var peer = new TestPeer(client);
            var closed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Closed += _ => { closed.TrySetResult(true); return Task.CompletedTask; };
            await client.StartAsync().WaitAsync(Timeouts.Default);
            await client.JoinRoom(new JoinRoomRequest("shutdown-room")).WaitAsync(Timeouts.Default);
            peers.Add((peer, closed));
        }

        await server.TerminateAsync();

        // Nothing arrives on a closed socket: receiving the goodbye at all proves it came first.
        foreach (var (peer, closed) in peers)
        {
            var goodbye = await peer.Next<ServerShutdownEvent>(nameof(ISignalingClient.ServerShutdown));
            Assert.Equal(1234, goodbye.ReconnectAfterMs);
            await closed.Task.WaitAsync(Timeouts.Default);
            await peer.DisposeAsync();
        }

        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
    }
}
