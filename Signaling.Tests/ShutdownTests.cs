using System.Diagnostics;
using System.Net.Sockets;
using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>The real service as its own process, stopped the way an orchestrator stops it: SIGTERM.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("signaling-shutdown-").FullName;
    private Process? _server;

    [Fact]
    public async Task Sigterm_tells_every_client_before_the_socket_closes_and_the_process_exits_cleanly()
    {
        var port = FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}/");
        _server = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "Signaling.Hub.dll"), "--urls", baseUri.ToString().TrimEnd('/'),
                $"--Signaling:Jwt:SigningKey={Tokens.SigningKey}", $"--Signaling:Storage:Sqlite:Path={Path.Combine(_dataDirectory, "db")}",
                $"--Signaling:Files:Directory={Path.Combine(_dataDirectory, "files")}", "--Signaling:Shutdown:ReconnectAfterMs=1234",
            },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await WaitUntilLive(baseUri);

        var peers = new List<(TestPeer Peer, TaskCompletionSource<bool> Closed)>();
        foreach (var sub in new[] { "alice", "bob" })
        {
            var client = SignalingClient.Create(baseUri, _ => ValueTask.FromResult<string?>(Tokens.Create(sub)));
            var peer = new TestPeer(client);
            var closed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Closed += _ => { closed.TrySetResult(true); return Task.CompletedTask; };
            await client.StartAsync().WaitAsync(Timeouts.Default);
            await client.JoinRoom(new JoinRoomRequest("shutdown-room")).WaitAsync(Timeouts.Default);
            peers.Add((peer, closed));
        }

        using (var kill = Process.Start("kill", ["-TERM", _server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        // Nothing arrives on a closed socket: receiving the goodbye at all proves it came first.
        foreach (var (peer, closed) in peers)
        {
            var goodbye = await peer.Next<ServerShutdownEvent>(nameof(ISignalingClient.ServerShutdown));
            Assert.Equal(1234, goodbye.ReconnectAfterMs);
            await closed.Task.WaitAsync(Timeouts.Default);
            await peer.DisposeAsync();
        }

        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _server.WaitForExitAsync(exit.Token);
        Assert.Equal(0, _server.ExitCode);
    }

    private static async Task WaitUntilLive(Uri baseUri)
    {
        using var http = new HttpClient { BaseAddress = baseUri };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Process start has no event to wait on: poll the liveness probe, as an orchestrator does.
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/health/live", timeout.Token)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
        }

        _server?.Dispose();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }
}
