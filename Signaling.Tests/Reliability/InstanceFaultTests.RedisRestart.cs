using System.Diagnostics;
using System.Net;
using Signaling.Contracts;
using Signaling.Tests.Infrastructure;
using Signaling.Tests.Scaling;

namespace Signaling.Tests.Reliability;

public sealed partial class InstanceFaultTests
{
    /// <summary>
    /// Four streams, two within an instance and two across, while Redis is killed with kill -9 and
    /// started again. Redis runs with its append-only file, as production would: what it held
    /// (rooms, members, instances) is back after the restart.
    /// </summary>
    [Fact]
    public async Task Through_a_Redis_kill_and_restart_local_streams_lose_nothing_and_cross_instance_streams_resume_by_themselves()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var cluster = await RedisTestCluster.StartAsync(2, redis);
        var (one, two) = (cluster.Instances[0], cluster.Instances[1]);
        var pairs = new[]
        {
            await Pair.StartAsync("local-1", one, one),
            await Pair.StartAsync("local-2", two, two),
            await Pair.StartAsync("cross-12", one, two),
            await Pair.StartAsync("cross-21", two, one),
        };
        var local = pairs[..2];
        var cross = pairs[2..];
        using var stop = new CancellationTokenSource();
        var runs = pairs.Select(p => p.Sender.RunAsync(stop.Token)).ToList();
        try
        {
            foreach (var pair in pairs)
            {
                await pair.Log.WaitAsync(pair.From, l => l.Count >= Warmup, $"{pair.Name} flowing");
            }

            var clock = Stopwatch.StartNew();
            var atKill = pairs.Select(p => p.Sender.NextSeq).ToArray();
            await redis.StopAsync();
            await Task.WhenAll(cluster.Instances.Select(i => ReadinessAsync(i, HttpStatusCode.ServiceUnavailable, "readiness reporting the outage")));
            var unready = clock.Elapsed;
            // Traffic during the outage: every stream makes Warmup more calls before Redis comes back.
            for (var i = 0; i < pairs.Length; i++)
            {
                var from = atKill[i] + Warmup;
                await pairs[i].Sender.Progress.WaitAsync(() => pairs[i].Sender.NextSeq > from, Timeouts.Default, $"{pairs[i].Name} sending during the outage");
            }

            var atRestart = pairs.Select(p => p.Sender.NextSeq).ToArray();
            var restartedAt = clock.Elapsed;
            await redis.StartAgainAsync();
            await Task.WhenAll(cluster.Instances.Select(i => ReadinessAsync(i, HttpStatusCode.OK, "readiness after Redis is back")));
            var readyAt = clock.Elapsed;
            var atReady = pairs.Select(p => p.Sender.NextSeq).ToArray();

            // Recovered: the cross-instance streams deliver what is sent from now on.
            for (var i = 2; i < pairs.Length; i++)
            {
                var from = atReady[i];
                await pairs[i].Log.WaitAsync(pairs[i].From, l => l.Count(s => s >= from) >= Warmup, $"{pairs[i].Name} after Redis is back");
            }

            var resumedAt = clock.Elapsed;
            await stop.CancelAsync();
            await Task.WhenAll(runs).WaitAsync(Timeouts.Default);
            foreach (var pair in pairs)
            {
                var last = pair.Sender.Outcomes.Last(o => o.Result == SendOutcome.Ok).Seq;
                await pair.Log.WaitAsync(pair.From, l => l.Contains(last), $"{pair.Name}'s last acknowledged number ({last})");
            }

            // No call hung and every refusal carried a code.
            foreach (var pair in pairs)
            {
                Assert.All(pair.Sender.Outcomes, o => Assert.True(o.Result == SendOutcome.Ok || ErrorCodes.All.Contains(o.Result), $"{pair.Name} #{o.Seq}: {o.Result}"));
            }

            // Within an instance: every call succeeded and every number arrived, once and in order.
            foreach (var pair in local)
            {
                Assert.All(pair.Sender.Outcomes, o => Assert.Equal(SendOutcome.Ok, o.Result));
                var received = pair.Log.From(pair.From);
                Assert.Equal(Enumerable.Range(1, pair.Sender.Outcomes.Count), received);
            }

            // Across instances: nothing twice or out of order; after readiness came back, nothing lost.
            for (var i = 2; i < pairs.Length; i++)
            {
                var received = pairs[i].Log.From(pairs[i].From);
                StreamAssert.Increasing(received, pairs[i].Name);
                var after = pairs[i].Sender.Outcomes.Where(o => o.Seq >= atReady[i]).ToList();
                Assert.All(after, o => Assert.Equal(SendOutcome.Ok, o.Result));
                Assert.Equal(after.Select(o => o.Seq), received.Where(s => s >= atReady[i]));
            }

            foreach (var instance in cluster.Instances)
            {
                Assert.False(instance.HasExited, instance.Output);
                var stats = await Eventually.Until(() => RedisTestCluster.StatsAsync(instance), s => s.Instances == 2 && s.Connections.Active == 8,
                    what: "both instances and their 8 connections counted");
                Assert.Equal((4L, 8L), (stats.Rooms.Active, stats.Peers.Active));
            }

            output.WriteLine($"Redis kill -9 under 4 streams: readiness 503 on both after {unready.TotalMilliseconds:F0} ms; restarted {restartedAt.TotalMilliseconds:F0} ms after the kill; " +
                             $"readiness 200 on both {(readyAt - restartedAt).TotalMilliseconds:F0} ms after the restart; cross-instance streams delivering {Warmup} more {(resumedAt - readyAt).TotalMilliseconds:F0} ms after that");
            for (var i = 0; i < pairs.Length; i++)
            {
                var pair = pairs[i];
                var received = pair.Log.From(pair.From).ToHashSet();
                var outage = pair.Sender.Outcomes.Where(o => o.Seq >= atKill[i] && o.Seq < atReady[i]).ToList();
                output.WriteLine($"  {pair.Name}: {pair.Sender.Outcomes.Count} sent, {received.Count} received; from the kill to readiness: {Describe(outage)}; " +
                                 $"acknowledged but lost: {outage.Count(o => o.Result == SendOutcome.Ok && !received.Contains(o.Seq))} " +
                                 $"(after the restart: {outage.Count(o => o.Seq >= atRestart[i] && o.Result == SendOutcome.Ok && !received.Contains(o.Seq))}); " +
                                 $"slowest call {pair.Sender.Outcomes.Max(o => o.Took).TotalMilliseconds:F0} ms");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(runs).WaitAsync(Timeouts.Default);
            foreach (var pair in pairs)
            {
                await pair.DisposeAsync();
            }
        }
    }

    private static async Task ReadinessAsync(SignalingProcess instance, HttpStatusCode expected, string what)
    {
        using var http = instance.CreateHttpClient();
        await Eventually.Until(async () => (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == expected,
            TimeSpan.FromSeconds(20), what);
    }

    /// <summary>A sender and a receiver in a room of their own, each on the instance given.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly TestPeer _sender;
        private readonly TestPeer _receiver;

        private Pair(string name, TestPeer sender, TestPeer receiver)
        {
            Name = name;
            _sender = sender;
            _receiver = receiver;
            Log = new StreamLog(receiver);
            Sender = new NumberedSender(sender, name, name + "-to");
        }

        public string Name { get; }

        public string From => Name + "-from";

        public StreamLog Log { get; }

        public NumberedSender Sender { get; }

        public static async Task<Pair> StartAsync(string name, ISignalingHost senderHost, ISignalingHost receiverHost)
        {
            var sender = await senderHost.JoinAsync(name + "-from", name);
            var receiver = await receiverHost.JoinAsync(name + "-to", name);
            await sender.Next<Contracts.Rooms.PeerInfo>(nameof(ISignalingClient.PeerJoined));
            return new Pair(name, sender, receiver);
        }

        public async ValueTask DisposeAsync()
        {
            Log.Dispose();
            await _sender.DisposeAsync();
            await _receiver.DisposeAsync();
        }
    }
}
