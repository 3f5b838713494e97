using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>The real service as its own process, stopped the way an orchestrator stops it (SIGTERM) and started again.</summary>
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
    public async Task While_stopping_new_connections_are_refused_and_a_hub_request_on_an_open_one_gets_503_with_a_retry_after()
    {
        await using var server = await SignalingProcess.StartAsync(new Dictionary<string, string?> { ["Signaling:Shutdown:ReconnectAfterMs"] = "2500" });
        var database = Path.Combine(server.DataDirectory, "signaling.db");
        await using var member = await server.JoinAsync("member", "stop-window");

        // A connection opened before the stop and answered once (so the server has taken it from its
        // listener's queue), as a balancer's kept-alive upstream connection is.
        using var open = new System.Net.Sockets.TcpClient();
        await open.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port).WaitAsync(Timeouts.Default);
        var raw = new RawHttp(open.GetStream(), server.BaseAddress.Authority);
        Assert.Equal("HTTP/1.1 200 OK", (await raw.SendAsync("GET", "/health/live", token: null)).First());

        // Holding the database's write lock holds the stop where it lets go of the store, after the
        // goodbye: the window every probe below is made in, opened and closed by the test.
        await using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
        await holder.OpenAsync();
        await using var writeLock = await holder.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);

        await server.TerminateAsync();
        await member.Next<ServerShutdownEvent>(nameof(ISignalingClient.ServerShutdown));

        // A client that retries the moment it is told is refused by the kernel: a balancer moves on,
        // and the stopping process spends nothing on it.
        using var fresh = new System.Net.Sockets.TcpClient();
        var refused = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => fresh.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port).WaitAsync(Timeouts.Default));
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);

        // A hub request on the connection opened before is told when to come back.
        var head = await raw.SendAsync("POST", Negotiate, Tokens.Create("latecomer"));
        Assert.Equal("HTTP/1.1 503 Service Unavailable", head.First());
        Assert.Contains("Retry-After: 3", head);

        await writeLock.RollbackAsync();
        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public async Task A_client_that_never_answers_the_close_frame_does_not_hold_the_stop()
    {
        await using var server = await SignalingProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Signaling.Hub.Hubs"] = "Information",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore.Http.Connections"] = "Debug",
        });

        // A client that stops reading never answers the server's close frame. Its call's answer
        // means the server has registered the connection (it runs calls only after OnConnectedAsync).
        using var stuck = await RawHubClient.ConnectAsync(server, Tokens.Create("stuck"));
        await stuck.InvokeRawAsync("Ping", "[]");

        // SignalR waits 5 s for a client's close frame; a restart cannot listen again before this
        // process is gone, so a stop waits only a moment for it. Exiting within 4 s is only possible
        // when the stop did not wait the 5 s, however slow this machine is.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.TerminateAsync();
        await server.WaitForExitAsync(Timeouts.Default);
        Assert.Equal(0, server.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the stop took {clock.Elapsed.TotalSeconds:F1} s; the server said:\n{server.Output}");
    }

    [Fact]
    public async Task A_client_that_connects_while_the_service_is_still_starting_waits_and_is_answered_instead_of_refused()
    {
        // The test holds the store's file locked, so the start waits where the store opens, before
        // the web server runs: the moments a restarted process spends starting, held open by the test.
        var folder = Directory.CreateTempSubdirectory("signaling-start-").FullName;
        try
        {
            var database = Path.Combine(folder, "signaling.db");
            // Disposed below to let the start go on; the using only covers a failure before that.
            await using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
            await holder.OpenAsync();
            await using (var exclusive = holder.CreateCommand())
            {
                exclusive.CommandText = "BEGIN EXCLUSIVE;";
                await exclusive.ExecuteNonQueryAsync();
            }

            await using var server = await SignalingProcess.StartAsync(new Dictionary<string, string?> { ["Signaling:Storage:Sqlite:Path"] = database }, waitUntilLive: false);

            using var early = await ConnectWhileStartingAsync(server);
            var raw = new RawHttp(early.GetStream(), server.BaseAddress.Authority);
            var live = raw.SendAsync("GET", "/health/live", token: null);

            await holder.DisposeAsync();
            Assert.Equal("HTTP/1.1 200 OK", (await live).First());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Connects as soon as the port takes connections. A start has no event to wait on, so the port is
    /// tried until it answers; the bound is far above the ~0.1 s the process needs to listen.
    /// </summary>
    private static async Task<System.Net.Sockets.TcpClient> ConnectWhileStartingAsync(SignalingProcess server)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port).WaitAsync(Timeouts.Default);
                return client;
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused)
            {
                client.Dispose();
                Assert.False(server.HasExited, $"the service exited while starting:\n{server.Output}");
                Assert.True(clock.Elapsed < Timeouts.Default, $"the port refused connections for {clock.Elapsed.TotalSeconds:F0} s while the service was starting:\n{server.Output}");
                await Task.Delay(20);
            }
        }
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

    private const string Negotiate = "/hubs/signaling/negotiate?negotiateVersion=1";

    /// <summary>HTTP/1.1 requests written by hand on one connection: which connection a request goes over is the point.</summary>
    private sealed class RawHttp(Stream stream, string authority)
    {
        private readonly StreamReader _reader = new(stream, System.Text.Encoding.ASCII);

        /// <summary>Sends one request and returns the response's status line and headers (its body is read past).</summary>
        public async Task<List<string>> SendAsync(string method, string target, string? token)
        {
            var authorization = token is null ? "" : $"Authorization: Bearer {token}\r\n";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: {authority}\r\n{authorization}Content-Length: 0\r\n\r\n"));
            var head = new List<string>();
            for (var line = await _reader.ReadLineAsync().WaitAsync(Timeouts.Default); !string.IsNullOrEmpty(line); line = await _reader.ReadLineAsync().WaitAsync(Timeouts.Default))
            {
                head.Add(line);
            }

            if (head.Contains("Transfer-Encoding: chunked"))
            {
                for (var size = await ChunkSizeAsync(); size > 0; size = await ChunkSizeAsync())
                {
                    await SkipAsync(size + 2);
                }

                await _reader.ReadLineAsync().WaitAsync(Timeouts.Default);
            }
            else
            {
                await SkipAsync(head.Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault());
            }

            return head;
        }

        private async Task<int> ChunkSizeAsync() =>
            int.Parse((await _reader.ReadLineAsync().WaitAsync(Timeouts.Default))!, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

        private async Task SkipAsync(int count)
        {
            var buffer = new char[count];
            for (var read = 0; read < count; read += await _reader.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(Timeouts.Default))
            {
            }
        }
    }
}
