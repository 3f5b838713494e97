using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Signaling.Bench;

/// <summary>
/// Rooms of M members; member 0 of each room changes its media state, the M − 1 others receive
/// it. Our hub broadcasts one <c>UpdateMediaState</c> call as <c>PeerUpdated</c>; targets
/// without rooms get one message per member from the sender (see <see cref="IBenchPeer.BroadcastMediaStateAsync"/>).
/// </summary>
public sealed class FanoutScenario(BenchOptions options, ITargetAdapter target, RunCounters counters, LatencyHistogram latency) : IShardScenario
{
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(10);

    private readonly List<Room> rooms = [];
    private readonly MeasuredWindow window = new(options, latency);
    private long updates;

    public long Delivered => window.Delivered;

    public long Updates => Interlocked.Read(ref updates);

    public int Units => rooms.Count;

    private RunCounters Counters => counters;

    public async Task SetUpAsync(int first, int count, CancellationToken cancellationToken)
    {
        var run = options.RunId;
        var size = options.FanoutRoomSize;
        for (var r = first; r < first + count; r++)
        {
            rooms.Add(new Room(this, r, $"fanout-{run}-{r}", Enumerable.Range(0, size).Select(j => $"{run}-f{r}-{j}").ToArray()));
        }

        var members = rooms.SelectMany(room => Enumerable.Range(0, size).Select(j => (Room: room, Member: j)));
        await Parallel.ForEachAsync(members, options.ConnectOptions(cancellationToken), async (m, ct) =>
        {
            // Neighbouring members on different instances: with two, half of each room is across Redis from its sender.
            var urls = options.Urls;
            var peer = await target.ConnectAsync(urls[(m.Room.Index + m.Member) % urls.Count], m.Room.PeerIds[m.Member], m.Room.HandlerFor(m.Member), counters, ct);
            m.Room.Members[m.Member] = peer;
            await peer.JoinAsync(m.Room.RoomId, ct);
        });
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = window.Open(cancellationToken);

        // --rate is media state updates per second offered by all senders of all processes together.
        TimeSpan? period = options.Rate > 0 && rooms.Count > 0
            ? TimeSpan.FromSeconds(options.Rooms / options.Rate)
            : null;
        await Task.WhenAll(rooms.Select((room, i) => Task.Run(() => room.LoopAsync(period, i, deadline.Token), CancellationToken.None)));
    }

    public async Task TearDownAsync()
    {
        await Task.WhenAll(rooms.SelectMany(r => r.Members).OfType<IBenchPeer>().Select(p => p.DisposeAsync().AsTask()));
        foreach (var room in rooms)
        {
            room.Dispose();
        }
    }

    private bool InWindow(long now) => window.Contains(now);

    private void Delivered1(long sentTimestamp) => window.Delivered1(sentTimestamp);

    private sealed class Room(FanoutScenario scenario, int index, string roomId, string[] peerIds) : IDisposable
    {
        // Send times by sequence number, for targets whose broadcast carries only the state bits.
        private const int Ring = 4096;

        private readonly long[] sentAt = new long[Ring];
        private readonly SemaphoreSlim roundDone = new(0);
        private long sequence;
        private int awaiting;

        public int Index => index;

        private FanoutScenario Scenario => scenario;

        public string RoomId => roomId;

        public string[] PeerIds => peerIds;

        public IBenchPeer?[] Members { get; } = new IBenchPeer?[peerIds.Length];

        public IRelayHandler HandlerFor(int member) => new Receiver(this, member);

        public void Dispose() => roundDone.Dispose();

        public async Task LoopAsync(TimeSpan? period, int slot, CancellationToken cancellationToken)
        {
            var sender = Members[0]!;
            var others = peerIds[1..];
            var counters = scenario.Counters;
            var clock = Stopwatch.StartNew();
            var next = period is { } p ? p * ((double)slot / Math.Max(1, scenario.rooms.Count)) : TimeSpan.Zero;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (period is { } every)
                    {
                        var wait = next - clock.Elapsed;
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, cancellationToken);
                        }

                        next += every;
                    }
                    else
                    {
                        Volatile.Write(ref awaiting, others.Length);
                    }

                    var seq = sequence + 1;
                    var now = Stopwatch.GetTimestamp();
                    Volatile.Write(ref sentAt[seq % Ring], now);
                    Volatile.Write(ref sequence, seq);
                    if (scenario.InWindow(now))
                    {
                        Interlocked.Increment(ref scenario.updates);
                    }

                    // seq & 7 differs from the previous state every time, so each update is a real change.
                    await sender.BroadcastMediaStateAsync(roomId, others, (int)(seq & 7), now, cancellationToken);
                    if (period is null && !await roundDone.WaitAsync(RoundTimeout, cancellationToken))
                    {
                        counters.Timeout();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The run's deadline.
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                counters.Error($"room {index}: {e.Message}");
            }
        }

        private void Received(long sentTimestamp)
        {
            scenario.Delivered1(sentTimestamp);
            if (Interlocked.Decrement(ref awaiting) == 0)
            {
                roundDone.Release();
            }
        }

        private sealed class Receiver(Room room, int member) : IRelayHandler
        {
            private long count;

            public ValueTask OnRelayAsync(RelayKind kind, long sentTimestamp)
            {
                if (member != 0)
                {
                    room.Received(sentTimestamp);
                }

                return ValueTask.CompletedTask;
            }

            public ValueTask OnPeerUpdatedAsync(int stateBits)
            {
                if (member == 0)
                {
                    return ValueTask.CompletedTask;
                }

                // One sender, and the hub keeps one sender's order per receiver: the n-th event is the n-th update.
                var n = ++count;
                var counters = room.Scenario.Counters;
                if (stateBits != (int)(n & 7))
                {
                    counters.Error($"{room.PeerIds[member]}: update {n} arrived as state {stateBits}: one was lost or reordered");
                }
                else if (Volatile.Read(ref room.sequence) - n >= Ring)
                {
                    counters.Error($"{room.PeerIds[member]}: more than {Ring} updates behind, send time overwritten");
                }
                else
                {
                    room.Received(Volatile.Read(ref room.sentAt[n % Ring]));
                }

                return ValueTask.CompletedTask;
            }
        }
    }
}

public static class FanoutReport
{
    public const string Header =
        "| run | rooms × members | load | updates/s | deliveries/s | p50 ms | p99 ms | errors (timeouts) | server CPU s | server CPU µs/delivery | Redis CPU µs/delivery | generator CPU µs/delivery | server RSS MiB | " + GeneratorLoad.HeaderCells + " |\n" +
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + GeneratorLoad.HeaderAlign + "|";

    public static void Print(BenchOptions options, ShardResult result)
    {
        var histogram = new LatencyHistogram();
        histogram.Merge(result.Latency);
        var seconds = result.WindowSeconds > 0 ? result.WindowSeconds : options.Duration.TotalSeconds;
        var server = result.WatchCpuSeconds.Where(kv => !IsRedis(kv.Key)).Sum(kv => kv.Value);
        var redis = result.WatchCpuSeconds.Where(kv => IsRedis(kv.Key)).Sum(kv => kv.Value);
        var rss = string.Join(" + ", result.WatchRssMiB.Where(kv => !IsRedis(kv.Key)).Select(kv => F(kv.Value, 0)));
        var hasServer = result.WatchCpuSeconds.Count > 0;
        var hasRedis = result.WatchCpuSeconds.Keys.Any(IsRedis);
        string PerDelivery(double cpu) => result.Delivered > 0 ? F(cpu * 1e6 / result.Delivered, 1) : "–";
        var (generatorLoad, generatorBound) = GeneratorLoad.Cells(result.GeneratorCpuSeconds, result.GeneratorBusiestShare, seconds);

        var row = string.Join(" | ",
            options.Label ?? options.Target,
            $"{result.Pairs} × {options.FanoutRoomSize}",
            options.Rate > 0 ? $"paced {F(options.Rate, 0)} updates/s" : "closed loop",
            F(result.Updates / seconds, 0),
            F(result.Delivered / seconds, 0),
            F(histogram.Percentile(0.50) / 1000, 2),
            F(histogram.Percentile(0.99) / 1000, 2),
            $"{result.Errors} ({result.Timeouts})",
            hasServer ? F(server, 2) : "–",
            hasServer ? PerDelivery(server) : "–",
            hasRedis ? PerDelivery(redis) : "–",
            PerDelivery(result.GeneratorCpuSeconds),
            rss.Length > 0 ? rss : "–",
            generatorLoad,
            generatorBound);
        Console.WriteLine($"| {row} |");

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Label}: {result.Updates} updates, {result.Delivered} deliveries in {seconds:F1} s, p50 {histogram.Percentile(0.5)} µs, p99 {histogram.Percentile(0.99)} µs, max {histogram.Percentile(1)} µs, errors {result.Errors}, timeouts {result.Timeouts}{(result.LastError is null ? "" : ", last error: " + result.LastError)}"));
        if (options.JsonOut is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(result));
        }
    }

    private static bool IsRedis(string name) => name.StartsWith("redis", StringComparison.OrdinalIgnoreCase);

    private static string F(double value, int decimals) =>
        double.IsNaN(value) || value < 0 ? "–" : value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
