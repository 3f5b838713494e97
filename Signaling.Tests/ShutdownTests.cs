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
        await using var server = await SignalingProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Signaling:Shutdown:ReconnectAfterMs"] = "1234",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging:LogLevel:Signaling.Hub.Observability"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore.Http.Connections"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore.SignalR"] = "Debug",
        });

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
            var goodbye = await peer.Next<ServerShutdownEvent>(nameof(ISignalingClient.ServerShutdown))
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : throw new InvalidOperationException($"no ServerShutdown; closed {closed.Task.IsCompleted}, state {peer.Client.State}; the server said:\n{server.Output}", t.Exception));
            Assert.Equal(1234, goodbye.ReconnectAfterMs);
            await closed.Task.WaitAsync(Timeouts.Default);
            await peer.DisposeAsync();
        }

        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public async Task While_stopping_new_hub_connections_are_refused_with_503_and_a_retry_after()
    {
        await using var server = await SignalingProcess.StartAsync(new Dictionary<string, string?> { ["Signaling:Shutdown:ReconnectAfterMs"] = "2500" });

        // A client that stops reading never answers the server's close frame, so the stop waits for it
        // (up to the WebSocket close timeout): that keeps the stopping window open long enough to probe.
        using var stuck = new System.Net.WebSockets.ClientWebSocket();
        var hub = new Uri($"ws://{server.BaseAddress.Authority}/hubs/signaling?access_token={Uri.EscapeDataString(Tokens.Create("stuck"))}");
        await stuck.ConnectAsync(hub, CancellationToken.None).WaitAsync(Timeouts.Default);
        await stuck.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var handshake = new byte[256];
        await stuck.ReceiveAsync(handshake.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeouts.Default);

        using var http = server.CreateHttpClient(Tokens.Create("latecomer"));
        var negotiate = new Uri("/hubs/signaling/negotiate?negotiateVersion=1", UriKind.Relative);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.PostAsync(negotiate, null)).StatusCode);

        await server.TerminateAsync();

        HttpResponseMessage? refused = null;
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (refused is null && !server.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                var response = await http.PostAsync(negotiate, null);
                if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    refused = response;
                }
            }
            catch (HttpRequestException)
            {
                // The listener closed: the window was missed.
                break;
            }

            await Task.Delay(20);
        }

        Assert.True(refused is not null, $"no 503 while stopping; the server said:\n{server.Output}");
        Assert.Equal(TimeSpan.FromSeconds(3), refused.Headers.RetryAfter?.Delta);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public async Task A_request_in_flight_when_SIGTERM_arrives_is_answered_before_the_process_exits()
    {
        await using var server = await SignalingProcess.StartAsync();
        using var http = server.CreateHttpClient(Tokens.Create("owner"));
        var body = new GatedContent("""{"name":"Late""", """ room","type":"voice"}""");

        var response = http.PostAsync(new Uri("/api/rooms", UriKind.Relative), body);
        await body.FirstPartSent;
        await server.TerminateAsync();
        body.Release();

        var answered = await response.WaitAsync(Timeouts.Default);
        Assert.Equal(System.Net.HttpStatusCode.Created, answered.StatusCode);
        var created = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Signaling.Contracts.Http.CreateRoomResponse>(answered.Content);
        Assert.Equal("Late room", created!.Room.Name);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
    }

    /// <summary>A JSON body sent in two parts, the second only when the test says so: a request provably in flight.</summary>
    private sealed class GatedContent : HttpContent
    {
        private readonly string _first;
        private readonly string _second;

        public GatedContent(string first, string second)
        {
            (_first, _second) = (first, second);
            Headers.ContentType = new("application/json");
        }

        private readonly TaskCompletionSource _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstPartSent => _firstSent.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(_first));
            await stream.FlushAsync();
            _firstSent.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(_second));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
