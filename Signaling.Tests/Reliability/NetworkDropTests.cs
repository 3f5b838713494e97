using System.Diagnostics;
using System.Text.Json;
using Signaling.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Signaling.Tests.Reliability;

/// <summary>
/// A real JS client (<c>@microsoft/signalr</c> with <c>withStatefulReconnect()</c>) loses its TCP
/// connection mid-stream and reconnects on its own within the server's reconnect window: every
/// relayed message reaches it exactly once and in order. <see cref="SignalingClientConnectionTests"/> drops
/// the .NET client's connection the same way.
/// </summary>
public sealed class NetworkDropTests(ITestOutputHelper output)
{
    private const int BeforeCut = 300;
    private const int AfterCut = 700;
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);
    private static readonly string ScriptDirectory = Path.Combine(AppContext.BaseDirectory, "Reliability", "node");

    /// <param name="downMs">How long the path stays down after the cut: 0 is a reset connection on a working network;
    /// otherwise the client's immediate reconnect attempt stalls that long, as during a real outage.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(2000)]
    public async Task A_drop_shorter_than_the_stateful_reconnect_window_loses_no_relayed_message(int downMs)
    {
        var run = await RunAsync(stateful: true, TimeSpan.FromMilliseconds(downMs));
        var r = run.Result;
        Assert.True(r.GetProperty("error").ValueKind == JsonValueKind.Null && r.GetProperty("sendError").ValueKind == JsonValueKind.Null, r.ToString());
        // The cut really hit a live connection, and B's client came back through the proxy on a new socket.
        Assert.True(run.Cut >= 1, "no connection of B's was open when the test cut");
        Assert.True(run.AcceptedAfter > run.AcceptedBefore, $"B never reconnected through the proxy: {r}");
        Assert.Equal(2, r.GetProperty("bSockets").GetInt32());
        // Reconnected as the same SignalR connection: no close, no PeerLeft for the room.
        Assert.Equal(JsonValueKind.Null, r.GetProperty("bClosed").ValueKind);
        Assert.True(r.GetProperty("bSameConnection").GetBoolean(), r.ToString());
        Assert.Equal(0, r.GetProperty("peerLeftSeenByA").GetArrayLength());
        // B was off the network about as long as the outage lasted. B's clock starts when its client
        // notices the reset, which comes a little after the proxy began stalling (one run measured
        // 1,996.6 ms for a 2,000 ms stall): allow that much, not more.
        Assert.True(r.GetProperty("bGapMs").GetDouble() >= downMs * 0.9, r.ToString());
        // A kept sending through the drop and well after it.
        Assert.True(r.GetProperty("sent").GetInt32() >= r.GetProperty("sentAtCut").GetInt32() + AfterCut, r.ToString());
        Assert.Equal(0, r.GetProperty("missing").GetInt32());
        Assert.Equal(0, r.GetProperty("duplicates").GetInt32());
        Assert.Equal(0, r.GetProperty("outOfOrder").GetInt32());
        Assert.True(r.GetProperty("inOrderExactlyOnce").GetBoolean(), r.ToString());
    }

    /// <summary>
    /// The control: the same cut under a client that did not opt in ends its connection, so the
    /// test above passes because of stateful reconnect, not because the cut missed.
    /// </summary>
    [Fact]
    public async Task The_same_drop_ends_a_connection_without_stateful_reconnect()
    {
        var run = await RunAsync(stateful: false, TimeSpan.Zero);
        var r = run.Result;
        Assert.True(run.Cut >= 1, "no connection of B's was open when the test cut");
        Assert.NotEqual(JsonValueKind.Null, r.GetProperty("bClosed").ValueKind);
        Assert.Equal(1, r.GetProperty("bSockets").GetInt32());
    }

    private async Task<DropRun> RunAsync(bool stateful, TimeSpan down)
    {
        await NodeScripts.EnsurePackagesAsync(ScriptDirectory, Path.Combine("@microsoft", "signalr"));
        await using var service = await SignalingProcess.StartAsync(new Dictionary<string, string?>
        {
            // A sends as fast as the server answers; the per-connection limit would refuse most of it.
            ["Signaling:RateLimits:HubPermitsPerSecond"] = "1000000",
            ["Signaling:RateLimits:HubBurst"] = "1000000",
        });
        // One proxy per peer: cutting B's leaves A's connection alone, so A keeps sending through the drop.
        await using var proxyA = TcpProxy.Start(service.BaseAddress);
        await using var proxyB = TcpProxy.Start(service.BaseAddress);
        var config = JsonSerializer.Serialize(new
        {
            urlA = proxyA.BaseAddress.ToString().TrimEnd('/'),
            urlB = proxyB.BaseAddress.ToString().TrimEnd('/'),
            tokenA = Tokens.Create("drop-a"),
            tokenB = Tokens.Create("drop-b"),
            peerB = "drop-b",
            roomId = "network-drop",
            before = BeforeCut,
            after = AfterCut,
            timeoutMs = (int)TimeSpan.FromSeconds(30).TotalMilliseconds,
            stateful,
        });

        var start = new ProcessStartInfo("node") { WorkingDirectory = ScriptDirectory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("drop.mjs");
        start.ArgumentList.Add(config);
        using var node = Process.Start(start)!;
        var stderr = node.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(ScriptTimeout);
        JsonElement? result = null;
        var cut = 0;
        var acceptedBefore = 0;
        try
        {
            while (await node.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                output.WriteLine(line);
                var message = JsonDocument.Parse(line).RootElement;
                switch (message.GetProperty("event").GetString())
                {
                    case "cut-me":
                        acceptedBefore = proxyB.Accepted;
                        if (down > TimeSpan.Zero)
                        {
                            proxyB.TakeDown();
                        }

                        cut = proxyB.CutAll();
                        await node.StandardInput.WriteLineAsync("cut");
                        await node.StandardInput.FlushAsync(limit.Token);
                        if (down > TimeSpan.Zero)
                        {
                            // The outage's length is the fault being injected, not a wait for something to happen.
                            await Task.Delay(down, limit.Token);
                            proxyB.BringUp();
                        }

                        break;
                    case "result":
                        result = message.Clone();
                        break;
                }
            }

            await node.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
            }
        }

        Assert.True(result is not null, $"the script gave no result; stderr:\n{await stderr}\nservice:\n{service.Output}");
        return new DropRun(result.Value, cut, acceptedBefore, proxyB.Accepted);
    }

    private sealed record DropRun(JsonElement Result, int Cut, int AcceptedBefore, int AcceptedAfter);
}
